-- The import's job run, of the cut-over date.
-- $1 date: the cut-over date
-- $2 text: the host running the import
-- $3 integer: its process id
INSERT INTO job_runs (command, business_date, host, pid) VALUES ('import', $1::date, $2, $3::int)
RETURNING run_id
