-- The good refunds rows enter inbox_refunds, PENDING, in file order.
-- The user comes from the order; an unknown order is the refund step's to reject.
-- $1 bigint: the load_files id of the file
INSERT INTO inbox_refunds (refund_id, order_id, user_id, refund_date, amount_fen, file_id, line_no)
SELECT v.c1, v.c2, o.user_id, v.c3::date, v.c4::bigint, $1::bigint, v.line_no
  FROM intake_verdict v LEFT JOIN inbox_orders o ON o.order_id = v.c2
 WHERE v.reason IS NULL ORDER BY v.line_no
