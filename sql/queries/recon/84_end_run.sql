-- Closes the recon_runs row of a pass that succeeded.
-- $1 bigint: the recon run
-- $2 integer: the checks that ran
-- $3 integer: the breaks found
UPDATE recon_runs SET status = 'SUCCEEDED', ended_at = clock_timestamp(), checks_run = $2::int,
       breaks_found = $3::int WHERE recon_run_id = $1::bigint
