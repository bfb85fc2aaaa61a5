-- The good orders rows enter inbox_orders, PENDING, in file order.
-- $1 bigint: the load_files id of the file
INSERT INTO inbox_orders (order_id, user_id, order_date, amount_fen, product_code, file_id, line_no)
SELECT c1, c2, c3::date, c4::bigint, c5, $1::bigint, line_no FROM intake_verdict
 WHERE reason IS NULL ORDER BY line_no
