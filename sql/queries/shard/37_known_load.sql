-- The group's earlier load of the same content, if any: its id and when it was decided.
-- $1 text: the file kind
-- $2 text: the sha256 of its content, hex
SELECT load_id, to_char(decided_at, 'YYYY-MM-DD HH24:MI:SS'), file_name FROM group_loads WHERE kind = $1 AND sha256 = $2
