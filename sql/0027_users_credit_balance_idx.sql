-- Why: the credit balance (溢缴款) is applied whenever billed items exist (§5),
-- several times a night; only the few users holding a balance may be read,
-- never the whole users table.
CREATE INDEX users_credit_balance_idx ON users (user_id) WHERE credit_balance_fen > 0;
