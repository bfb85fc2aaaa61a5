-- The earlier load of the same content: its file_id, when it was loaded and under which name.
-- $1 text: the file kind
-- $2 text: the sha256 of its content, hex
SELECT file_id, to_char(loaded_at, 'YYYY-MM-DD HH24:MI:SS'), file_name FROM load_files
 WHERE kind = $1 AND sha256 = $2
