-- Why: a day may close only once its expected partner files have arrived
-- (issue 12 §2). load_files knows a file's content (sha256) but not which
-- business day and channel it was delivered for: the spool folder it came
-- from says so. `baitiao intake` records here every file it took from the
-- spool, with its outcome; the night's expected-files check reads the
-- LOADED and DUPLICATE rows of D (a file whose content was loaded before,
-- such as a header-only file, still arrived for D). REFUSED rows keep the
-- reason so `baitiao status` can name a file that must be sent again.
-- Append-only: the batch role inserts, never rewrites the record of an arrival.

CREATE TABLE spool_arrivals (
    arrival_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    business_date   date        NOT NULL,                       -- the day folder it was delivered in
    kind            text        NOT NULL
                                CHECK (kind IN ('users', 'orders', 'repayments', 'refunds', 'settlement')),
    channel         text        NOT NULL DEFAULT ''             -- '' = the file names no channel
                                CHECK (channel ~ '^([A-Z0-9_]{1,32})?$'),
    file_name       text        NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    outcome         text        NOT NULL CHECK (outcome IN ('LOADED', 'DUPLICATE', 'REFUSED')),
    file_id         bigint      REFERENCES load_files (file_id),
    reason          text,                                       -- REFUSED: why; DUPLICATE: when first loaded
    arrived_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((outcome = 'REFUSED') = (file_id IS NULL))
);

COMMENT ON TABLE spool_arrivals IS
    '到达文件 / every partner file baitiao intake took from the spool: business day (its folder), '
    'kind, channel, outcome. The night''s expected-files check reads it.';

CREATE INDEX spool_arrivals_day_idx ON spool_arrivals (business_date, kind, channel)
    WHERE outcome <> 'REFUSED';

REVOKE UPDATE, DELETE ON spool_arrivals FROM baitiao_batch;
GRANT SELECT, INSERT ON spool_arrivals TO baitiao_batch;
GRANT SELECT ON spool_arrivals TO baitiao_report;
