-- The journal lines of the subsidies returned on D: Dr 2203 / Cr 6601 (the platform's
-- marketing expense undone) or Cr 2202 (back to the merchant payable).
-- Rows (account_code, debit_fen, credit_fen).
-- $1 date: the business date D
SELECT '2203' AS account_code, coalesce(sum(amount_fen), 0)::bigint AS debit_fen, 0::bigint AS credit_fen
  FROM fee_subsidies WHERE settled_date = $1::date AND status = 'RETURNED'
UNION ALL
SELECT CASE funder WHEN 'PLATFORM' THEN '6601' ELSE '2202' END, 0, sum(amount_fen)::bigint
  FROM fee_subsidies WHERE settled_date = $1::date AND status = 'RETURNED' GROUP BY funder
