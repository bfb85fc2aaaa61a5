-- The accepted memberships of a segments file (a pair written twice counts once).
-- $1 text[]: the user ids
-- $2 text[]: their segments, in the same order
-- $3 bigint: the load_files row of the file
INSERT INTO user_segments (segment, user_id, source_file_id)
SELECT m.segment, m.user_id, $3::bigint FROM unnest($1::text[], $2::text[]) AS m (user_id, segment)
ON CONFLICT (segment, user_id) DO NOTHING
