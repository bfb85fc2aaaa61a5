-- Brings the risk aggregates (risk_vintage, risk_aging, risk_roll) to D: D's rows rewritten.
-- One call of risk_maintain (the risk_aggregates_night migration: set-based, reviewed with the
-- tables it fills), after aging and write-off have written D's loan_snapshots rows; a rerun of
-- D is idempotent. Vintage and roll rates follow the day's snapshot changes; aging is
-- recomputed for the live loans (their balances move every night). recon --full (R16)
-- recomputes all three from the book. Returns the rows written.
-- $1 date: the business date D
SELECT risk_maintain($1::date)
