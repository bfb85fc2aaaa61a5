-- A break is resolved: -> RESOLVED; the note is appended to an earlier explanation. Returns the
-- check too: resolving an R11 break also accepts the change it found (94_accept_unmarked_change).
-- $1 bigint: the break
-- $2 text: the note (may be NULL)
-- $3 text: who (user@host)
UPDATE recon_breaks SET status = 'RESOLVED', note = coalesce(concat_ws(E'\n', note, $2::text), note),
       resolved_by = $3, resolved_at = now()
WHERE break_id = $1::bigint AND status <> 'RESOLVED' RETURNING break_id, check_id
