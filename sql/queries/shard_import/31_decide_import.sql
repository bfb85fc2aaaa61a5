-- The group import itself, in the decision's transaction.
-- $1 bigint: its group_loads id
-- $2 text: the original manifest's SHA-256 (hex)
-- $3 date: the cut-over date
INSERT INTO group_imports (load_id, manifest_sha256, cutover_date) VALUES ($1::bigint, $2, $3::date)
