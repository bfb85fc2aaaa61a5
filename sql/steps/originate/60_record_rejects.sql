-- Each refused order gets its rejects row: file, line, the field at fault, reason and detail.
-- The field follows the reason (product-rules §11): the product code for an unknown product,
-- the amount when over the limit or unschedulable, else the user.
-- $1 date: the business date D
INSERT INTO rejects (file_id, file_name, line_no, source_kind, external_id, user_id, field, reason_code,
                     detail, amount_fen, business_date)
SELECT o.file_id, f.file_name, o.line_no, 'orders', o.order_id, o.user_id,
       CASE d.reason WHEN 'UNKNOWN_PRODUCT' THEN 'product_code' WHEN 'OVER_LIMIT' THEN 'amount'
                     WHEN 'BAD_FIELD' THEN 'amount'
                     ELSE 'user_id' END,
       d.reason, d.detail, o.amount_fen, $1::date
  FROM originate_decisions d JOIN inbox_orders o USING (order_id)
  LEFT JOIN load_files f ON f.file_id = o.file_id
 WHERE d.reason IS NOT NULL
