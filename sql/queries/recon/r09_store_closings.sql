-- R9 keeps the newest date's sub-ledger closings for the next nights' roll-forward
-- (recon_ledger_closings, sql/0028); a rerun of the newest date rewrites them.
-- $1 date: the business date D
-- $2 bigint: the recon run
INSERT INTO recon_ledger_closings (business_date, ledger, closing_fen, recon_run_id)
SELECT $1::date, ledger, closing_fen, $2::bigint FROM pg_temp.recon_ledger_now
ON CONFLICT (business_date, ledger) DO UPDATE
   SET closing_fen = excluded.closing_fen, recon_run_id = excluded.recon_run_id
