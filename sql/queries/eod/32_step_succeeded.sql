-- A step succeeded, in the step's own transaction: the rows it processed and the amount it booked.
-- $1 bigint: the step run
-- $2 bigint: rows processed
-- $3 bigint: amount booked, fen
UPDATE job_step_runs SET status = 'SUCCEEDED', ended_at = clock_timestamp(),
       rows_processed = $2::bigint, amount_fen = $3::bigint WHERE step_run_id = $1::bigint
