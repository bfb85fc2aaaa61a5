-- The shard each user of a segments file lives on, at a sharded group's coordinator.
-- $1 text[]: the user ids of the file
SELECT user_id, shard FROM user_directory WHERE user_id = ANY ($1::text[])
