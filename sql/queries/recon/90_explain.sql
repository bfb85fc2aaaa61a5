-- A break is explained: OPEN -> EXPLAINED, with the note and who; a resolved break stays as it is.
-- $1 bigint: the break
-- $2 text: the note
-- $3 text: who (user@host)
UPDATE recon_breaks SET status = 'EXPLAINED', note = $2::text, explained_by = $3::text, explained_at = now()
WHERE break_id = $1::bigint AND status <> 'RESOLVED' RETURNING break_id
