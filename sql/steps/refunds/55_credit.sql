-- Credits the users with what their refunds return (credit_balance_movements): principal already paid (REFUND), fee and penalty paid on a fully refunded loan (REFUND_RETURN).
-- $1 date: the business date D
INSERT INTO credit_balance_movements (user_id, business_date, amount_fen, reason, refund_id)
SELECT a.user_id, $1::date, c.amount, c.reason, a.refund_id
  FROM refund_applications a
  JOIN pg_temp.bt_refund_eval e ON e.refund_id = a.refund_id
 CROSS JOIN LATERAL (VALUES (1, 'REFUND', a.paid_principal_to_credit_fen),
                            (2, 'REFUND_RETURN', a.paid_fee_returned_fen + a.paid_penalty_returned_fen))
        AS c(ord, reason, amount)
 WHERE c.amount > 0
 ORDER BY a.refund_id, c.ord
