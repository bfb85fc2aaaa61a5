-- The full audit rewrites every user's ledger from the rows (after R17 compared them).
INSERT INTO pg_temp.recon_recompute
SELECT user_id FROM users EXCEPT SELECT user_id FROM pg_temp.recon_recompute
