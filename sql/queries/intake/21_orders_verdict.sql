-- The verdict on each staged orders row, in the order of product-rules §11.
-- A bad field first, then a duplicate id (in the file, in the inbox, or rejected before: an id
-- stays used once a row carrying it was rejected, except a BAD_FIELD on the id itself), then
-- a date on or before the intake cut (the latest date whose night has started or ended),
-- then an unknown user or product. One row per staged line, reason NULL for a good row.
CREATE TEMP TABLE intake_verdict ON COMMIT DROP AS
SELECT s.*, CASE
 WHEN s.bad_field IS NOT NULL THEN 'BAD_FIELD'
 WHEN row_number() OVER (PARTITION BY s.c1 ORDER BY s.line_no) > 1
      OR EXISTS (SELECT 1 FROM inbox_orders o WHERE o.order_id = s.c1)
      OR EXISTS (SELECT 1 FROM rejects j WHERE j.source_kind = 'orders' AND j.external_id = s.c1
                AND NOT (j.reason_code = 'BAD_FIELD' AND j.field = 'order_id')) THEN 'DUPLICATE_ORDER'
 WHEN s.c3::date <= (SELECT max(business_date) FROM business_calendar) THEN 'DATE_CLOSED'
 WHEN NOT EXISTS (SELECT 1 FROM users u WHERE u.user_id = s.c2) THEN 'UNKNOWN_USER'
 WHEN NOT EXISTS (SELECT 1 FROM products p WHERE p.product_code = s.c5) THEN 'UNKNOWN_PRODUCT'
END AS reason,
CASE WHEN s.bad_field IS NOT NULL THEN s.bad_field END AS field
FROM intake_stage s
