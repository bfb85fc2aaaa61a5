-- What no item took of each repayment becomes the user's credit balance (溢缴款): one OVERPAYMENT movement per repayment.
-- Product rules §5 point 4. What a repayment took is its allocations of the day (by txn_id;
-- every REPAYMENT allocation of D is this step's).
-- $1 date: the business date D
INSERT INTO credit_balance_movements (user_id, business_date, amount_fen, reason, txn_id)
SELECT r.user_id, $1::date, r.amount_fen - coalesce(a.done, 0), 'OVERPAYMENT', r.txn_id
  FROM pg_temp.bt_repay_today r
  LEFT JOIN (SELECT txn_id, sum(amount_fen) AS done FROM allocations
              WHERE business_date = $1::date AND source = 'REPAYMENT'
              GROUP BY txn_id) a ON a.txn_id = r.txn_id
 WHERE r.amount_fen > coalesce(a.done, 0)
 ORDER BY r.arrival_seq
