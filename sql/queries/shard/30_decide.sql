-- The group's decision that a file is loaded: committed together with the directory rows and the coordinator's own part.
-- Its text is kept until every shard committed its lines ('done' at once when no shard has any).
-- $1 text: the file kind
-- $2 text: the channel of a settlement file (NULL for the other kinds)
-- $3 text: the file name
-- $4 text: the sha256 of its content, hex
-- $5 text: the file's content, or NULL when no shard has a part of it
INSERT INTO group_loads (kind, channel, file_name, sha256, content, state, done_at)
VALUES ($1, $2, $3, $4, $5::text, CASE WHEN $5::text IS NULL THEN 'done' ELSE 'committed' END,
        CASE WHEN $5::text IS NULL THEN now() END)
RETURNING load_id
