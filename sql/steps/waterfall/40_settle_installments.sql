-- Books the pass's allocations on the installments: paid_* and recovered_fen; a billed row the pass settles to 0 becomes PAID.
-- Product rules §5. The pass's allocations are pg_temp.bt_wf_alloc (from INSERT … RETURNING),
-- summed per installment and component. A BILLED row whose every component the pass paid
-- in full closes as PAID that day (penalty outstanding through D − 1: aging of D runs
-- later). Written-off rows keep their status; recovered_fen grows (capped by the CHECK
-- installments_recovery_within_writeoff).
-- $1 date: the business date D
WITH s AS (
  SELECT loan_id, installment_no,
         coalesce(sum(amount_fen) FILTER (WHERE component = 'PENALTY'), 0) AS penalty,
         coalesce(sum(amount_fen) FILTER (WHERE component = 'FEE'), 0) AS fee,
         coalesce(sum(amount_fen) FILTER (WHERE component = 'PRINCIPAL'), 0) AS principal,
         coalesce(sum(amount_fen) FILTER (WHERE component LIKE 'RECOVERY\_%'), 0) AS recovered
    FROM pg_temp.bt_wf_alloc
   WHERE source IN ('REPAYMENT', 'CREDIT_BALANCE')
   GROUP BY loan_id, installment_no),
 settled AS (
  SELECT s.*, i.status = 'BILLED'
              AND installment_penalty_out_fen(i, $1::date - 1) = s.penalty
              AND installment_fee_out_fen(i) = s.fee
              AND installment_principal_out_fen(i) = s.principal AS closes
    FROM s JOIN installments i ON i.loan_id = s.loan_id AND i.installment_no = s.installment_no)
UPDATE installments i
   SET paid_penalty_fen = i.paid_penalty_fen + s.penalty,
       paid_fee_fen = i.paid_fee_fen + s.fee,
       paid_principal_fen = i.paid_principal_fen + s.principal,
       recovered_fen = i.recovered_fen + s.recovered,
       status = CASE WHEN s.closes THEN 'PAID' ELSE i.status END,
       paid_date = CASE WHEN s.closes THEN $1::date ELSE i.paid_date END
  FROM settled s
 WHERE i.loan_id = s.loan_id AND i.installment_no = s.installment_no
