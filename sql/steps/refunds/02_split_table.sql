-- How the round's applied refunds split over their loans' open rows (pg_temp.bt_refund_split), one row per installment touched.
-- new_status: CANCELLED, PAID, or NULL (unchanged). A work table of the step's transaction.
CREATE TEMP TABLE pg_temp.bt_refund_split (
  refund_id text NOT NULL,
  user_id text NOT NULL,
  loan_id bigint NOT NULL,
  installment_no integer NOT NULL,
  was_billed boolean NOT NULL,
  principal_reduced_fen bigint NOT NULL,
  fee_waived_fen bigint NOT NULL,
  penalty_waived_fen bigint NOT NULL,
  new_status text,
  PRIMARY KEY (loan_id, installment_no)
) ON COMMIT DROP
