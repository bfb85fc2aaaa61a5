-- Marks the batch's inbox rows APPLIED, in the step's own transaction.
-- $1 date: the business date D
UPDATE inbox_repayments r
   SET status = 'APPLIED', processed_date = $1::date
  FROM pg_temp.bt_repay_today t
 WHERE r.txn_id = t.txn_id
