-- Each refused coupons row gets its rejects row: file, line, field, reason and detail.
-- An id as a reject records it: a bad row's id may be empty or too long, and rejects takes
-- 1 to 64 characters or NULL.
-- $1 bigint: the load_files id of the file
-- $2 text: the file name, as rejects records it
INSERT INTO rejects (file_id, file_name, line_no, source_kind, external_id, user_id, field, reason_code, detail)
SELECT $1::bigint, $2, v.line_no, 'coupons', nullif(left(v.c1, 64), ''), nullif(left(v.c2, 64), ''), v.field,
       v.reason, v.bad_detail
  FROM intake_verdict v WHERE v.reason IS NOT NULL
