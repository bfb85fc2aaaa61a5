-- The write-off night's loan_snapshots row of each loan written off on D.
-- Product rules §7; docs/decisions.md: aging ran before with the loan still ACTIVE and may
-- have written a row for D, which this replaces: status WRITTEN_OFF, class LOSS, the DPD at
-- write-off and its bucket, no on-balance balance, the whole amount written off as
-- offbalance_fen. Every row dated a month end is marked so (as aging does).
-- $1 date: the business date D
-- $2 boolean: D is a month end
INSERT INTO loan_snapshots (loan_id, snapshot_date, user_id, status, dpd, bucket, class,
                            outstanding_principal_fen, outstanding_fee_fen, outstanding_penalty_fen,
                            overdue_principal_fen, offbalance_fen, is_month_end)
SELECT w.loan_id, $1::date, w.user_id, 'WRITTEN_OFF', w.dpd_at_writeoff,
       dpd_bucket(w.dpd_at_writeoff), loan_class('WRITTEN_OFF', w.dpd_at_writeoff),
       0, 0, 0, 0, w.principal_fen + w.fee_fen + w.penalty_fen, $2::boolean
  FROM writeoffs w WHERE w.writeoff_date = $1::date
ON CONFLICT (loan_id, snapshot_date) DO UPDATE SET
   status = excluded.status, dpd = excluded.dpd, bucket = excluded.bucket, class = excluded.class,
   outstanding_principal_fen = 0, outstanding_fee_fen = 0, outstanding_penalty_fen = 0,
   overdue_principal_fen = 0, offbalance_fen = excluded.offbalance_fen,
   is_month_end = excluded.is_month_end
