-- The good orders rows enter inbox_orders, PENDING, in file order.
-- The optional merchant_id, category and coupon_id are NULL when empty (none); the campaigns
-- read them at origination, and a coupon's fate is then recorded on the order (coupon_outcome).
-- $1 bigint: the load_files id of the file
INSERT INTO inbox_orders (order_id, user_id, order_date, amount_fen, product_code, file_id, line_no,
                          merchant_id, category, coupon_id)
SELECT c1, c2, c3::date, c4::bigint, c5, $1::bigint, line_no, nullif(c6, ''), nullif(c7, ''), nullif(c8, '')
  FROM intake_verdict
 WHERE reason IS NULL ORDER BY line_no
