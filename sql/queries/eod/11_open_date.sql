-- Opens business date D. No ON CONFLICT: the calendar's guard trigger (sql/0004) judges every insert it sees,
-- so a date already in the calendar must not be inserted again at all (12_date_status is asked first).
-- $1 date: the business date D
INSERT INTO business_calendar (business_date, status) VALUES ($1::date, 'OPEN')
