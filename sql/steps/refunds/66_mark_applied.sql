-- Marks the round's applied refunds APPLIED on their inbox rows (with the loan's user).
-- $1 date: the business date D
UPDATE inbox_refunds r
   SET status = 'APPLIED', processed_date = $1::date, user_id = e.user_id
  FROM pg_temp.bt_refund_eval e
 WHERE r.refund_id = e.refund_id AND e.reason IS NULL
