-- The journal lines of the day's refunds: Dr 2202 R / Cr 1122 principal reduced, Cr 2241 principal already paid.
-- Product rules §8, §11 (refund postings), from the day's refund_applications.
-- $1 date: the business date D
SELECT v.account_code, v.debit_fen, v.credit_fen
  FROM (SELECT coalesce(sum(amount_fen), 0) AS refunded,
               coalesce(sum(unbilled_principal_reduced_fen + billed_principal_reduced_fen), 0) AS reduced,
               coalesce(sum(paid_principal_to_credit_fen), 0) AS to_credit
          FROM refund_applications WHERE business_date = $1::date) s,
       LATERAL (VALUES ('2202', s.refunded, 0), ('1122', 0, s.reduced), ('2241', 0, s.to_credit))
         AS v(account_code, debit_fen, credit_fen)
