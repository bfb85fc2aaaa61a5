-- Whether a step already succeeded for D (a rerun skips it).
-- $1 date: the business date D
-- $2 text: the step's name
SELECT run_id FROM job_step_runs WHERE business_date = $1::date AND step_name = $2
   AND status = 'SUCCEEDED'
