-- The newest migration applied to this database (0: none): every shard must be at the coordinator's.
SELECT coalesce(max(version), 0) FROM schema_migrations
