-- Why (issue 13 §5): vintage, aging and roll rates read the whole book
-- (every loan's latest loan_snapshots row, every installment): 80-100 s each at
-- a million users. The night keeps three small aggregates instead (step risk,
-- src/eod_risk.c) and the reports read them: thousands of rows, not millions.
-- Each is keyed by the business date whose state it describes, so a report of
-- any date already run reads that night's figures. recon --full (R16)
-- recomputes them from the base tables with the functions below, which are
-- the one definition of each figure: the reports' former queries.
--
-- The batch writes them (default privileges of 0001: the step deletes and
-- rewrites its own date on a rerun), the report role reads them.

-- Vintage: per night (obs_date) and origination month (cohort_month) of the
-- twelve months up to it, the cohort's loans and principal lent, and its bad
-- principal at the end of obs_date: loans written off by then count with the
-- principal written off, the others with their outstanding principal when
-- their latest snapshot on or before obs_date has DPD >= 30. The report
-- of date D reads the row of D and the rows of the month ends before it (MOB
-- k of a cohort is observed at the end of its k-th month, or on D).
CREATE TABLE risk_vintage (
    obs_date        date    NOT NULL,
    cohort_month    date    NOT NULL CHECK (extract(day FROM cohort_month) = 1),
    loans           bigint  NOT NULL CHECK (loans > 0),
    principal_fen   bigint  NOT NULL CHECK (principal_fen > 0),
    bad_fen         bigint  NOT NULL CHECK (bad_fen >= 0),
    PRIMARY KEY (obs_date, cohort_month),
    CHECK (cohort_month <= obs_date)
);
COMMENT ON TABLE risk_vintage IS
    'Vintage聚合 / per night and origination month: loans, principal lent, 30+ DPD or written-off principal';

-- Aging: per night, the live loans by state on that date (latest snapshot):
-- ACTIVE loans with their installments' balances at the end of the night, and
-- WRITTEN_OFF loans not fully recovered with their off-balance remainder.
CREATE TABLE risk_aging (
    business_date   date    NOT NULL,
    status          text    NOT NULL CHECK (status IN ('ACTIVE', 'WRITTEN_OFF')),
    bucket          text    NOT NULL CHECK (bucket IN ('C', 'M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7+')),
    class           text    NOT NULL
                            CHECK (class IN ('NORMAL', 'SPECIAL_MENTION', 'SUBSTANDARD', 'DOUBTFUL', 'LOSS')),
    loans           bigint  NOT NULL CHECK (loans > 0),
    principal_fen   bigint  NOT NULL,   -- ACTIVE: outstanding principal (billed + unbilled); WRITTEN_OFF: 0
    fee_fen         bigint  NOT NULL,   -- ACTIVE: billed unpaid fee
    penalty_fen     bigint  NOT NULL,   -- ACTIVE: unpaid penalty
    offbalance_fen  bigint  NOT NULL,   -- WRITTEN_OFF: written off, not recovered; ACTIVE: 0
    PRIMARY KEY (business_date, status, bucket, class)
);
COMMENT ON TABLE risk_aging IS
    '账龄聚合 / per night: live loans by status, bucket and class with their balances';

-- Roll rates: per night D, the loans live at the end of the previous month
-- (book ON: ACTIVE then, weighted by their outstanding principal then; book
-- OFF: written off and not fully recovered then, weighted by the remainder
-- then) by their bucket then and their status and bucket on D.
CREATE TABLE risk_roll (
    business_date       date    NOT NULL,
    book                text    NOT NULL CHECK (book IN ('ON', 'OFF')),
    from_bucket         text    NOT NULL CHECK (from_bucket IN ('C', 'M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7+')),
    to_status           text    NOT NULL CHECK (to_status IN ('ACTIVE', 'PAID_OFF', 'CANCELLED', 'WRITTEN_OFF')),
    to_bucket           text    NOT NULL CHECK (to_bucket IN ('C', 'M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7+')),
    loans               bigint  NOT NULL CHECK (loans > 0),
    from_fen            bigint  NOT NULL CHECK (from_fen >= 0),
    to_offbalance_fen   bigint  NOT NULL CHECK (to_offbalance_fen >= 0),  -- the remainder on D
    PRIMARY KEY (business_date, book, from_bucket, to_status, to_bucket)
);
COMMENT ON TABLE risk_roll IS
    '迁徙聚合 / per night: loans live at the previous month end by bucket then and status, bucket now';

-- A loan's bad principal for vintage at date AT: written off by then, what was
-- written off (gross of recoveries); else its outstanding principal if its
-- latest snapshot on or before AT is 30+ DPD. Inlined by the planner.
CREATE FUNCTION risk_vintage_bad_fen(writeoff_date date, writeoff_principal_fen bigint,
                                     dpd integer, outstanding_principal_fen bigint, at date)
RETURNS bigint
LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE WHEN writeoff_date <= at THEN writeoff_principal_fen
                WHEN dpd >= 30 THEN outstanding_principal_fen ELSE 0 END
$$;

-- The first cohort a vintage of D shows: twelve whole origination months, D's
-- month and the eleven before it (the one spelling of that window: the
-- aggregates, their night step, R16 and the report).
CREATE FUNCTION risk_vintage_first_cohort(d date)
RETURNS date
LANGUAGE sql IMMUTABLE
AS $$
    SELECT (date_trunc('month', d) - interval '11 months')::date
$$;

-- Vintage from the base tables: the rows the report of D reads (the cohorts
-- of the twelve months up to D, observed at each of their month ends before
-- D's month and on D). SINCE bounds the snapshots read: '-infinity' for the
-- full recompute (R16, the first night); a live loan has a row at every month
-- end, so a later bound is exact only where the caller knows it is.
CREATE FUNCTION risk_vintage_compute(d date, since date)
RETURNS TABLE (obs_date date, cohort_month date, loans bigint, principal_fen bigint, bad_fen bigint)
LANGUAGE sql STABLE
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
    WITH v AS (
        SELECT loan_id, principal_fen, date_trunc('month', origination_date)::date AS vm
          FROM loans
         WHERE origination_date <= d AND origination_date >= risk_vintage_first_cohort(d)),
    obs AS (
        SELECT v.loan_id, v.vm, v.principal_fen,
               least((v.vm + (k.mob + 1) * interval '1 month')::date - 1, d) AS at
          FROM v CROSS JOIN generate_series(0, 12) AS k(mob)
         WHERE v.vm + k.mob * interval '1 month' <= d)
    SELECT o.at, o.vm, count(*), sum(o.principal_fen)::bigint,
           coalesce(sum(risk_vintage_bad_fen(w.writeoff_date, w.principal_fen, s.dpd,
                                             s.outstanding_principal_fen, o.at)), 0)::bigint
      FROM obs o
      LEFT JOIN writeoffs w ON w.loan_id = o.loan_id
      LEFT JOIN LATERAL (SELECT x.dpd, x.outstanding_principal_fen FROM loan_snapshots x
                          WHERE x.loan_id = o.loan_id AND x.snapshot_date <= o.at AND x.snapshot_date >= since
                          ORDER BY x.snapshot_date DESC LIMIT 1) s ON true
     GROUP BY o.at, o.vm
$$;

-- Aging from the base tables for D: state = each loan's latest snapshot on or
-- before D (read from SINCE on), balances = the installments' current ones.
CREATE FUNCTION risk_aging_compute(d date, since date)
RETURNS TABLE (status text, bucket text, class text, loans bigint, principal_fen bigint,
               fee_fen bigint, penalty_fen bigint, offbalance_fen bigint)
LANGUAGE sql STABLE
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
    WITH state AS (
        SELECT DISTINCT ON (loan_id) loan_id, status, bucket, class, offbalance_fen
          FROM loan_snapshots WHERE snapshot_date <= d AND snapshot_date >= since
         ORDER BY loan_id, snapshot_date DESC),
    live AS (
        SELECT * FROM state
         WHERE status = 'ACTIVE' OR (status = 'WRITTEN_OFF' AND offbalance_fen > 0)),
    balance AS (
        SELECT i.loan_id,
               sum(i.principal_fen - i.principal_reduced_fen - i.paid_principal_fen - i.writeoff_principal_fen) AS p,
               coalesce(sum(i.fee_fen - i.fee_waived_fen - i.paid_fee_fen - i.writeoff_fee_fen)
                        FILTER (WHERE i.status = 'BILLED'), 0) AS f,
               sum(i.penalty_accrued_fen - i.penalty_waived_fen - i.paid_penalty_fen - i.writeoff_penalty_fen) AS pen
          FROM installments i JOIN live s USING (loan_id)
         WHERE s.status = 'ACTIVE'
         GROUP BY i.loan_id)
    SELECT s.status, s.bucket, s.class, count(*),
           coalesce(sum(b.p), 0)::bigint, coalesce(sum(b.f), 0)::bigint, coalesce(sum(b.pen), 0)::bigint,
           coalesce(sum(s.offbalance_fen) FILTER (WHERE s.status = 'WRITTEN_OFF'), 0)::bigint
      FROM live s LEFT JOIN balance b USING (loan_id)
     WHERE s.status = 'WRITTEN_OFF' OR b.loan_id IS NOT NULL
     GROUP BY s.status, s.bucket, s.class
$$;

-- Roll rates from the base tables for D: from = latest snapshot on or before
-- the end of the previous month, to = latest on or before D (both read from
-- SINCE on).
CREATE FUNCTION risk_roll_compute(d date, since date)
RETURNS TABLE (book text, from_bucket text, to_status text, to_bucket text, loans bigint,
               from_fen bigint, to_offbalance_fen bigint)
LANGUAGE sql STABLE
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
    WITH state_at AS (
        SELECT DISTINCT ON (loan_id) loan_id, status, bucket, offbalance_fen
          FROM loan_snapshots WHERE snapshot_date <= d AND snapshot_date >= since
         ORDER BY loan_id, snapshot_date DESC),
    state_from AS (
        SELECT DISTINCT ON (loan_id) loan_id, status, bucket, outstanding_principal_fen, offbalance_fen
          FROM loan_snapshots
         WHERE snapshot_date <= date_trunc('month', d)::date - 1 AND snapshot_date >= since
         ORDER BY loan_id, snapshot_date DESC),
    moved AS (
        SELECT CASE WHEN f.status = 'ACTIVE' THEN 'ON' ELSE 'OFF' END AS book, f.bucket AS from_bucket,
               t.status AS to_status, t.bucket AS to_bucket,
               CASE WHEN f.status = 'ACTIVE' THEN f.outstanding_principal_fen ELSE f.offbalance_fen END AS from_fen,
               t.offbalance_fen AS to_ob
          FROM state_from f JOIN state_at t USING (loan_id)
         WHERE f.status = 'ACTIVE' OR (f.status = 'WRITTEN_OFF' AND f.offbalance_fen > 0))
    SELECT book, from_bucket, to_status, to_bucket, count(*), sum(from_fen)::bigint,
           sum(CASE WHEN book = 'OFF' THEN to_ob ELSE 0 END)::bigint
      FROM moved
     GROUP BY book, from_bucket, to_status, to_bucket
$$;

GRANT EXECUTE ON FUNCTION risk_vintage_first_cohort(date) TO baitiao_batch, baitiao_report;
GRANT EXECUTE ON FUNCTION risk_vintage_bad_fen(date, bigint, integer, bigint, date) TO baitiao_batch;
GRANT EXECUTE ON FUNCTION risk_vintage_compute(date, date) TO baitiao_batch;
GRANT EXECUTE ON FUNCTION risk_aging_compute(date, date) TO baitiao_batch;
GRANT EXECUTE ON FUNCTION risk_roll_compute(date, date) TO baitiao_batch;
