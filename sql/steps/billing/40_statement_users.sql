-- The day's statement users, each with its credit balance before billing applies it.
-- A statement goes to every user billed on D and to every user whose statement day is D
-- and who still owes something billed earlier (product-rules §3). Both sets are found from
-- the day's rows only, never by a pass over every user or installment: the users billed on
-- D through installments_billed_date_idx, the statement-day users through
-- users_statement_day_idx with one probe each of installments_waterfall_idx (their BILLED
-- rows). The credit balance is taken now, before it is applied to what was billed.
-- $1 date: the business date D
CREATE TEMP TABLE statement_users ON COMMIT DROP AS
SELECT u.user_id, u.credit_balance_fen AS before_fen
  FROM users u
 WHERE u.user_id IN (SELECT i.user_id FROM installments i
                      WHERE i.billed_date = $1::date AND i.billing_date = $1::date)
UNION
SELECT u.user_id, u.credit_balance_fen
  FROM users u
 WHERE u.statement_day = extract(day FROM $1::date)
   AND EXISTS (SELECT 1 FROM installments i WHERE i.user_id = u.user_id AND i.status = 'BILLED')
