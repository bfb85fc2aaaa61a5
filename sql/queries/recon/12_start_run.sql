-- Opens the recon_runs row of a pass; returns its recon_run_id.
-- $1 date: the business date D
-- $2 bigint: the night's job_runs.run_id, 0 when standalone
-- $3 text: NIGHTLY or FULL (recon --full)
INSERT INTO recon_runs (business_date, job_run_id, mode) VALUES ($1::date, nullif($2::bigint, 0), $3)
RETURNING recon_run_id
