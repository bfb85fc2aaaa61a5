-- Records D's aging pass: the previous pass it started from, whether it was full, the rows written.
-- The next night's date arithmetic starts from it (20_previous_pass). A rerun of D rewrites it.
-- $1 date: the business date D
-- $2 date: the previous pass (NULL when there was none)
-- $3 boolean: no usable previous pass: every overdue loan was looked at
-- $4 bigint: loan_snapshots rows written
INSERT INTO aging_passes (business_date, previous_date, overdue_scan, snapshot_rows)
VALUES ($1::date, $2::date, $3::boolean, $4::bigint)
ON CONFLICT (business_date) DO UPDATE SET
   previous_date = excluded.previous_date, overdue_scan = excluded.overdue_scan,
   snapshot_rows = excluded.snapshot_rows, created_at = now()
