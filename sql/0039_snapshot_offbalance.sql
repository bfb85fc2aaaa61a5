-- Why: a written-off loan stays in aging for collection (product-rules §11):
-- its DPD follows its off-balance (表外) remainder, and the aging, roll-rate and
-- vintage reports show that remainder apart from the on-balance balances (which
-- stay 0 for it, so on-balance totals still foot to GL 1122 / 1123 / 1124).
-- offbalance_fen = written off less recovered (principal + fee + penalty) at the
-- end of the row's date; 0 for a loan never written off.

ALTER TABLE loan_snapshots
    ADD COLUMN offbalance_fen bigint NOT NULL DEFAULT 0
        CONSTRAINT loan_snapshots_offbalance_nonnegative CHECK (offbalance_fen >= 0);

COMMENT ON COLUMN loan_snapshots.offbalance_fen IS
    '表外余额 / written-off balance not yet recovered (principal + fee + penalty), end of snapshot_date';

-- The write-off night's rows written before this column existed: nothing had been
-- recovered yet that night, so the remainder is what was written off.
UPDATE loan_snapshots s
   SET offbalance_fen = w.principal_fen + w.fee_fen + w.penalty_fen
  FROM writeoffs w
 WHERE s.loan_id = w.loan_id AND s.snapshot_date = w.writeoff_date AND s.status = 'WRITTEN_OFF';
