-- Why: reconciliation R6 and R9 read the installments billed on D (billed_date
-- is set once, at billing). Without an index that is a scan of the whole
-- portfolio every night; with it, the day's billing.
CREATE INDEX installments_billed_date_idx ON installments (billed_date) WHERE billed_date IS NOT NULL;
