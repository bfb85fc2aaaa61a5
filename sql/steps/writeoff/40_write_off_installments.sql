-- The installments of the loans written off on D leave the balance sheet.
-- Product rules §7, §11: outstanding principal (billed and unbilled), billed fee and
-- penalty through D are written off; what is left of an unbilled fee was waived by the
-- step's earlier statement. The open penalty run (closed as a penalty_accruals row just
-- before) is materialised into penalty_accrued_fen and cleared. Right-hand sides see the
-- row before the update.
-- $1 date: the business date D
UPDATE installments i SET
       writeoff_principal_fen = installment_principal_out_fen(i),
       writeoff_fee_fen = CASE WHEN i.status = 'BILLED' THEN installment_fee_out_fen(i) ELSE 0 END,
       fee_waived_fen = CASE WHEN i.status = 'UNBILLED' THEN i.fee_fen - i.paid_fee_fen ELSE i.fee_waived_fen END,
       penalty_accrued_fen = installment_penalty_accrued_fen(i, $1::date),
       writeoff_penalty_fen = installment_penalty_out_fen(i, $1::date),
       penalty_run_from = NULL, penalty_run_base_fen = NULL, penalty_run_fen_per_day = NULL,
       status = 'WRITTEN_OFF', written_off_date = $1::date
  FROM writeoffs w
 WHERE w.writeoff_date = $1::date AND i.loan_id = w.loan_id AND i.status IN ('UNBILLED', 'BILLED')
