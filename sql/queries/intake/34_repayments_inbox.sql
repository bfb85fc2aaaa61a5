-- The good repayments rows enter inbox_repayments, PENDING, in file order.
-- $1 bigint: the load_files id of the file
INSERT INTO inbox_repayments (txn_id, user_id, pay_date, amount_fen, channel, prepay_order_id, file_id, line_no)
SELECT c1, c2, c3::date, c4::bigint, c5, nullif(c6, ''), $1::bigint, line_no FROM intake_verdict
 WHERE reason IS NULL ORDER BY line_no
