-- Why: installments (期) are the receivables sub-ledger. Each row keeps the
-- original schedule (principal_fen, fee_fen, never changed) and, separately,
-- every way an amount was settled: paid, reduced by refund, waived, written
-- off, recovered. The CHECKs make over-payment and over-reduction impossible
-- and tie each status to its balances. Outstanding amounts are:
--   principal: principal_fen - principal_reduced_fen - paid_principal_fen - writeoff_principal_fen
--   fee:       fee_fen - fee_waived_fen - paid_fee_fen - writeoff_fee_fen
--   penalty:   penalty_accrued_fen - penalty_waived_fen - paid_penalty_fen - writeoff_penalty_fen
-- fee_waived_fen covers both billed fees waived (income reversed) and
-- unbilled fees never charged (prepayment, refund, write-off); the waivers
-- table says which.
-- user_id and order_id are copied from the loan (checked by the foreign key)
-- so the repayment waterfall's order (due date, order id, installment no,
-- product-rules §5) is one index scan per user.

CREATE TABLE installments (
    loan_id                 bigint      NOT NULL,
    installment_no          integer     NOT NULL CHECK (installment_no >= 1),
    user_id                 text        NOT NULL,
    order_id                text        NOT NULL,
    billing_date            date        NOT NULL,
    due_date                date        NOT NULL,
    principal_fen           bigint      NOT NULL CHECK (principal_fen >= 0),
    fee_fen                 bigint      NOT NULL CHECK (fee_fen >= 0),
    principal_reduced_fen   bigint      NOT NULL DEFAULT 0 CHECK (principal_reduced_fen >= 0),
    fee_waived_fen          bigint      NOT NULL DEFAULT 0 CHECK (fee_waived_fen >= 0),
    paid_principal_fen      bigint      NOT NULL DEFAULT 0 CHECK (paid_principal_fen >= 0),
    paid_fee_fen            bigint      NOT NULL DEFAULT 0 CHECK (paid_fee_fen >= 0),
    penalty_accrued_fen     bigint      NOT NULL DEFAULT 0 CHECK (penalty_accrued_fen >= 0),
    paid_penalty_fen        bigint      NOT NULL DEFAULT 0 CHECK (paid_penalty_fen >= 0),
    penalty_waived_fen      bigint      NOT NULL DEFAULT 0 CHECK (penalty_waived_fen >= 0),
    writeoff_principal_fen  bigint      NOT NULL DEFAULT 0 CHECK (writeoff_principal_fen >= 0),
    writeoff_fee_fen        bigint      NOT NULL DEFAULT 0 CHECK (writeoff_fee_fen >= 0),
    writeoff_penalty_fen    bigint      NOT NULL DEFAULT 0 CHECK (writeoff_penalty_fen >= 0),
    recovered_fen           bigint      NOT NULL DEFAULT 0 CHECK (recovered_fen >= 0),
    status                  text        NOT NULL DEFAULT 'UNBILLED'
                                        CHECK (status IN ('UNBILLED', 'BILLED', 'PAID', 'CANCELLED', 'WRITTEN_OFF')),
    billed_date             date,
    paid_date               date,
    cancelled_date          date,
    written_off_date        date,
    PRIMARY KEY (loan_id, installment_no),
    FOREIGN KEY (loan_id, user_id, order_id) REFERENCES loans (loan_id, user_id, order_id),
    CONSTRAINT installments_due_after_billing CHECK (due_date >= billing_date),
    -- never settle more than is owed
    CONSTRAINT installments_principal_not_oversettled
    CHECK (principal_reduced_fen + paid_principal_fen + writeoff_principal_fen <= principal_fen),
    CONSTRAINT installments_fee_not_oversettled
    CHECK (fee_waived_fen + paid_fee_fen + writeoff_fee_fen <= fee_fen),
    CONSTRAINT installments_penalty_not_oversettled
    CHECK (penalty_waived_fen + paid_penalty_fen + writeoff_penalty_fen <= penalty_accrued_fen),
    -- recovery is capped at what was written off (§11)
    CONSTRAINT installments_recovery_within_writeoff
    CHECK (recovered_fen <= writeoff_principal_fen + writeoff_fee_fen + writeoff_penalty_fen),
    -- not yet billed: nothing paid, no penalty, no billed_date
    -- (a prepayment pays unbilled principal and closes the row as PAID at once)
    CONSTRAINT installments_unbilled_untouched
    CHECK (status <> 'UNBILLED' OR (billed_date IS NULL AND paid_principal_fen = 0 AND paid_fee_fen = 0
                                    AND penalty_accrued_fen = 0)),
    CONSTRAINT installments_billed_date CHECK (status <> 'BILLED' OR billed_date IS NOT NULL),
    -- live rows carry nothing written off
    CONSTRAINT installments_live_not_written_off
    CHECK (status NOT IN ('UNBILLED', 'BILLED')
           OR (writeoff_principal_fen = 0 AND writeoff_fee_fen = 0 AND writeoff_penalty_fen = 0 AND recovered_fen = 0)),
    -- closed rows owe nothing on the balance sheet
    CONSTRAINT installments_closed_settled
    CHECK (status IN ('UNBILLED', 'BILLED')
           OR (principal_reduced_fen + paid_principal_fen + writeoff_principal_fen = principal_fen
               AND fee_waived_fen + paid_fee_fen + writeoff_fee_fen = fee_fen
               AND penalty_waived_fen + paid_penalty_fen + writeoff_penalty_fen = penalty_accrued_fen)),
    CONSTRAINT installments_paid_date CHECK ((status = 'PAID') = (paid_date IS NOT NULL)),
    CONSTRAINT installments_cancelled_date CHECK ((status = 'CANCELLED') = (cancelled_date IS NOT NULL)),
    CONSTRAINT installments_written_off_date CHECK ((status = 'WRITTEN_OFF') = (written_off_date IS NOT NULL))
) WITH (fillfactor = 90);   -- paid_* columns are updated in place: leave room for HOT updates

-- Billing on D: only the installments still UNBILLED.
CREATE INDEX installments_to_bill_idx ON installments (billing_date) WHERE status = 'UNBILLED';
-- Penalty, DPD and aging: only billed, unsettled items.
CREATE INDEX installments_billed_due_idx ON installments (due_date) WHERE status = 'BILLED';
-- Repayment waterfall step 1 and statements: a user's billed unpaid items in allocation order.
CREATE INDEX installments_waterfall_idx
    ON installments (user_id, due_date, order_id, installment_no) WHERE status = 'BILLED';
-- Waterfall step 3 (recovery): a user's written-off items, oldest first.
CREATE INDEX installments_recovery_idx
    ON installments (user_id, due_date, order_id, installment_no) WHERE status = 'WRITTEN_OFF';

COMMENT ON TABLE installments IS
    '分期明细 / installment sub-ledger: original schedule plus paid / reduced / waived / written-off / recovered; '
    'status UNBILLED → BILLED → PAID, or CANCELLED, or WRITTEN_OFF';

REVOKE DELETE ON installments FROM baitiao_batch;
