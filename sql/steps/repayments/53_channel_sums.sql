-- Sums what the day's repayments booked per channel into pg_temp.bt_repay_channels, in one pass over the day's allocations and overpayments.
-- Product rules §8: a repayment posts Dr 1002.ch / Cr 1124, 1123, 1122 as allocated, Cr 2241
-- the excess; a recovery Dr 1002.ch / Cr 6301. Every channel of the batch gets a row (its
-- entries may be empty). Returns the channels, sorted: each is posted in that order.
-- $1 date: the business date D
WITH alloc AS (
  SELECT r.channel,
         coalesce(sum(a.amount_fen) FILTER (WHERE a.component = 'PENALTY'), 0) AS penalty,
         coalesce(sum(a.amount_fen) FILTER (WHERE a.component = 'FEE'), 0) AS fee,
         coalesce(sum(a.amount_fen) FILTER (WHERE a.component = 'PRINCIPAL'), 0) AS principal,
         coalesce(sum(a.amount_fen) FILTER (WHERE a.component LIKE 'RECOVERY\_%'), 0) AS recovered
    FROM allocations a JOIN inbox_repayments r ON r.txn_id = a.txn_id
   WHERE a.business_date = $1::date AND a.source = 'REPAYMENT'
   GROUP BY r.channel),
 excess AS (
  SELECT r.channel, sum(m.amount_fen) AS excess
    FROM credit_balance_movements m JOIN inbox_repayments r ON r.txn_id = m.txn_id
   WHERE m.business_date = $1::date AND m.reason = 'OVERPAYMENT'
   GROUP BY r.channel),
 ins AS (
  INSERT INTO pg_temp.bt_repay_channels (channel, penalty_fen, fee_fen, principal_fen, recovered_fen, excess_fen)
  SELECT c.channel, coalesce(a.penalty, 0), coalesce(a.fee, 0), coalesce(a.principal, 0),
         coalesce(a.recovered, 0), coalesce(e.excess, 0)
    FROM (SELECT DISTINCT channel FROM pg_temp.bt_repay_today) c
    LEFT JOIN alloc a ON a.channel = c.channel
    LEFT JOIN excess e ON e.channel = c.channel
  RETURNING channel)
SELECT channel FROM ins ORDER BY channel
