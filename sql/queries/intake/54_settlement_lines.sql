-- The good settlement rows become settlement_lines of the file's channel, in file order.
-- $1 bigint: the load_files id of the file
INSERT INTO settlement_lines (channel, channel_txn_id, pay_date, amount_fen, file_id, line_no)
SELECT (SELECT f.channel FROM load_files f WHERE f.file_id = $1::bigint), c1, c2::date, c3::bigint, $1::bigint, line_no FROM intake_verdict
 WHERE reason IS NULL ORDER BY line_no
