-- The night's repayments, taken once (pg_temp.bt_repay_today): every later statement of the step reads this table, never "PENDING" again.
-- round: the waterfall round of the repayment (10_take_batch). A work table of the step's
-- transaction (ON COMMIT DROP).
CREATE TEMP TABLE pg_temp.bt_repay_today (
  txn_id text PRIMARY KEY,
  user_id text NOT NULL,
  amount_fen bigint NOT NULL,
  channel text NOT NULL,
  prepay_order_id text,
  arrival_seq bigint NOT NULL,
  round integer NOT NULL
) ON COMMIT DROP
