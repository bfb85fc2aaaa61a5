-- A step starts: its row in job_step_runs (RUNNING), the step run id returned.
-- $1 bigint: the run
-- $2 text: the step's name
-- $3 date: the business date D
-- $4 text: the host
-- $5 integer: the process id
INSERT INTO job_step_runs (run_id, step_name, business_date, host, pid)
VALUES ($1::bigint, $2, $3::date, $4, $5::int) RETURNING step_run_id
