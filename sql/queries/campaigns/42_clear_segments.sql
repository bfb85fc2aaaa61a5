-- A segments file replaces the members of every segment it names: the old ones go first.
-- $1 text[]: the segments the file names
DELETE FROM user_segments WHERE segment = ANY ($1::text[])
