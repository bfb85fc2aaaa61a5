-- Stores the pass's differences as breaks; returns how many were new. recon_breaks is UNIQUE on
-- (date, check, type, key), so a rerun over the same data finds the same breaks, never copies.
-- $1 date: the business date D (the date of a difference that names none)
-- $2 bigint: the recon run
WITH ins AS (
  INSERT INTO recon_breaks (recon_run_id, business_date, check_id, break_type, break_key,
                            expected_fen, actual_fen, diff_fen, severity)
  SELECT $2::bigint, coalesce(business_date, $1::date), check_id, break_type, left(break_key, 200),
         expected_fen, actual_fen, actual_fen - expected_fen, severity
    FROM pg_temp.recon_found ORDER BY business_date, check_id, break_type, break_key
  ON CONFLICT (business_date, check_id, break_type, break_key) DO NOTHING RETURNING 1)
SELECT count(*) FROM ins
