-- A shard committed its part of a decided load.
-- $1 bigint: the group load
-- $2 text: the shard
UPDATE group_load_shards SET committed_at = now() WHERE load_id = $1::bigint AND shard = $2 AND committed_at IS NULL
