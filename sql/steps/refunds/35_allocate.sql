-- Records the principal each refund reduced as REFUND allocations, one per installment.
-- $1 date: the business date D
INSERT INTO allocations (business_date, user_id, source, refund_id, loan_id, installment_no,
                         component, amount_fen)
SELECT $1::date, user_id, 'REFUND', refund_id, loan_id, installment_no, 'PRINCIPAL',
       principal_reduced_fen
  FROM pg_temp.bt_refund_split
 WHERE principal_reduced_fen > 0
 ORDER BY refund_id, installment_no DESC
