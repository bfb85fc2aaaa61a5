-- Settlement items of the window recon R7 has not judged yet: count and fen.
-- Repayments paid after D - wait - 1 that no line of the channel's settlement file matches
-- (channel, txn id, amount) yet, and lines with no repayment of ours. They are not breaks:
-- recon judges each from the night of its pay date + wait + 1 on (src/recon.c, R7;
-- product-rules §9).
-- $1 date: the last closed business date D
-- $2 integer: [recon] settlement_wait_days
WITH w AS (SELECT $1::date - $2::int - 1 AS cutoff, $1::date AS d)
SELECT count(*), coalesce(sum(fen), 0)::bigint FROM (
  SELECT r.amount_fen AS fen FROM inbox_repayments r CROSS JOIN w
   WHERE r.status = 'APPLIED' AND r.pay_date > w.cutoff AND r.pay_date <= w.d
     AND NOT EXISTS (SELECT 1 FROM settlement_lines s WHERE s.channel = r.channel
                        AND s.channel_txn_id = r.txn_id AND s.amount_fen = r.amount_fen)
  UNION ALL
  SELECT s.amount_fen FROM settlement_lines s CROSS JOIN w
   WHERE s.pay_date > w.cutoff AND s.pay_date <= w.d
     AND NOT EXISTS (SELECT 1 FROM inbox_repayments r WHERE r.channel = s.channel
                        AND r.txn_id = s.channel_txn_id AND r.status = 'APPLIED'
                        AND r.amount_fen = s.amount_fen)) x
