-- Places the users a shard accepted in this load; a user placed before stays where they are.
-- $1 text[]: the users' ids
-- $2 text: the shard
-- $3 bigint: the group load
INSERT INTO user_directory (user_id, shard, load_id)
SELECT u, $2, $3::bigint FROM unnest($1::text[]) AS u
ON CONFLICT (user_id) DO NOTHING
