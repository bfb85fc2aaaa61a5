-- A coupon used by a loan fully refunded on D comes back to its user when the refund is
-- within the campaign's coupon_return_days of the order (0: never).
-- $1 date: the business date D
UPDATE coupon_uses u SET returned_date = $1::date
  FROM loan_campaigns lc
  JOIN loans l ON l.loan_id = lc.loan_id
  JOIN campaign_versions v ON v.campaign_id = lc.campaign_id AND v.version = lc.version
 WHERE lc.loan_id IN (SELECT loan_id FROM refund_applications WHERE business_date = $1::date)
   AND lc.coupon_id IS NOT NULL AND l.status = 'CANCELLED'
   AND u.coupon_id = lc.coupon_id AND u.order_id = l.order_id AND u.returned_date IS NULL
   AND v.coupon_return_days > 0 AND $1::date - lc.origination_date <= v.coupon_return_days
