-- The shards' parts of a decided group import and which of them each shard committed.
-- $1 bigint: the group import (its group_loads id)
SELECT shard, part_sha256, imported_at IS NOT NULL FROM group_import_shards WHERE load_id = $1::bigint ORDER BY shard
