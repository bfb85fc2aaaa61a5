-- R3: each repayment applied on D = what it allocated on D (REPAYMENT allocations, recovery
-- included) + the credit balance it added (OVERPAYMENT), per txn id (product rules §9).
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.recon_found.
-- $1 date: the business date D
WITH r AS (SELECT txn_id, amount_fen FROM inbox_repayments WHERE pay_date = $1::date AND status = 'APPLIED'),
m AS (SELECT txn_id, sum(amount_fen)::bigint AS amount_fen
         FROM (SELECT txn_id, amount_fen FROM allocations
                WHERE business_date = $1::date AND source = 'REPAYMENT'
               UNION ALL
               SELECT txn_id, amount_fen FROM credit_balance_movements
                WHERE business_date = $1::date AND reason = 'OVERPAYMENT') x
        GROUP BY txn_id),
cmp AS (SELECT txn_id AS k, coalesce(r.amount_fen, 0) AS e, coalesce(m.amount_fen, 0) AS a
           FROM r FULL JOIN m USING (txn_id)),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen)
         SELECT 'R3', k, e, a FROM cmp WHERE e <> a)
SELECT count(*), coalesce(sum(e), 0)::bigint FROM cmp
