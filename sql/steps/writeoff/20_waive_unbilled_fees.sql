-- What is left of each unbilled fee of the loans written off on D is waived, never billed.
-- Product rules §11: unbilled fees are never billed (reason WRITEOFF, was_billed false, no
-- GL: they were never booked). Runs before the installments change.
-- $1 date: the business date D
INSERT INTO waivers (business_date, user_id, loan_id, installment_no, component, amount_fen, reason, was_billed)
SELECT $1::date, i.user_id, i.loan_id, i.installment_no, 'FEE', installment_fee_out_fen(i), 'WRITEOFF', false
  FROM writeoffs w JOIN installments i ON i.loan_id = w.loan_id
 WHERE w.writeoff_date = $1::date AND i.status = 'UNBILLED' AND installment_fee_out_fen(i) > 0
