-- The refunds of one round, evaluated against their loans (pg_temp.bt_refund_eval).
-- reason NULL: applied; otherwise the rejection code (product-rules §11). is_full: the
-- refund brings the cumulative refunds to the loan's principal (§6, full refund).
CREATE TEMP TABLE pg_temp.bt_refund_eval (
  refund_id text PRIMARY KEY,
  order_id text NOT NULL,
  loan_id bigint,
  user_id text,
  loan_status text,
  amount_fen bigint NOT NULL,
  refundable_fen bigint,
  reason text,
  is_full boolean
) ON COMMIT DROP
