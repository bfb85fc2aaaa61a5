-- Books the round's refunds on the users: credit balance up by what was returned, used limit down by the principal reduced.
-- Product rules §4: principal reduced on an ACTIVE loan leaves the used limit; a PAID_OFF
-- loan's refund reduces nothing (it owes nothing).
UPDATE users u
   SET credit_balance_fen = u.credit_balance_fen + s.credit,
       used_limit_fen = u.used_limit_fen - s.freed, updated_at = now()
  FROM (SELECT a.user_id,
               sum(a.paid_principal_to_credit_fen + a.paid_fee_returned_fen
                   + a.paid_penalty_returned_fen) AS credit,
               sum(CASE WHEN e.loan_status = 'ACTIVE'
                        THEN a.unbilled_principal_reduced_fen + a.billed_principal_reduced_fen
                        ELSE 0 END) AS freed
          FROM refund_applications a JOIN pg_temp.bt_refund_eval e ON e.refund_id = a.refund_id
         GROUP BY a.user_id) s
 WHERE u.user_id = s.user_id
