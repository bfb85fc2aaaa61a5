-- Per check: breaks found by the pass and Σ |diff|.
SELECT check_id, count(*), coalesce(sum(abs(actual_fen - expected_fen)), 0)::bigint
  FROM pg_temp.recon_found GROUP BY check_id ORDER BY check_id
