-- Why: every command the batch runs, and every step of a night, leaves a row
-- here. A rerun after a crash reads job_step_runs to resume where it stopped;
-- the partial unique index makes "a step succeeds at most once per business
-- date" a fact the database enforces, not a hope.

CREATE TABLE job_runs (
    run_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    command         text        NOT NULL CHECK (length(command) BETWEEN 1 AND 64),
    business_date   date,                       -- NULL for commands not tied to a night
    status          text        NOT NULL DEFAULT 'RUNNING'
                                CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
    started_at      timestamptz NOT NULL DEFAULT now(),
    ended_at        timestamptz,
    host            text,
    pid             integer     CHECK (pid > 0),
    exit_code       integer,
    error           text,
    CHECK ((status = 'RUNNING') = (ended_at IS NULL)),
    CHECK (ended_at IS NULL OR ended_at >= started_at),
    CHECK (status <> 'FAILED' OR error IS NOT NULL)
);

CREATE INDEX job_runs_business_date_idx ON job_runs (business_date, run_id);

COMMENT ON TABLE job_runs IS
    '批处理命令运行记录 / one row per batch command invocation';

CREATE TABLE job_step_runs (
    step_run_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id          bigint      NOT NULL REFERENCES job_runs (run_id),
    step_name       text        NOT NULL CHECK (step_name ~ '^[a-z][a-z0-9_]{0,62}$'),
    business_date   date        NOT NULL,
    status          text        NOT NULL DEFAULT 'RUNNING'
                                CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED')),
    started_at      timestamptz NOT NULL DEFAULT now(),
    ended_at        timestamptz,
    rows_processed  bigint      CHECK (rows_processed >= 0),
    amount_fen      bigint,
    error           text,
    host            text,
    pid             integer     CHECK (pid > 0),
    CHECK ((status = 'RUNNING') = (ended_at IS NULL)),
    CHECK (ended_at IS NULL OR ended_at >= started_at),
    CHECK (status <> 'FAILED' OR error IS NOT NULL)
);

-- A step of a night succeeds at most once, ever.
CREATE UNIQUE INDEX job_step_runs_succeeded_once_idx
    ON job_step_runs (business_date, step_name) WHERE status = 'SUCCEEDED';
CREATE INDEX job_step_runs_run_idx ON job_step_runs (run_id);

COMMENT ON TABLE job_step_runs IS
    '日终步骤运行记录 / one row per attempt of a night''s step; SUCCEEDED at most once per (business_date, step_name)';
