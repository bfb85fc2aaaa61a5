-- Date D is closed for the group: every one of its shards closed it.
-- $1 date: the business date D
-- $2 integer: how many shards the group has
INSERT INTO group_closed_dates (business_date, shards) VALUES ($1::date, $2::integer)
ON CONFLICT (business_date) DO NOTHING
