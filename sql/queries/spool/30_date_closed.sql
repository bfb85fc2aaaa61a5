-- Whether D's night has already closed (a sharded group's coordinator: D is the group's): then the night has nothing to wait for.
-- $1 date: the business date D
SELECT EXISTS (SELECT 1 FROM business_calendar WHERE business_date = $1::date AND status = 'CLOSED')
    OR EXISTS (SELECT 1 FROM group_closed_dates WHERE business_date = $1::date)
