-- The accepted users, straight into users (names and phones masked by the import, as
-- the intake masks them; the used limit is the sum of the live loans' unpaid principal).
COPY users (user_id, credit_limit_fen, statement_day, status, name_masked, phone_masked, used_limit_fen,
            credit_balance_fen, created_date, last_change_date) FROM STDIN
