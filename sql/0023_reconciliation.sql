-- Why: reconciliation (对账, product-rules §9) runs checks R1..R9 each night;
-- every difference is a break kept with its check, key, expected, actual and
-- diff. Breaks are evidence: they are explained or resolved, never deleted,
-- and the batch may change only their workflow columns.

CREATE TABLE recon_runs (
    recon_run_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    business_date   date        NOT NULL,
    job_run_id      bigint      REFERENCES job_runs (run_id),
    status          text        NOT NULL DEFAULT 'RUNNING' CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
    started_at      timestamptz NOT NULL DEFAULT now(),
    ended_at        timestamptz,
    checks_run      integer     NOT NULL DEFAULT 0 CHECK (checks_run >= 0),
    breaks_found    integer     NOT NULL DEFAULT 0 CHECK (breaks_found >= 0),
    error           text,
    CHECK ((status = 'RUNNING') = (ended_at IS NULL)),
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);

CREATE INDEX recon_runs_business_date_idx ON recon_runs (business_date);

COMMENT ON TABLE recon_runs IS
    '对账运行 / one row per reconciliation run of a business date';

CREATE TABLE recon_breaks (
    break_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recon_run_id    bigint      NOT NULL REFERENCES recon_runs (recon_run_id),
    business_date   date        NOT NULL,
    check_id        text        NOT NULL CHECK (check_id IN ('R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7', 'R8', 'R9')),
    -- R7 tells 长款 (CHANNEL_ONLY), 短款 (SYSTEM_ONLY) and AMOUNT_MISMATCH apart;
    -- every other difference is a MISMATCH.
    break_type      text        NOT NULL DEFAULT 'MISMATCH'
                                CHECK (break_type IN ('MISMATCH', 'CHANNEL_ONLY', 'SYSTEM_ONLY', 'AMOUNT_MISMATCH')),
    break_key       text        NOT NULL CHECK (length(break_key) BETWEEN 1 AND 200),  -- e.g. loan id, user id, account, channel:txn
    expected_fen    bigint,
    actual_fen      bigint,
    diff_fen        bigint,
    severity        text        NOT NULL DEFAULT 'HIGH' CHECK (severity IN ('LOW', 'MEDIUM', 'HIGH')),
    status          text        NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'EXPLAINED', 'RESOLVED')),
    note            text,
    explained_by    text,
    explained_at    timestamptz,
    resolved_by     text,
    resolved_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- a rerun of the same night's recon finds the same break, not a new one
    UNIQUE (business_date, check_id, break_type, break_key),
    CHECK (diff_fen IS NULL OR expected_fen IS NULL OR actual_fen IS NULL
           OR diff_fen = actual_fen - expected_fen),
    CHECK (status <> 'EXPLAINED' OR (explained_by IS NOT NULL AND explained_at IS NOT NULL AND note IS NOT NULL)),
    CHECK (status <> 'RESOLVED' OR (resolved_by IS NOT NULL AND resolved_at IS NOT NULL))
);

CREATE INDEX recon_breaks_open_idx ON recon_breaks (business_date, check_id) WHERE status = 'OPEN';
CREATE INDEX recon_breaks_run_idx ON recon_breaks (recon_run_id);

COMMENT ON TABLE recon_breaks IS
    '对账差异 / reconciliation breaks (check_id R1..R9): OPEN → EXPLAINED → RESOLVED; never deleted';

-- Breaks are never deleted, and their facts never rewritten: only the
-- workflow columns may change.
REVOKE DELETE, UPDATE ON recon_breaks FROM baitiao_batch;
GRANT UPDATE (status, note, explained_by, explained_at, resolved_by, resolved_at) ON recon_breaks TO baitiao_batch;
REVOKE DELETE ON recon_runs FROM baitiao_batch;
