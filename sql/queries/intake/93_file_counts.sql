-- Records the file's counts on its load_files row.
-- $1 bigint: the load_files id of the file
-- $2 integer: rows read
-- $3 integer: rows accepted
-- $4 integer: rows rejected
UPDATE load_files SET rows_read = $2::int, rows_accepted = $3::int, rows_rejected = $4::int
 WHERE file_id = $1::bigint
