-- R1: Σ accepted orders on D = Σ principal of loans originated on D, per order (product rules §9).
-- Key: order id. expected: the accepted order's amount; actual: the loan's principal.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.recon_found.
-- $1 date: the business date D
WITH o AS (SELECT order_id, amount_fen FROM inbox_orders
            WHERE processed_date = $1::date AND status = 'ACCEPTED'),
l AS (SELECT order_id, principal_fen FROM loans WHERE origination_date = $1::date),
cmp AS (SELECT order_id AS k, coalesce(o.amount_fen, 0) AS e, coalesce(l.principal_fen, 0) AS a
           FROM o FULL JOIN l USING (order_id)),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen)
         SELECT 'R1', k, e, a FROM cmp WHERE e <> a)
SELECT count(*), coalesce(sum(e), 0)::bigint FROM cmp
