-- An installment billed on D with nothing left to pay (refunded and waived before it was
-- billed) is settled at once. Penalty is what accrued through D − 1: aging of D has not run.
-- $1 date: the business date D
UPDATE installments i SET status = 'PAID', paid_date = $1::date
 WHERE i.status = 'BILLED' AND i.billed_date = $1::date
   AND installment_principal_out_fen(i) = 0
   AND installment_fee_out_fen(i) = 0
   AND installment_penalty_out_fen(i, $1::date - 1) = 0
