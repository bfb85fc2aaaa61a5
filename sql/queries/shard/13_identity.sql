-- On a shard: the name and group it was added under (no row: never added), and how many users it holds.
SELECT (SELECT shard FROM shard_identity), (SELECT group_id::text FROM shard_identity), (SELECT count(*) FROM users)
