-- Records the shard of the coupons a shard accepted in this load (a later file repeating one goes there).
-- $1 text[]: the coupons' ids
-- $2 text[]: their users, in the same order
-- $3 text: the shard
-- $4 bigint: the group load
INSERT INTO coupon_directory (coupon_id, user_id, shard, load_id)
SELECT c, u, $3, $4::bigint FROM unnest($1::text[], $2::text[]) AS t (c, u)
ON CONFLICT (coupon_id) DO NOTHING
