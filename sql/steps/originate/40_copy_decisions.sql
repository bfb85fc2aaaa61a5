-- The day's decisions, streamed in by the step.
COPY originate_decisions (order_id, reason, detail, first_billing_date, apr_bp, coupon_outcome) FROM STDIN
