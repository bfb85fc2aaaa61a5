-- The day's balance of every postable account: opening (the previous closing), debits, credits, closing.
-- Product rules §8. Every postable account gets a row every day (a few dozen rows), so the
-- latest row of an account before D is the day before, and a trial balance for any date is
-- one query on gl_daily_balances. Returns (rows, debits, credits): the step stops the night
-- when the day's debits and credits differ.
-- $1 date: the business date D
WITH moves AS (
  SELECT account_code, sum(debit_fen)::bigint AS debit_fen, sum(credit_fen)::bigint AS credit_fen
    FROM journal_lines WHERE business_date = $1::date GROUP BY account_code),
 opening AS (
  SELECT DISTINCT ON (account_code) account_code, closing_fen
    FROM gl_daily_balances WHERE business_date < $1::date
   ORDER BY account_code, business_date DESC),
 ins AS (
  INSERT INTO gl_daily_balances (business_date, account_code, opening_fen, debit_fen, credit_fen, closing_fen)
  SELECT $1::date, a.account_code, coalesce(o.closing_fen, 0), coalesce(m.debit_fen, 0),
         coalesce(m.credit_fen, 0),
         coalesce(o.closing_fen, 0) + coalesce(m.debit_fen, 0) - coalesce(m.credit_fen, 0)
    FROM gl_accounts a
    LEFT JOIN opening o USING (account_code)
    LEFT JOIN moves m USING (account_code)
   WHERE a.is_postable
  RETURNING debit_fen, credit_fen)
SELECT count(*), coalesce(sum(debit_fen), 0)::bigint, coalesce(sum(credit_fen), 0)::bigint FROM ins
