-- On a shard, in its import's open transaction: the users it holds, for the directory.
SELECT user_id FROM users ORDER BY user_id
