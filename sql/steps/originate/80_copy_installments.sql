-- The accepted orders' schedules, COPYed straight into installments with their loans' ids.
-- The rows are the engine's schedules (product-rules §2-§3), one per installment; the
-- composite foreign key to loans checks that each row's user and order are its loan's.
COPY installments (loan_id, installment_no, user_id, order_id, billing_date, due_date, principal_fen, fee_fen)
FROM STDIN
