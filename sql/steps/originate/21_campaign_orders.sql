-- What matching the day's orders against campaigns needs beyond the candidates (issue 18):
-- each pending order's merchant and category, its coupon as stored (whose it is, for which
-- campaign, valid when, in use by a loan not refunded) and whether its user had a loan
-- before (a campaign for new users' first order). Read only when a campaign is live.
-- Whether a user had a loan is one probe of loans_user_idx per order (the LATERAL ...
-- LIMIT 1), whatever the sizes: written as NOT EXISTS the planner may hash every loan's
-- user first instead (at 300 000 users and 9 000 orders it did: 0.3 s of the query's 0.45 s;
-- docs/performance.md "Campaigns in originate").
-- Columns: order, merchant, category, coupon, coupon known, owner, campaign, valid from,
-- valid to, coupon in use, user's first loan.
-- $1 date: the business date D
SELECT o.order_id, o.merchant_id, o.category, o.coupon_id, c.coupon_id IS NOT NULL, c.user_id,
       c.campaign_id, c.valid_from, c.valid_to,
       EXISTS (SELECT FROM coupon_uses u WHERE u.coupon_id = o.coupon_id AND u.returned_date IS NULL),
       earlier.had IS NULL
  FROM inbox_orders o
  LEFT JOIN coupons c ON c.coupon_id = o.coupon_id
  LEFT JOIN LATERAL (SELECT true AS had FROM loans l WHERE l.user_id = o.user_id LIMIT 1) earlier ON true
 WHERE o.status = 'PENDING' AND o.order_date = $1::date
