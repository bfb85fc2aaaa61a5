-- Books the pass's recoveries on the write-off ledger: writeoffs.recovered_fen and the last recovery date.
-- Product rules §7, §11: money allocated to written-off items is recovery (核销后收回); the
-- allocation already capped it at what was written off.
-- $1 date: the business date D
UPDATE writeoffs w
   SET recovered_fen = w.recovered_fen + s.recovered, last_recovery_date = $1::date, updated_at = now()
  FROM (SELECT loan_id, sum(amount_fen) AS recovered
          FROM pg_temp.bt_wf_alloc
         WHERE component LIKE 'RECOVERY\_%'
         GROUP BY loan_id) s
 WHERE w.loan_id = s.loan_id
