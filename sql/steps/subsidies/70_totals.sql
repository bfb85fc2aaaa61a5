-- What the step moved on D: subsidy rows earned, returned or reversed, and their amount.
-- $1 date: the business date D
SELECT count(*), coalesce(sum(amount_fen), 0)::bigint
  FROM fee_subsidies WHERE earned_date = $1::date OR settled_date = $1::date
