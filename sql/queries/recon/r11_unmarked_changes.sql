-- R11, trigger bypass: taking the marks brought the checksums of the marked users forward, so every
-- other difference between the stored checksums and the rows is a change no trigger recorded
-- (sql/0036), key <table>:<user>. The tables are hashed only when the statistics counters read
-- before this snapshot disagree with the rows the triggers recorded (or in the full audit); the run
-- row says which (recon_runs.r11_pass, r11_why: migration recon_bypass_by_row_versions). Those users
-- are recomputed from their rows (recon_recompute) and compared like marked ones (recon_changed), so
-- R4/R8/R9 see what the change did to the balances. Rows compared: the users with a checksum.
-- $1 date: the business date D
-- $2 bigint: the recon run
-- $3 boolean: the full audit (recon --full): the tables are always hashed
WITH f AS (SELECT table_name, user_id FROM recon_bypass_check($1::date, $2::bigint, $3::boolean)),
ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key)
         SELECT 'R11', table_name || ':' || user_id FROM f),
more AS (INSERT INTO pg_temp.recon_changed
          SELECT DISTINCT user_id FROM f WHERE user_id NOT IN (SELECT user_id FROM pg_temp.recon_changed)),
again AS (INSERT INTO pg_temp.recon_recompute
          SELECT DISTINCT user_id FROM f WHERE user_id NOT IN (SELECT user_id FROM pg_temp.recon_recompute))
SELECT (SELECT count(*) FROM recon_user_checksums), 0::bigint
