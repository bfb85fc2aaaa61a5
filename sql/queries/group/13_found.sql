-- Group recon's differences, in the order they are printed: check, shard, key.
SELECT check_id, break_type, break_key, shard, expected_fen, actual_fen, actual_fen - expected_fen AS diff_fen
  FROM pg_temp.group_found
 ORDER BY check_id, shard NULLS FIRST, break_key, break_type
