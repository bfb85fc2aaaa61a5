-- Principal the pass repaid restores the users' limit the same day (users.used_limit_fen).
-- Product rules §4. Billed and unbilled rows only exist on ACTIVE loans (written-off and
-- cancelled loans close theirs), so every principal a pass settles was counted in the
-- used limit; recoveries are not principal of a live loan and restore nothing.
UPDATE users u
   SET used_limit_fen = u.used_limit_fen - s.principal, updated_at = now()
  FROM (SELECT user_id, sum(amount_fen) AS principal
          FROM pg_temp.bt_wf_alloc
         WHERE component = 'PRINCIPAL' AND source IN ('REPAYMENT', 'CREDIT_BALANCE')
         GROUP BY user_id) s
 WHERE u.user_id = s.user_id
