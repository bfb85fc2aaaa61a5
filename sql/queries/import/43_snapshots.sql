-- One snapshot row per live loan as of the cut-over, as aging writes at a month end
-- (product rules §7: DPD from the earliest overdue due date, the bucket and class
-- thresholds).
-- $1 date: the cut-over date
WITH st AS (
  SELECT l.loan_id, l.user_id, l.status,
         CASE l.status
           WHEN 'ACTIVE' THEN coalesce($1::date - min(i.due_date) FILTER (WHERE i.status = 'BILLED'
                 AND i.due_date < $1::date AND i.principal_fen - i.paid_principal_fen + i.fee_fen
                     - i.fee_waived_fen - i.paid_fee_fen > 0), 0)
           ELSE coalesce($1::date - min(i.due_date) FILTER (WHERE i.due_date < $1::date
                 AND i.writeoff_principal_fen + i.writeoff_fee_fen > 0
                 AND i.recovered_fen < i.writeoff_principal_fen + i.writeoff_fee_fen + i.writeoff_penalty_fen),
                 0) END AS dpd,
         sum(installment_principal_out_fen(i)) AS principal_fen,
         coalesce(sum(installment_fee_out_fen(i)) FILTER (WHERE i.status = 'BILLED'), 0) AS fee_fen,
         sum(installment_penalty_out_fen(i, $1::date)) AS penalty_fen,
         coalesce(sum(i.principal_fen - i.paid_principal_fen) FILTER (WHERE l.status = 'ACTIVE'
                  AND i.status = 'BILLED' AND i.due_date < $1::date), 0) AS overdue_fen,
         CASE WHEN l.status = 'WRITTEN_OFF' THEN sum(i.writeoff_principal_fen + i.writeoff_fee_fen
              + i.writeoff_penalty_fen - i.recovered_fen) ELSE 0 END AS offbalance_fen
    FROM loans l JOIN installments i ON i.loan_id = l.loan_id
   WHERE l.status IN ('ACTIVE', 'WRITTEN_OFF')
   GROUP BY l.loan_id)
INSERT INTO loan_snapshots (loan_id, snapshot_date, user_id, status, dpd, bucket, class,
    outstanding_principal_fen, outstanding_fee_fen, outstanding_penalty_fen, overdue_principal_fen,
    offbalance_fen, is_month_end)
SELECT loan_id, $1::date, user_id, status, dpd,
       dpd_bucket(dpd), loan_class(status, dpd),
       principal_fen, fee_fen, penalty_fen, overdue_fen, offbalance_fen,
       extract(day FROM $1::date + 1) = 1
  FROM st WHERE status = 'ACTIVE' OR offbalance_fen > 0
