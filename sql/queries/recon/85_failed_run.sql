-- Records a pass that failed (its own transaction was rolled back).
-- $1 date: the business date D
-- $2 bigint: the night's job_runs.run_id, 0 when standalone
-- $3 text: the error
-- $4 text: NIGHTLY or FULL
INSERT INTO recon_runs (business_date, job_run_id, status, ended_at, error, mode)
VALUES ($1::date, nullif($2::bigint, 0), 'FAILED', clock_timestamp(), $3, $4)
