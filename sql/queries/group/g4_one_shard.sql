-- G4: no user on two shards (issue 16 §1: a user is placed once and stays): a user id in the users
-- of more than one shard is TWO_SHARDS, key the user id, shard the shards that hold it.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.group_found.
WITH u AS (SELECT user_id, count(*) AS n, string_agg(shard, ',' ORDER BY shard) AS shards
             FROM grp.users GROUP BY user_id),
ins AS (INSERT INTO pg_temp.group_found (check_id, break_type, break_key, shard)
         SELECT 'G4', 'TWO_SHARDS', user_id, shards FROM u WHERE n > 1)
SELECT count(*), 0::bigint FROM u
