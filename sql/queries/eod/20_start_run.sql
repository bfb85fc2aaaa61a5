-- A night's run starts: its row in job_runs (RUNNING), the run id returned.
-- $1 text: the command (eod)
-- $2 date: the business date D
-- $3 text: the host the run is on
-- $4 integer: the run's process id
INSERT INTO job_runs (command, business_date, host, pid) VALUES ($1, $2::date, $3, $4::int)
RETURNING run_id
