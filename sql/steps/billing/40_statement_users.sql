-- The day's statement users, each with its credit balance before billing applies it.
-- A statement goes to every user billed on D and to every user whose statement day is D
-- and who still owes something billed earlier (product-rules §3). Both sets are found from
-- the day's rows only, never by a pass over every user or installment: the users billed on
-- D through installments_billed_date_idx, the statement-day users through
-- users_statement_day_idx (the day compared as smallint: extract() gives numeric, which
-- would turn the index scan into a pass over every user) with one probe each of
-- installments_waterfall_idx for a BILLED row (LIMIT 1 keeps it a probe, not a hash of
-- every BILLED row of the book). The credit balance is taken now, before it is applied.
-- $1 date: the business date D
CREATE TEMP TABLE statement_users ON COMMIT DROP AS
SELECT u.user_id, u.credit_balance_fen AS before_fen
  FROM users u
 WHERE u.user_id IN (SELECT i.user_id FROM installments i
                      WHERE i.billed_date = $1::date AND i.billing_date = $1::date)
UNION
SELECT u.user_id, u.credit_balance_fen
  FROM users u
 CROSS JOIN LATERAL (SELECT 1 FROM installments i
                      WHERE i.user_id = u.user_id AND i.status = 'BILLED' LIMIT 1) owes
 WHERE u.statement_day = extract(day FROM $1::date)::smallint
