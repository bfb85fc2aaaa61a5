-- The verdict on each staged users row: BAD_FIELD when the C side named a bad field, else good.
-- Verdicts: one row per staged line, reason NULL for a good row (temporary, dropped at COMMIT).
CREATE TEMP TABLE intake_verdict ON COMMIT DROP AS
SELECT s.*, CASE WHEN s.bad_field IS NOT NULL THEN 'BAD_FIELD' END AS reason, s.bad_field AS field
 FROM intake_stage s
