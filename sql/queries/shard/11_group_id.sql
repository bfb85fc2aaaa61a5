-- The coordinator's group id, made on first use: the id its shards record as their group's.
WITH made AS (INSERT INTO group_identity DEFAULT VALUES ON CONFLICT (singleton) DO NOTHING RETURNING group_id)
SELECT group_id::text FROM made UNION ALL SELECT group_id::text FROM group_identity
