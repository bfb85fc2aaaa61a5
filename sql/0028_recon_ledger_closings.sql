-- Why: reconciliation R9 (product-rules §9) rolls every sub-ledger forward:
-- closing(D-1) + movements(D) = closing(D). The sub-ledger (installments,
-- users.credit_balance_fen) keeps only current balances, so the closing of a
-- day cannot be recomputed later: recon stores it here when it reconciles the
-- newest business date, and an earlier date is checked against what was
-- stored. Ledgers: PRINCIPAL (outstanding principal, billed and unbilled),
-- FEE (billed fee receivable), PENALTY, CREDIT_BALANCE (溢缴款) and
-- WRITTEN_OFF (off-balance-sheet written-off balances less recoveries).
-- A rerun of recon for the newest date rewrites that date's closing with the
-- state it sees; nothing is ever deleted.

CREATE TABLE recon_ledger_closings (
    business_date   date        NOT NULL,
    ledger          text        NOT NULL
                                CHECK (ledger IN ('PRINCIPAL', 'FEE', 'PENALTY', 'CREDIT_BALANCE', 'WRITTEN_OFF')),
    closing_fen     bigint      NOT NULL,
    recon_run_id    bigint      NOT NULL REFERENCES recon_runs (recon_run_id),
    PRIMARY KEY (business_date, ledger)
);

COMMENT ON TABLE recon_ledger_closings IS
    '子账日终余额 / closing balance of each sub-ledger per business date, written by recon for R9';

REVOKE DELETE ON recon_ledger_closings FROM baitiao_batch;

-- R7 reports an unmatched settlement item once: a later night looks for an
-- existing break with the same check and key on any date.
CREATE INDEX recon_breaks_key_idx ON recon_breaks (check_id, break_key);
