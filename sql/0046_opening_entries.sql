-- The opening journal entry of a portfolio import (entry_type OPENING): Dr 1122 / 1123 /
-- 1124 with the imported receivables, Cr 2241 with the imported credit balances, and the
-- difference against 2999 期初迁移过渡, the cut-over clearing account that stands for the
-- previous system's books (finance closes it against their own transfer entry).
-- Opening credit balances get their own movement reason, OPENING, so that
-- credit_balance_movements still explains every fen of users.credit_balance_fen.
ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_entry_type_check;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_entry_type_check CHECK (entry_type IN (
    'ORIGINATION', 'BILLING', 'PENALTY', 'REPAYMENT', 'CREDIT_BALANCE_USE',
    'REFUND', 'WAIVER', 'WRITEOFF', 'RECOVERY', 'ADJUSTMENT', 'OPENING'));

INSERT INTO gl_accounts (account_code, name_zh, name_en, account_type, normal_side, is_postable) VALUES
    ('2999', '期初迁移过渡', 'Cut-over opening balance clearing', 'LIABILITY', 'CREDIT', true);

ALTER TABLE credit_balance_movements DROP CONSTRAINT credit_balance_movements_reason_check;
ALTER TABLE credit_balance_movements ADD CONSTRAINT credit_balance_movements_reason_check
    CHECK (reason IN ('OVERPAYMENT', 'REFUND', 'REFUND_RETURN', 'APPLIED', 'OPENING'));
