-- The staging table of a refunds file: its line, the first bad field and why, then its columns as text.
-- Columns c1..c4 are refund_id, order_id, refund_date, amount, in the file's order, as the C side
-- checked them (bad rows keep the raw text, clipped). Temporary, dropped at COMMIT.
CREATE TEMP TABLE intake_stage (line_no integer, bad_field text, bad_detail text, c1 text, c2 text, c3 text, c4 text) ON COMMIT DROP
