-- The allocations one waterfall pass (or one prepayment round) wrote, as INSERT … RETURNING
-- gave them back.
-- The statements that settle a pass on the sub-ledger read this table rather than
-- "allocations above the highest id before the pass": a mark taken from max(id) is only
-- right while a single writer inserts, and this needs no such assumption (issue 14 §3).
CREATE TEMP TABLE pg_temp.bt_wf_alloc (
  user_id text NOT NULL,
  source text NOT NULL,
  loan_id bigint NOT NULL,
  installment_no integer NOT NULL,
  component text NOT NULL,
  amount_fen bigint NOT NULL
) ON COMMIT DROP
