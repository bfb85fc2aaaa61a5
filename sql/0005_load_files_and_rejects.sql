-- Why: intake must be replay-safe and auditable. load_files records every
-- file taken in (by content hash, so the same file twice loads nothing new);
-- rejects records every line or event refused, with a stable reason code,
-- whether refused at load (BAD_FIELD, DATE_CLOSED, duplicates) or later at
-- origination/refund/repayment (OVER_LIMIT, USER_FROZEN, ...).
-- rejects never holds a raw input line: users.csv carries unmasked names and
-- phones, and only masked PII may be stored.

CREATE TABLE load_files (
    file_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text        NOT NULL
                                CHECK (kind IN ('users', 'orders', 'repayments', 'refunds', 'settlement', 'products')),
    file_name       text        NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    sha256          text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes      bigint      CHECK (size_bytes >= 0),
    channel         text        CHECK (channel ~ '^[A-Za-z0-9_]{1,32}$'),   -- settlement files only
    file_date       date,                                                   -- settlement: the day it settles
    rows_read       integer     NOT NULL DEFAULT 0 CHECK (rows_read >= 0),
    rows_accepted   integer     NOT NULL DEFAULT 0 CHECK (rows_accepted >= 0),
    rows_rejected   integer     NOT NULL DEFAULT 0 CHECK (rows_rejected >= 0),
    rows_duplicate  integer     NOT NULL DEFAULT 0 CHECK (rows_duplicate >= 0),
    loaded_at       timestamptz NOT NULL DEFAULT now(),
    loaded_by       text        NOT NULL DEFAULT current_user,
    job_run_id      bigint      REFERENCES job_runs (run_id),
    UNIQUE (kind, sha256),
    CHECK ((kind = 'settlement') = (channel IS NOT NULL)),
    CHECK (rows_accepted + rows_rejected + rows_duplicate <= rows_read)
);

COMMENT ON TABLE load_files IS
    '已导入文件 / every input file taken in; UNIQUE(kind, sha256) makes reloading the same file a no-op. '
    'Row counts are as decided at load time.';

CREATE TABLE rejects (
    reject_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    file_id         bigint      REFERENCES load_files (file_id),   -- NULL: online insert or decided later
    file_name       text,
    line_no         integer     CHECK (line_no >= 1),
    source_kind     text        NOT NULL
                                CHECK (source_kind IN ('users', 'orders', 'repayments', 'refunds', 'settlement', 'products')),
    external_id     text        CHECK (length(external_id) BETWEEN 1 AND 64),   -- order_id / txn_id / refund_id ...
    user_id         text        CHECK (length(user_id) BETWEEN 1 AND 64),
    field           text,                                                    -- offending column, BAD_FIELD
    reason_code     text        NOT NULL CHECK (reason_code IN (
                        -- product-rules §11
                        'UNKNOWN_USER', 'USER_FROZEN', 'DUPLICATE_ORDER', 'UNKNOWN_PRODUCT',
                        'OVER_LIMIT', 'DATE_CLOSED', 'BAD_FIELD',
                        'REFUND_EXCEEDS_PRINCIPAL', 'REFUND_LOAN_NOT_REFUNDABLE',
                        'PREPAY_SHORT_OF_PAYOFF',
                        -- replays of ids applied once, ever (§5, §6, §12)
                        'DUPLICATE_TXN', 'DUPLICATE_REFUND', 'DUPLICATE_SETTLEMENT',
                        -- refund naming an order we never originated
                        'UNKNOWN_ORDER',
                        -- product refused at load: APR above apr_cap (§2)
                        'APR_OVER_CAP')),
    detail          text,
    amount_fen      bigint,                                                  -- amount of the refused event, if known
    business_date   date,                                                    -- date the rejection belongs to
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (file_id IS NULL OR line_no IS NOT NULL)
);

CREATE INDEX rejects_business_date_idx ON rejects (business_date, reason_code);
CREATE INDEX rejects_file_idx ON rejects (file_id, line_no) WHERE file_id IS NOT NULL;
CREATE INDEX rejects_external_id_idx ON rejects (source_kind, external_id) WHERE external_id IS NOT NULL;

COMMENT ON TABLE rejects IS
    '拒绝记录 / every refused line or event with a stable reason_code; never holds raw input lines (PII)';

-- Audit trail: the batch adds, never rewrites or removes.
REVOKE UPDATE, DELETE ON rejects FROM baitiao_batch;
REVOKE DELETE ON load_files FROM baitiao_batch;
