-- G6: every member shard is attached and is the shard it is named for: its foreign tables exist
-- (schema shard_NAME, made by shard add; else NOT_ATTACHED), and its shard_identity row names it
-- and this group's id (else NO_IDENTITY, WRONG_IDENTITY): a server pointed at another database
-- would otherwise be summed into the books as if it were that shard. Key the shard.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.group_found.
WITH i AS (SELECT shard, own_shard, group_id FROM grp.shard_identity),
cmp AS (SELECT m.shard AS sh,
               CASE WHEN to_regnamespace(quote_ident('shard_' || m.shard)) IS NULL THEN 'NOT_ATTACHED'
                    WHEN i.shard IS NULL THEN 'NO_IDENTITY'
                    WHEN i.own_shard <> m.shard
                         OR i.group_id IS DISTINCT FROM (SELECT g.group_id FROM group_identity g) THEN 'WRONG_IDENTITY'
               END AS t
          FROM shard_members m LEFT JOIN i ON i.shard = m.shard),
ins AS (INSERT INTO pg_temp.group_found (check_id, break_type, break_key, shard)
         SELECT 'G6', t, sh, sh FROM cmp WHERE t IS NOT NULL)
SELECT count(*), 0::bigint FROM cmp
