-- Why: one row per overdue installment per day of penalty (罚息, product-rules
-- §7): the largest table of the system, so it is range-partitioned by month on
-- accrual_date (partitions come from ensure_partitions). The CHECK carries the
-- rule itself: amount = round_half_up(base × penalty_ppm / 10^6), with base the
-- unpaid principal + fee at the end of the day (never penalty).
-- The primary key includes the partition key, as PostgreSQL requires; a rerun
-- of the night inserts ... ON CONFLICT DO NOTHING. Append-only.

CREATE TABLE penalty_accruals (
    loan_id         bigint      NOT NULL,
    installment_no  integer     NOT NULL,
    accrual_date    date        NOT NULL,
    user_id         text        NOT NULL,
    base_fen        bigint      NOT NULL CHECK (base_fen > 0),
    penalty_ppm     integer     NOT NULL CHECK (penalty_ppm >= 0),
    amount_fen      bigint      NOT NULL CHECK (amount_fen >= 0),
    PRIMARY KEY (loan_id, installment_no, accrual_date),
    FOREIGN KEY (loan_id, installment_no) REFERENCES installments (loan_id, installment_no),
    CONSTRAINT penalty_accruals_round_half_up CHECK (amount_fen = (base_fen * penalty_ppm + 500000) / 1000000)
) PARTITION BY RANGE (accrual_date);

CREATE INDEX penalty_accruals_accrual_date_idx ON penalty_accruals (accrual_date);

COMMENT ON TABLE penalty_accruals IS
    '罚息计提 / daily penalty per overdue installment, amount = round_half_up(base_fen × penalty_ppm / 1e6); '
    'monthly partitions on accrual_date; append-only';

REVOKE UPDATE, DELETE ON penalty_accruals FROM baitiao_batch;
