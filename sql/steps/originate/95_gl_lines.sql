-- The origination entry's lines: Dr 1122 loans receivable / Cr 2202 merchant payable (product-rules §8).
-- The principal of the loans originated on D, from the loans themselves so entry and
-- sub-ledger tie to the fen. Rows (account_code, debit_fen, credit_fen).
-- $1 date: the business date D
SELECT '1122' AS account_code, coalesce(sum(principal_fen), 0)::bigint AS debit_fen, 0::bigint AS credit_fen
  FROM loans WHERE origination_date = $1::date
UNION ALL
SELECT '2202', 0, coalesce(sum(principal_fen), 0)::bigint FROM loans WHERE origination_date = $1::date
