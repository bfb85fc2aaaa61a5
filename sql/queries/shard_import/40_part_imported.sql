-- Shard S committed its part of the group import.
-- $1 bigint: the group import
-- $2 text: the shard
UPDATE group_import_shards SET imported_at = now()
 WHERE load_id = $1::bigint AND shard = $2 AND imported_at IS NULL
