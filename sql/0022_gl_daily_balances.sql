-- Why: GL close writes, for each business date, one row per account that has
-- an opening balance or a movement, so the trial balance of any date is a
-- single indexed query (WHERE business_date = X) and reconciliation R4/R5/R9
-- compare against it. Balances are signed debit-positive:
-- closing = opening + debit - credit, so assets/expenses are positive,
-- liabilities/income negative, and Σ closing over all accounts of a date is 0.

CREATE TABLE gl_daily_balances (
    business_date   date        NOT NULL,
    account_code    text        NOT NULL REFERENCES gl_accounts (account_code),
    opening_fen     bigint      NOT NULL,
    debit_fen       bigint      NOT NULL DEFAULT 0 CHECK (debit_fen >= 0),
    credit_fen      bigint      NOT NULL DEFAULT 0 CHECK (credit_fen >= 0),
    closing_fen     bigint      NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (business_date, account_code),
    CONSTRAINT gl_daily_balances_closing_ties CHECK (closing_fen = opening_fen + debit_fen - credit_fen)
);

CREATE INDEX gl_daily_balances_account_idx ON gl_daily_balances (account_code, business_date);

COMMENT ON TABLE gl_daily_balances IS
    '科目日余额 / per account and business date: opening + debit - credit = closing (signed, debit-positive)';

REVOKE UPDATE, DELETE ON gl_daily_balances FROM baitiao_batch;
