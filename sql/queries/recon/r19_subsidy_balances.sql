-- R19 (issue 18): GL 2203 预收贴息 (deferred subsidy, a liability: credit-positive) = Σ the
-- subsidies still PENDING, the sub-ledger's open part (a partial index holds only those, so the
-- check costs the unbilled discounts, not the history). Balances are the current state: newest
-- date only. GL 6601 against the whole history is R20, in the full audit.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.recon_found.
-- $1 date: the business date D
WITH sub AS (SELECT coalesce(sum(amount_fen), 0)::bigint AS closing_fen FROM fee_subsidies WHERE status = 'PENDING'),
gl AS (SELECT coalesce(sum(-closing_fen), 0)::bigint AS closing_fen FROM gl_daily_balances
        WHERE business_date = $1::date AND account_code = '2203'),
cmp AS (SELECT '2203' AS k, sub.closing_fen AS e, gl.closing_fen AS a FROM sub, gl),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen)
         SELECT 'R19', k, e, a FROM cmp WHERE e <> a)
SELECT count(*), coalesce(sum(e), 0)::bigint FROM cmp
