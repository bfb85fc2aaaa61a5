-- The verdict on each staged refunds row, in the order of product-rules §11.
-- A bad field first, then a duplicate refund id, then a date on or before the intake cut.
-- An unknown order is the refund step's to reject, not intake's.
CREATE TEMP TABLE intake_verdict ON COMMIT DROP AS
SELECT s.*, CASE
 WHEN s.bad_field IS NOT NULL THEN 'BAD_FIELD'
 WHEN row_number() OVER (PARTITION BY s.c1 ORDER BY s.line_no) > 1
      OR EXISTS (SELECT 1 FROM inbox_refunds r WHERE r.refund_id = s.c1)
      OR EXISTS (SELECT 1 FROM rejects j WHERE j.source_kind = 'refunds' AND j.external_id = s.c1
                AND NOT (j.reason_code = 'BAD_FIELD' AND j.field = 'refund_id')) THEN 'DUPLICATE_REFUND'
 WHEN s.c3::date <= (SELECT max(business_date) FROM business_calendar) THEN 'DATE_CLOSED'
END AS reason,
CASE WHEN s.bad_field IS NOT NULL THEN s.bad_field END AS field
FROM intake_stage s
