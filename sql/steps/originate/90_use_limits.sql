-- Each user's used limit grows by the principal of the loans originated on D (product-rules §4).
-- $1 date: the business date D
UPDATE users u SET used_limit_fen = u.used_limit_fen + s.principal_fen, updated_at = now(),
       last_change_date = $1::date
  FROM (SELECT user_id, sum(principal_fen)::bigint AS principal_fen FROM loans
         WHERE origination_date = $1::date GROUP BY user_id) s
 WHERE u.user_id = s.user_id
