-- The catalogue-wide rules, replaced by each catalogue loaded.
-- $1 bigint: the cap on one order's total discount in fen (NULL: none)
-- $2 bigint: the load_files row of the catalogue
INSERT INTO campaign_policy (singleton, max_order_discount_fen, source_file_id)
VALUES (true, $1::bigint, $2::bigint)
ON CONFLICT (singleton) DO UPDATE
   SET max_order_discount_fen = excluded.max_order_discount_fen, source_file_id = excluded.source_file_id,
       updated_at = now()
