-- Per live campaign, what the night did with it: eligible, matched, turned away by its
-- budget or usage limit, discount granted (take-up in the campaign report).
COPY campaign_days (campaign_id, business_date, eligible_orders, matched_orders, budget_refused, discount_fen)
FROM STDIN
