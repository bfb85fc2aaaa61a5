-- The refusals of the import, under its id.
-- $1 bigint: the import's id
INSERT INTO import_refusals (import_id, refusal_no, file_name, line_no, field, user_id, order_id, reason)
SELECT $1::bigint, refusal_no, file_name, line_no, field, user_id, order_id, reason FROM pg_temp.imp_refusals
