-- Why (issue 15 §2, aging): the night wrote a penalty_accruals row and updated
-- the installment for every overdue installment, every night, so aging cost
-- what the overdue stock held, not what the day did. Penalty now accrues in
-- runs: a run is a stretch of consecutive days of one installment at the same
-- base (unpaid principal + fee at the end of each day, product-rules §7), so at
-- the same fen per day = penalty_of_day_fen(base, ppm).
--
-- The open run lives on the installment row (penalty_run_from, its base and its
-- fen per day): it accrues every day from penalty_run_from on, without any row
-- being written. What is accrued through a date is
--   penalty_accrued_fen (the closed runs, materialised)
--   + penalty_run_fen_per_day × (through − penalty_run_from + 1)
-- (installment_penalty_accrued_fen). Aging opens a run the first night an
-- installment is overdue, and closes it (materialises it into
-- penalty_accrued_fen and writes its detail row) only when the installment was
-- touched that day: allocations, waivers, refund applications of D (found by the
-- day's rows, never by scanning the overdue stock); write-off closes the runs
-- of the loans it writes off. A closed run is one penalty_accruals row: from
-- accrual_date, for `days` days, base_fen, penalty_ppm, amount_fen = days ×
-- penalty_of_day_fen(base_fen, penalty_ppm). Rows written before this migration
-- are one-day runs (days defaults to 1), so the detail of every day stays exact
-- and derivable.
--
-- Between the steps that touch an installment on D (repayments, refunds,
-- billing's credit balance) and aging of D, the row may show more penalty
-- settled than penalty_accrued_fen holds (the open run's days are not
-- materialised yet), or be PAID / CANCELLED with its run still open; aging of D
-- closes that run the same night, after which the full settlement CHECKs apply
-- again. So the two penalty CHECKs are enforced whenever no run is open.

ALTER TABLE installments
    ADD COLUMN penalty_run_from         date,
    ADD COLUMN penalty_run_base_fen     bigint,
    ADD COLUMN penalty_run_fen_per_day  bigint,
    ADD CONSTRAINT installments_penalty_run_whole
    CHECK ((penalty_run_from IS NULL) = (penalty_run_base_fen IS NULL)
           AND (penalty_run_from IS NULL) = (penalty_run_fen_per_day IS NULL)),
    ADD CONSTRAINT installments_penalty_run_amounts
    CHECK (penalty_run_base_fen > 0 AND penalty_run_fen_per_day >= 0),
    -- a run opens on a billed row past due; it may still be open on a row that
    -- closed today (PAID, CANCELLED) until aging closes it, never on a written-off one
    ADD CONSTRAINT installments_penalty_run_status
    CHECK (penalty_run_from IS NULL
           OR (status IN ('BILLED', 'PAID', 'CANCELLED') AND penalty_run_from > due_date)),
    DROP CONSTRAINT installments_penalty_not_oversettled,
    ADD CONSTRAINT installments_penalty_not_oversettled
    CHECK (penalty_run_from IS NOT NULL
           OR penalty_waived_fen + paid_penalty_fen + writeoff_penalty_fen <= penalty_accrued_fen),
    DROP CONSTRAINT installments_closed_settled,
    ADD CONSTRAINT installments_closed_settled
    CHECK (status IN ('UNBILLED', 'BILLED')
           OR (principal_reduced_fen + paid_principal_fen + writeoff_principal_fen = principal_fen
               AND fee_waived_fen + paid_fee_fen + writeoff_fee_fen = fee_fen
               AND (penalty_run_from IS NOT NULL
                    OR penalty_waived_fen + paid_penalty_fen + writeoff_penalty_fen = penalty_accrued_fen)));

-- The day's penalty (Σ fen per day of the runs open on D) and the runs of a
-- date: the open runs only, their fen per day in the index.
CREATE INDEX installments_penalty_run_idx ON installments (penalty_run_from)
    INCLUDE (penalty_run_fen_per_day) WHERE penalty_run_from IS NOT NULL;
-- Where a run must open: billed rows without one, by due date (the rows past
-- due among them are those overdue since last night, or touched today, plus the
-- few whose principal and fee are paid but not their penalty).
CREATE INDEX installments_penalty_unrun_idx ON installments (due_date)
    WHERE status = 'BILLED' AND penalty_run_from IS NULL;

COMMENT ON COLUMN installments.penalty_run_from IS
    '罚息计提区间起日 / first day of the open penalty run (NULL: none open); it accrues every day from then on';
COMMENT ON COLUMN installments.penalty_run_base_fen IS
    '罚息计提基数 / the open run''s base: unpaid principal + fee, fen';
COMMENT ON COLUMN installments.penalty_run_fen_per_day IS
    '日罚息 / the open run''s penalty per day: penalty_of_day_fen(base, the loan''s penalty_ppm), fen';

ALTER TABLE penalty_accruals
    ADD COLUMN days integer NOT NULL DEFAULT 1 CONSTRAINT penalty_accruals_days_positive CHECK (days >= 1),
    DROP CONSTRAINT penalty_accruals_round_half_up,
    ADD CONSTRAINT penalty_accruals_round_half_up
    CHECK (amount_fen = days * penalty_of_day_fen(base_fen, penalty_ppm));

-- A run's last day is accrual_date + (days - 1): the runs closed through a date
-- (those aging closed tonight end on D − 1) and the runs covering a date.
CREATE INDEX penalty_accruals_through_idx ON penalty_accruals ((accrual_date + (days - 1)));

COMMENT ON TABLE penalty_accruals IS
    '罚息计提 / closed penalty runs: from accrual_date for days days at amount_fen / days a day, '
    'each day round_half_up(base_fen × penalty_ppm / 1e6); the open runs are on installments; '
    'monthly partitions on accrual_date; append-only';
COMMENT ON COLUMN penalty_accruals.days IS
    '计提天数 / days of the run: accrual_date .. accrual_date + days − 1 (rows before runs: 1)';
COMMENT ON COLUMN penalty_accruals.amount_fen IS
    '计提金额 / the run''s penalty: days × penalty_of_day_fen(base_fen, penalty_ppm), fen';

-- Penalty accrued on an installment through the end of THROUGH: the closed runs
-- plus the days of the open run up to THROUGH (none before its first day).
CREATE FUNCTION installment_penalty_accrued_fen(i installments, through date)
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT i.penalty_accrued_fen
           + CASE WHEN i.penalty_run_from <= through
                  THEN i.penalty_run_fen_per_day * (through - i.penalty_run_from + 1) ELSE 0 END
$$;

-- Outstanding penalty at the end of THROUGH (sql/0047's signature, now reading
-- the open run): accrued through THROUGH less waived, paid and written off.
-- The inner call is schema-qualified: an inlined body is resolved with the
-- caller's search_path (no SET clause, or it would not be inlined).
CREATE OR REPLACE FUNCTION installment_penalty_out_fen(i installments, through date)
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT baitiao.installment_penalty_accrued_fen(i, through)
           - i.penalty_waived_fen - i.paid_penalty_fen - i.writeoff_penalty_fen
$$;

-- The penalty accruals of business date P_DATE, one row per installment that
-- accrued on it, as a row per installment per day would have them: the closed
-- runs covering the date (a day's share of each) and the open runs begun on or
-- before it. Valid for any date up to the last one aged. The daily operations
-- report and the day's movement of the penalty sub-ledger (recon R9) read it.
CREATE FUNCTION penalty_accruals_on(p_date date)
RETURNS TABLE (loan_id bigint, installment_no integer, user_id text, base_fen bigint, amount_fen bigint)
LANGUAGE sql STABLE STRICT
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
    SELECT a.loan_id, a.installment_no, a.user_id, a.base_fen, a.amount_fen / a.days
      FROM penalty_accruals a
     WHERE a.accrual_date + (a.days - 1) >= p_date AND a.accrual_date <= p_date
    UNION ALL
    SELECT i.loan_id, i.installment_no, i.user_id, i.penalty_run_base_fen, i.penalty_run_fen_per_day
      FROM installments i WHERE i.penalty_run_from <= p_date
$$;

-- The penalty accrued on P_DATE over every installment: what the day's
-- Dr 1124 / Cr 6012 posting is, recomputed from the detail.
CREATE FUNCTION penalty_accrued_on_fen(p_date date)
RETURNS bigint
LANGUAGE sql STABLE STRICT
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
    SELECT coalesce(sum(amount_fen), 0)::bigint FROM penalty_accruals_on(p_date)
$$;

COMMENT ON FUNCTION installment_penalty_accrued_fen(installments, date) IS
    '已计提罚息 / penalty accrued on an installment through the end of a business date: closed runs + open run, fen';
COMMENT ON FUNCTION installment_penalty_out_fen(installments, date) IS
    '未还罚息 / outstanding penalty of an installment at the end of a business date: accrued − waived − paid − written off, fen';
COMMENT ON FUNCTION penalty_accruals_on(date) IS
    '某日罚息计提明细 / the penalty accruals of a business date, one row per installment (closed and open runs)';
COMMENT ON FUNCTION penalty_accrued_on_fen(date) IS
    '当日罚息计提 / penalty accrued on a business date over every installment (closed and open runs), fen';

GRANT EXECUTE ON FUNCTION installment_penalty_accrued_fen(installments, date), penalty_accruals_on(date),
                          penalty_accrued_on_fen(date)
    TO baitiao_batch, baitiao_report;
