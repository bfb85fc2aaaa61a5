-- The closed dates before D, for the full audit's day checks.
-- $1 date: the business date D
SELECT DISTINCT business_date::text FROM job_step_runs
WHERE step_name = 'gl_close' AND status = 'SUCCEEDED' AND business_date < $1::date ORDER BY 1
