-- Each refused refunds row gets its rejects row: file, line, field, reason and detail.
-- $1 bigint: the load_files id of the file
-- $2 text: the file name, as rejects records it
INSERT INTO rejects (file_id, file_name, line_no, source_kind, external_id, user_id, field, reason_code,
                    detail, amount_fen, business_date)
SELECT $1::bigint, $2, v.line_no, 'refunds', nullif(left(v.c1, 64), ''), NULL, v.field, v.reason, v.bad_detail,
       CASE WHEN v.bad_field IS NULL THEN v.c4::bigint END,
       CASE WHEN v.bad_field IS NULL THEN v.c3::date END
  FROM intake_verdict v WHERE v.reason IS NOT NULL
