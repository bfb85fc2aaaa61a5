-- The calendar starts at the cut-over date, OPEN while the import books it.
-- $1 date: the cut-over date
INSERT INTO business_calendar (business_date, status) VALUES ($1::date, 'OPEN')
