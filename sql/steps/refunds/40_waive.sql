-- Records the fee and penalty each refund waived (waivers, reason REFUND).
-- An unbilled fee was never recognised (was_billed false, no GL); a billed fee and every
-- accrued penalty were, and their waiver reverses income (70_gl_waiver).
-- $1 date: the business date D
INSERT INTO waivers (business_date, user_id, loan_id, installment_no, component, amount_fen,
                     reason, was_billed, refund_id)
SELECT $1::date, s.user_id, s.loan_id, s.installment_no, w.component, w.amount, 'REFUND',
       w.was_billed, s.refund_id
  FROM pg_temp.bt_refund_split s
 CROSS JOIN LATERAL (VALUES (1, 'FEE', s.fee_waived_fen, s.was_billed),
                            (2, 'PENALTY', s.penalty_waived_fen, true))
        AS w(ord, component, amount, was_billed)
 WHERE w.amount > 0
 ORDER BY s.refund_id, s.installment_no, w.ord
