-- The cap on one order's total discount in fen, 0 when none (or no catalogue loaded).
SELECT COALESCE((SELECT max_order_discount_fen FROM campaign_policy), 0)
