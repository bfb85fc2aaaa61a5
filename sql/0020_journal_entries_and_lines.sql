-- Why: the general ledger (总账, product-rules §8). A journal entry is a header
-- (what, when, which step of which run) and its lines (account, debit or
-- credit). Lines are range-partitioned by month on business_date, which each
-- line copies from its entry: the composite foreign key (entry_id,
-- business_date) guarantees they agree, so the primary key (entry_id, line_no,
-- business_date), which must contain the partition key, is in effect unique
-- on (entry_id, line_no).
-- posting_key, when given, makes a posting idempotent: a rerun of a step
-- inserts ... ON CONFLICT (business_date, posting_key) DO NOTHING.
-- Balance and append-only rules are enforced in 0021.

CREATE TABLE journal_entries (
    entry_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    business_date       date        NOT NULL,
    entry_type          text        NOT NULL CHECK (entry_type IN (
                            'ORIGINATION', 'BILLING', 'PENALTY', 'REPAYMENT', 'CREDIT_BALANCE_USE',
                            'REFUND', 'WAIVER', 'WRITEOFF', 'RECOVERY', 'ADJUSTMENT')),
    step_name           text        NOT NULL CHECK (step_name ~ '^[a-z][a-z0-9_]{0,62}$'),
    job_run_id          bigint      REFERENCES job_runs (run_id),
    posting_key         text        CHECK (length(posting_key) BETWEEN 1 AND 200),
    reverses_entry_id   bigint      REFERENCES journal_entries (entry_id),   -- corrections are new entries
    description         text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (entry_id, business_date),
    UNIQUE (business_date, posting_key),
    CHECK (reverses_entry_id IS NULL OR entry_type = 'ADJUSTMENT')
);

CREATE INDEX journal_entries_business_date_idx ON journal_entries (business_date, entry_type);

COMMENT ON TABLE journal_entries IS
    '记账凭证 / journal entry headers; entry_type ORIGINATION | BILLING | PENALTY | REPAYMENT | CREDIT_BALANCE_USE | '
    'REFUND | WAIVER | WRITEOFF | RECOVERY | ADJUSTMENT; append-only';

CREATE TABLE journal_lines (
    entry_id        bigint      NOT NULL,
    line_no         integer     NOT NULL CHECK (line_no >= 1),
    business_date   date        NOT NULL,
    account_code    text        NOT NULL REFERENCES gl_accounts (account_code),
    debit_fen       bigint      NOT NULL DEFAULT 0 CHECK (debit_fen >= 0),
    credit_fen      bigint      NOT NULL DEFAULT 0 CHECK (credit_fen >= 0),
    memo            text,
    PRIMARY KEY (entry_id, line_no, business_date),
    FOREIGN KEY (entry_id, business_date) REFERENCES journal_entries (entry_id, business_date),
    CONSTRAINT journal_lines_one_side CHECK ((debit_fen > 0) <> (credit_fen > 0))      -- exactly one side, never zero
) PARTITION BY RANGE (business_date);

-- GL close: the day's movements per account, within one month's partition.
CREATE INDEX journal_lines_date_account_idx ON journal_lines (business_date, account_code);

COMMENT ON TABLE journal_lines IS
    '分录 / journal lines, exactly one of debit_fen / credit_fen > 0; monthly partitions on business_date; '
    'the entry must balance at COMMIT; append-only';

REVOKE UPDATE, DELETE ON journal_entries, journal_lines FROM baitiao_batch;
