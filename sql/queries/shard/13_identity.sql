-- On a shard: the name and group it was added under (no row: never added), and whether it holds any user.
SELECT (SELECT shard FROM shard_identity), (SELECT group_id::text FROM shard_identity), EXISTS (SELECT FROM users)
