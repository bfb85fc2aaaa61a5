-- The intake cut: the latest date whose night has started (OPEN) or ended (CLOSED).
-- Rows dated on or before it came too late (DATE_CLOSED): the night has taken, or will never
-- take, its rows of that date. NULL before the first night.
SELECT (SELECT max(business_date) FROM business_calendar)::text
