-- The calendar's status of date D (no row: not opened yet).
-- $1 date: the business date D
SELECT status FROM business_calendar WHERE business_date = $1::date
