-- A full refund cancels the loan as if it had never been: the subsidies already earned go
-- back to their funders, income and all (product-rules §6 returns the user's fees the same way).
-- $1 date: the business date D
UPDATE fee_subsidies s SET status = 'REVERSED', settled_date = $1::date
  FROM loans l
 WHERE s.loan_id IN (SELECT loan_id FROM refund_applications WHERE business_date = $1::date)
   AND s.status = 'EARNED' AND l.loan_id = s.loan_id AND l.status = 'CANCELLED'
