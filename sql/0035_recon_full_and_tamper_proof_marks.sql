-- Why (issue 12 §3): the nightly recon rechecked R4/R8/R9 only for the users a
-- trigger marked in recon_changed_users, and the batch role could DELETE (or
-- UPDATE) those marks: a mark deleted behind the program's back hid a change
-- for ever. Now the batch role can neither delete nor rewrite a mark; recon
-- consumes them only through recon_take_changed_users() (sql/0036), which runs
-- with the owner's rights, only for the newest business date, never backwards,
-- and logs every take.
--
-- A full audit (`baitiao recon --full`) recomputes everything from the detail
-- rows; recon_runs says which kind of pass a run was, so status can show the
-- last full audit. New check ids (R11 trigger bypass, R13 schedule recomputed,
-- R14 journal = GL activity, R15 GL opening = previous closing) are allowed in
-- recon_breaks: any id of the form R<number>.

ALTER TABLE recon_runs
    ADD COLUMN mode text NOT NULL DEFAULT 'NIGHTLY' CHECK (mode IN ('NIGHTLY', 'FULL'));

COMMENT ON COLUMN recon_runs.mode IS
    'NIGHTLY: the incremental pass of a night or "recon"; FULL: "recon --full", everything recomputed';

CREATE INDEX recon_runs_full_idx ON recon_runs (ended_at) WHERE mode = 'FULL' AND status = 'SUCCEEDED';

ALTER TABLE recon_breaks DROP CONSTRAINT recon_breaks_check_id_check;
ALTER TABLE recon_breaks ADD CONSTRAINT recon_breaks_check_id_check CHECK (check_id ~ '^R[0-9]{1,2}$');

COMMENT ON TABLE recon_breaks IS
    '对账差异 / reconciliation breaks (check_id R1..R15): OPEN → EXPLAINED → RESOLVED; never deleted';

-- The marks are evidence too: only the trigger function writes them and only
-- the function below consumes them.
REVOKE UPDATE, DELETE, TRUNCATE ON recon_changed_users FROM baitiao_batch;

-- recon takes the marks through recon_take_changed_users() (sql/0036, owner's
-- rights), which also brings the R11 checksums of those users forward.
