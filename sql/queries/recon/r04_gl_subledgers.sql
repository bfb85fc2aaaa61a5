-- R4: GL closing of D (gl_daily_balances, debit-positive; 2241 is a liability, so its sign is
-- turned) = the sub-ledger balances now (pg_temp.recon_ledger_now), per account 1122 / 1123 /
-- 1124 / 2241 (product rules §9). Balances are the current state: newest date only.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.recon_found.
-- $1 date: the business date D
WITH sub AS (SELECT CASE ledger WHEN 'PRINCIPAL' THEN '1122' WHEN 'FEE' THEN '1123'
                                WHEN 'PENALTY' THEN '1124' ELSE '2241' END AS account_code, closing_fen
               FROM pg_temp.recon_ledger_now WHERE ledger <> 'WRITTEN_OFF'),
gl AS (SELECT account_code, CASE WHEN account_code = '2241' THEN -closing_fen ELSE closing_fen END AS closing_fen
          FROM gl_daily_balances
         WHERE business_date = $1::date AND account_code IN ('1122', '1123', '1124', '2241')),
cmp AS (SELECT account_code AS k, coalesce(sub.closing_fen, 0) AS e, coalesce(gl.closing_fen, 0) AS a
           FROM sub FULL JOIN gl USING (account_code)),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen)
         SELECT 'R4', k, e, a FROM cmp WHERE e <> a)
SELECT count(*), coalesce(sum(e), 0)::bigint FROM cmp
