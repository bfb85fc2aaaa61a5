-- The journal lines of the fee and penalty already paid, returned on the day's full refunds: Dr 6011 / 6012, Cr 2241.
-- Product rules §11 (full-refund postings).
-- $1 date: the business date D
SELECT v.account_code, v.debit_fen, v.credit_fen
  FROM (SELECT coalesce(sum(paid_fee_returned_fen), 0) AS fee,
               coalesce(sum(paid_penalty_returned_fen), 0) AS penalty
          FROM refund_applications WHERE business_date = $1::date) s,
       LATERAL (VALUES ('6011', s.fee, 0), ('6012', s.penalty, 0), ('2241', 0, s.fee + s.penalty))
         AS v(account_code, debit_fen, credit_fen)
