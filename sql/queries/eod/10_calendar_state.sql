-- Which date a night runs: the open business date, else the newest closed one (the next night is the day after it).
SELECT (SELECT business_date::text FROM business_calendar WHERE status = 'OPEN'),
       (SELECT max(business_date)::text FROM business_calendar WHERE status = 'CLOSED')
