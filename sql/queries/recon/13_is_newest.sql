-- Whether D is the newest business date: balances (R4, R8, R9's closing) are then D's closing.
-- $1 date: the business date D
SELECT $1::date >= coalesce((SELECT max(business_date) FROM business_calendar), $1::date)
