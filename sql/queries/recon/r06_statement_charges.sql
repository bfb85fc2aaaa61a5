-- R6: new charges on the statements of D = installments billed on D, per user (product rules §9).
-- What an installment billed on D was billed at: its original amounts less what a refund reduced
-- (REFUND allocations) or waived (unbilled fee waivers) before or on D; later settlements have
-- their own dates and do not change it.
-- Like every check: returns (rows compared, total compared); each difference goes into pg_temp.recon_found.
-- $1 date: the business date D
WITH b AS (SELECT i.user_id, sum(
(i.principal_fen - coalesce((SELECT sum(a.amount_fen) FROM allocations a
   WHERE a.loan_id = i.loan_id AND a.installment_no = i.installment_no
     AND a.source = 'REFUND' AND a.business_date <= $1::date), 0)) +
(i.fee_fen - coalesce((SELECT sum(x.amount_fen) FROM waivers x
   WHERE x.loan_id = i.loan_id AND x.installment_no = i.installment_no
     AND x.component = 'FEE' AND NOT x.was_billed AND x.business_date <= $1::date), 0)))::bigint AS amount_fen
             FROM installments i WHERE i.billed_date = $1::date GROUP BY i.user_id),
s AS (SELECT user_id, new_principal_fen + new_fee_fen AS amount_fen
         FROM statements WHERE statement_date = $1::date),
cmp AS (SELECT user_id AS k, coalesce(b.amount_fen, 0) AS e, coalesce(s.amount_fen, 0) AS a
           FROM b FULL JOIN s USING (user_id)),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen)
         SELECT 'R6', k, e, a FROM cmp WHERE e <> a)
SELECT count(*), coalesce(sum(e), 0)::bigint FROM cmp
