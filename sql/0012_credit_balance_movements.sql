-- Why: the credit balance (溢缴款) is a liability to the user; every change to
-- users.credit_balance_fen is one signed movement here, so reconciliation
-- (R3, R4, R9) can rebuild each balance and tie it to GL account 2241.
--   OVERPAYMENT    + what a repayment left after the waterfall (txn_id)
--   REFUND         + refunded principal the user had already paid (refund_id)
--   REFUND_RETURN  + fee and penalty already paid, returned on a full refund (refund_id)
--   APPLIED        - balance used by the waterfall (allocations source CREDIT_BALANCE)
-- Append-only.

CREATE TABLE credit_balance_movements (
    movement_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         text        NOT NULL REFERENCES users (user_id),
    business_date   date        NOT NULL,
    amount_fen      bigint      NOT NULL CHECK (amount_fen <> 0),   -- signed: + adds to the balance
    reason          text        NOT NULL CHECK (reason IN ('OVERPAYMENT', 'REFUND', 'REFUND_RETURN', 'APPLIED')),
    txn_id          text        REFERENCES inbox_repayments (txn_id),
    refund_id       text        REFERENCES inbox_refunds (refund_id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((reason = 'APPLIED') = (amount_fen < 0)),
    CHECK ((reason = 'OVERPAYMENT') = (txn_id IS NOT NULL)),
    CHECK ((reason IN ('REFUND', 'REFUND_RETURN')) = (refund_id IS NOT NULL))
);

CREATE INDEX credit_balance_movements_user_idx ON credit_balance_movements (user_id, business_date);
CREATE INDEX credit_balance_movements_date_idx ON credit_balance_movements (business_date, reason);

COMMENT ON TABLE credit_balance_movements IS
    '溢缴款变动 / signed movements of users.credit_balance_fen: OVERPAYMENT | REFUND | REFUND_RETURN (+), APPLIED (-); append-only';

REVOKE UPDATE, DELETE ON credit_balance_movements FROM baitiao_batch;
