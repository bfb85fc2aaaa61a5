-- The import's job run SUCCEEDED.
-- $1 bigint: the import's job run
UPDATE job_runs SET status = 'SUCCEEDED', ended_at = clock_timestamp(), exit_code = 0 WHERE run_id = $1::bigint
