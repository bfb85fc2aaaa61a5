-- Evaluates the round's refunds against their loans as earlier rounds left them (pg_temp.bt_refund_eval).
-- Product rules §6, §11: R ≤ principal not yet refunded; refunds apply to ACTIVE and
-- PAID_OFF loans and are rejected for CANCELLED or WRITTEN_OFF ones; an unknown order is
-- UNKNOWN_ORDER.
-- $1 integer: the round
INSERT INTO pg_temp.bt_refund_eval (refund_id, order_id, loan_id, user_id, loan_status, amount_fen,
                                    refundable_fen, reason, is_full)
SELECT t.refund_id, t.order_id, l.loan_id, l.user_id, l.status, t.amount_fen,
       l.principal_fen - l.refunded_principal_fen,
       CASE WHEN l.loan_id IS NULL THEN 'UNKNOWN_ORDER'
            WHEN l.status NOT IN ('ACTIVE', 'PAID_OFF') THEN 'REFUND_LOAN_NOT_REFUNDABLE'
            WHEN t.amount_fen > l.principal_fen - l.refunded_principal_fen
                 THEN 'REFUND_EXCEEDS_PRINCIPAL' END,
       t.amount_fen = l.principal_fen - l.refunded_principal_fen
  FROM pg_temp.bt_refund_today t
  LEFT JOIN loans l ON l.order_id = t.order_id
 WHERE t.round = $1::int
