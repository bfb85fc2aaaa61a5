-- On a shard, in its import's open transaction: its loans and their users, for the order directory.
SELECT order_id, user_id FROM loans ORDER BY order_id
