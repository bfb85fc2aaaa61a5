-- The date recon reconciles by default: the latest whose gl_close succeeded (NULL: none yet).
SELECT max(business_date)::text FROM job_step_runs WHERE step_name = 'gl_close' AND status = 'SUCCEEDED'
