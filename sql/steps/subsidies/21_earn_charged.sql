-- A prepayment under CHARGE_ALL charges the unbilled fees in full: the subsidies of those
-- installments are earned with them.
-- $1 date: the business date D
UPDATE fee_subsidies s SET status = 'EARNED', earned_date = $1::date
  FROM installments i JOIN loans l ON l.loan_id = i.loan_id
 WHERE s.loan_id IN (SELECT loan_id FROM subsidy_touched_loans) AND s.status = 'PENDING'
   AND i.loan_id = s.loan_id AND i.installment_no = s.installment_no
   AND i.status = 'PAID' AND i.billed_date IS NULL AND i.paid_date = $1::date
   AND l.prepay_fee_policy = 'CHARGE_ALL'
