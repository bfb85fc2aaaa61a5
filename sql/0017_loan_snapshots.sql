-- Why: aging, roll-rate and vintage reports need each loan's DPD, bucket,
-- five-tier class and balances over time (product-rules §7). Rows are change
-- rows: a loan gets a row on the days its status, bucket or class changes,
-- and every live loan a full row at each month end (is_month_end); the state
-- on any day is the latest row on or before it. Range-partitioned by month on
-- snapshot_date. The CHECKs carry the §7 bucket and classification tables, so
-- a row can never disagree with its own DPD.

CREATE TABLE loan_snapshots (
    loan_id                     bigint      NOT NULL,
    snapshot_date               date        NOT NULL,
    user_id                     text        NOT NULL,
    status                      text        NOT NULL
                                            CHECK (status IN ('ACTIVE', 'PAID_OFF', 'CANCELLED', 'WRITTEN_OFF')),
    dpd                         integer     NOT NULL CHECK (dpd >= 0),
    bucket                      text        NOT NULL
                                            CHECK (bucket IN ('C', 'M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7+')),
    class                       text        NOT NULL
                                            CHECK (class IN ('NORMAL', 'SPECIAL_MENTION', 'SUBSTANDARD', 'DOUBTFUL', 'LOSS')),
    outstanding_principal_fen   bigint      NOT NULL CHECK (outstanding_principal_fen >= 0),  -- billed + unbilled
    outstanding_fee_fen         bigint      NOT NULL CHECK (outstanding_fee_fen >= 0),        -- billed
    outstanding_penalty_fen     bigint      NOT NULL CHECK (outstanding_penalty_fen >= 0),
    overdue_principal_fen       bigint      NOT NULL DEFAULT 0 CHECK (overdue_principal_fen >= 0),
    is_month_end                boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (loan_id, snapshot_date),
    FOREIGN KEY (loan_id) REFERENCES loans (loan_id),
    CONSTRAINT loan_snapshots_overdue_within_outstanding CHECK (overdue_principal_fen <= outstanding_principal_fen),
    CONSTRAINT loan_snapshots_month_end CHECK (NOT is_month_end OR extract(day FROM snapshot_date + 1) = 1),
    CONSTRAINT loan_snapshots_bucket_from_dpd
    CHECK (bucket = CASE WHEN dpd = 0   THEN 'C'
                         WHEN dpd <= 30  THEN 'M1'
                         WHEN dpd <= 60  THEN 'M2'
                         WHEN dpd <= 90  THEN 'M3'
                         WHEN dpd <= 120 THEN 'M4'
                         WHEN dpd <= 150 THEN 'M5'
                         WHEN dpd <= 180 THEN 'M6'
                         ELSE 'M7+' END),
    CONSTRAINT loan_snapshots_class_from_dpd
    CHECK (class = CASE WHEN status = 'WRITTEN_OFF' OR dpd > 360 THEN 'LOSS'
                        WHEN dpd > 270 THEN 'DOUBTFUL'
                        WHEN dpd > 90  THEN 'SUBSTANDARD'
                        WHEN dpd >= 1  THEN 'SPECIAL_MENTION'
                        ELSE 'NORMAL' END)
) PARTITION BY RANGE (snapshot_date);

CREATE INDEX loan_snapshots_snapshot_date_idx ON loan_snapshots (snapshot_date, bucket);

COMMENT ON TABLE loan_snapshots IS
    '借据日快照 / loan DPD, bucket (C, M1..M6, M7+), class (NORMAL..LOSS) and balances as change rows '
    'plus a full row per live loan at month end; monthly partitions on snapshot_date';

-- UPDATE stays allowed: a change row on a month end becomes the month-end row
-- (INSERT ... ON CONFLICT (loan_id, snapshot_date) DO UPDATE).
REVOKE DELETE ON loan_snapshots FROM baitiao_batch;
