-- R2: Σ original installment principal = loan principal, per loan originated on D (product rules §9).
-- The schedule's original principal_fen and the loan's principal never change after origination
-- (refunds and payments have their own columns), so each loan is checked on its origination
-- night: over the nights, every loan, at the cost of the day's loans. Key: order id.
-- Each loan's installments are summed through the primary key (LATERAL): a join let the planner
-- hash the whole installments table, a cost that followed the book (14-30 s a night at 4M users,
-- docs/performance.md) for the day's 30 000 loans.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.recon_found.
-- $1 date: the business date D
WITH cmp AS (SELECT l.order_id AS k, l.principal_fen AS e, coalesce(s.principal_fen, 0)::bigint AS a
               FROM loans l
               CROSS JOIN LATERAL (SELECT sum(i.principal_fen) AS principal_fen
                                     FROM installments i WHERE i.loan_id = l.loan_id) s
              WHERE l.origination_date = $1::date),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen)
         SELECT 'R2', k, e, a FROM cmp WHERE e <> a)
SELECT count(*), coalesce(sum(e), 0)::bigint FROM cmp
