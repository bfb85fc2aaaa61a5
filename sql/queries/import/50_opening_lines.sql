-- The opening entry's lines: the receivables and credit balances of the booked
-- sub-ledgers, the difference against the cut-over clearing account 2999 (migration
-- opening_entries). Off-balance (written-off) amounts stay off the balance sheet.
WITH s AS (SELECT coalesce(sum(principal_fen - principal_reduced_fen - paid_principal_fen
                               - writeoff_principal_fen), 0)::bigint AS p,
                  coalesce(sum(fee_fen - fee_waived_fen - paid_fee_fen - writeoff_fee_fen)
                           FILTER (WHERE status <> 'UNBILLED'), 0)::bigint AS f,
                  coalesce(sum(penalty_accrued_fen - penalty_waived_fen - paid_penalty_fen
                               - writeoff_penalty_fen), 0)::bigint AS pen FROM installments),
     c AS (SELECT coalesce(sum(credit_balance_fen), 0)::bigint AS c FROM users)
SELECT '1122'::text AS account_code, s.p AS debit_fen, 0::bigint AS credit_fen FROM s
UNION ALL SELECT '1123', s.f, 0 FROM s
UNION ALL SELECT '1124', s.pen, 0 FROM s
UNION ALL SELECT '2241', 0, c.c FROM c
UNION ALL SELECT '2999', greatest(c.c - s.p - s.f - s.pen, 0), greatest(s.p + s.f + s.pen - c.c, 0)
  FROM s, c
