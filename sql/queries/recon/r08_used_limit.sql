-- R8: each changed user's used limit = Σ unpaid principal of the user's ACTIVE loans
-- (recon_user_ledgers; looked up per changed user, never a pass over all users); and available
-- ≥ 0 (key <user>:available, expected = the limit, actual = the use) for the users who borrowed on
-- D: only a new loan may not overdraw, a limit lowered below what is already used is allowed
-- (sql/0007). Rows compared: the changed users.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.recon_found.
-- $1 date: the business date D
WITH used AS (SELECT c.user_id AS k,
                     coalesce((SELECT g.active_principal_fen FROM recon_user_ledgers g
                                WHERE g.user_id = c.user_id), 0) AS e,
                     (SELECT u.used_limit_fen FROM users u WHERE u.user_id = c.user_id) AS a
                FROM pg_temp.recon_changed c),
overdrawn AS (SELECT u.user_id || ':available' AS k, u.credit_limit_fen AS e, u.used_limit_fen AS a
            FROM users u
           WHERE u.user_id IN (SELECT user_id FROM loans WHERE origination_date = $1::date)
             AND u.used_limit_fen > u.credit_limit_fen),
cmp AS (SELECT k, e, a FROM used UNION ALL SELECT k, e, a FROM overdrawn),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen)
         SELECT 'R8', k, e, a FROM cmp WHERE e <> a)
SELECT (SELECT count(*) FROM used), coalesce((SELECT sum(e) FROM used), 0)::bigint
