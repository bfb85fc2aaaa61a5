-- On a shard: the dates it closed after the group's newest closed one (all of them when the group closed none).
-- $1 date: the group's newest closed date, or NULL
SELECT business_date::text FROM business_calendar
 WHERE status = 'CLOSED' AND ($1::date IS NULL OR business_date > $1::date) ORDER BY business_date
