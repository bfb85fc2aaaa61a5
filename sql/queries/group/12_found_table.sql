-- Group recon's differences as the checks find them (every check inserts here); printed, not
-- stored: each shard's own breaks are in its recon_breaks, the group's are read again by the
-- next group recon. shard: the shard a difference is about (NULL: the group's, the coordinator's).
CREATE TEMP TABLE group_found (check_id text NOT NULL, break_type text NOT NULL, break_key text NOT NULL,
                               shard text, expected_fen bigint, actual_fen bigint) ON COMMIT DROP
