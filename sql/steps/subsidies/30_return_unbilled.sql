-- A subsidy whose installment will never be billed goes back to its funder: the installment
-- was cancelled by a refund, written off, or paid by a prepayment that waived its fee.
-- $1 date: the business date D
UPDATE fee_subsidies s SET status = 'RETURNED', settled_date = $1::date
  FROM installments i
 WHERE s.loan_id IN (SELECT loan_id FROM subsidy_touched_loans) AND s.status = 'PENDING'
   AND i.loan_id = s.loan_id AND i.installment_no = s.installment_no
   AND i.billed_date IS NULL AND i.status IN ('CANCELLED', 'WRITTEN_OFF', 'PAID')
