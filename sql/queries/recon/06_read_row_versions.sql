-- R11's reading of the statistics counters of users, loans, installments and the marks, in a
-- transaction of its own before recon's: every change counted here is visible in recon's snapshot
-- (a transaction's counts are flushed only after it committed), so the counters can be compared
-- with the rows the triggers recorded (migration recon_bypass_by_row_versions). Returns the
-- reading's number.
SELECT recon_read_row_versions()
