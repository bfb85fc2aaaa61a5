-- The consolidated trial balance of D (baitiao group gl): per account the sum over the member shards
-- of opening, debit, credit and closing (fen, debit-positive: closing = opening + debit - credit), how
-- many shards hold the account on D, and a last row (account NULL) of the group's totals (its
-- shards: how many have a GL of D at all). The
-- account's name is the coordinator's, else a shard's (a channel's clearing account 1002.X exists
-- where that channel was seen). Each shard's rows of D come by one pushed-down scan, all at once.
-- $1 date: the business date D
WITH b AS (SELECT account_code, coalesce(sum(opening_fen), 0)::bigint AS o, coalesce(sum(debit_fen), 0)::bigint AS d,
                  coalesce(sum(credit_fen), 0)::bigint AS c, coalesce(sum(closing_fen), 0)::bigint AS z,
                  count(DISTINCT shard) AS n
             FROM grp.gl_daily_balances WHERE business_date = $1::date
            GROUP BY GROUPING SETS ((account_code), ())),
names AS (SELECT DISTINCT ON (account_code) account_code, name_zh FROM grp.gl_accounts
           ORDER BY account_code, shard)
SELECT b.account_code, CASE WHEN b.account_code IS NULL THEN '合计 total' ELSE coalesce(a.name_zh, n.name_zh) END,
       b.o, b.d, b.c, b.z, b.n
  FROM b
  LEFT JOIN gl_accounts a ON a.account_code = b.account_code
  LEFT JOIN names n ON n.account_code = b.account_code
 ORDER BY b.account_code NULLS LAST
