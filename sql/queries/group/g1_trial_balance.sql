-- G1: the consolidated trial balance of D is balanced and is the sum of the shards' own (issue 16
-- §5, R5 consolidated): each member shard's day balanced (Σ debit = Σ credit, key SHARD:activity)
-- and its books balanced (Σ of its closings = 0, debit-positive: Σ debit-side closings = Σ
-- credit-side ones, key SHARD:closing); the group's sums likewise (group:activity, group:closing);
-- and per account the group's opening of D = the group's closing of D - 1 (key ACCOUNT:opening),
-- which also holds when a shard joined between them (it has neither). A shard that holds nothing
-- yet has no rows and balances at 0; whether it closed D is G2's.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.group_found.
-- $1 date: the business date D
WITH b AS MATERIALIZED (SELECT shard, business_date, account_code, opening_fen, debit_fen, credit_fen, closing_fen
                          FROM grp.gl_daily_balances WHERE business_date IN ($1::date, $1::date - 1)),
s AS (SELECT m.shard, coalesce(sum(b.debit_fen), 0)::bigint AS d, coalesce(sum(b.credit_fen), 0)::bigint AS c,
             coalesce(sum(b.closing_fen) FILTER (WHERE b.closing_fen > 0), 0)::bigint AS pos,
             coalesce(-sum(b.closing_fen) FILTER (WHERE b.closing_fen < 0), 0)::bigint AS neg
        FROM shard_members m LEFT JOIN b ON b.shard = m.shard AND b.business_date = $1::date
       GROUP BY m.shard),
a AS (SELECT account_code, coalesce(sum(closing_fen) FILTER (WHERE business_date = $1::date - 1), 0)::bigint AS prev,
             coalesce(sum(opening_fen) FILTER (WHERE business_date = $1::date), 0)::bigint AS opening
        FROM b GROUP BY account_code),
cmp AS (SELECT shard AS sh, shard || ':activity' AS k, d AS e, c AS a FROM s
        UNION ALL SELECT shard, shard || ':closing', pos, neg FROM s
        UNION ALL SELECT NULL, 'group:activity', coalesce(sum(d), 0)::bigint, coalesce(sum(c), 0)::bigint FROM s
        UNION ALL SELECT NULL, 'group:closing', coalesce(sum(pos), 0)::bigint, coalesce(sum(neg), 0)::bigint FROM s
        UNION ALL SELECT NULL, account_code || ':opening', prev, opening FROM a),
ins AS (INSERT INTO pg_temp.group_found (check_id, break_type, break_key, shard, expected_fen, actual_fen)
         SELECT 'G1', 'MISMATCH', k, sh, e, a FROM cmp WHERE e <> a)
SELECT count(*), coalesce(sum(e) FILTER (WHERE k = 'group:activity'), 0)::bigint FROM cmp
