-- The loans refunded, written off or prepaid on D that hold a PENDING subsidy.
-- $1 date: the business date D
INSERT INTO subsidy_touched_loans (loan_id)
SELECT t.loan_id
  FROM (SELECT loan_id FROM refund_applications WHERE business_date = $1::date
        UNION SELECT loan_id FROM writeoffs WHERE writeoff_date = $1::date
        UNION SELECT l.loan_id FROM inbox_repayments r JOIN loans l ON l.order_id = r.prepay_order_id
               WHERE r.pay_date = $1::date AND r.prepay_outcome = 'PREPAID') t
 WHERE EXISTS (SELECT FROM fee_subsidies s WHERE s.loan_id = t.loan_id AND s.status = 'PENDING')
