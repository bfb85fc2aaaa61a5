-- Whether D's night closed its GL (step gl_close succeeded): recon reconciles only such a date.
-- $1 date: the business date D
SELECT EXISTS (SELECT 1 FROM job_step_runs WHERE business_date = $1::date AND step_name = 'gl_close'
                  AND status = 'SUCCEEDED')
