-- The loans whose DPD on D first exceeds their writeoff_dpd, with what is written off.
-- Product rules §7, §11: DPD = D − the earliest due date of the loan's overdue installments
-- (billed, past due, principal + fee unpaid); written off are all outstanding principal
-- (billed and unbilled), billed fees and penalty — penalty through D, after that night's
-- aging (installment_penalty_out_fen with D: the open run's day D included). Live
-- installments carry nothing written off yet (CHECK installments_live_not_written_off).
-- Every later statement of the step works from the writeoffs rows of D.
-- $1 date: the business date D
INSERT INTO writeoffs (loan_id, user_id, writeoff_date, dpd_at_writeoff, principal_fen, fee_fen, penalty_fen)
SELECT l.loan_id, l.user_id, $1::date, o.dpd, b.principal_fen, b.fee_fen, b.penalty_fen
  FROM (SELECT i.loan_id, $1::date - min(i.due_date) AS dpd
          FROM installments i
         WHERE i.status = 'BILLED' AND i.due_date < $1::date
           AND installment_principal_out_fen(i) + installment_fee_out_fen(i) > 0
         GROUP BY i.loan_id) o
  JOIN loans l ON l.loan_id = o.loan_id AND l.status = 'ACTIVE' AND o.dpd > l.writeoff_dpd
 CROSS JOIN LATERAL (
   SELECT coalesce(sum(installment_principal_out_fen(i)), 0)::bigint AS principal_fen,
          coalesce(sum(installment_fee_out_fen(i)) FILTER (WHERE i.status = 'BILLED'), 0)::bigint AS fee_fen,
          coalesce(sum(installment_penalty_out_fen(i, $1::date)), 0)::bigint AS penalty_fen
     FROM installments i WHERE i.loan_id = l.loan_id AND i.status IN ('UNBILLED', 'BILLED')) b
