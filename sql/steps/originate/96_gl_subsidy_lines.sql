-- The campaign entry's lines (issue 18, docs/decisions.md "Campaigns"): the discounts granted
-- on D are deferred in 2203 until the installments are billed; the platform's are marketing
-- expense (Dr 6601), the merchant's come off the merchant payable (Dr 2202).
-- From loan_campaigns of D. Rows (account_code, debit_fen, credit_fen).
-- $1 date: the business date D
SELECT CASE funder WHEN 'PLATFORM' THEN '6601' ELSE '2202' END AS account_code,
       sum(discount_fen)::bigint AS debit_fen, 0::bigint AS credit_fen
  FROM loan_campaigns WHERE origination_date = $1::date GROUP BY funder
UNION ALL
SELECT '2203', 0, coalesce(sum(discount_fen), 0)::bigint FROM loan_campaigns WHERE origination_date = $1::date
