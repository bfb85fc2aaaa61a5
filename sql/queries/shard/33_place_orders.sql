-- Records the shard of the orders a shard accepted in this load (their refunds go there).
-- $1 text[]: the orders' ids
-- $2 text[]: their users, in the same order
-- $3 text: the shard
-- $4 bigint: the group load
INSERT INTO order_directory (order_id, user_id, shard, load_id)
SELECT o, u, $3, $4::bigint FROM unnest($1::text[], $2::text[]) AS t (o, u)
ON CONFLICT (order_id) DO NOTHING
