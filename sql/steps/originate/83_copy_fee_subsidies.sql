-- What each campaign pays of each installment's fee: the subsidy sub-ledger, PENDING until
-- the installment is billed (issue 18).
COPY fee_subsidies (loan_id, installment_no, campaign_id, funder, amount_fen, billing_date) FROM STDIN
