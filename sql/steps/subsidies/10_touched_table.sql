-- The temporary table of the loans whose unbilled installments may have left UNBILLED on D
-- other than by billing: refunded, written off or prepaid on D, and holding a subsidy still
-- PENDING. The night's cost follows the day's events, not the book of subsidies.
CREATE TEMP TABLE subsidy_touched_loans (
    loan_id bigint PRIMARY KEY
) ON COMMIT DROP
