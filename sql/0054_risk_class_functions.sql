-- Why (issue 14 §2): the bucket and five-tier classification thresholds of
-- product-rules §7 were spelled three times (the CHECKs of the loan_snapshots
-- migration, the aging step, the write-off step) and once more in the import.
-- These two functions are now their only definition: the steps, the CHECKs and
-- the reports call them. They keep exactly the results of those CASE
-- expressions (a NULL DPD falls through to M7+ / NORMAL as before; DPD is
-- NOT NULL wherever it is stored).
--
-- LANGUAGE sql, IMMUTABLE, one SELECT: the planner inlines them into the
-- calling statement, so a book-wide pass costs what the CASE did.
--
-- §7 (DPD = D − the earliest due date among the loan's overdue installments):
--   Buckets: C (0), M1 (1–30), M2 (31–60), M3 (61–90), M4 (91–120),
--            M5 (121–150), M6 (151–180), M7+ (> 180).
--   Classes: NORMAL (0), SPECIAL_MENTION (1–90), SUBSTANDARD (91–270),
--            DOUBTFUL (271–360), LOSS (> 360, or written off).

CREATE FUNCTION dpd_bucket(dpd integer)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN dpd = 0    THEN 'C'
                WHEN dpd <= 30  THEN 'M1'
                WHEN dpd <= 60  THEN 'M2'
                WHEN dpd <= 90  THEN 'M3'
                WHEN dpd <= 120 THEN 'M4'
                WHEN dpd <= 150 THEN 'M5'
                WHEN dpd <= 180 THEN 'M6'
                ELSE 'M7+' END
$$;

CREATE FUNCTION loan_class(status text, dpd integer)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN status = 'WRITTEN_OFF' OR dpd > 360 THEN 'LOSS'
                WHEN dpd > 270 THEN 'DOUBTFUL'
                WHEN dpd > 90  THEN 'SUBSTANDARD'
                WHEN dpd >= 1  THEN 'SPECIAL_MENTION'
                ELSE 'NORMAL' END
$$;

-- The DPD values on which a loan that stays overdue changes bucket or class
-- (its DPD grows by one a day): derived from the two functions above, so the
-- thresholds are not spelled a second time. The aging step finds the day's
-- candidates by date arithmetic with it: the loans whose earliest overdue due
-- date is D − t for each t in it. Scanned up to ten years of DPD; beyond 361
-- nothing changes (the rules test checks the result is §7's boundaries).
-- No argument and IMMUTABLE: evaluated once, when the statement is planned.
CREATE FUNCTION dpd_grade_boundaries()
RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
    SELECT array_agg(t ORDER BY t)
      FROM generate_series(1, 3650) AS t
     WHERE dpd_bucket(t) <> dpd_bucket(t - 1)
        OR loan_class('ACTIVE', t) <> loan_class('ACTIVE', t - 1)
$$;

GRANT EXECUTE ON FUNCTION dpd_bucket(integer), loan_class(text, integer), dpd_grade_boundaries()
    TO baitiao_batch, baitiao_report;
