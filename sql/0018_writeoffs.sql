-- Why: a loan is written off (核销) once, the night its DPD first exceeds
-- writeoff_dpd (product-rules §7, §11). This row is the off-balance-sheet
-- (表外) record kept for collection: what was written off, and what has been
-- recovered since (capped at the total; per-installment detail is in
-- installments.writeoff_*_fen / recovered_fen and allocations RECOVERY_*).

CREATE TABLE writeoffs (
    loan_id             bigint      PRIMARY KEY REFERENCES loans (loan_id),
    user_id             text        NOT NULL,
    writeoff_date       date        NOT NULL,
    dpd_at_writeoff     integer     NOT NULL CHECK (dpd_at_writeoff >= 1),
    principal_fen       bigint      NOT NULL CHECK (principal_fen >= 0),   -- billed + unbilled
    fee_fen             bigint      NOT NULL CHECK (fee_fen >= 0),         -- billed only
    penalty_fen         bigint      NOT NULL CHECK (penalty_fen >= 0),
    recovered_fen       bigint      NOT NULL DEFAULT 0 CHECK (recovered_fen >= 0),
    last_recovery_date  date,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (principal_fen + fee_fen + penalty_fen > 0),
    CONSTRAINT writeoffs_recovery_within_total CHECK (recovered_fen <= principal_fen + fee_fen + penalty_fen),
    CHECK ((recovered_fen > 0) = (last_recovery_date IS NOT NULL)),
    CHECK (last_recovery_date IS NULL OR last_recovery_date >= writeoff_date)
);

CREATE INDEX writeoffs_user_idx ON writeoffs (user_id);
CREATE INDEX writeoffs_writeoff_date_idx ON writeoffs (writeoff_date);

COMMENT ON TABLE writeoffs IS
    '核销台账 / written-off loans (off balance sheet): amounts written off and recovered_fen (≤ total)';

REVOKE DELETE ON writeoffs FROM baitiao_batch;
