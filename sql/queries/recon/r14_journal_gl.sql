-- R14: per closed date and account, Σ journal lines = the GL day's debit and credit. A line posted
-- after the close (even a balanced entry), a line moved between accounts, an edited amount or a
-- deleted line or GL row all differ here. Key account:debit|credit, under the GL row's date.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.recon_found.
-- $1 date: the business date D
WITH j AS (SELECT business_date, account_code, sum(debit_fen)::bigint AS d, sum(credit_fen)::bigint AS c
             FROM journal_lines WHERE business_date <= $1::date GROUP BY business_date, account_code),
g AS (SELECT business_date, account_code, debit_fen AS d, credit_fen AS c
         FROM gl_daily_balances WHERE business_date <= $1::date),
x AS (SELECT business_date, account_code, coalesce(j.d, 0) AS jd, coalesce(j.c, 0) AS jc,
              coalesce(g.d, 0) AS gd, coalesce(g.c, 0) AS gc
         FROM j FULL JOIN g USING (business_date, account_code)),
cmp AS (SELECT business_date AS bd, account_code || ':debit' AS k, jd AS e, gd AS a FROM x
         UNION ALL SELECT business_date, account_code || ':credit', jc, gc FROM x),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen, business_date)
         SELECT 'R14', k, e, a, bd FROM cmp WHERE e <> a)
SELECT (SELECT count(*) FROM x), coalesce(sum(e), 0)::bigint FROM cmp
