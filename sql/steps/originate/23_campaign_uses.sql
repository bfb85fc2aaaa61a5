-- How many loans each user with an order pending on D already got from each campaign
-- (a campaign's per_user_limit counts every earlier night).
-- Columns: campaign, user, loans.
-- $1 date: the business date D
SELECT lc.campaign_id, lc.user_id, count(*)
  FROM loan_campaigns lc
 WHERE lc.user_id IN (SELECT o.user_id FROM inbox_orders o WHERE o.status = 'PENDING' AND o.order_date = $1::date)
 GROUP BY lc.campaign_id, lc.user_id
