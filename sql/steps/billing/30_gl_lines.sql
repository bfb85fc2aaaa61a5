-- The billing entry's lines: Dr 1123 fee receivable / Cr 6011 fee income (product-rules §8).
-- The fee of the installments billed on D, net of waivers before billing, from the rows the
-- step just billed (installments_billed_date_idx). Rows (account_code, debit_fen, credit_fen).
-- $1 date: the business date D
SELECT '1123' AS account_code, coalesce(sum(fee_fen - fee_waived_fen), 0)::bigint AS debit_fen,
       0::bigint AS credit_fen
  FROM installments WHERE billed_date = $1::date AND billing_date = $1::date
UNION ALL
SELECT '6011', 0, coalesce(sum(fee_fen - fee_waived_fen), 0)::bigint
  FROM installments WHERE billed_date = $1::date AND billing_date = $1::date
