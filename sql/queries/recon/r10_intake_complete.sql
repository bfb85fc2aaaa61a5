-- R10: intake complete. Per kind, the inbox rows of D received = applied + rejected, where a rejected
-- row counts only with its rejects record (the reason it was given); key KIND:D. And no inbox row
-- dated D or earlier is still PENDING (the night cut D's intake and its step intake_close rejected
-- what was left): key KIND:ID.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.recon_found.
-- $1 date: the business date D
WITH received AS (
SELECT 'orders' AS kind, order_id AS id, amount_fen, status, reject_reason, processed_date
  FROM inbox_orders WHERE order_date = $1::date UNION ALL
SELECT 'repayments' AS kind, txn_id AS id, amount_fen, status, reject_reason, processed_date
  FROM inbox_repayments WHERE pay_date = $1::date UNION ALL
SELECT 'refunds' AS kind, refund_id AS id, amount_fen, status, reject_reason, processed_date
  FROM inbox_refunds WHERE refund_date = $1::date),
judged AS (SELECT r.kind, r.amount_fen, r.status IN ('ACCEPTED', 'APPLIED') AS applied,
                   r.status = 'REJECTED' AND EXISTS (
                     SELECT 1 FROM rejects j WHERE j.business_date = r.processed_date
                        AND j.source_kind = r.kind AND j.external_id = r.id
                        AND j.reason_code = r.reject_reason) AS rejected
              FROM received r),
per_kind AS (SELECT kind || ':' || $1::date AS k, sum(amount_fen)::bigint AS e,
                     (coalesce(sum(amount_fen) FILTER (WHERE applied), 0)
                      + coalesce(sum(amount_fen) FILTER (WHERE rejected), 0))::bigint AS a
                FROM judged GROUP BY kind),
pending (k, e, a) AS (
SELECT 'orders:' || order_id, amount_fen, 0::bigint FROM inbox_orders
WHERE status = 'PENDING' AND order_date <= $1::date UNION ALL
SELECT 'repayments:' || txn_id, amount_fen, 0::bigint FROM inbox_repayments
WHERE status = 'PENDING' AND pay_date <= $1::date UNION ALL
SELECT 'refunds:' || refund_id, amount_fen, 0::bigint FROM inbox_refunds
WHERE status = 'PENDING' AND refund_date <= $1::date),
cmp AS (SELECT k, e, a FROM per_kind UNION ALL SELECT k, e, a FROM pending),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen)
         SELECT 'R10', k, e, a FROM cmp WHERE e <> a)
SELECT count(*), coalesce(sum(e), 0)::bigint FROM cmp
