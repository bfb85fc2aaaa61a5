-- Closes business date D, by the run that finished its steps.
-- $1 date: the business date D
-- $2 bigint: the run
UPDATE business_calendar SET status = 'CLOSED', closed_at = clock_timestamp(),
       closed_by_run_id = $2::bigint
WHERE business_date = $1::date AND status = 'OPEN'
