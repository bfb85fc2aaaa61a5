-- Each pending order of the day becomes ACCEPTED or REJECTED with its reason, and an
-- accepted order's coupon gets its outcome (issue 18: a refused coupon never refuses the order).
-- $1 date: the business date D
UPDATE inbox_orders o SET status = CASE WHEN d.reason IS NULL THEN 'ACCEPTED' ELSE 'REJECTED' END,
       reject_reason = d.reason, processed_date = $1::date, coupon_outcome = d.coupon_outcome
  FROM originate_decisions d
 WHERE o.order_id = d.order_id AND o.status = 'PENDING'
