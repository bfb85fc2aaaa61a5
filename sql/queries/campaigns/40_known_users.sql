-- Which users of a segments file this database knows: the others are rejected
-- UNKNOWN_USER, the file still loaded.
-- $1 text[]: the user ids of the file
SELECT user_id FROM users WHERE user_id = ANY ($1::text[])
