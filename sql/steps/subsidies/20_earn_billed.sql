-- A subsidy is earned when its installment is billed: the fee it pays is then income
-- (issue 18, docs/decisions.md "Campaigns"). The PENDING rows due for billing by D whose
-- installment was billed (billing runs before this step).
-- $1 date: the business date D
UPDATE fee_subsidies s SET status = 'EARNED', earned_date = $1::date
  FROM installments i
 WHERE s.status = 'PENDING' AND s.billing_date <= $1::date
   AND i.loan_id = s.loan_id AND i.installment_no = s.installment_no AND i.billed_date IS NOT NULL
