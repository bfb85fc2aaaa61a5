-- Opens a penalty run from D on every billed installment overdue at the end of D that has none.
-- Product rules §7: overdue on D = D > due date and principal + fee not fully paid; the
-- run's base is that unpaid principal + fee, its fen per day penalty_of_day_fen(base, the
-- loan's penalty_ppm). The rows without a run come from their own partial index
-- (installments_penalty_unrun_idx): those first overdue tonight (due date D − 1), those
-- whose run the previous statement closed, the first night after a portfolio import, and
-- the few whose principal and fee are paid but whose penalty is not (base 0: no run, they
-- are not overdue, §11). A run is opened even when it rounds to 0 fen a day, so every
-- overdue installment has one (docs/decisions.md, "Penalty runs"). Returns the runs opened.
-- $1 date: the business date D
WITH due AS (
  SELECT i.loan_id, i.installment_no,
         installment_principal_out_fen(i) + installment_fee_out_fen(i) AS base_fen, l.penalty_ppm
    FROM installments i JOIN loans l ON l.loan_id = i.loan_id
   WHERE i.status = 'BILLED' AND i.penalty_run_from IS NULL AND i.due_date < $1::date
     AND l.status = 'ACTIVE'),
 opened AS (
  UPDATE installments i
     SET penalty_run_from = $1::date, penalty_run_base_fen = d.base_fen,
         penalty_run_fen_per_day = penalty_of_day_fen(d.base_fen, d.penalty_ppm)
    FROM due d
   WHERE i.loan_id = d.loan_id AND i.installment_no = d.installment_no AND d.base_fen > 0
  RETURNING 1)
SELECT count(*) FROM opened
