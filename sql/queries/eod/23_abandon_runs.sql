-- Nights left RUNNING by a run that died, for any date: under the night lock no other night runs, so each is
-- dead; also one killed after its date closed, which no later run of that date would ever see.
UPDATE job_runs r SET status = 'FAILED', ended_at = clock_timestamp(), exit_code = 1,
       error = CASE WHEN EXISTS (SELECT 1 FROM business_calendar c
                                  WHERE c.business_date = r.business_date AND c.status = 'CLOSED')
                    THEN 'abandoned: the run died after its date closed, before it recorded its end'
                    ELSE 'abandoned: the run died before it finished' END
WHERE r.command = 'eod' AND r.status = 'RUNNING'
