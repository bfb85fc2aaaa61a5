-- What matching the day's orders against campaigns needs beyond the candidates (issue 18):
-- each pending order's merchant and category, its coupon as stored (whose it is, for which
-- campaign, valid when, in use by a loan not refunded) and whether its user had a loan
-- before (a campaign for new users' first order). Read only when a campaign is live.
-- Columns: order, merchant, category, coupon, coupon known, owner, campaign, valid from,
-- valid to, coupon in use, user's first loan.
-- $1 date: the business date D
SELECT o.order_id, o.merchant_id, o.category, o.coupon_id, c.coupon_id IS NOT NULL, c.user_id,
       c.campaign_id, c.valid_from, c.valid_to,
       EXISTS (SELECT FROM coupon_uses u WHERE u.coupon_id = o.coupon_id AND u.returned_date IS NULL),
       NOT EXISTS (SELECT FROM loans l WHERE l.user_id = o.user_id)
  FROM inbox_orders o
  LEFT JOIN coupons c ON c.coupon_id = o.coupon_id
 WHERE o.status = 'PENDING' AND o.order_date = $1::date
