-- On a shard: records its name and its group (once: the singleton key refuses a second row).
-- $1 text: the shard's name
-- $2 text: the group's id
INSERT INTO shard_identity (shard, group_id) VALUES ($1, $2::uuid)
