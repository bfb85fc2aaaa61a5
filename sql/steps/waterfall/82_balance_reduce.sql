-- Lowers users.credit_balance_fen by what the pass applied.
-- The same amounts as the APPLIED movements just recorded (recon R4 and R9 tie the two).
UPDATE users u
   SET credit_balance_fen = u.credit_balance_fen - s.applied, updated_at = now()
  FROM (SELECT user_id, sum(amount_fen) AS applied FROM pg_temp.bt_wf_alloc
         WHERE source = 'CREDIT_BALANCE'
         GROUP BY user_id) s
 WHERE u.user_id = s.user_id
