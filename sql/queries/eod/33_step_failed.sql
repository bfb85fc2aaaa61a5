-- A step failed: its error, after the step's transaction rolled back.
-- $1 bigint: the step run
-- $2 text: the error
UPDATE job_step_runs SET status = 'FAILED', ended_at = clock_timestamp(), error = $2
WHERE step_run_id = $1::bigint
