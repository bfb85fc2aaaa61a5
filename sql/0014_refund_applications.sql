-- Why: one row per applied refund with how its amount R was split
-- (product-rules §6), so the REFUND journal entry, the principal reductions
-- (allocations source REFUND) and the credit-balance movements tie to R:
--   R = unbilled_principal_reduced_fen + billed_principal_reduced_fen + paid_principal_to_credit_fen
-- A full refund also waives unpaid fee/penalty and returns what was paid of
-- them to the credit balance; a partial refund waives the fee of an unbilled
-- installment whose principal reaches 0. Append-only.

CREATE TABLE refund_applications (
    refund_id                       text        PRIMARY KEY REFERENCES inbox_refunds (refund_id),
    user_id                         text        NOT NULL,
    loan_id                         bigint      NOT NULL REFERENCES loans (loan_id),
    business_date                   date        NOT NULL,
    amount_fen                      bigint      NOT NULL CHECK (amount_fen > 0),
    is_full_refund                  boolean     NOT NULL,   -- cumulative refunds reached the principal: loan CANCELLED
    unbilled_principal_reduced_fen  bigint      NOT NULL DEFAULT 0 CHECK (unbilled_principal_reduced_fen >= 0),
    billed_principal_reduced_fen    bigint      NOT NULL DEFAULT 0 CHECK (billed_principal_reduced_fen >= 0),
    paid_principal_to_credit_fen    bigint      NOT NULL DEFAULT 0 CHECK (paid_principal_to_credit_fen >= 0),
    billed_fee_waived_fen           bigint      NOT NULL DEFAULT 0 CHECK (billed_fee_waived_fen >= 0),
    unbilled_fee_waived_fen         bigint      NOT NULL DEFAULT 0 CHECK (unbilled_fee_waived_fen >= 0),
    penalty_waived_fen              bigint      NOT NULL DEFAULT 0 CHECK (penalty_waived_fen >= 0),
    paid_fee_returned_fen           bigint      NOT NULL DEFAULT 0 CHECK (paid_fee_returned_fen >= 0),
    paid_penalty_returned_fen       bigint      NOT NULL DEFAULT 0 CHECK (paid_penalty_returned_fen >= 0),
    created_at                      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT refund_applications_split_ties
    CHECK (unbilled_principal_reduced_fen + billed_principal_reduced_fen + paid_principal_to_credit_fen = amount_fen),
    -- only a full refund returns fee and penalty already paid (§11)
    CONSTRAINT refund_applications_returns_only_on_full
    CHECK (is_full_refund OR (paid_fee_returned_fen = 0 AND paid_penalty_returned_fen = 0))
);

CREATE INDEX refund_applications_business_date_idx ON refund_applications (business_date);
CREATE INDEX refund_applications_loan_idx ON refund_applications (loan_id);

COMMENT ON TABLE refund_applications IS
    '退款应用 / how each applied refund was split: principal reduced (unbilled/billed), to credit balance, fees/penalty waived or returned';

REVOKE UPDATE, DELETE ON refund_applications FROM baitiao_batch;
