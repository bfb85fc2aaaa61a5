-- The open penalty runs of the loans written off on D, as closed runs through D.
-- Product rules §7: penalty stops accruing at write-off, after that night's penalty, so
-- the run's last day is D (aging booked it). One penalty_accruals row per run (from, days,
-- base, ppm, days × fen per day); the next statement materialises the same days into
-- penalty_accrued_fen and clears the run.
-- $1 date: the business date D
INSERT INTO penalty_accruals (loan_id, installment_no, accrual_date, user_id, base_fen, penalty_ppm,
                              days, amount_fen)
SELECT i.loan_id, i.installment_no, i.penalty_run_from, i.user_id, i.penalty_run_base_fen, l.penalty_ppm,
       $1::date - i.penalty_run_from + 1, i.penalty_run_fen_per_day * ($1::date - i.penalty_run_from + 1)
  FROM writeoffs w
  JOIN installments i ON i.loan_id = w.loan_id
  JOIN loans l ON l.loan_id = w.loan_id
 WHERE w.writeoff_date = $1::date AND i.penalty_run_from <= $1::date
