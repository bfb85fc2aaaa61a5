-- G3: the directory and the shards agree on who lives where (issue 16 §1, §5): every user of a shard
-- is in user_directory under that shard (else NOT_IN_DIRECTORY), and every directory user is in the
-- users of the shard it names (else NOT_ON_SHARD; not while the group load that placed the user is
-- still being committed on the shards: G7 names that load). A user on the wrong shard is both. Key
-- SHARD:USER. Each attached shard is compared first by its digest (group_users_digest, computed on
-- the shard: its users' count and Σ of a 64-bit hash of their ids; the shards' digests are read all
-- at once) against the directory's for it; only a shard whose digest differs has its user ids read
-- and compared one by one (the others' scans are never started). A shard not attached is G6's.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.group_found.
WITH dir AS (SELECT m.shard, count(u.user_id) AS n, coalesce(sum(hashtextextended(u.user_id, 0)), 0) AS h
               FROM shard_members m LEFT JOIN user_directory u ON u.shard = m.shard GROUP BY m.shard),
dig AS (SELECT dir.shard, dir.n, g.users = dir.n AND g.id_hash = dir.h AS agrees
          FROM dir JOIN grp.group_users_digest g ON g.shard = dir.shard),
differ AS (SELECT coalesce(array_agg(shard), '{}') AS shards FROM dig WHERE NOT agrees),
s AS (SELECT shard, user_id FROM grp.users WHERE shard = ANY ((SELECT shards FROM differ)::text[])),
d AS (SELECT u.shard, u.user_id, l.state = 'done' AS placed
        FROM user_directory u JOIN group_loads l ON l.load_id = u.load_id
       WHERE u.shard = ANY ((SELECT shards FROM differ)::text[])),
cmp AS (SELECT coalesce(s.shard, d.shard) AS sh, coalesce(s.user_id, d.user_id) AS u,
               CASE WHEN d.user_id IS NULL THEN 'NOT_IN_DIRECTORY'
                    WHEN s.user_id IS NULL AND d.placed THEN 'NOT_ON_SHARD' END AS t
          FROM s FULL JOIN d ON d.user_id = s.user_id AND d.shard = s.shard),
ins AS (INSERT INTO pg_temp.group_found (check_id, break_type, break_key, shard)
         SELECT 'G3', t, sh || ':' || u, sh FROM cmp WHERE t IS NOT NULL)
SELECT (SELECT count(*) FROM cmp) + (SELECT coalesce(sum(n), 0) FROM dig WHERE agrees)::bigint, 0::bigint
