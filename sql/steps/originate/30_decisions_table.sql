-- The temporary table of the day's decisions: one row per order, reason NULL when accepted.
-- Accepted orders carry their first billing date and their schedule's APR (product-rules §1:
-- the loan's APR is its own schedule's, campaign discounts included), and what became of
-- the order's coupon (issue 18), so the loans are made from it in one statement.
-- The installments do not pass through here: they are COPYed straight into installments.
CREATE TEMP TABLE originate_decisions (
    order_id            text PRIMARY KEY,
    reason              text,
    detail              text,
    first_billing_date  date,
    apr_bp              integer,
    coupon_outcome      text
) ON COMMIT DROP
