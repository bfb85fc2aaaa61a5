-- Registers a partner file by kind and content: returns its new file_id, or no row when the
-- same content (sha256) of the same kind was loaded before — a reload is then a no-op.
-- $1 text: the file kind (users, orders, repayments, refunds, settlement)
-- $2 text: the file name
-- $3 text: the sha256 of its content, hex
-- $4 bigint: its size in bytes
-- $5 text: the channel of a settlement file (NULL for the other kinds)
INSERT INTO load_files (kind, file_name, sha256, size_bytes, channel) VALUES ($1, $2, $3, $4::bigint, $5)
ON CONFLICT (kind, sha256) DO NOTHING RETURNING file_id
