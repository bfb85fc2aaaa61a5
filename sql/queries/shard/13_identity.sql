-- On a shard: the name and group it was added under (no row: never added), whether it holds any user, and whether it is a group's coordinator (it has members or a group id).
SELECT (SELECT shard FROM shard_identity), (SELECT group_id::text FROM shard_identity), EXISTS (SELECT FROM users),
       EXISTS (SELECT FROM shard_members) OR EXISTS (SELECT FROM group_identity)
