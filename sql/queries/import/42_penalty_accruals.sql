-- The cut-over night's penalty (already in penalty_accrued) as that night's accrual
-- row: the next night finds the loans cured on it from this set, as after any night.
-- Product rules §7: the day's penalty is the base × the loan's rate in ppm, rounded
-- half up to the fen.
-- $1 date: the cut-over date
INSERT INTO penalty_accruals (loan_id, installment_no, accrual_date, user_id, base_fen, penalty_ppm, amount_fen)
SELECT i.loan_id, i.installment_no, $1::date, i.user_id, o.base_fen, l.penalty_ppm,
       div(o.base_fen::numeric * l.penalty_ppm + 500000, 1000000)::bigint
  FROM installments i JOIN loans l ON l.loan_id = i.loan_id
 CROSS JOIN LATERAL (SELECT (i.principal_fen - i.paid_principal_fen) + (i.fee_fen - i.fee_waived_fen
                            - i.paid_fee_fen) AS base_fen) o
 WHERE i.status = 'BILLED' AND i.due_date < $1::date AND l.status = 'ACTIVE' AND o.base_fen > 0
