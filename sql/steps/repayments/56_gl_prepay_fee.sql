-- The journal lines of the unbilled fee prepayments charged (CHARGE_ALL): Dr 1123 / Cr 6011.
-- The same posting as billing: the fee is recognised when the prepayment pays it, and the
-- REPAYMENT entry then credits 1123 with it.
-- $1 date: the business date D
SELECT v.account_code, v.debit_fen, v.credit_fen
  FROM (SELECT coalesce(sum(amount_fen), 0) AS fee FROM allocations
         WHERE business_date = $1::date AND source = 'REPAYMENT' AND is_prepayment
           AND component = 'FEE') s,
       LATERAL (VALUES ('1123', s.fee, 0), ('6011', 0, s.fee)) AS v(account_code, debit_fen, credit_fen)
