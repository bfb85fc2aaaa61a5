-- R7: channel settlement files = applied repayments, matched on (channel, txn id) (product rules §9).
-- Items paid on P are judged from the recon of P + wait + 1 on (the channel's file comes T+1; it may
-- be late by wait days), looking back 7 more days. 长款 CHANNEL_ONLY (their line, no repayment of
-- ours), 短款 SYSTEM_ONLY (ours, not on their file), AMOUNT_MISMATCH; severity MEDIUM. An item
-- already reported under another date is not reported again (one break however many nights it
-- stays unmatched); a rerun of the same date finds its own breaks again. Key: CHANNEL:txn id.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.recon_found.
-- $1 date: the business date D
-- $2 integer: [recon] settlement_wait_days
WITH w AS (SELECT $1::date - $2::int - 1 AS cutoff),
ours AS (SELECT r.channel, r.txn_id, r.amount_fen AS e, s.amount_fen AS a
            FROM inbox_repayments r CROSS JOIN w
            LEFT JOIN settlement_lines s ON s.channel = r.channel AND s.channel_txn_id = r.txn_id
           WHERE r.pay_date BETWEEN w.cutoff - 7 AND w.cutoff
             AND r.status = 'APPLIED'),
theirs AS (SELECT s.channel, s.channel_txn_id AS txn_id, NULL::bigint AS e, s.amount_fen AS a
              FROM settlement_lines s CROSS JOIN w
             WHERE s.pay_date BETWEEN w.cutoff - 7 AND w.cutoff
               AND NOT EXISTS (SELECT 1 FROM inbox_repayments r WHERE r.txn_id = s.channel_txn_id
                                  AND r.channel = s.channel AND r.status = 'APPLIED')),
cmp AS (SELECT channel || ':' || txn_id AS k,
                CASE WHEN a IS NULL THEN 'SYSTEM_ONLY' WHEN e IS NULL THEN 'CHANNEL_ONLY'
                     WHEN a <> e THEN 'AMOUNT_MISMATCH' END AS t,
                coalesce(e, 0) AS e, coalesce(a, 0) AS a
           FROM (SELECT * FROM ours UNION ALL SELECT * FROM theirs) x),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_type, break_key, expected_fen, actual_fen, severity)
         SELECT 'R7', t, k, e, a, 'MEDIUM' FROM cmp
          WHERE t IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM recon_breaks b WHERE b.check_id = 'R7' AND b.break_key = cmp.k
                               AND b.break_type = cmp.t AND b.business_date <> $1::date))
SELECT count(*), coalesce(sum(greatest(e, a)), 0)::bigint FROM cmp
