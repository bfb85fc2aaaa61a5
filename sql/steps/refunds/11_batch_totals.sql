-- The batch's size: (refunds, amount_fen, rounds).
SELECT count(*), coalesce(sum(amount_fen), 0), coalesce(max(round), 0) FROM pg_temp.bt_refund_today
