-- The credit balances to apply: users holding a balance (溢缴款) and owing billed items, as payers of one pass.
-- Product rules §5 point 4: the credit balance is applied by the same waterfall whenever
-- billed unpaid items exist (right after a refund or a repayment creates it, and at each
-- billing). Reads users by credit_balance_fen > 0: the partial index on that predicate keeps
-- it to the few users concerned.
INSERT INTO pg_temp.bt_wf_pay (txn_id, user_id, seq, amount_fen)
SELECT NULL, u.user_id, 1, u.credit_balance_fen
  FROM users u
 WHERE u.credit_balance_fen > 0
   AND EXISTS (SELECT 1 FROM installments i WHERE i.user_id = u.user_id AND i.status = 'BILLED')
