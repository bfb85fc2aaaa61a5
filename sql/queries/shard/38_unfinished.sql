-- Decided loads whose part some shard has not committed (a crash between the shards' commits), oldest first.
SELECT g.load_id, g.kind, g.channel, g.file_name, s.shard, s.lines::text
  FROM group_loads g JOIN group_load_shards s USING (load_id)
 WHERE g.state = 'committed' AND s.committed_at IS NULL
 ORDER BY g.load_id, s.shard
