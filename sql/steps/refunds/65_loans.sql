-- Books the round's refunds on the loans: refunded principal, and the status they leave (CANCELLED, PAID_OFF, or unchanged).
-- Product rules §6: a full refund cancels the loan (loans_cancelled_iff_fully_refunded). A
-- partial refund that leaves an ACTIVE loan nothing open makes it PAID_OFF; a partial
-- refund of a PAID_OFF loan only credits the user and the loan stays PAID_OFF.
-- $1 date: the business date D
UPDATE loans l
   SET refunded_principal_fen = l.refunded_principal_fen + s.amount_fen,
       status = s.new_status,
       status_date = CASE WHEN s.new_status <> l.status THEN $1::date ELSE l.status_date END,
       updated_at = now()
  FROM (SELECT e.loan_id, e.amount_fen,
               CASE WHEN e.is_full THEN 'CANCELLED'
                    WHEN e.loan_status = 'ACTIVE'
                         AND NOT EXISTS (SELECT 1 FROM installments i WHERE i.loan_id = e.loan_id
                                            AND i.status IN ('UNBILLED', 'BILLED')) THEN 'PAID_OFF'
                    ELSE e.loan_status END AS new_status
          FROM pg_temp.bt_refund_eval e WHERE e.reason IS NULL) s
 WHERE l.loan_id = s.loan_id
