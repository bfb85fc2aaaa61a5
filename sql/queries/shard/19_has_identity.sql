-- Whether this database has the shard_identity table yet (a fresh shard before its migrations has not).
SELECT to_regclass('shard_identity') IS NOT NULL
