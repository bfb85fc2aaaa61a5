-- The group's decision that the opening book is imported: its group_loads row, which the
-- directory rows of the users and loans placed name. Kind 'import'; the manifest is kept
-- as its content until every shard imported its part.
-- $1 text: the original manifest's SHA-256 (hex)
-- $2 text: the original manifest's text
INSERT INTO group_loads (kind, file_name, sha256, content, state)
VALUES ('import', 'manifest.csv', $1, $2::text, 'committed')
RETURNING load_id
