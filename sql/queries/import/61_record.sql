-- The import's own record, before its recon (which knows the cut-over date by it).
-- $1 text: the manifest's SHA-256 (hex)
-- $2 text: the import set's folder
-- $3 date: the cut-over date
-- $4 bigint: the import's job run
-- $5 bigint: users booked
-- $6 bigint: loans booked
-- $7 bigint: installments booked
-- $8 bigint: loans refused
-- $9 bigint: users refused
INSERT INTO import_runs (manifest_sha256, source_dir, cutover_date, job_run_id, users_booked, loans_booked,
                         installments_booked, loans_refused, users_refused)
VALUES ($1, $2, $3::date, $4::bigint, $5::bigint, $6::bigint, $7::bigint, $8::bigint, $9::bigint)
RETURNING import_id
