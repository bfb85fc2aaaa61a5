-- The shards the directory places these users on (users not in it: no row).
-- $1 text[]: the users' ids
SELECT user_id, shard FROM user_directory WHERE user_id = ANY ($1::text[])
