-- The day's pending orders with what deciding them needs: the user and the product, if known.
-- Streamed in (user, arrival) order: the limit check (product-rules §4, §11) is the one
-- sequential rule, decided in C with each user's running use; every row names whether its
-- user and product exist so the §11 order of reasons can be applied.
-- Columns: order, user, amount, product, user known, user status, limit, used, statement day,
-- product known, method, term, rate ppm, grace days, arrival (campaign budgets are consumed in
-- arrival order, issue 18).
-- $1 date: the business date D
SELECT o.order_id, o.user_id, o.amount_fen, o.product_code,
       u.user_id IS NOT NULL, coalesce(u.status, ''), coalesce(u.credit_limit_fen, 0),
       coalesce(u.used_limit_fen, 0), coalesce(u.statement_day, 1),
       p.product_code IS NOT NULL, coalesce(p.method, ''), coalesce(p.term, 1),
       coalesce(p.rate_ppm, 0), coalesce(p.grace_days, 0), o.arrival_seq
  FROM inbox_orders o
  LEFT JOIN users u ON u.user_id = o.user_id
  LEFT JOIN products p ON p.product_code = o.product_code
 WHERE o.status = 'PENDING' AND o.order_date = $1::date
 ORDER BY o.user_id, o.arrival_seq
