-- The date group recon and group gl read when no --date is given: the last date the whole group
-- closed (group_closed_dates), NULL when it has closed none.
SELECT max(business_date)::text FROM group_closed_dates
