-- The shards these coupons were issued on (coupons the group never accepted: no row); a row repeating a coupon id goes where the first went, whose shard rejects it DUPLICATE_COUPON.
-- $1 text[]: the coupons' ids
SELECT coupon_id, shard FROM coupon_directory WHERE coupon_id = ANY ($1::text[])
