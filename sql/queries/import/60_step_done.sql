-- The import did the cut-over date's risk, gl_close and recon: recorded as that date's
-- steps, so recon and the nights see a closed GL there.
-- $1 bigint: the import's job run
-- $2 text: the step's name
-- $3 date: the cut-over date
-- $4 bigint: rows the step processed
-- $5 bigint: its amount in fen
-- $6 text: the host
-- $7 integer: the process id
INSERT INTO job_step_runs (run_id, step_name, business_date, status, ended_at, rows_processed, amount_fen,
                           host, pid)
VALUES ($1::bigint, $2, $3::date, 'SUCCEEDED', clock_timestamp(), $4::bigint, $5::bigint, $6, $7::int)
