-- A step skipped by a rerun (it succeeded for D before), recorded for the run.
-- $1 bigint: the run
-- $2 text: the step's name
-- $3 date: the business date D
-- $4 text: the host
-- $5 integer: the process id
INSERT INTO job_step_runs (run_id, step_name, business_date, status, ended_at, error, host, pid)
VALUES ($1::bigint, $2, $3::date, 'SKIPPED', clock_timestamp(), NULL, $4, $5::int)
