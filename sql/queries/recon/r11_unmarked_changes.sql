-- R11, trigger bypass: taking the marks brought the checksums of the marked users forward, so every
-- other difference between the stored checksums and the rows is a change no trigger recorded
-- (sql/0036), key <table>:<user>. Those users are recomputed from their rows (recon_recompute) and
-- compared like marked ones (recon_changed), so R4/R8/R9 see what the change did to the balances.
-- Rows compared: the users with a checksum.
WITH f AS (SELECT table_name, user_id FROM recon_unmarked_changes()),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key)
         SELECT 'R11', table_name || ':' || user_id FROM f),
more AS (INSERT INTO pg_temp.recon_changed
          SELECT DISTINCT user_id FROM f WHERE user_id NOT IN (SELECT user_id FROM pg_temp.recon_changed)),
again AS (INSERT INTO pg_temp.recon_recompute
          SELECT DISTINCT user_id FROM f WHERE user_id NOT IN (SELECT user_id FROM pg_temp.recon_recompute))
SELECT (SELECT count(*) FROM recon_user_checksums), 0::bigint
