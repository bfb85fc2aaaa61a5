-- A night's run ends: its status, exit code and error.
-- $1 bigint: the run
-- $2 text: the status (SUCCEEDED, FAILED, ...)
-- $3 integer: the exit code
-- $4 text: the error (NULL when none)
UPDATE job_runs SET status = $2, ended_at = clock_timestamp(), exit_code = $3::int, error = $4
WHERE run_id = $1::bigint
