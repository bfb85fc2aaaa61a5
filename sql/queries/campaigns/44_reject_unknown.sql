-- The rows of a segments file whose user this database does not know.
-- $1 bigint: the load_files row of the file
-- $2 text: the file name
-- $3 integer[]: the rows' line numbers
-- $4 text[]: their user ids
-- $5 text[]: their segments
INSERT INTO rejects (file_id, file_name, line_no, source_kind, user_id, field, reason_code, detail)
SELECT $1::bigint, $2, r.line_no, 'segments', r.user_id, 'user_id', 'UNKNOWN_USER', 'segment ' || r.segment
  FROM unnest($3::integer[], $4::text[], $5::text[]) AS r (line_no, user_id, segment)
