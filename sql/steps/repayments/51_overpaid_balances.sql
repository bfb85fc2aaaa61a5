-- Raises users.credit_balance_fen by the day's OVERPAYMENT movements.
-- $1 date: the business date D
UPDATE users u
   SET credit_balance_fen = u.credit_balance_fen + m.amount, updated_at = now()
  FROM (SELECT user_id, sum(amount_fen) AS amount FROM credit_balance_movements
         WHERE business_date = $1::date AND reason = 'OVERPAYMENT'
         GROUP BY user_id) m
 WHERE u.user_id = m.user_id
