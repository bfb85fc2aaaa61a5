-- The payers of one waterfall pass: one row per payment, in arrival order per user.
-- txn_id is NULL for the credit balance (溢缴款). A work table of the step's transaction
-- only (ON COMMIT DROP): a failed step leaves nothing behind, and the batch role needs no
-- DDL on schema baitiao. Made by db_temp_table (emptied when an earlier pass of the same
-- transaction made it).
CREATE TEMP TABLE pg_temp.bt_wf_pay (
  txn_id text,
  user_id text NOT NULL,
  seq bigint NOT NULL,
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  PRIMARY KEY (user_id, seq)
) ON COMMIT DROP
