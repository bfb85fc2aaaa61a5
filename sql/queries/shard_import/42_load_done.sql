-- The import's group_loads row is done with it: the manifest's text is no longer needed.
-- $1 bigint: the group import
UPDATE group_loads SET state = 'done', done_at = now(), content = NULL
 WHERE load_id = $1::bigint AND state = 'committed'
   AND EXISTS (SELECT FROM group_imports WHERE load_id = $1::bigint AND done_at IS NOT NULL)
