-- G4: no user on two shards (issue 16 §1: a user is placed once and stays): a user id in the users
-- of more than one shard is TWO_SHARDS, key the user id, shard the shards that hold it. When every
-- attached shard's digest equals the directory's for it (as in G3), each holds exactly its
-- directory users, and the directory names one shard per user: no user id is read. Otherwise every
-- shard's user ids are read and grouped.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.group_found.
WITH dir AS (SELECT m.shard, count(u.user_id) AS n, coalesce(sum(hashtextextended(u.user_id, 0)), 0) AS h
               FROM shard_members m LEFT JOIN user_directory u ON u.shard = m.shard GROUP BY m.shard),
dig AS (SELECT coalesce(bool_and(g.users = dir.n AND g.id_hash = dir.h), true) AS agree,
               coalesce(sum(g.users), 0)::bigint AS users
          FROM dir JOIN grp.group_users_digest g ON g.shard = dir.shard),
u AS (SELECT user_id, count(*) AS n, string_agg(shard, ',' ORDER BY shard) AS shards
        FROM grp.users WHERE NOT (SELECT agree FROM dig) GROUP BY user_id),
ins AS (INSERT INTO pg_temp.group_found (check_id, break_type, break_key, shard)
         SELECT 'G4', 'TWO_SHARDS', user_id, shards FROM u WHERE n > 1)
SELECT CASE WHEN (SELECT agree FROM dig) THEN (SELECT users FROM dig) ELSE (SELECT count(*) FROM u) END, 0::bigint
