-- The journal lines of the subsidies reversed on D (loans fully refunded): Dr 6011 the income
-- earned / Cr 6601 or Cr 2202, back to the funder.
-- Rows (account_code, debit_fen, credit_fen).
-- $1 date: the business date D
SELECT '6011' AS account_code, coalesce(sum(amount_fen), 0)::bigint AS debit_fen, 0::bigint AS credit_fen
  FROM fee_subsidies WHERE settled_date = $1::date AND status = 'REVERSED'
UNION ALL
SELECT CASE funder WHEN 'PLATFORM' THEN '6601' ELSE '2202' END, 0, sum(amount_fen)::bigint
  FROM fee_subsidies WHERE settled_date = $1::date AND status = 'REVERSED' GROUP BY funder
