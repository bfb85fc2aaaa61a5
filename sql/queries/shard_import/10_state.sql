-- The group's starting point for a cut-over import: the dates the group closed, this set's
-- earlier import (by its manifest's SHA-256: a rerun) and whether it is done, and the
-- cut-over date of another set the group imported or began to import (one cut-over a group).
-- $1 text: the original manifest's SHA-256 (hex)
SELECT (SELECT count(*) FROM group_closed_dates),
       (SELECT load_id FROM group_imports WHERE manifest_sha256 = $1),
       (SELECT done_at IS NOT NULL FROM group_imports WHERE manifest_sha256 = $1),
       (SELECT min(cutover_date)::text FROM group_imports WHERE manifest_sha256 <> $1)
