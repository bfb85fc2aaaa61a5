-- Why: fees and penalties are waived for three reasons in the contract
-- (refund §6, prepayment with WAIVE_UNBILLED §5, unbilled fees at write-off
-- §11). Only a waiver of an amount already booked (billed fee, accrued
-- penalty) reverses income in the GL; an unbilled fee was never booked. Each
-- waiver is one row here so the GL WAIVER postings and the installments'
-- fee_waived_fen / penalty_waived_fen tie exactly. Append-only.

CREATE TABLE waivers (
    waiver_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    business_date   date        NOT NULL,
    user_id         text        NOT NULL,
    loan_id         bigint      NOT NULL,
    installment_no  integer     NOT NULL,
    component       text        NOT NULL CHECK (component IN ('FEE', 'PENALTY')),
    amount_fen      bigint      NOT NULL CHECK (amount_fen > 0),
    reason          text        NOT NULL CHECK (reason IN ('REFUND', 'PREPAYMENT', 'WRITEOFF')),
    was_billed      boolean     NOT NULL,   -- true: booked, so income is reversed (Dr 6011/6012, Cr 1123/1124)
    refund_id       text        REFERENCES inbox_refunds (refund_id),
    txn_id          text        REFERENCES inbox_repayments (txn_id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (loan_id, installment_no) REFERENCES installments (loan_id, installment_no),
    CHECK (component <> 'PENALTY' OR was_billed),          -- accrued penalty is always booked
    CHECK ((reason = 'REFUND') = (refund_id IS NOT NULL)),
    CHECK ((reason = 'PREPAYMENT') = (txn_id IS NOT NULL)),
    CHECK (reason <> 'WRITEOFF' OR NOT was_billed)         -- billed amounts are written off, not waived
);

CREATE INDEX waivers_business_date_idx ON waivers (business_date, was_billed);
CREATE INDEX waivers_installment_idx ON waivers (loan_id, installment_no);

COMMENT ON TABLE waivers IS
    '减免明细 / fee and penalty waivers: reason REFUND | PREPAYMENT | WRITEOFF; was_billed tells whether income is reversed';

REVOKE UPDATE, DELETE ON waivers FROM baitiao_batch;
