-- Records each applied refund's outcome in refund_applications: how R split, what was waived, what goes to the credit balance.
-- Product rules §6, §11: R = unbilled principal reduced + billed principal reduced + principal
-- already paid (to the credit balance); a full refund also returns every fee and penalty
-- paid on the loan.
-- $1 date: the business date D
INSERT INTO refund_applications (refund_id, user_id, loan_id, business_date, amount_fen,
                                 is_full_refund, unbilled_principal_reduced_fen,
                                 billed_principal_reduced_fen, paid_principal_to_credit_fen,
                                 billed_fee_waived_fen, unbilled_fee_waived_fen, penalty_waived_fen,
                                 paid_fee_returned_fen, paid_penalty_returned_fen)
SELECT e.refund_id, e.user_id, e.loan_id, $1::date, e.amount_fen, e.is_full,
       coalesce(s.unbilled_reduced, 0), coalesce(s.billed_reduced, 0),
       e.amount_fen - coalesce(s.unbilled_reduced, 0) - coalesce(s.billed_reduced, 0),
       coalesce(s.billed_fee, 0), coalesce(s.unbilled_fee, 0), coalesce(s.penalty, 0),
       CASE WHEN e.is_full THEN p.fee ELSE 0 END, CASE WHEN e.is_full THEN p.penalty ELSE 0 END
  FROM pg_temp.bt_refund_eval e
  LEFT JOIN (SELECT refund_id,
                    sum(principal_reduced_fen) FILTER (WHERE NOT was_billed) AS unbilled_reduced,
                    sum(principal_reduced_fen) FILTER (WHERE was_billed) AS billed_reduced,
                    sum(fee_waived_fen) FILTER (WHERE was_billed) AS billed_fee,
                    sum(fee_waived_fen) FILTER (WHERE NOT was_billed) AS unbilled_fee,
                    sum(penalty_waived_fen) AS penalty
               FROM pg_temp.bt_refund_split GROUP BY refund_id) s ON s.refund_id = e.refund_id
 CROSS JOIN LATERAL (SELECT coalesce(sum(paid_fee_fen), 0) AS fee,
                            coalesce(sum(paid_penalty_fen), 0) AS penalty
                       FROM installments WHERE loan_id = e.loan_id) p
 WHERE e.reason IS NULL
 ORDER BY e.refund_id
