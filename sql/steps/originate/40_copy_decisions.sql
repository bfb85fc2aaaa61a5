-- The day's decisions, streamed in by the step in (user, arrival) order.
COPY originate_decisions (order_id, reason, detail, first_billing_date, apr_bp) FROM STDIN
