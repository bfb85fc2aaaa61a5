-- One writeoffs row per written-off loan with something written off: the amounts are
-- the installments', the DPD at write-off from the earliest billed due date.
-- $1 date: the cut-over date (the last recovery's date when something was recovered)
INSERT INTO writeoffs (loan_id, user_id, writeoff_date, dpd_at_writeoff, principal_fen, fee_fen, penalty_fen,
                       recovered_fen, last_recovery_date)
SELECT l.loan_id, l.user_id, l.written_off_date,
       greatest(l.written_off_date - min(i.due_date) FILTER (WHERE i.billed_date IS NOT NULL), 1),
       sum(i.writeoff_principal_fen), sum(i.writeoff_fee_fen), sum(i.writeoff_penalty_fen),
       sum(i.recovered_fen), CASE WHEN sum(i.recovered_fen) > 0 THEN $1::date END
  FROM loans l JOIN installments i ON i.loan_id = l.loan_id
 WHERE l.status = 'WRITTEN_OFF'
 GROUP BY l.loan_id
HAVING sum(i.writeoff_principal_fen + i.writeoff_fee_fen + i.writeoff_penalty_fen) > 0
