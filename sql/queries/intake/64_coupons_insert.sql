-- The good coupons rows are issued: one coupons row each, with the file and line it came from.
-- $1 bigint: the load_files id of the file
INSERT INTO coupons (coupon_id, user_id, campaign_id, valid_from, valid_to, file_id, line_no)
SELECT c1, c2, c3, c4::date, c5::date, $1::bigint, line_no FROM intake_verdict
 WHERE reason IS NULL ORDER BY line_no
