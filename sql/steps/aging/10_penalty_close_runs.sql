-- Closes the open penalty runs of the installments touched on D, through D − 1.
-- Product rules §7: a day's penalty is on the unpaid principal + fee at the end of that
-- day, so a run (consecutive days at one base, hence one fen per day) ends the day before
-- money moved on its installment. Touched = an allocation (repayment, credit balance,
-- prepayment, refund), a waiver or a refund application of D: the day's rows, never the
-- overdue stock. A closed run is materialised into penalty_accrued_fen and written as one
-- penalty_accruals row (from, days, base, ppm, days × fen per day; the CHECK there
-- recomputes the fen per day from base and ppm). A run that began on D is not closed, so
-- a rerun of D closes nothing twice. Every touched run is closed even when its base did
-- not change (a penalty-only payment): the settlement CHECKs of installments then hold
-- again for every touched row tonight (sql migration penalty_runs). The next statement
-- reopens a run from D on each row still overdue.
-- The touched rows drive, through the primary key: "+ 0" keeps the open runs' partial index
-- (installments_penalty_run_idx) out of this statement. With statistics that saw no run (the
-- first nights after an import: a big table is analyzed rarely) the planner took the open runs
-- as one row and compared each with every touched row: 1 560 s for one night at 4M users
-- (docs/performance.md). Returns the runs closed.
-- $1 date: the business date D
WITH touched AS (
  SELECT loan_id, installment_no FROM allocations WHERE business_date = $1::date
  UNION
  SELECT loan_id, installment_no FROM waivers WHERE business_date = $1::date
  UNION
  SELECT i.loan_id, i.installment_no
    FROM refund_applications r JOIN installments i ON i.loan_id = r.loan_id
   WHERE r.business_date = $1::date AND (i.penalty_run_from + 0) IS NOT NULL),
 runs AS (
  SELECT i.loan_id, i.installment_no, i.user_id, i.penalty_run_from, i.penalty_run_base_fen,
         i.penalty_run_fen_per_day, l.penalty_ppm
    FROM touched t
    JOIN installments i ON i.loan_id = t.loan_id AND i.installment_no = t.installment_no
    JOIN loans l ON l.loan_id = i.loan_id
   WHERE (i.penalty_run_from + 0) < $1::date),
 closed AS (
  UPDATE installments i
     SET penalty_accrued_fen = installment_penalty_accrued_fen(i, $1::date - 1),
         penalty_run_from = NULL, penalty_run_base_fen = NULL, penalty_run_fen_per_day = NULL
    FROM runs r
   WHERE i.loan_id = r.loan_id AND i.installment_no = r.installment_no
  RETURNING i.loan_id, i.installment_no),
 written AS (
  INSERT INTO penalty_accruals (loan_id, installment_no, accrual_date, user_id, base_fen, penalty_ppm,
                                days, amount_fen)
  SELECT r.loan_id, r.installment_no, r.penalty_run_from, r.user_id, r.penalty_run_base_fen, r.penalty_ppm,
         $1::date - r.penalty_run_from, r.penalty_run_fen_per_day * ($1::date - r.penalty_run_from)
    FROM runs r JOIN closed c ON c.loan_id = r.loan_id AND c.installment_no = r.installment_no
  RETURNING 1)
SELECT count(*) FROM written
