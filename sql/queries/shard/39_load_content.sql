-- The text of a decided load, to load a shard's lines of it again.
-- $1 bigint: the group load
SELECT content FROM group_loads WHERE load_id = $1::bigint AND state = 'committed'
