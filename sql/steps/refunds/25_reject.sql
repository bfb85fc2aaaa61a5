-- Rejects the round's refunds that cannot apply: inbox row REJECTED, and a rejects row naming file, line, field and reason.
-- $1 date: the business date D
WITH rej AS (
  UPDATE inbox_refunds r
     SET status = 'REJECTED', reject_reason = e.reason, processed_date = $1::date,
         user_id = coalesce(e.user_id, r.user_id)
    FROM pg_temp.bt_refund_eval e
   WHERE r.refund_id = e.refund_id AND e.reason IS NOT NULL
  RETURNING r.refund_id, r.file_id, r.line_no, r.user_id, r.arrival_seq, e.order_id, e.amount_fen,
            e.reason, e.loan_status, e.refundable_fen)
INSERT INTO rejects (file_id, file_name, line_no, source_kind, external_id, user_id, field, reason_code,
                     detail, amount_fen, business_date)
SELECT file_id, f.file_name, line_no, 'refunds', refund_id, user_id,
       CASE reason WHEN 'REFUND_EXCEEDS_PRINCIPAL' THEN 'amount' ELSE 'order_id' END, reason,
       CASE reason
         WHEN 'UNKNOWN_ORDER' THEN 'no loan for order ' || order_id
         WHEN 'REFUND_LOAN_NOT_REFUNDABLE' THEN 'loan of order ' || order_id || ' is ' || loan_status
         ELSE 'principal of order ' || order_id || ' not yet refunded is ' || refundable_fen || ' fen'
       END,
       amount_fen, $1::date
  FROM rej LEFT JOIN load_files f USING (file_id) ORDER BY arrival_seq
