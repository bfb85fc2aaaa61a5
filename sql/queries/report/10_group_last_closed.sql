-- The business date a report of a sharded group defaults to: the last date the whole group closed
-- (group_closed_dates: every shard closed it), '' when the group has closed none.
SELECT coalesce(max(business_date)::text, '') FROM group_closed_dates
