-- What no item took of each repayment becomes the user's credit balance (溢缴款): one OVERPAYMENT movement per repayment.
-- Product rules §5 point 4. What a repayment took is its allocations of the day (by txn_id).
-- $1 date: the business date D
INSERT INTO credit_balance_movements (user_id, business_date, amount_fen, reason, txn_id)
SELECT r.user_id, $1::date, r.amount_fen - coalesce(a.done, 0), 'OVERPAYMENT', r.txn_id
  FROM pg_temp.bt_repay_today r
  LEFT JOIN (SELECT a.txn_id, sum(a.amount_fen) AS done
               FROM allocations a JOIN pg_temp.bt_repay_today t ON t.txn_id = a.txn_id
              WHERE a.business_date = $1::date AND a.source = 'REPAYMENT'
              GROUP BY a.txn_id) a ON a.txn_id = r.txn_id
 WHERE r.amount_fen > coalesce(a.done, 0)
 ORDER BY r.arrival_seq
