-- Takes the night's pending refunds, locked, into pg_temp.bt_refund_today, the k-th refund of each order in round k.
-- A second refund of the same order depends on what the first left (it may become the full
-- one, or exceed what is refundable), so it waits a round; refunds of different orders are
-- set-based within a round. Arrival order (file, then line) decides which is first
-- (product-rules §11).
-- $1 date: the business date D
INSERT INTO pg_temp.bt_refund_today (refund_id, order_id, amount_fen, arrival_seq, round)
WITH pending AS (
  SELECT refund_id, order_id, amount_fen, arrival_seq
    FROM inbox_refunds
   WHERE refund_date = $1::date AND status = 'PENDING'
     FOR UPDATE)
SELECT refund_id, order_id, amount_fen, arrival_seq,
       row_number() OVER (PARTITION BY order_id ORDER BY arrival_seq)
  FROM pending
