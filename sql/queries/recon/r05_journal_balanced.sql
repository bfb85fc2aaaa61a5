-- R5: every journal entry of D balanced (key entry:<posting key>), and Σ debits = Σ credits to date
-- (key to_date): the closings of D chain every earlier day's debits and credits, so their
-- debit-side and credit-side sums must be equal (product rules §8, §9).
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.recon_found.
-- $1 date: the business date D
WITH e AS (SELECT l.entry_id, sum(l.debit_fen)::bigint AS d, sum(l.credit_fen)::bigint AS c
             FROM journal_lines l WHERE l.business_date = $1::date GROUP BY l.entry_id),
t AS (SELECT coalesce(sum(closing_fen) FILTER (WHERE closing_fen > 0), 0)::bigint AS d,
              coalesce(-sum(closing_fen) FILTER (WHERE closing_fen < 0), 0)::bigint AS c
         FROM gl_daily_balances WHERE business_date = $1::date),
cmp AS (SELECT 'entry:' || coalesce(j.posting_key, '#' || e.entry_id) AS k, e.d AS e, e.c AS a
           FROM e LEFT JOIN journal_entries j ON j.entry_id = e.entry_id AND j.business_date = $1::date
         UNION ALL SELECT 'to_date', d, c FROM t),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen)
         SELECT 'R5', k, e, a FROM cmp WHERE e <> a)
SELECT count(*), coalesce(sum(e), 0)::bigint FROM cmp
