-- Why (issue 13 §5): the night's step risk (src/eod_risk.c) brings the risk
-- aggregates of the previous migration to business date D in one call,
-- set-based, after aging and writeoff have written D's loan_snapshots rows.
-- It deletes and rewrites D's rows, so a rerun of the same date is idempotent.
--
-- Cost (docs/performance.md "Reports"):
--  - vintage: D's rows = the previous night's rows + the change of the loans
--    with a snapshot row, a write-off or an origination since then (the day's
--    changes; at a month end every live loan has a row: the allowed pass);
--  - roll rates: within a month the same, from the previous night's rows; on a
--    month's first night from the month-end rows (every live loan);
--  - aging: balances are the installments' own, which move every day for the
--    overdue loans, so it is recomputed for the live loans (their latest
--    snapshot from the previous month end on, and their installments).
-- When there is no previous night (the first night after this migration),
-- vintage is computed once from the whole book (risk_vintage_compute with no
-- bound), which also writes the month-end rows that night's report needs.
--
-- The bounds on snapshot_date are exact because every live loan has a row at
-- each month end (sql/0017, src/eod_aging.c): a loan's latest row on or before
-- a date of month M is at or after the end of month M-1, or it is not live.

-- Vintage of D from the previous night P: P's cohorts still in D's twelve
-- months, plus D's new loans, plus for each loan whose state may have changed
-- after P the change of its bad principal. Returns the rows written.
CREATE FUNCTION risk_vintage_forward(d date, p date)
RETURNS bigint
LANGUAGE sql
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
    WITH lo AS (SELECT date_trunc('month', p)::date - 1 AS since),
    changed AS (
        SELECT loan_id FROM loan_snapshots WHERE snapshot_date > p AND snapshot_date <= d
        UNION SELECT loan_id FROM writeoffs WHERE writeoff_date > p AND writeoff_date <= d
        UNION SELECT loan_id FROM loans WHERE origination_date > p AND origination_date <= d),
    moved AS (
        SELECT date_trunc('month', l.origination_date)::date AS vm,
               CASE WHEN l.origination_date > p THEN 1 ELSE 0 END AS loans,
               CASE WHEN l.origination_date > p THEN l.principal_fen ELSE 0 END AS principal_fen,
               coalesce(risk_vintage_bad_fen(w.writeoff_date, w.principal_fen, sd.dpd,
                                             sd.outstanding_principal_fen, d), 0)
               - coalesce(risk_vintage_bad_fen(w.writeoff_date, w.principal_fen, sp.dpd,
                                               sp.outstanding_principal_fen, p), 0) AS bad_fen
          FROM changed c CROSS JOIN lo
          JOIN loans l ON l.loan_id = c.loan_id
          LEFT JOIN writeoffs w ON w.loan_id = c.loan_id
          LEFT JOIN LATERAL (SELECT x.dpd, x.outstanding_principal_fen FROM loan_snapshots x
                              WHERE x.loan_id = c.loan_id AND x.snapshot_date <= d AND x.snapshot_date >= lo.since
                              ORDER BY x.snapshot_date DESC LIMIT 1) sd ON true
          LEFT JOIN LATERAL (SELECT x.dpd, x.outstanding_principal_fen FROM loan_snapshots x
                              WHERE x.loan_id = c.loan_id AND x.snapshot_date <= p AND x.snapshot_date >= lo.since
                              ORDER BY x.snapshot_date DESC LIMIT 1) sp ON true
         WHERE l.origination_date <= d
           AND l.origination_date >= risk_vintage_first_cohort(d)),
    kept AS (
        SELECT cohort_month AS vm, loans, principal_fen, bad_fen FROM risk_vintage
         WHERE obs_date = p AND cohort_month >= risk_vintage_first_cohort(d)),
    written AS (
        INSERT INTO risk_vintage (obs_date, cohort_month, loans, principal_fen, bad_fen)
        SELECT d, vm, sum(loans), sum(principal_fen), sum(bad_fen)
          FROM (SELECT * FROM kept UNION ALL SELECT * FROM moved) x
         GROUP BY vm
        HAVING sum(loans) > 0
        RETURNING 1)
    SELECT count(*) FROM written
$$;

