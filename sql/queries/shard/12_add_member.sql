-- Records shard NAME as a member of the group (a second add of it changes nothing).
-- $1 text: the shard's name
INSERT INTO shard_members (shard) VALUES ($1) ON CONFLICT (shard) DO NOTHING
