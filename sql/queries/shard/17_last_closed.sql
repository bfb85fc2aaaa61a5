-- On a shard: its newest closed business date and its open one (NULL: none).
SELECT (SELECT max(business_date)::text FROM business_calendar WHERE status = 'CLOSED'),
       (SELECT min(business_date)::text FROM business_calendar WHERE status = 'OPEN')
