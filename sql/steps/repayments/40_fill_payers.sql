-- Fills the waterfall's payers (pg_temp.bt_wf_pay) with the round's repayments, each with what it still holds after its prepayment.
-- Only prepayment requests can have allocations already (30_prepay_allocate); the others
-- hold their whole amount. seq is the arrival order (product-rules §11).
-- $1 integer: the round
INSERT INTO pg_temp.bt_wf_pay (txn_id, user_id, seq, amount_fen)
SELECT r.txn_id, r.user_id, r.arrival_seq, r.amount_fen - d.done
  FROM pg_temp.bt_repay_today r
 CROSS JOIN LATERAL (
   SELECT CASE WHEN r.prepay_order_id IS NULL THEN 0
               ELSE (SELECT coalesce(sum(a.amount_fen), 0) FROM allocations a
                      WHERE a.txn_id = r.txn_id) END AS done) d
 WHERE r.round = $1::int AND r.amount_fen - d.done > 0
