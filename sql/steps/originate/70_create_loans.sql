-- The accepted orders become ACTIVE loans on the product's terms, in arrival order.
-- Returns each loan's order and id: the step COPYs the installments straight into
-- installments with them (issue 15: no staging table, no join). The loan's APR is its own
-- schedule's (product-rules §1); the product's apr_bp stays the reference of a 1000.00 purchase.
-- $1 date: the business date D
INSERT INTO loans (order_id, user_id, product_code, principal_fen, term, method, rate_ppm, grace_days,
                   penalty_ppm, writeoff_dpd, prepay_fee_policy, apr_bp, statement_day,
                   origination_date, first_billing_date, status, status_date)
SELECT o.order_id, o.user_id, o.product_code, o.amount_fen, p.term, p.method, p.rate_ppm,
       p.grace_days, p.penalty_ppm, p.writeoff_dpd, p.prepay_fee_policy, d.apr_bp, u.statement_day,
       $1::date, d.first_billing_date, 'ACTIVE', $1::date
  FROM originate_decisions d
  JOIN inbox_orders o USING (order_id)
  JOIN products p ON p.product_code = o.product_code
  JOIN users u ON u.user_id = o.user_id
 WHERE d.reason IS NULL
 ORDER BY o.arrival_seq
RETURNING order_id, loan_id
