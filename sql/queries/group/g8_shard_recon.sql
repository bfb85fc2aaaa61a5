-- G8: every shard reconciled D itself (issue 16 §5: recon runs per shard, then the group checks; the
-- group's R4 and R5 hold when each shard's do, its figures being their sums): each member shard that
-- closed D has a SUCCEEDED recon run of D (else NOT_RECONCILED) and no break of D left OPEN (else
-- OPEN_BREAKS, expected 0, actual Σ |diff| of them; `baitiao recon breaks --open --shard NAME` lists
-- them). Key SHARD:D. A shard that has not closed D is G2's.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.group_found.
-- $1 date: the business date D
WITH closed AS (SELECT shard FROM grp.business_calendar WHERE business_date = $1::date AND status = 'CLOSED'),
runs AS (SELECT DISTINCT shard FROM grp.recon_runs WHERE business_date = $1::date AND status = 'SUCCEEDED'),
open AS (SELECT shard, count(*) AS n,
                coalesce(sum(abs(coalesce(diff_fen, coalesce(actual_fen, 0) - coalesce(expected_fen, 0)))), 0)::bigint AS fen
           FROM grp.recon_breaks WHERE business_date = $1::date AND status = 'OPEN' GROUP BY shard),
cmp AS (SELECT c.shard, c.shard || ':' || $1::date AS k, r.shard IS NOT NULL AS ran,
               coalesce(o.n, 0) AS n, coalesce(o.fen, 0) AS fen
          FROM closed c JOIN shard_members m ON m.shard = c.shard
          LEFT JOIN runs r ON r.shard = c.shard LEFT JOIN open o ON o.shard = c.shard),
ins AS (INSERT INTO pg_temp.group_found (check_id, break_type, break_key, shard, expected_fen, actual_fen)
         SELECT 'G8', 'NOT_RECONCILED', k, shard, NULL, NULL FROM cmp WHERE NOT ran
         UNION ALL
         SELECT 'G8', 'OPEN_BREAKS', k, shard, 0, fen FROM cmp WHERE n > 0)
SELECT count(*), coalesce(sum(fen), 0)::bigint FROM cmp
