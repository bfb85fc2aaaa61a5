-- Books the split on the installments: principal reduced, fee and penalty waived, and the rows it closes (CANCELLED or PAID).
-- $1 date: the business date D
UPDATE installments i
   SET principal_reduced_fen = i.principal_reduced_fen + s.principal_reduced_fen,
       fee_waived_fen = i.fee_waived_fen + s.fee_waived_fen,
       penalty_waived_fen = i.penalty_waived_fen + s.penalty_waived_fen,
       status = coalesce(s.new_status, i.status),
       cancelled_date = CASE WHEN s.new_status = 'CANCELLED' THEN $1::date ELSE i.cancelled_date END,
       paid_date = CASE WHEN s.new_status = 'PAID' THEN $1::date ELSE i.paid_date END
  FROM pg_temp.bt_refund_split s
 WHERE i.loan_id = s.loan_id AND i.installment_no = s.installment_no
