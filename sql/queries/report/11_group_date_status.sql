-- Why a date asked for cannot be reported for the group: is it closed for the group (every shard
-- closed it, group_closed_dates), how many shards closed it and how many the group has, and the
-- group's first and last closed dates. A date some shards closed is not the group's yet: its
-- report would leave out the users of the others.
-- $1 date: the business date asked for
SELECT EXISTS (SELECT FROM group_closed_dates WHERE business_date = $1::date),
       (SELECT count(*) FROM grp.business_calendar WHERE business_date = $1::date AND status = 'CLOSED'),
       (SELECT count(*) FROM shard_members),
       coalesce((SELECT min(business_date)::text FROM group_closed_dates), ''),
       coalesce((SELECT max(business_date)::text FROM group_closed_dates), '')
