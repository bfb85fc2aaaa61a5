-- G7: no group load is left half-done: a file decided at the coordinator (group_loads 'committed')
-- and not yet committed on every shard is UNFINISHED (key LOAD_ID:file name; the next sharded
-- command finishes it from the stored bytes), since its users may be in the directory and not yet
-- on their shard (G3 leaves them out).
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.group_found.
WITH l AS (SELECT load_id, file_name, state FROM group_loads),
ins AS (INSERT INTO pg_temp.group_found (check_id, break_type, break_key)
         SELECT 'G7', 'UNFINISHED', load_id || ':' || file_name FROM l WHERE state <> 'done')
SELECT count(*), 0::bigint FROM l
