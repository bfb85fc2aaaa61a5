-- The verdict on each staged coupons row (issue 18), in this order: a bad field (the C side named it, or
-- a window that ends before it starts), then a duplicate coupon id (an earlier line of the file carries
-- it, or a coupon stored before: a coupon is issued once), then a user the database does not know, then
-- a campaign the catalogue does not have. A rejected coupon was never issued: its id may come again,
-- corrected. One row per staged line, reason NULL for a good row (temporary, dropped at COMMIT).
CREATE TEMP TABLE intake_verdict ON COMMIT DROP AS
SELECT s.*, CASE
 WHEN s.bad_field IS NOT NULL THEN 'BAD_FIELD'
 WHEN s.c4::date > s.c5::date THEN 'BAD_FIELD'
 WHEN row_number() OVER (PARTITION BY s.c1 ORDER BY s.line_no) > 1
      OR EXISTS (SELECT 1 FROM coupons c WHERE c.coupon_id = s.c1) THEN 'DUPLICATE_COUPON'
 WHEN NOT EXISTS (SELECT 1 FROM users u WHERE u.user_id = s.c2) THEN 'UNKNOWN_USER'
 WHEN NOT EXISTS (SELECT 1 FROM campaigns k WHERE k.campaign_id = s.c3) THEN 'UNKNOWN_CAMPAIGN'
END AS reason,
CASE WHEN s.bad_field IS NOT NULL THEN s.bad_field END AS field
FROM intake_stage s
