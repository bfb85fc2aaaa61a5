-- Why: allocations (冲账明细) are the detail behind every change to an
-- installment's paid / reduced / recovered amounts, one row per
-- (source event, installment, component). They let reconciliation R3 tie
-- the day's repayments to what they paid, and R9 rebuild the sub-ledger.
--   source REPAYMENT       money from inbox_repayments (txn_id)
--   source CREDIT_BALANCE  the user's 溢缴款 applied by the waterfall
--                          (mirrored by a credit_balance_movements APPLIED row)
--   source REFUND          a refund reducing principal (refund_id); component
--                          is PRINCIPAL and feeds principal_reduced_fen
-- REPAYMENT/CREDIT_BALANCE rows with PENALTY/FEE/PRINCIPAL feed paid_*_fen;
-- RECOVERY_* rows (waterfall step 3, written-off items) feed recovered_fen.
-- Append-only: the batch never rewrites a posted allocation.

CREATE TABLE allocations (
    allocation_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    business_date   date        NOT NULL,
    user_id         text        NOT NULL,
    source          text        NOT NULL CHECK (source IN ('REPAYMENT', 'CREDIT_BALANCE', 'REFUND')),
    txn_id          text        REFERENCES inbox_repayments (txn_id),
    refund_id       text        REFERENCES inbox_refunds (refund_id),
    loan_id         bigint      NOT NULL,
    installment_no  integer     NOT NULL,
    component       text        NOT NULL CHECK (component IN ('PENALTY', 'FEE', 'PRINCIPAL',
                                                              'RECOVERY_PENALTY', 'RECOVERY_FEE', 'RECOVERY_PRINCIPAL')),
    amount_fen      bigint      NOT NULL CHECK (amount_fen > 0),
    is_prepayment   boolean     NOT NULL DEFAULT false,   -- paid an unbilled installment (提前还款)
    created_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (loan_id, installment_no) REFERENCES installments (loan_id, installment_no),
    CHECK ((source = 'REPAYMENT') = (txn_id IS NOT NULL)),
    CHECK ((source = 'REFUND') = (refund_id IS NOT NULL)),
    CHECK (source <> 'REFUND' OR component = 'PRINCIPAL'),
    CHECK (NOT is_prepayment OR source = 'REPAYMENT')
);

CREATE INDEX allocations_business_date_idx ON allocations (business_date, source);
CREATE INDEX allocations_installment_idx ON allocations (loan_id, installment_no);
CREATE INDEX allocations_txn_idx ON allocations (txn_id) WHERE txn_id IS NOT NULL;
CREATE INDEX allocations_refund_idx ON allocations (refund_id) WHERE refund_id IS NOT NULL;
CREATE INDEX allocations_user_idx ON allocations (user_id, business_date);

COMMENT ON TABLE allocations IS
    '冲账明细 / money applied to installments: source REPAYMENT | CREDIT_BALANCE | REFUND, '
    'component PENALTY | FEE | PRINCIPAL | RECOVERY_*; append-only';

REVOKE UPDATE, DELETE ON allocations FROM baitiao_batch;
