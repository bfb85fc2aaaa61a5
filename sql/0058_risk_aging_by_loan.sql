-- Why (issue 15): the night's step risk recomputed the aging aggregate (risk_aging,
-- sql/0043) from every live loan's installments every night: 18 s at a million
-- users, a cost that follows the book, not the day. Vintage and roll rates were
-- already brought forward by the day's changes (sql/0044); this migration does the
-- same for aging, exactly.
--
-- Each live loan's contribution to risk_aging (its state: status, bucket, class from
-- its latest snapshot; its balances: outstanding principal, billed fee, penalty,
-- off-balance remainder) is kept in risk_aging_loans, and the cells' sums in
-- risk_aging_cells, both as of the last date risk ran (risk_aging_base). A night D
-- with that base P recomputes only the loans whose contribution can have changed
-- after P, found by date through the indexes of the day's rows:
--  - a snapshot row in (P, D] whose state differs from the kept one (bucket, class or
--    status changes; at a month end every live loan has a row: those are read, the
--    allowed book-wide pass, but only the ones whose state moved are recomputed);
--  - money or status moved on it in (P, D]: allocations (payments, credit balance,
--    prepayments, recoveries), waivers, refund applications, write-offs, loans
--    originated or whose status changed, installments billed (the billed fee);
--  - a penalty run opened after P (installments_penalty_run_idx): an installment
--    newly overdue, or reopened after one of the movements above.
-- Nothing else writes installments or loans (the steps' statements under
-- sql/steps, the portfolio import; the import books into a database without nights,
-- so it never finds a base). A run closes only on an installment touched that
-- night or at write-off, both in the list.
--
-- Penalty grows every night without any row changing: an open run accrues
-- penalty_run_fen_per_day a day (sql/0048). So a kept row stores its penalty
-- through computed_date and the fen per day of the runs open then (begun on or
-- before that date); through a later date X, with no movement, its penalty is
--   penalty_fen + penalty_fen_per_day × (X − computed_date),
-- exactly (integers). Each cell keeps the Σ fen per day of its loans, so D's
-- penalty of a cell is P's + Σ fen per day × (D − P), then the recomputed loans
-- move from their old contribution (brought to D the same way) to their new one.
-- Kept rows are rewritten only when their contribution differs from that.
--
-- With no base (the first night after this migration or after an import), a base at
-- or after D (a rerun of a date, or a rebuild after R16 named a difference: its rows
-- are recomputed, not trusted) or before the previous month end (nights skipped
-- across a month end), the night rebuilds both tables from the book, as the
-- aggregate was computed before (risk_aging_compute's definition, by loan), and the
-- base becomes D. R16 of recon --full still compares risk_aging with
-- risk_aging_compute over the whole book: the oracle is not this code.

-- One row per loan live on the base date: its aging contribution (ACTIVE: balances,
-- no remainder; WRITTEN_OFF: the remainder only). No foreign key to loans: the rows
-- are the batch's own derived state, rebuilt from the book whenever it is not trusted,
-- and a million-row rebuild should not probe loans per row.
CREATE TABLE risk_aging_loans (
    loan_id             bigint  PRIMARY KEY,
    status              text    NOT NULL CHECK (status IN ('ACTIVE', 'WRITTEN_OFF')),
    bucket              text    NOT NULL CHECK (bucket IN ('C', 'M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7+')),
    class               text    NOT NULL
                                CHECK (class IN ('NORMAL', 'SPECIAL_MENTION', 'SUBSTANDARD', 'DOUBTFUL', 'LOSS')),
    principal_fen       bigint  NOT NULL,   -- outstanding principal (billed + unbilled)
    fee_fen             bigint  NOT NULL,   -- billed unpaid fee
    penalty_fen         bigint  NOT NULL,   -- unpaid penalty through computed_date
    penalty_fen_per_day bigint  NOT NULL CHECK (penalty_fen_per_day >= 0),  -- its open runs'
    offbalance_fen      bigint  NOT NULL,   -- written off, not recovered
    computed_date       date    NOT NULL,   -- the night these figures were computed
    CONSTRAINT risk_aging_loans_books
    CHECK ((status = 'ACTIVE' AND offbalance_fen = 0)
           OR (status = 'WRITTEN_OFF' AND offbalance_fen > 0 AND principal_fen = 0 AND fee_fen = 0
               AND penalty_fen = 0 AND penalty_fen_per_day = 0))
);
COMMENT ON TABLE risk_aging_loans IS
    '账龄贡献 / per live loan, its contribution to the aging aggregate as of the risk base date; '
    'penalty through computed_date, growing by penalty_fen_per_day a day';

-- The cells' sums of risk_aging_loans, penalty through the base date: the
-- aggregate of that date plus each cell's Σ fen per day. A cell left without loans
-- holds nothing (the CHECK makes a drift of the sums an error, not a hidden cell).
CREATE TABLE risk_aging_cells (
    status              text    NOT NULL CHECK (status IN ('ACTIVE', 'WRITTEN_OFF')),
    bucket              text    NOT NULL CHECK (bucket IN ('C', 'M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7+')),
    class               text    NOT NULL
                                CHECK (class IN ('NORMAL', 'SPECIAL_MENTION', 'SUBSTANDARD', 'DOUBTFUL', 'LOSS')),
    loans               bigint  NOT NULL CHECK (loans >= 0),
    principal_fen       bigint  NOT NULL,
    fee_fen             bigint  NOT NULL,
    penalty_fen         bigint  NOT NULL,
    offbalance_fen      bigint  NOT NULL,
    penalty_fen_per_day bigint  NOT NULL CHECK (penalty_fen_per_day >= 0),
    PRIMARY KEY (status, bucket, class),
    CONSTRAINT risk_aging_cells_empty_holds_nothing
    CHECK (loans > 0 OR (principal_fen = 0 AND fee_fen = 0 AND penalty_fen = 0 AND offbalance_fen = 0
                         AND penalty_fen_per_day = 0))
);
COMMENT ON TABLE risk_aging_cells IS
    '账龄贡献汇总 / the aging cells of risk_aging_loans as of the risk base date, with Σ penalty per day';

-- The date the two tables are as of (one row; none before the first night).
CREATE TABLE risk_aging_base (
    as_of   date    NOT NULL
);
CREATE UNIQUE INDEX risk_aging_base_one_row ON risk_aging_base ((true));
COMMENT ON TABLE risk_aging_base IS
    '账龄贡献基准日 / the business date risk_aging_loans and risk_aging_cells describe (one row)';

-- The batch's own state: the reports read risk_aging, not these.
REVOKE ALL ON risk_aging_loans, risk_aging_cells, risk_aging_base FROM baitiao_report;

-- Both tables from the book for D, as risk_aging_compute(D, previous month end)
-- computes the aggregate, by loan; the base becomes D.
CREATE FUNCTION risk_aging_rebuild(d date)
RETURNS void
LANGUAGE plpgsql
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    since   date := date_trunc('month', d)::date - 1;
BEGIN
    DELETE FROM risk_aging_loans;
    INSERT INTO risk_aging_loans (loan_id, status, bucket, class, principal_fen, fee_fen, penalty_fen,
                                  penalty_fen_per_day, offbalance_fen, computed_date)
    WITH state AS (
        SELECT DISTINCT ON (loan_id) loan_id, status, bucket, class, offbalance_fen
          FROM loan_snapshots WHERE snapshot_date <= d AND snapshot_date >= since
         ORDER BY loan_id, snapshot_date DESC),
    live AS (
        SELECT * FROM state
         WHERE status = 'ACTIVE' OR (status = 'WRITTEN_OFF' AND offbalance_fen > 0)),
    balance AS (
        SELECT i.loan_id,
               sum(installment_principal_out_fen(i)) AS p,
               coalesce(sum(installment_fee_out_fen(i)) FILTER (WHERE i.status = 'BILLED'), 0) AS f,
               sum(installment_penalty_out_fen(i, d)) AS pen,
               coalesce(sum(i.penalty_run_fen_per_day) FILTER (WHERE i.penalty_run_from <= d), 0) AS fpd
          FROM installments i JOIN live s USING (loan_id)
         WHERE s.status = 'ACTIVE'
         GROUP BY i.loan_id)
    SELECT s.loan_id, s.status, s.bucket, s.class, coalesce(b.p, 0), coalesce(b.f, 0), coalesce(b.pen, 0),
           coalesce(b.fpd, 0), CASE WHEN s.status = 'WRITTEN_OFF' THEN s.offbalance_fen ELSE 0 END, d
      FROM live s LEFT JOIN balance b USING (loan_id)
     WHERE s.status = 'WRITTEN_OFF' OR b.loan_id IS NOT NULL;

    DELETE FROM risk_aging_cells;
    INSERT INTO risk_aging_cells (status, bucket, class, loans, principal_fen, fee_fen, penalty_fen,
                                  offbalance_fen, penalty_fen_per_day)
    SELECT status, bucket, class, count(*), sum(principal_fen), sum(fee_fen), sum(penalty_fen),
           sum(offbalance_fen), sum(penalty_fen_per_day)
      FROM risk_aging_loans GROUP BY status, bucket, class;

    DELETE FROM risk_aging_base;
    INSERT INTO risk_aging_base (as_of) VALUES (d);
END
$$;

-- Both tables brought from their base P to D by the loans whose contribution can have
-- changed after P (see the top of this file). Returns the loans whose kept row changed.
-- The day's snapshot rows and movements are grouped by loan (a union, not a join:
-- the planner's statistics never know the newest date's rows, so an estimate of one
-- row must not pick a nested loop over a work set), joined with risk_aging_loans by
-- its key, and each candidate's installments are read by their key.
-- JIT is off: compiling the expressions costs more than the few thousand rows they
-- are evaluated on.
CREATE FUNCTION risk_aging_forward(d date, p date)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = baitiao, pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
    n   bigint;
