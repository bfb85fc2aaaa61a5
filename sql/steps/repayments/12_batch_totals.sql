-- The batch's size: (repayments, amount_fen, rounds, prepayment requests).
-- With no prepayment request in the batch, the step skips the prepayment part of its rounds.
SELECT count(*), coalesce(sum(amount_fen), 0), coalesce(max(round), 0),
       count(*) FILTER (WHERE prepay_order_id IS NOT NULL)
  FROM pg_temp.bt_repay_today
