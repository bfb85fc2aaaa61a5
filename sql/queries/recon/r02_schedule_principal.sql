-- R2: Σ original installment principal = loan principal, per loan originated on D (product rules §9).
-- The schedule's original principal_fen and the loan's principal never change after origination
-- (refunds and payments have their own columns), so each loan is checked on its origination
-- night: over the nights, every loan, at the cost of the day's loans. Key: order id.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.recon_found.
-- $1 date: the business date D
WITH cmp AS (SELECT l.order_id AS k, l.principal_fen AS e, coalesce(sum(i.principal_fen), 0)::bigint AS a
               FROM loans l LEFT JOIN installments i ON i.loan_id = l.loan_id
              WHERE l.origination_date = $1::date
              GROUP BY l.loan_id, l.order_id, l.principal_fen),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen)
         SELECT 'R2', k, e, a FROM cmp WHERE e <> a)
SELECT count(*), coalesce(sum(e), 0)::bigint FROM cmp
