-- The shards these orders went to (orders the group never accepted: no row); a refund follows its order.
-- $1 text[]: the orders' ids
SELECT order_id, shard FROM order_directory WHERE order_id = ANY ($1::text[])
