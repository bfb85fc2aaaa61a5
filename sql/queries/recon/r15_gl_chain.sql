-- R15: for every closed date after the first and every account, the GL opening = the closing of the
-- previous closed date (a missing row counts 0), so a consistent edit of one day's balance row, or
-- a deleted row, breaks the chain. Key: account, under the GL row's date.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.recon_found.
-- $1 date: the business date D
WITH d AS (SELECT business_date, lag(business_date) OVER (ORDER BY business_date) AS prev_date
             FROM (SELECT DISTINCT business_date FROM job_step_runs
                    WHERE step_name = 'gl_close' AND status = 'SUCCEEDED' AND business_date <= $1::date) c),
cmp AS (SELECT d.business_date AS bd, a.account_code AS k, coalesce(p.closing_fen, 0) AS e,
                coalesce(o.opening_fen, 0) AS a
           FROM d CROSS JOIN gl_accounts a
           LEFT JOIN gl_daily_balances p ON p.business_date = d.prev_date AND p.account_code = a.account_code
           LEFT JOIN gl_daily_balances o ON o.business_date = d.business_date AND o.account_code = a.account_code
          WHERE d.prev_date IS NOT NULL),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen, business_date)
         SELECT 'R15', k, e, a, bd FROM cmp WHERE e <> a)
SELECT count(*), coalesce(sum(abs(e)), 0)::bigint FROM cmp
