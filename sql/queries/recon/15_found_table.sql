-- The pass's differences, before they are stored as breaks (every check inserts here).
-- business_date: the date a break belongs to when not the pass's own (full audit).
CREATE TEMP TABLE recon_found (check_id text NOT NULL, break_type text NOT NULL DEFAULT 'MISMATCH',
                               break_key text NOT NULL, expected_fen bigint, actual_fen bigint,
                               severity text NOT NULL DEFAULT 'HIGH', business_date date) ON COMMIT DROP
