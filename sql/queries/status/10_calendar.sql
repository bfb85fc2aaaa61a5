-- The business calendar in one row: dates closed, the last closed date and the open one.
-- baitiao status prints it; 'none' when there is no such date (the last closed date is
-- also where the settlement window of 30_settlement_waiting ends).
SELECT count(*) FILTER (WHERE status = 'CLOSED'),
       coalesce(max(business_date) FILTER (WHERE status = 'CLOSED')::text, 'none'),
       coalesce(max(business_date) FILTER (WHERE status = 'OPEN')::text, 'none')
  FROM business_calendar
