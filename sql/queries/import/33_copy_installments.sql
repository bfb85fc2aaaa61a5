-- The accepted loans' installments, straight into installments in the primary key's
-- order (loan id, installment number). billed_date: the billing date of each
-- installment billed by the cut-over (for a written-off loan by its write-off: later
-- ones were never billed); written_off_date: the loan's.
COPY installments (loan_id, installment_no, user_id, order_id, billing_date, due_date, principal_fen, fee_fen,
                   paid_principal_fen, paid_fee_fen, penalty_accrued_fen, paid_penalty_fen, fee_waived_fen,
                   penalty_waived_fen, writeoff_principal_fen, writeoff_fee_fen, writeoff_penalty_fen,
                   recovered_fen, status, billed_date, paid_date, written_off_date) FROM STDIN
