-- Orders dated before D still PENDING are rejected DATE_CLOSED, each with its rejects row.
-- An older date's night has closed (product-rules §11): an order it did not take is never
-- originated on a later date. Runs before the candidates are read.
-- $1 date: the business date D
WITH stale AS (
  UPDATE inbox_orders SET status = 'REJECTED', reject_reason = 'DATE_CLOSED', processed_date = $1::date
   WHERE status = 'PENDING' AND order_date < $1::date
  RETURNING order_id, user_id, amount_fen, file_id, line_no, order_date)
INSERT INTO rejects (file_id, file_name, line_no, source_kind, external_id, user_id, field, reason_code,
                     detail, amount_fen, business_date)
SELECT s.file_id, f.file_name, s.line_no, 'orders', s.order_id, s.user_id, 'order_date', 'DATE_CLOSED',
       'order dated ' || s.order_date || ' was still pending when ' || $1::date || ' ran', s.amount_fen,
       $1::date
  FROM stale s LEFT JOIN load_files f ON f.file_id = s.file_id
