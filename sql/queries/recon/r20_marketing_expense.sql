-- R20 (issue 18, full audit): GL 6601 营销费用 (debit-positive) = Σ the platform's subsidies
-- granted and not given back (PENDING + EARNED), recomputed from every fee_subsidies row: the
-- journal's own sums (R18, day by day) are not trusted here.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.recon_found.
-- $1 date: the business date D
WITH sub AS (SELECT coalesce(sum(amount_fen) FILTER (WHERE funder = 'PLATFORM' AND status IN ('PENDING', 'EARNED')), 0)::bigint
                    AS expense_fen
               FROM fee_subsidies),
gl AS (SELECT coalesce(sum(closing_fen), 0)::bigint AS closing_fen FROM gl_daily_balances
        WHERE business_date = $1::date AND account_code = '6601'),
cmp AS (SELECT '6601' AS k, sub.expense_fen AS e, gl.closing_fen AS a FROM sub, gl),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen)
         SELECT 'R20', k, e, a FROM cmp WHERE e <> a)
SELECT count(*), coalesce(sum(e), 0)::bigint FROM cmp
