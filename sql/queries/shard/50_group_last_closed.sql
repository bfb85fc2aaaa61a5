-- The newest business date the whole group closed (NULL: none yet).
SELECT max(business_date)::text FROM group_closed_dates