BEGIN
    WITH moved AS (
        SELECT loan_id FROM allocations WHERE business_date > p AND business_date <= d
        UNION SELECT loan_id FROM waivers WHERE business_date > p AND business_date <= d
        UNION SELECT loan_id FROM refund_applications WHERE business_date > p AND business_date <= d
        UNION SELECT loan_id FROM writeoffs WHERE writeoff_date > p AND writeoff_date <= d
        UNION SELECT loan_id FROM loans WHERE origination_date > p AND origination_date <= d
        UNION SELECT loan_id FROM loans WHERE status_date > p AND status_date <= d
        UNION SELECT loan_id FROM installments WHERE billed_date > p AND billed_date <= d
        UNION SELECT loan_id FROM installments WHERE penalty_run_from > p),
    snap AS (       -- each loan's latest snapshot row after P, and whether that state is live
        SELECT DISTINCT ON (loan_id) loan_id, status, bucket, class,
               CASE WHEN status = 'WRITTEN_OFF' THEN offbalance_fen ELSE 0 END AS offbalance_fen,
               status = 'ACTIVE' OR (status = 'WRITTEN_OFF' AND offbalance_fen > 0) AS live
          FROM loan_snapshots WHERE snapshot_date > p AND snapshot_date <= d
         ORDER BY loan_id, snapshot_date DESC),
    seen AS (       -- the loans moved or with a snapshot row after P (grouped, not joined)
        SELECT loan_id, bool_or(is_moved) AS is_moved, max(status) AS status, max(bucket) AS bucket,
               max(class) AS class, max(offbalance_fen) AS offbalance_fen, bool_or(live) AS live
          FROM (SELECT loan_id, false AS is_moved, status, bucket, class, offbalance_fen, live FROM snap
                UNION ALL
                SELECT loan_id, true, NULL, NULL, NULL, NULL, NULL FROM moved) u
         GROUP BY loan_id),
    todo AS MATERIALIZED (   -- the candidates: moved, or their state after P is not the kept one
        SELECT e.loan_id, e.status IS NOT NULL AS snapped, e.status, e.bucket, e.class, e.offbalance_fen, e.live,
               a.status AS o_status, a.bucket AS o_bucket, a.class AS o_class, a.principal_fen AS o_principal_fen,
               a.fee_fen AS o_fee_fen,
               a.penalty_fen + a.penalty_fen_per_day * (d - a.computed_date) AS o_penalty_fen,   -- brought to D
               a.penalty_fen_per_day AS o_penalty_fen_per_day, a.offbalance_fen AS o_offbalance_fen
          FROM seen e LEFT JOIN risk_aging_loans a ON a.loan_id = e.loan_id
         WHERE e.is_moved
            OR CASE WHEN a.loan_id IS NULL THEN e.live
                    ELSE NOT e.live OR (e.status, e.bucket, e.class, e.offbalance_fen)
                                       IS DISTINCT FROM (a.status, a.bucket, a.class, a.offbalance_fen) END),
    per AS (        -- each candidate's kept contribution and its contribution on D (none when not live)
        SELECT t.loan_id, t.o_status, t.o_bucket, t.o_class, t.o_principal_fen, t.o_fee_fen, t.o_penalty_fen,
               t.o_penalty_fen_per_day, t.o_offbalance_fen,
               n.status AS n_status, n.bucket AS n_bucket, n.class AS n_class, n.principal_fen AS n_principal_fen,
               n.fee_fen AS n_fee_fen, n.penalty_fen AS n_penalty_fen,
               n.penalty_fen_per_day AS n_penalty_fen_per_day, n.offbalance_fen AS n_offbalance_fen
          FROM todo t
          LEFT JOIN LATERAL (
              SELECT v.status, v.bucket, v.class, coalesce(b.p, 0)::bigint AS principal_fen,
                     coalesce(b.f, 0)::bigint AS fee_fen, coalesce(b.pen, 0)::bigint AS penalty_fen,
                     coalesce(b.fpd, 0)::bigint AS penalty_fen_per_day, v.offbalance_fen
                FROM (SELECT CASE WHEN t.snapped THEN t.status ELSE t.o_status END AS status,   -- the state on D
                             CASE WHEN t.snapped THEN t.bucket ELSE t.o_bucket END AS bucket,
                             CASE WHEN t.snapped THEN t.class ELSE t.o_class END AS class,
                             CASE WHEN t.snapped THEN t.offbalance_fen ELSE t.o_offbalance_fen END AS offbalance_fen) v
                LEFT JOIN LATERAL (
                    SELECT count(*) AS n,
                           sum(installment_principal_out_fen(i)) AS p,
                           coalesce(sum(installment_fee_out_fen(i)) FILTER (WHERE i.status = 'BILLED'), 0) AS f,
                           sum(installment_penalty_out_fen(i, d)) AS pen,
                           coalesce(sum(i.penalty_run_fen_per_day) FILTER (WHERE i.penalty_run_from <= d), 0) AS fpd
                      FROM installments i WHERE i.loan_id = t.loan_id AND v.status = 'ACTIVE') b ON true
               WHERE CASE WHEN t.snapped THEN t.live ELSE t.o_status IS NOT NULL END
                 AND (v.status = 'WRITTEN_OFF' OR b.n > 0)) n ON true),
    diff AS MATERIALIZED (
        SELECT * FROM per
         WHERE (n_status, n_bucket, n_class, n_principal_fen, n_fee_fen, n_penalty_fen, n_penalty_fen_per_day,
                n_offbalance_fen)
               IS DISTINCT FROM
               (o_status, o_bucket, o_class, o_principal_fen, o_fee_fen, o_penalty_fen, o_penalty_fen_per_day,
                o_offbalance_fen)),
    gone AS (
        DELETE FROM risk_aging_loans a USING diff x
         WHERE a.loan_id = x.loan_id AND x.n_status IS NULL
        RETURNING 1),
    put AS (
        INSERT INTO risk_aging_loans (loan_id, status, bucket, class, principal_fen, fee_fen, penalty_fen,
                                      penalty_fen_per_day, offbalance_fen, computed_date)
        SELECT loan_id, n_status, n_bucket, n_class, n_principal_fen, n_fee_fen, n_penalty_fen,
               n_penalty_fen_per_day, n_offbalance_fen, d
          FROM diff WHERE n_status IS NOT NULL
        ON CONFLICT (loan_id) DO UPDATE SET
           status = excluded.status, bucket = excluded.bucket, class = excluded.class,
           principal_fen = excluded.principal_fen, fee_fen = excluded.fee_fen, penalty_fen = excluded.penalty_fen,
           penalty_fen_per_day = excluded.penalty_fen_per_day, offbalance_fen = excluded.offbalance_fen,
           computed_date = excluded.computed_date
        RETURNING 1),
    cells AS (     -- P's cells, their penalty brought to D, less the old contributions, plus the new
        SELECT status, bucket, class, sum(loans) AS loans, sum(principal_fen) AS principal_fen,
               sum(fee_fen) AS fee_fen, sum(penalty_fen) AS penalty_fen, sum(offbalance_fen) AS offbalance_fen,
               sum(penalty_fen_per_day) AS penalty_fen_per_day
          FROM (SELECT status, bucket, class, loans, principal_fen, fee_fen,
                       penalty_fen + penalty_fen_per_day * (d - p) AS penalty_fen, offbalance_fen,
                       penalty_fen_per_day
                  FROM risk_aging_cells
                UNION ALL
                SELECT o_status, o_bucket, o_class, -1, -o_principal_fen, -o_fee_fen, -o_penalty_fen,
                       -o_offbalance_fen, -o_penalty_fen_per_day
                  FROM diff WHERE o_status IS NOT NULL
                UNION ALL
                SELECT n_status, n_bucket, n_class, 1, n_principal_fen, n_fee_fen, n_penalty_fen,
                       n_offbalance_fen, n_penalty_fen_per_day
                  FROM diff WHERE n_status IS NOT NULL) x
         GROUP BY status, bucket, class),
    cells_put AS (
        INSERT INTO risk_aging_cells (status, bucket, class, loans, principal_fen, fee_fen, penalty_fen,
                                      offbalance_fen, penalty_fen_per_day)
        SELECT * FROM cells
        ON CONFLICT (status, bucket, class) DO UPDATE SET
           loans = excluded.loans, principal_fen = excluded.principal_fen, fee_fen = excluded.fee_fen,
           penalty_fen = excluded.penalty_fen, offbalance_fen = excluded.offbalance_fen,
           penalty_fen_per_day = excluded.penalty_fen_per_day
        RETURNING 1)
    SELECT count(*) INTO n FROM diff;

    DELETE FROM risk_aging_cells WHERE loans = 0;
    UPDATE risk_aging_base SET as_of = d;
    RETURN n;
