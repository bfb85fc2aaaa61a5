-- Waives the unbilled fee of loans prepaid under WAIVE_UNBILLED, and keeps what it wrote in pg_temp.bt_prepay_waived.
-- Product rules §5: unbilled fees are waived (prepay_fee_policy = WAIVE_UNBILLED, the
-- default). The fee was never recognised, so no GL (was_billed false).
-- $1 date: the business date D
WITH ins AS (
  INSERT INTO waivers (business_date, user_id, loan_id, installment_no, component, amount_fen,
                       reason, was_billed, txn_id)
  SELECT $1::date, e.user_id, i.loan_id, i.installment_no, 'FEE', installment_fee_out_fen(i),
         'PREPAYMENT', false, e.txn_id
    FROM pg_temp.bt_prepay e
    JOIN installments i ON i.loan_id = e.loan_id AND i.status = 'UNBILLED'
   WHERE e.outcome = 'PREPAID' AND e.policy = 'WAIVE_UNBILLED' AND installment_fee_out_fen(i) > 0
   ORDER BY i.loan_id, i.installment_no
  RETURNING loan_id, installment_no, amount_fen)
INSERT INTO pg_temp.bt_prepay_waived (loan_id, installment_no, amount_fen)
SELECT loan_id, installment_no, amount_fen FROM ins
