-- The principal written off on D leaves each user's used limit.
-- Product rules §11: used limit counts ACTIVE loans only.
-- $1 date: the business date D
UPDATE users u SET used_limit_fen = u.used_limit_fen - s.principal_fen, updated_at = now()
  FROM (SELECT user_id, sum(principal_fen)::bigint AS principal_fen
          FROM writeoffs WHERE writeoff_date = $1::date GROUP BY user_id) s
 WHERE u.user_id = s.user_id AND s.principal_fen > 0
