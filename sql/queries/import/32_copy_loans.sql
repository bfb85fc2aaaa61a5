-- The accepted loans, straight into loans with their reserved ids (by user, then
-- origination date), the product's display APR, the first billing date of the
-- engine's schedule.
COPY loans (loan_id, order_id, user_id, product_code, principal_fen, term, method, rate_ppm, grace_days,
            penalty_ppm, writeoff_dpd, prepay_fee_policy, apr_bp, statement_day, origination_date,
            first_billing_date, status, status_date, written_off_date) FROM STDIN
