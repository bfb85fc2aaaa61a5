-- The batch's size: (repayments, amount_fen, rounds).
SELECT count(*), coalesce(sum(amount_fen), 0), coalesce(max(round), 0) FROM pg_temp.bt_repay_today
