-- The segments of the users with an order pending on D (a campaign's segments= rule).
-- Columns: segment, user.
-- $1 date: the business date D
SELECT s.segment, s.user_id
  FROM user_segments s
 WHERE s.user_id IN (SELECT o.user_id FROM inbox_orders o WHERE o.status = 'PENDING' AND o.order_date = $1::date)
