-- Why (issue 15 §2): the aging step no longer looks at every overdue loan each
-- night; it finds the loans whose state can have changed since the previous
-- pass by date arithmetic (sql/steps/aging/21_snapshots.sql). That needs the
-- date of the previous pass: one row per night the step ran, written in the
-- step's own transaction. The previous pass is the latest of this table and of
-- the closed business calendar (a night closed before this table existed, or a
-- portfolio import's cut-over date, whose snapshot rows cover every live loan).
-- A night with no previous pass in its window (none at all, or none since the
-- previous month end) also looks at every overdue loan, as the step did before.
-- Also the DBA's record of what each night's aging did.

CREATE TABLE aging_passes (
    business_date   date        PRIMARY KEY,
    previous_date   date        CHECK (previous_date < business_date),  -- NULL: no previous pass
    overdue_scan    boolean     NOT NULL,   -- no usable previous pass: every overdue loan looked at
    snapshot_rows   bigint      NOT NULL CHECK (snapshot_rows >= 0),
    created_at      timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE aging_passes IS
    '账龄跑批记录 / one row per night of the aging step: the previous pass its date arithmetic started from, '
    'whether it had to look at every overdue loan, the loan_snapshots rows it wrote';

REVOKE DELETE ON aging_passes FROM baitiao_batch;
