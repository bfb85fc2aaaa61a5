-- The journal lines of the subsidies earned on D: Dr 2203 deferred subsidy / Cr 6011 fee income.
-- Rows (account_code, debit_fen, credit_fen).
-- $1 date: the business date D
SELECT '2203' AS account_code, coalesce(sum(amount_fen), 0)::bigint AS debit_fen, 0::bigint AS credit_fen
  FROM fee_subsidies WHERE earned_date = $1::date
UNION ALL
SELECT '6011', 0, coalesce(sum(amount_fen), 0)::bigint FROM fee_subsidies WHERE earned_date = $1::date
