-- Why (issue 14 §2): the loan_snapshots CHECKs spelled the §7 bucket and
-- classification tables a second time; they now call the one definition
-- (dpd_bucket, loan_class of the risk_class_functions migration), so a row
-- still cannot disagree with its own DPD and the thresholds live in one place.
-- Same names, same results: the functions keep the CASEs' exact values.
-- Replacing a CHECK on the partitioned table validates every partition once
-- (one pass over loan_snapshots, inside this migration's transaction).

ALTER TABLE loan_snapshots
    DROP CONSTRAINT loan_snapshots_bucket_from_dpd,
    DROP CONSTRAINT loan_snapshots_class_from_dpd,
    ADD CONSTRAINT loan_snapshots_bucket_from_dpd CHECK (bucket = dpd_bucket(dpd)),
    ADD CONSTRAINT loan_snapshots_class_from_dpd CHECK (class = loan_class(status, dpd));
