-- Why: the partitioned tables (penalty_accruals, loan_snapshots,
-- journal_lines) need their DEFAULT partition and the monthly partitions of
-- the first years of operation before any night runs. Later months are added
-- by the batch calling ensure_partitions ahead of time.

SELECT ensure_partitions('2025-01-01', '2027-12-31');
