-- The cut-over date CLOSED, as a night closes its date.
-- $1 date: the cut-over date
-- $2 bigint: the import's job run
UPDATE business_calendar SET status = 'CLOSED', closed_at = clock_timestamp(), closed_by_run_id = $2::bigint
 WHERE business_date = $1::date
