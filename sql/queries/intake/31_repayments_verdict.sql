-- The verdict on each staged repayments row, in the order of product-rules §11.
-- A transaction id is applied once, ever: also when it was rejected before (§11). A bad field
-- first, then a duplicate id, then a date on or before the intake cut, then an unknown user.
CREATE TEMP TABLE intake_verdict ON COMMIT DROP AS
SELECT s.*, CASE
 WHEN s.bad_field IS NOT NULL THEN 'BAD_FIELD'
 WHEN row_number() OVER (PARTITION BY s.c1 ORDER BY s.line_no) > 1
      OR EXISTS (SELECT 1 FROM inbox_repayments r WHERE r.txn_id = s.c1)
      OR EXISTS (SELECT 1 FROM rejects j WHERE j.source_kind = 'repayments' AND j.external_id = s.c1
                AND NOT (j.reason_code = 'BAD_FIELD' AND j.field = 'txn_id')) THEN 'DUPLICATE_TXN'
 WHEN s.c3::date <= (SELECT max(business_date) FROM business_calendar) THEN 'DATE_CLOSED'
 WHEN NOT EXISTS (SELECT 1 FROM users u WHERE u.user_id = s.c2) THEN 'UNKNOWN_USER'
END AS reason,
CASE WHEN s.bad_field IS NOT NULL THEN s.bad_field END AS field
FROM intake_stage s
