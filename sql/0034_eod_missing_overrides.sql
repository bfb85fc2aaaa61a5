-- Why: an operator may close a business date without one of its expected
-- partner files (`eod --allow-missing KIND[:CHANNEL]`, issue 12 §2). That is a
-- decision about the books, so it is recorded on the run that made it, with
-- who made it, and shown in the reconciliation report; nobody may rewrite it
-- afterwards (append-only for the batch role).

CREATE TABLE eod_missing_overrides (
    override_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id          bigint      NOT NULL REFERENCES job_runs (run_id),
    business_date   date        NOT NULL,
    kind            text        NOT NULL
                                CHECK (kind IN ('users', 'orders', 'repayments', 'refunds', 'settlement')),
    channel         text        NOT NULL DEFAULT ''
                                CHECK (channel ~ '^([A-Z0-9_]{1,32})?$'),
    overridden_by   text        NOT NULL,                       -- OS user@host of the operator
    db_user         text        NOT NULL DEFAULT current_user,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (run_id, kind, channel)
);

COMMENT ON TABLE eod_missing_overrides IS
    '缺失文件放行 / expected files a night closed its date without (eod --allow-missing), per run.';

CREATE INDEX eod_missing_overrides_date_idx ON eod_missing_overrides (business_date);

REVOKE UPDATE, DELETE ON eod_missing_overrides FROM baitiao_batch;
GRANT SELECT, INSERT ON eod_missing_overrides TO baitiao_batch;
GRANT SELECT ON eod_missing_overrides TO baitiao_report;
