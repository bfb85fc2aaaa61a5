-- The staging table of a orders file: its line, the first bad field and why, then its columns as text.
-- Columns c1..c8 are order_id, user_id, order_date, amount, product_code, then the optional merchant_id,
-- category, coupon_id ('' when the file has none), in the file's order, as the C side checked them (bad
-- rows keep the raw text, clipped). Temporary, dropped at COMMIT.
CREATE TEMP TABLE intake_stage (line_no integer, bad_field text, bad_detail text, c1 text, c2 text, c3 text, c4 text, c5 text, c6 text, c7 text, c8 text) ON COMMIT DROP
