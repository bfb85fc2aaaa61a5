-- G3: the directory and the shards agree on who lives where (issue 16 §1, §5): every user of a shard
-- is in user_directory under that shard (else NOT_IN_DIRECTORY), and every directory user is in the
-- users of the shard it names (else NOT_ON_SHARD; not while the group load that placed the user is
-- still being committed on the shards: G7 names that load). A user on the wrong shard is both.
-- One scan of every shard's user ids, all shards at once; key SHARD:USER.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.group_found.
WITH s AS (SELECT shard, user_id FROM grp.users),
d AS (SELECT u.shard, u.user_id, l.state = 'done' AS placed
        FROM user_directory u JOIN group_loads l ON l.load_id = u.load_id),
cmp AS (SELECT coalesce(s.shard, d.shard) AS sh, coalesce(s.user_id, d.user_id) AS u,
               CASE WHEN d.user_id IS NULL THEN 'NOT_IN_DIRECTORY'
                    WHEN s.user_id IS NULL AND d.placed THEN 'NOT_ON_SHARD' END AS t
          FROM s FULL JOIN d ON d.user_id = s.user_id AND d.shard = s.shard),
ins AS (INSERT INTO pg_temp.group_found (check_id, break_type, break_key, shard)
         SELECT 'G3', t, sh || ':' || u, sh FROM cmp WHERE t IS NOT NULL)
SELECT count(*), 0::bigint FROM cmp