-- Roll rates of D from the previous night P of the same month: P's cells, the
-- loans of the month-end set with a snapshot row after P moved from the cell
-- of their state on P to that of D. Returns the rows written.
CREATE FUNCTION risk_roll_forward(d date, p date)
RETURNS bigint
LANGUAGE sql
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
    WITH lo AS (SELECT date_trunc('month', d)::date - 1 AS pme),
    changed AS (
        SELECT DISTINCT loan_id FROM loan_snapshots WHERE snapshot_date > p AND snapshot_date <= d),
    start AS (
        SELECT f.loan_id, CASE WHEN f.status = 'ACTIVE' THEN 'ON' ELSE 'OFF' END AS book, f.bucket,
               CASE WHEN f.status = 'ACTIVE' THEN f.outstanding_principal_fen ELSE f.offbalance_fen END AS from_fen
          FROM changed c CROSS JOIN lo
          JOIN loan_snapshots f ON f.loan_id = c.loan_id AND f.snapshot_date = lo.pme
         WHERE f.status = 'ACTIVE' OR (f.status = 'WRITTEN_OFF' AND f.offbalance_fen > 0)),
    moved AS (
        SELECT s.book, s.bucket AS from_bucket, t.status AS to_status, t.bucket AS to_bucket,
               t.sign AS loans, t.sign * s.from_fen AS from_fen,
               CASE WHEN s.book = 'OFF' THEN t.sign * t.offbalance_fen ELSE 0 END AS to_offbalance_fen
          FROM start s CROSS JOIN lo
          CROSS JOIN LATERAL (
              (SELECT -1 AS sign, x.status, x.bucket, x.offbalance_fen FROM loan_snapshots x
                WHERE x.loan_id = s.loan_id AND x.snapshot_date <= p AND x.snapshot_date >= lo.pme
                ORDER BY x.snapshot_date DESC LIMIT 1)
              UNION ALL
              (SELECT 1, x.status, x.bucket, x.offbalance_fen FROM loan_snapshots x
                WHERE x.loan_id = s.loan_id AND x.snapshot_date <= d AND x.snapshot_date >= lo.pme
                ORDER BY x.snapshot_date DESC LIMIT 1)) t),
    kept AS (
        SELECT book, from_bucket, to_status, to_bucket, loans, from_fen, to_offbalance_fen
          FROM risk_roll WHERE business_date = p),
    written AS (
        INSERT INTO risk_roll (business_date, book, from_bucket, to_status, to_bucket, loans, from_fen,
                               to_offbalance_fen)
        SELECT d, book, from_bucket, to_status, to_bucket, sum(loans), sum(from_fen), sum(to_offbalance_fen)
          FROM (SELECT * FROM kept UNION ALL SELECT * FROM moved) x
         GROUP BY book, from_bucket, to_status, to_bucket
        HAVING sum(loans) <> 0
        RETURNING 1)
    SELECT count(*) FROM written
$$;

-- The night's entry point: D's rows of the three aggregates, rewritten.
-- Returns the rows written.
CREATE FUNCTION risk_maintain(d date)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    pme     date := date_trunc('month', d)::date - 1;
    p       date;
    n       bigint;
    total   bigint := 0;
BEGIN
    DELETE FROM risk_vintage WHERE obs_date = d;
    DELETE FROM risk_aging WHERE business_date = d;
    DELETE FROM risk_roll WHERE business_date = d;

    SELECT max(obs_date) INTO p FROM risk_vintage WHERE obs_date < d;
    IF p IS NULL THEN
        INSERT INTO risk_vintage (obs_date, cohort_month, loans, principal_fen, bad_fen)
        SELECT * FROM risk_vintage_compute(d, '-infinity')
        ON CONFLICT (obs_date, cohort_month) DO NOTHING;
        GET DIAGNOSTICS n = ROW_COUNT;
    ELSE
        n := risk_vintage_forward(d, p);
    END IF;
    total := total + n;

    SELECT max(business_date) INTO p FROM risk_roll WHERE business_date < d AND business_date > pme;
    IF p IS NULL THEN
        INSERT INTO risk_roll (business_date, book, from_bucket, to_status, to_bucket, loans, from_fen,
                               to_offbalance_fen)
        SELECT d, r.* FROM risk_roll_compute(d, pme) r;
        GET DIAGNOSTICS n = ROW_COUNT;
    ELSE
        n := risk_roll_forward(d, p);
    END IF;
    total := total + n;

    INSERT INTO risk_aging (business_date, status, bucket, class, loans, principal_fen, fee_fen, penalty_fen,
                            offbalance_fen)
    SELECT d, a.* FROM risk_aging_compute(d, pme) a;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN total + n;
END
$$;

GRANT EXECUTE ON FUNCTION risk_vintage_forward(date, date) TO baitiao_batch;
GRANT EXECUTE ON FUNCTION risk_roll_forward(date, date) TO baitiao_batch;
GRANT EXECUTE ON FUNCTION risk_maintain(date) TO baitiao_batch;
