-- Decided group imports some shard has not committed its part of (a crash between the shards' commits).
SELECT i.load_id, i.cutover_date::text, string_agg(s.shard, ', ' ORDER BY s.shard)
  FROM group_imports i JOIN group_import_shards s USING (load_id)
 WHERE s.imported_at IS NULL
 GROUP BY i.load_id, i.cutover_date ORDER BY i.load_id
