-- The staging table of a coupons file: its line, the first bad field and why, then its columns as text.
-- Columns c1..c5 are coupon_id, user_id, campaign_id, valid_from, valid_to, in the file's order, as the C
-- side checked them (bad rows keep the raw text, clipped). Temporary, dropped at COMMIT.
CREATE TEMP TABLE intake_stage (line_no integer, bad_field text, bad_detail text, c1 text, c2 text, c3 text, c4 text, c5 text) ON COMMIT DROP
