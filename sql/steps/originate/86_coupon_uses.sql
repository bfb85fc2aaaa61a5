-- The coupons used on D, one live use each (a unique index refuses a second).
-- $1 date: the business date D
INSERT INTO coupon_uses (coupon_id, order_id, used_date)
SELECT lc.coupon_id, l.order_id, $1::date
  FROM loan_campaigns lc JOIN loans l ON l.loan_id = lc.loan_id
 WHERE lc.origination_date = $1::date AND lc.coupon_id IS NOT NULL
