-- Brings the risk aggregates (risk_vintage, risk_aging, risk_roll) to D: D's rows rewritten.
-- One call of risk_maintain (the risk_aggregates_night migration, its aging part redefined by
-- risk_aging_by_loan: set-based, reviewed with the tables it fills), after aging and write-off
-- have written D's loan_snapshots rows; a rerun of D is idempotent. All three follow the day's
-- changes: vintage and roll rates by the loans with a snapshot change, aging by the loans whose
-- contribution can have changed since the last night (kept per loan in risk_aging_loans, the
-- open penalty runs' growth by arithmetic); with no usable base it rebuilds from the book.
-- recon --full (R16) recomputes all three from the book. Returns the rows written.
-- $1 date: the business date D
SELECT risk_maintain($1::date)
