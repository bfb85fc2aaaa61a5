-- Why: recon check R12 "journal hash chain" (issue 12 §4) stores its breaks like
-- every other check. recon_breaks.check_id listed R1..R9; it now takes any check
-- id of the form R<number>, so adding a check to src/recon.c's table does not
-- need a migration of its own (the checks are defined there, and the report's
-- checks sheet lists them).

ALTER TABLE recon_breaks DROP CONSTRAINT recon_breaks_check_id_check;
ALTER TABLE recon_breaks ADD CONSTRAINT recon_breaks_check_id_check CHECK (check_id ~ '^R[1-9][0-9]?$');

COMMENT ON TABLE recon_breaks IS
    '对账差异 / reconciliation breaks (check_id R1..R99, src/recon.c): OPEN → EXPLAINED → RESOLVED; never deleted';
