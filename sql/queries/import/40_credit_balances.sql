-- Each imported credit balance as an OPENING movement of the cut-over date, so the
-- movements sum to the users' balances (R-checks of the credit-balance ledger).
-- $1 date: the cut-over date
INSERT INTO credit_balance_movements (user_id, business_date, amount_fen, reason)
SELECT user_id, $1::date, credit_balance_fen, 'OPENING' FROM users WHERE credit_balance_fen > 0
