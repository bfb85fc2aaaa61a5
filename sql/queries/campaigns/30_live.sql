-- The campaigns in force on an order date, at their current versions, with what is left
-- of each budget and usage limit (-1: no limit), by campaign id: what the night matches.
-- Lists come as ','-separated text (the catalogue allows no ',' in an item).
-- $1 date: the order date
SELECT v.campaign_id, v.version, v.name, v.kind, v.free_periods, v.rate_ppm, v.percent_ppm, v.amount_off_fen,
       v.funder, array_to_string(v.products, ','), array_to_string(v.terms, ','), v.amount_min_fen,
       v.amount_max_fen, v.order_from, v.order_to, v.new_users_only, array_to_string(v.statement_days, ','),
       array_to_string(v.segments, ','), array_to_string(v.merchants, ','), array_to_string(v.categories, ','),
       v.coupon_required, v.coupon_return_days, v.per_user_limit, v.usage_limit, c.budget_fen,
       v.budget_overflow, v.stack_group, v.stack_mode, v.priority,
       c.budget_fen - c.consumed_fen,
       CASE WHEN v.usage_limit IS NULL THEN -1 ELSE greatest(v.usage_limit - c.uses, 0) END
  FROM campaigns c
  JOIN campaign_versions v ON v.campaign_id = c.campaign_id AND v.version = c.current_version
 WHERE $1::date BETWEEN v.order_from AND v.order_to
 ORDER BY c.campaign_id COLLATE "C"
