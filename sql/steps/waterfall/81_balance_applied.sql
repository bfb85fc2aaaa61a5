-- Records, per user, the credit balance the pass applied (credit_balance_movements, reason APPLIED).
-- One movement per user and pass, negative: the balance goes down by what the waterfall
-- allocated from it (pg_temp.bt_wf_alloc, the pass's allocations).
-- $1 date: the business date D
INSERT INTO credit_balance_movements (user_id, business_date, amount_fen, reason)
SELECT user_id, $1::date, -sum(amount_fen), 'APPLIED'
  FROM pg_temp.bt_wf_alloc
 WHERE source = 'CREDIT_BALANCE'
 GROUP BY user_id
 ORDER BY user_id
