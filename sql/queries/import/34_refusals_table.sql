-- The refusals of this import, staged for import_refusals once the import has its id.
CREATE TEMP TABLE imp_refusals (refusal_no integer, file_name text, line_no bigint, field text, user_id text,
                                order_id text, reason text) ON COMMIT DROP
