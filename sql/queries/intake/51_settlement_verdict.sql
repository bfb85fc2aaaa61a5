-- The verdict on each staged settlement row: a bad field, or a (channel, txn id) settled before.
-- A channel's settlement file (one per channel and day, §12): the channel is the one
-- registered on the file (load_files.channel). No DATE_CLOSED: a settlement file arrives
-- T+1, after its pay date has closed, and is evidence about that date (recon R7).
-- $1 bigint: the load_files id of the file
CREATE TEMP TABLE intake_verdict ON COMMIT DROP AS
SELECT s.*, CASE
 WHEN s.bad_field IS NOT NULL THEN 'BAD_FIELD'
 WHEN row_number() OVER (PARTITION BY s.c1 ORDER BY s.line_no) > 1
      OR EXISTS (SELECT 1 FROM settlement_lines l WHERE l.channel = (SELECT f.channel FROM load_files f WHERE f.file_id = $1::bigint)
                    AND l.channel_txn_id = s.c1) THEN 'DUPLICATE_SETTLEMENT'
END AS reason,
CASE WHEN s.bad_field IS NOT NULL THEN s.bad_field END AS field
FROM intake_stage s
