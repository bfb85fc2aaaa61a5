-- The night's refunds, taken once (pg_temp.bt_refund_today): later statements read this table, not "PENDING" again.
-- round: the k-th refund of an order in the night (10_take_batch). A work table of the
-- step's transaction (ON COMMIT DROP).
CREATE TEMP TABLE pg_temp.bt_refund_today (
  refund_id text PRIMARY KEY,
  order_id text NOT NULL,
  amount_fen bigint NOT NULL,
  arrival_seq bigint NOT NULL,
  round integer NOT NULL
) ON COMMIT DROP
