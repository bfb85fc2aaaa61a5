-- Steps of D left RUNNING by a run that died (kill -9, lost connection) are marked so.
-- $1 date: the business date D
UPDATE job_step_runs SET status = 'FAILED', ended_at = clock_timestamp(),
       error = 'abandoned: the run died before the step committed'
WHERE business_date = $1::date AND status = 'RUNNING'
