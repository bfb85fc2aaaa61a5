-- The coordinator's group id (NULL: no shard was ever added), read-only: each shard must hold the same.
SELECT (SELECT group_id::text FROM group_identity)
