-- Why (issue 15 §2, recon): the nightly recon no longer recomputes every marked
-- user from all of the user's installments; it carries recon_user_ledgers
-- forward by the day's movements (per-user deltas, the migration
-- recon_ledger_deltas). What the movements cannot show is a loan's status
-- changing (R8 counts the principal of ACTIVE loans only: a loan marked
-- PAID_OFF behind the program must still be found by the next night), so the
-- users whose *loans* row changed — the day's pay-offs, refunds and write-offs,
-- a few per cent of the day's activity — are still recomputed from their rows.
-- For that the mark says which table's trigger wrote it.
--
-- A mark written before this migration has no table: recon treats it as a loans
-- mark (recomputed from the rows), which is what every mark meant until now.

ALTER TABLE recon_changed_users ADD COLUMN table_name text;

COMMENT ON COLUMN recon_changed_users.table_name IS
    'the table whose trigger wrote the mark (NULL: a mark from before the table was recorded)';

CREATE OR REPLACE FUNCTION recon_mark_changed_users()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
BEGIN
    -- TG_ARGV[0] names the transition tables present: 'new', 'old' or 'both'
    IF TG_ARGV[0] = 'new' THEN
        INSERT INTO recon_changed_users (user_id, table_name)
        SELECT DISTINCT user_id, TG_TABLE_NAME FROM changed_new;
    ELSIF TG_ARGV[0] = 'old' THEN
        INSERT INTO recon_changed_users (user_id, table_name)
        SELECT DISTINCT user_id, TG_TABLE_NAME FROM changed_old;
    ELSE
        INSERT INTO recon_changed_users (user_id, table_name)
        SELECT user_id, TG_TABLE_NAME FROM changed_new UNION SELECT user_id, TG_TABLE_NAME FROM changed_old;
    END IF;
    RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION recon_mark_changed_users() FROM PUBLIC;
