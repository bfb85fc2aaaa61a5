-- A decided load every shard committed is done: its text is no longer needed (each shard's load_files keeps the file's record).
-- $1 bigint: the group load
UPDATE group_loads SET state = 'done', done_at = now(), content = NULL
 WHERE load_id = $1::bigint AND state = 'committed'
   AND NOT EXISTS (SELECT FROM group_load_shards WHERE load_id = $1::bigint AND committed_at IS NULL)
