-- Why: on a statement date the user gets a statement (账单, product-rules §3):
-- installments billed that day (NEW) plus earlier billed amounts still unpaid
-- (CARRIED), less the credit balance applied at billing. total_due_fen is
-- what must be paid by due_date to be current. statement_lines keep the
-- per-installment detail so R6 can tie new charges to the billing of D.

CREATE TABLE statements (
    statement_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id                 text        NOT NULL REFERENCES users (user_id),
    statement_date          date        NOT NULL,
    due_date                date        NOT NULL,
    new_principal_fen       bigint      NOT NULL DEFAULT 0 CHECK (new_principal_fen >= 0),
    new_fee_fen             bigint      NOT NULL DEFAULT 0 CHECK (new_fee_fen >= 0),
    carried_principal_fen   bigint      NOT NULL DEFAULT 0 CHECK (carried_principal_fen >= 0),
    carried_fee_fen         bigint      NOT NULL DEFAULT 0 CHECK (carried_fee_fen >= 0),
    carried_penalty_fen     bigint      NOT NULL DEFAULT 0 CHECK (carried_penalty_fen >= 0),
    credit_applied_fen      bigint      NOT NULL DEFAULT 0 CHECK (credit_applied_fen >= 0),
    total_due_fen           bigint      NOT NULL CHECK (total_due_fen >= 0),
    created_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, statement_date),
    CONSTRAINT statements_due_after_statement CHECK (due_date >= statement_date),
    CONSTRAINT statements_total_ties
    CHECK (total_due_fen = new_principal_fen + new_fee_fen + carried_principal_fen + carried_fee_fen
                           + carried_penalty_fen - credit_applied_fen)
);

CREATE INDEX statements_statement_date_idx ON statements (statement_date);

COMMENT ON TABLE statements IS
    '账单 / one statement per user and statement date: new + carried - credit applied = total_due_fen';

CREATE TABLE statement_lines (
    statement_id    bigint      NOT NULL REFERENCES statements (statement_id),
    loan_id         bigint      NOT NULL,
    installment_no  integer     NOT NULL,
    user_id         text        NOT NULL,
    line_kind       text        NOT NULL CHECK (line_kind IN ('NEW', 'CARRIED')),
    principal_fen   bigint      NOT NULL CHECK (principal_fen >= 0),
    fee_fen         bigint      NOT NULL CHECK (fee_fen >= 0),
    penalty_fen     bigint      NOT NULL DEFAULT 0 CHECK (penalty_fen >= 0),
    PRIMARY KEY (statement_id, loan_id, installment_no),
    FOREIGN KEY (loan_id, installment_no) REFERENCES installments (loan_id, installment_no),
    CHECK (line_kind <> 'NEW' OR penalty_fen = 0)   -- billed today: no penalty yet
);

CREATE INDEX statement_lines_installment_idx ON statement_lines (loan_id, installment_no);

COMMENT ON TABLE statement_lines IS
    '账单明细 / per-installment lines of a statement: NEW (billed on the statement date) or CARRIED (earlier, unpaid)';

-- Lines are append-only; a header may be completed after its lines are written.
REVOKE DELETE ON statements FROM baitiao_batch;
REVOKE UPDATE, DELETE ON statement_lines FROM baitiao_batch;
