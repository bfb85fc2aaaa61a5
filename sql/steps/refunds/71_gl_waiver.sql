-- The journal lines of the billed fee and penalty the day's refunds waived: Dr 6011 / Cr 1123, Dr 6012 / Cr 1124.
-- Product rules §8: waivers reverse the income they cancel; an unbilled fee waived was never
-- income (was_billed false) and posts nothing.
-- $1 date: the business date D
SELECT v.account_code, v.debit_fen, v.credit_fen
  FROM (SELECT coalesce(sum(amount_fen) FILTER (WHERE component = 'FEE'), 0) AS fee,
               coalesce(sum(amount_fen) FILTER (WHERE component = 'PENALTY'), 0) AS penalty
          FROM waivers
         WHERE business_date = $1::date AND was_billed AND reason = 'REFUND') s,
       LATERAL (VALUES ('6011', s.fee, 0), ('1123', 0, s.fee), ('6012', s.penalty, 0), ('1124', 0, s.penalty))
         AS v(account_code, debit_fen, credit_fen)
