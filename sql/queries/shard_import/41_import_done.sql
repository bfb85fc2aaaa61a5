-- The group import is done once every shard imported its part (with the cut-over date the
-- group's closed date in the same transaction).
-- $1 bigint: the group import
UPDATE group_imports SET done_at = now()
 WHERE load_id = $1::bigint AND done_at IS NULL
   AND NOT EXISTS (SELECT FROM group_import_shards WHERE load_id = $1::bigint AND imported_at IS NULL)
