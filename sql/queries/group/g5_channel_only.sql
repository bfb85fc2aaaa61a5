-- G5: the coordinator's own settlement lines past the settlement wait are breaks (issue 16 §3): a
-- line intake kept here matched no repayment of any shard (repayment_directory) when it came: 长款,
-- CHANNEL_ONLY, expected 0, actual its amount, key CHANNEL:txn id. Judged as R7 judges a shard's:
-- lines paid from D - wait - 8 to D - wait - 1 (the channel's file may be late by wait days); a line
-- whose repayment has since been placed on a shard is matched, not a break.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.group_found.
-- $1 date: the business date D
-- $2 integer: [recon] settlement_wait_days
WITH w AS (SELECT $1::date - $2::int - 1 AS cutoff),
l AS (SELECT s.channel, s.channel_txn_id, s.amount_fen,
             EXISTS (SELECT 1 FROM repayment_directory r
                      WHERE r.channel = s.channel AND r.txn_id = s.channel_txn_id) AS matched
        FROM settlement_lines s CROSS JOIN w
       WHERE s.pay_date BETWEEN w.cutoff - 7 AND w.cutoff),
ins AS (INSERT INTO pg_temp.group_found (check_id, break_type, break_key, shard, expected_fen, actual_fen)
         SELECT 'G5', 'CHANNEL_ONLY', channel || ':' || channel_txn_id, NULL, 0, amount_fen FROM l WHERE NOT matched)
SELECT count(*), coalesce(sum(amount_fen), 0)::bigint FROM l