END
$$;

-- The night's entry point (sql/0044), its aging part now through the tables above:
-- D's rows of the three aggregates, rewritten. Returns the rows written.
CREATE OR REPLACE FUNCTION risk_maintain(d date)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    pme     date := date_trunc('month', d)::date - 1;
    p       date;
    base    date;
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

    SELECT as_of INTO base FROM risk_aging_base;
    IF base IS NULL OR base >= d OR base < pme THEN
        PERFORM risk_aging_rebuild(d);
    ELSE
        PERFORM risk_aging_forward(d, base);
    END IF;
    INSERT INTO risk_aging (business_date, status, bucket, class, loans, principal_fen, fee_fen, penalty_fen,
                            offbalance_fen)
    SELECT d, status, bucket, class, loans, principal_fen, fee_fen, penalty_fen, offbalance_fen
      FROM risk_aging_cells WHERE loans > 0;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN total + n;
END
$$;

GRANT EXECUTE ON FUNCTION risk_aging_rebuild(date), risk_aging_forward(date, date) TO baitiao_batch;

-- The night's planner statistics (sql/0030) also for risk_aging_loans: the forward
-- statement joins the day's candidates with it.
CREATE OR REPLACE FUNCTION refresh_planner_statistics()
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    v_table    text;
    v_changed  bigint;
    v_live     bigint;
    v_never    boolean;
    v_analyzed integer := 0;
BEGIN
    FOREACH v_table IN ARRAY ARRAY['users', 'loans', 'installments', 'allocations',
                                   'credit_balance_movements', 'statements', 'statement_lines',
                                   'penalty_accruals', 'loan_snapshots', 'journal_lines',
                                   'inbox_orders', 'inbox_repayments', 'inbox_refunds',
                                   'settlement_lines', 'recon_breaks', 'risk_aging_loans']
    LOOP
        -- a partitioned table's numbers are its partitions'
        SELECT coalesce(sum(s.n_mod_since_analyze), 0), coalesce(sum(s.n_live_tup), 0),
               bool_or(s.last_analyze IS NULL AND s.last_autoanalyze IS NULL AND s.n_live_tup > 0)
          INTO v_changed, v_live, v_never
          FROM pg_partition_tree(('baitiao.' || v_table)::regclass) t
          JOIN pg_stat_user_tables s ON s.relid = t.relid;
        IF coalesce(v_never, false) OR v_changed > v_live / 5 + 1000 THEN
            EXECUTE format('ANALYZE baitiao.%I', v_table);
            v_analyzed := v_analyzed + 1;
        END IF;
    END LOOP;
    RETURN v_analyzed;
END
$$;
