-- The shards the group has added (shard add), by name: a configuration must name every one of them.
SELECT shard FROM shard_members ORDER BY shard
