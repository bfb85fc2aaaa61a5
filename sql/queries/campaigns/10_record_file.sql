-- Records a campaign catalogue by its content: its new file_id, or no row when the same
-- content was loaded before (loading it again is then a no-op that succeeds).
-- $1 text: the file name
-- $2 text: the sha256 of its content, hex
-- $3 bigint: its size in bytes
-- $4 integer: how many campaigns it defines
INSERT INTO load_files (kind, file_name, sha256, size_bytes, rows_read, rows_accepted)
VALUES ('campaigns', $1, $2, $3::bigint, $4::integer, $4::integer)
ON CONFLICT (kind, sha256) DO NOTHING RETURNING file_id
