-- Why (issue 15 §2, recon): taking the marks brought each marked user's R11
-- checksum (sql/0036) forward by hashing ALL of the user's rows in users, loans
-- and installments again (recon_checkpoint_users): three index lookups and the
-- user's whole history per marked user, 10-13 s of a 1M-user night and 43 s of
-- the import's cut-over recon. The cost followed the changed users' books, not
-- the day's rows.
--
-- Now the mark triggers also compute, per user and statement, the change the
-- statement made to the user's checksum of that table: Σ hash(new rows) −
-- Σ hash(old rows), from their transition tables, with exactly the hashes the
-- checksums use (recon_user_hash below, recon_loan_hash, recon_installment_hash)
-- and under the checksums' fixed output settings. The delta is stored in the
-- mark itself (recon_changed_users.checksum_delta): a mark and its delta are
-- one row, written by the owner's trigger function only, so they cannot be
-- separated — a mark deleted behind the take takes its delta with it, the
-- user's checksum is not brought forward, and R11 finds the user (as it did:
-- tamper case "change mark deleted by superuser"). The take adds the deltas of
-- the marks it relabels, in the very statement that relabels them, onto
-- recon_user_checksums; it rehashes no row.
--
-- Applied once: the take relabels only marks not taken yet (reconciled_date
-- IS NULL) and adds exactly their deltas, in one statement (one snapshot), in
-- recon's transaction. Rolled back, both roll back; committed and rerun for the
-- same date, those marks are already labelled and add nothing again (the rerun
-- still returns every user marked for the date, as before). A writer that
-- commits after the take's snapshot leaves its mark unlabelled for the next
-- take, delta and all; two takes serialize on the marks they both would
-- relabel, and the checksum rows are updated additively (ON CONFLICT … SET
-- sum = sum + delta), so neither loses the other's.
--
-- What this changes for R11: a change made behind the triggers to a user the
-- triggers ALSO marked that day used to be absorbed by the rehash; now the
-- checksum moves by the marked statements' deltas only, so R11 names that user
-- too (t/itest_tamper.c). The other side: a bypassed user's checksum no longer
-- heals when the user's rows next change through the program. An operator who
-- has looked at the change and accepts it resolves the R11 break (`recon
-- resolve ID`): in the transaction that resolves it, recon_accept_unmarked_change
-- re-baselines that user's checksum of that table from its rows (less the
-- deltas of marks not taken yet, which the next take adds) and logs it in
-- recon_checksum_acceptances. The full audit accepts nothing.

ALTER TABLE recon_changed_users ADD COLUMN checksum_delta numeric NOT NULL DEFAULT 0;

COMMENT ON COLUMN recon_changed_users.checksum_delta IS
    'Σ hash(new rows) − Σ hash(old rows) of the user''s rows in table_name by the statement: what the take adds to recon_user_checksums';

-- The hash of one users row, as R11 has always hashed it (sql/0036): the row's
-- text, hence STABLE (callers run with the fixed settings below).
CREATE FUNCTION recon_user_hash(u users)
RETURNS bigint
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
SELECT hashtextextended(u::text, 0)
$$;

-- One user's checksums recomputed from the rows: the rehash the take used to
-- make for every marked user, now made only where a checksum is re-baselined.
-- Installments are reached through the user's loans (loans_user_idx, then the
-- installments' primary key).
CREATE FUNCTION recon_user_checksum_from_rows(p_user_id text)
RETURNS TABLE (users_sum numeric, loans_sum numeric, installments_sum numeric)
LANGUAGE sql
STABLE
AS $$
SELECT coalesce((SELECT sum(recon_user_hash(u)) FROM users u WHERE u.user_id = p_user_id), 0),
       coalesce((SELECT sum(recon_loan_hash(l)) FROM loans l WHERE l.user_id = p_user_id), 0),
       coalesce((SELECT sum(recon_installment_hash(i))
                   FROM loans l JOIN installments i ON i.loan_id = l.loan_id
                  WHERE l.user_id = p_user_id), 0)
$$;

-- The mark triggers (sql/0031, 0052, 0060): the marks, the rows recorded for
-- R11 by row versions, and now each mark's checksum delta. One statement per
-- table and event, static so its plan is kept: the hash function takes the
-- table's row type, which a transition table's row is cast to.
CREATE OR REPLACE FUNCTION recon_mark_changed_users()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
SET timezone = 'UTC'
SET datestyle = 'ISO, YMD'
SET intervalstyle = 'postgres'
AS $$
DECLARE
    n   bigint;
BEGIN
    -- TG_ARGV[0] names the transition tables present: 'new', 'old' or 'both'
    IF TG_ARGV[0] = 'old' THEN
        SELECT count(*) INTO n FROM changed_old;
    ELSE
        SELECT count(*) INTO n FROM changed_new;
    END IF;
    IF TG_TABLE_NAME = 'installments' THEN
        IF TG_ARGV[0] = 'new' THEN
            INSERT INTO recon_changed_users (user_id, table_name, operation, checksum_delta)
            SELECT r.user_id, TG_TABLE_NAME, TG_OP, sum(recon_installment_hash(r::installments))
              FROM changed_new r GROUP BY r.user_id;
        ELSIF TG_ARGV[0] = 'old' THEN
            INSERT INTO recon_changed_users (user_id, table_name, operation, checksum_delta)
            SELECT r.user_id, TG_TABLE_NAME, TG_OP, -sum(recon_installment_hash(r::installments))
              FROM changed_old r GROUP BY r.user_id;
        ELSE
            INSERT INTO recon_changed_users (user_id, table_name, operation, checksum_delta)
            SELECT d.user_id, TG_TABLE_NAME, TG_OP, sum(d.h)
              FROM (SELECT r.user_id, recon_installment_hash(r::installments) AS h FROM changed_new r
                    UNION ALL
                    SELECT r.user_id, -recon_installment_hash(r::installments) FROM changed_old r) d
             GROUP BY d.user_id;
        END IF;
    ELSIF TG_TABLE_NAME = 'loans' THEN
        IF TG_ARGV[0] = 'new' THEN
            INSERT INTO recon_changed_users (user_id, table_name, operation, checksum_delta)
            SELECT r.user_id, TG_TABLE_NAME, TG_OP, sum(recon_loan_hash(r::loans))
              FROM changed_new r GROUP BY r.user_id;
        ELSIF TG_ARGV[0] = 'old' THEN
            INSERT INTO recon_changed_users (user_id, table_name, operation, checksum_delta)
            SELECT r.user_id, TG_TABLE_NAME, TG_OP, -sum(recon_loan_hash(r::loans))
              FROM changed_old r GROUP BY r.user_id;
        ELSE
            INSERT INTO recon_changed_users (user_id, table_name, operation, checksum_delta)
            SELECT d.user_id, TG_TABLE_NAME, TG_OP, sum(d.h)
              FROM (SELECT r.user_id, recon_loan_hash(r::loans) AS h FROM changed_new r
                    UNION ALL
                    SELECT r.user_id, -recon_loan_hash(r::loans) FROM changed_old r) d
             GROUP BY d.user_id;
        END IF;
    ELSE  -- users: insert and update triggers only (a deleted user is an R11 difference)
        IF TG_ARGV[0] = 'new' THEN
            INSERT INTO recon_changed_users (user_id, table_name, operation, checksum_delta)
            SELECT r.user_id, TG_TABLE_NAME, TG_OP, sum(recon_user_hash(r::users))
              FROM changed_new r GROUP BY r.user_id;
        ELSIF TG_ARGV[0] = 'old' THEN
            INSERT INTO recon_changed_users (user_id, table_name, operation, checksum_delta)
            SELECT r.user_id, TG_TABLE_NAME, TG_OP, -sum(recon_user_hash(r::users))
              FROM changed_old r GROUP BY r.user_id;
        ELSE
            INSERT INTO recon_changed_users (user_id, table_name, operation, checksum_delta)
            SELECT d.user_id, TG_TABLE_NAME, TG_OP, sum(d.h)
              FROM (SELECT r.user_id, recon_user_hash(r::users) AS h FROM changed_new r
                    UNION ALL
                    SELECT r.user_id, -recon_user_hash(r::users) FROM changed_old r) d
             GROUP BY d.user_id;
        END IF;
    END IF;
    IF n > 0 THEN
        INSERT INTO recon_row_versions (table_name, rows_inserted, rows_updated, rows_deleted)
        VALUES (TG_TABLE_NAME, CASE TG_OP WHEN 'INSERT' THEN n ELSE 0 END,
                CASE TG_OP WHEN 'UPDATE' THEN n ELSE 0 END, CASE TG_OP WHEN 'DELETE' THEN n ELSE 0 END);
    END IF;
    RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION recon_mark_changed_users() FROM PUBLIC;

-- The take (sql/0036, 0060): relabels the marks not taken yet and adds their
-- deltas onto the checksums in one statement, prunes the marks of earlier
-- dates, records both for R11 by row versions, logs the take (users_taken: the
-- users marked for P_DATE, as before) and returns those users.
CREATE OR REPLACE FUNCTION recon_take_changed_users(p_date date)
RETURNS TABLE (user_id text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    n           bigint;
    relabelled  bigint;
    pruned      bigint;
BEGIN
    IF p_date > (SELECT max(business_date) FROM business_calendar) THEN
        RAISE EXCEPTION 'recon_take_changed_users: % is after the newest business date', p_date
            USING ERRCODE = '22023';
    END IF;
    IF p_date < (SELECT max(t.business_date) FROM recon_mark_takes t) THEN
        RAISE EXCEPTION 'recon_take_changed_users: % is before the last date taken', p_date
            USING ERRCODE = '22023';
    END IF;
    WITH taken AS (
        UPDATE recon_changed_users c SET reconciled_date = p_date WHERE c.reconciled_date IS NULL
        RETURNING c.user_id, c.table_name, c.checksum_delta),
    per_user AS (
        SELECT t.user_id,
               coalesce(sum(t.checksum_delta) FILTER (WHERE t.table_name = 'users'), 0) AS users_delta,
               coalesce(sum(t.checksum_delta) FILTER (WHERE t.table_name = 'loans'), 0) AS loans_delta,
               coalesce(sum(t.checksum_delta) FILTER (WHERE t.table_name = 'installments'), 0) AS installments_delta
          FROM taken t GROUP BY t.user_id),
    applied AS (
        INSERT INTO recon_user_checksums AS s (user_id, users_sum, loans_sum, installments_sum, business_date)
        SELECT p.user_id, p.users_delta, p.loans_delta, p.installments_delta, p_date FROM per_user p
        ON CONFLICT ON CONSTRAINT recon_user_checksums_pkey DO UPDATE
           SET users_sum = s.users_sum + excluded.users_sum, loans_sum = s.loans_sum + excluded.loans_sum,
               installments_sum = s.installments_sum + excluded.installments_sum,
               business_date = excluded.business_date)
    SELECT count(*) INTO relabelled FROM taken;
    DELETE FROM recon_changed_users c WHERE c.reconciled_date < p_date;
    GET DIAGNOSTICS pruned = ROW_COUNT;
    IF relabelled + pruned > 0 THEN
        INSERT INTO recon_row_versions (table_name, rows_inserted, rows_updated, rows_deleted)
        VALUES ('recon_changed_users', 0, relabelled, pruned);
    END IF;
    RETURN QUERY SELECT DISTINCT c.user_id FROM recon_changed_users c WHERE c.reconciled_date = p_date;
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO recon_mark_takes (business_date, users_taken) VALUES (p_date, n);
END
$$;

-- No longer called by the take; kept (owner's only) as the rehash of the users
-- marked for P_DATE, now through the one per-user definition above.
CREATE OR REPLACE FUNCTION recon_checkpoint_users(p_date date)
RETURNS bigint
LANGUAGE sql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
SET timezone = 'UTC'
SET datestyle = 'ISO, YMD'
SET intervalstyle = 'postgres'
AS $$
    WITH up AS (
        INSERT INTO recon_user_checksums (user_id, users_sum, loans_sum, installments_sum, business_date)
        SELECT c.user_id, f.users_sum, f.loans_sum, f.installments_sum, p_date
          FROM (SELECT DISTINCT m.user_id FROM recon_changed_users m WHERE m.reconciled_date = p_date) c
         CROSS JOIN LATERAL recon_user_checksum_from_rows(c.user_id) f
        ON CONFLICT (user_id) DO UPDATE
           SET users_sum = excluded.users_sum, loans_sum = excluded.loans_sum,
               installments_sum = excluded.installments_sum, business_date = excluded.business_date
        RETURNING 1)
    SELECT count(*) FROM up
$$;

-- ---- accepting a change R11 found --------------------------------------------

-- Every checksum re-baselined from the rows: by whom, for which R11 break.
CREATE TABLE recon_checksum_acceptances (
    break_id            bigint      PRIMARY KEY REFERENCES recon_breaks (break_id),
    user_id             text        NOT NULL,
    table_name          text        NOT NULL CHECK (table_name IN ('users', 'loans', 'installments')),
    sum_before          numeric,                -- NULL: the user had no checksum row
    sum_after           numeric     NOT NULL,
    accepted_by         text        NOT NULL DEFAULT session_user,
    application_name    text        NOT NULL DEFAULT current_setting('application_name'),
    accepted_at         timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE recon_checksum_acceptances IS
    '校验和重置记录 / every R11 checksum re-baselined from the rows by resolving an R11 break, append-only';

REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON recon_checksum_acceptances FROM baitiao_batch;

-- Re-baselines the checksum of P_TABLE of P_USER_ID from its rows, less the
-- deltas of the user's marks of that table not taken yet (the next take adds
-- them); returns (before, after). No take may commit between the rows read and
-- the checksum written, hence the lock, taken before the statement that reads.
CREATE FUNCTION recon_checksum_rebaseline(p_user_id text, p_table text, OUT sum_before numeric,
                                          OUT sum_after numeric)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
SET timezone = 'UTC'
SET datestyle = 'ISO, YMD'
SET intervalstyle = 'postgres'
AS $$
BEGIN
    IF p_table NOT IN ('users', 'loans', 'installments') THEN
        RAISE EXCEPTION 'recon_checksum_rebaseline: no checksum of table %', p_table USING ERRCODE = '22023';
    END IF;
    LOCK TABLE recon_user_checksums IN SHARE ROW EXCLUSIVE MODE;
    SELECT CASE p_table WHEN 'users' THEN s.users_sum WHEN 'loans' THEN s.loans_sum ELSE s.installments_sum END
      INTO sum_before FROM recon_user_checksums s WHERE s.user_id = p_user_id;
    SELECT CASE p_table WHEN 'users' THEN f.users_sum WHEN 'loans' THEN f.loans_sum ELSE f.installments_sum END
           - coalesce((SELECT sum(m.checksum_delta) FROM recon_changed_users m
                        WHERE m.reconciled_date IS NULL AND m.user_id = p_user_id AND m.table_name = p_table), 0)
      INTO sum_after FROM recon_user_checksum_from_rows(p_user_id) f;
    INSERT INTO recon_user_checksums AS s (user_id, users_sum, loans_sum, installments_sum, business_date)
    VALUES (p_user_id, CASE WHEN p_table = 'users' THEN sum_after ELSE 0 END,
            CASE WHEN p_table = 'loans' THEN sum_after ELSE 0 END,
            CASE WHEN p_table = 'installments' THEN sum_after ELSE 0 END,
            coalesce((SELECT max(business_date) FROM business_calendar), current_date))
    ON CONFLICT (user_id) DO UPDATE
       SET users_sum = CASE WHEN p_table = 'users' THEN sum_after ELSE s.users_sum END,
           loans_sum = CASE WHEN p_table = 'loans' THEN sum_after ELSE s.loans_sum END,
           installments_sum = CASE WHEN p_table = 'installments' THEN sum_after ELSE s.installments_sum END;
END
$$;

-- Accepts the change R11 break P_BREAK_ID found (key TABLE:user): only in the
-- transaction that resolved the break (recon resolve), once per break; the
-- checksum of that table and user re-baselined from the rows, logged.
CREATE FUNCTION recon_accept_unmarked_change(p_break_id bigint)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    b       record;
    v_table text;
    v_user  text;
    r       record;
BEGIN
    SELECT k.check_id, k.break_key, k.status, k.resolved_at INTO b FROM recon_breaks k WHERE k.break_id = p_break_id;
    IF NOT FOUND OR b.check_id <> 'R11' OR b.status <> 'RESOLVED' OR b.resolved_at IS DISTINCT FROM now() THEN
        RAISE EXCEPTION 'recon_accept_unmarked_change: break % is not an R11 break resolved in this transaction',
            p_break_id USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM recon_checksum_acceptances a WHERE a.break_id = p_break_id) THEN
        RAISE EXCEPTION 'recon_accept_unmarked_change: break % was accepted already', p_break_id
            USING ERRCODE = '22023';
    END IF;
    v_table := split_part(b.break_key, ':', 1);
    v_user := substr(b.break_key, length(v_table) + 2);
    SELECT * INTO r FROM recon_checksum_rebaseline(v_user, v_table);
    INSERT INTO recon_checksum_acceptances (break_id, user_id, table_name, sum_before, sum_after)
    VALUES (p_break_id, v_user, v_table, r.sum_before, r.sum_after);
END
$$;

-- ---- bulk load (sql/0057): the marks written set-based, now with their deltas ----

-- As before, but a mark trigger's marks carry each user's delta: the table was
-- empty, so it is Σ hash of the user's rows, one GROUP BY per table.
CREATE OR REPLACE FUNCTION bulk_load_suspend(p_tables text[])
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    v_table  text;
    v_empty  boolean;
    v_rel    regclass;
    v_obj    record;
    v_n      integer := 0;
BEGIN
    IF EXISTS (SELECT 1 FROM bulk_load_suspended) THEN
        RAISE EXCEPTION 'bulk load: a suspension is already open in this transaction';
    END IF;
    FOREACH v_table IN ARRAY p_tables LOOP
        v_rel := format('baitiao.%I', v_table)::regclass;
        EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM %s)', v_rel) INTO v_empty;
        CONTINUE WHEN NOT v_empty;
        FOR v_obj IN
            SELECT 'index' AS kind, i.indexrelid::regclass::text AS name,
                   pg_get_indexdef(i.indexrelid) AS restore_sql,
                   CASE WHEN obj_description(i.indexrelid, 'pg_class') IS NOT NULL
                        THEN format('COMMENT ON INDEX %s IS %L', i.indexrelid::regclass,
                                    obj_description(i.indexrelid, 'pg_class')) END AS then_sql
              FROM pg_index i
             WHERE i.indrelid = v_rel AND NOT i.indisunique AND NOT i.indisprimary
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            UNION ALL
            SELECT 'foreign key', c.conname,
                   format('ALTER TABLE %s ADD CONSTRAINT %I %s', v_rel, c.conname, pg_get_constraintdef(c.oid)),
                   CASE WHEN obj_description(c.oid, 'pg_constraint') IS NOT NULL
                        THEN format('COMMENT ON CONSTRAINT %I ON %s IS %L', c.conname, v_rel,
                                    obj_description(c.oid, 'pg_constraint')) END
              FROM pg_constraint c
             WHERE c.conrelid = v_rel AND c.contype = 'f'
            UNION ALL
            -- an AFTER INSERT … FOR EACH STATEMENT mark trigger (tgtype: statement 0, after 0, insert 4);
            -- the row hash is the table's: recon_user_hash, recon_loan_hash, recon_installment_hash
            SELECT 'mark trigger', t.tgname,
                   format('ALTER TABLE %s ENABLE TRIGGER %I', v_rel, t.tgname),
                   format('INSERT INTO recon_changed_users (user_id, table_name, checksum_delta)'
                          ' SELECT r.user_id, %L, sum(%I(r)) FROM %s r GROUP BY r.user_id',
                          v_table, 'recon_' || rtrim(v_table, 's') || '_hash', v_rel)
              FROM pg_trigger t
             WHERE t.tgrelid = v_rel AND NOT t.tgisinternal AND t.tgenabled <> 'D' AND t.tgtype = 4
               AND t.tgfoid = 'baitiao.recon_mark_changed_users()'::regprocedure
        LOOP
            INSERT INTO bulk_load_suspended (table_name, kind, object_name, restore_sql, then_sql)
            VALUES (v_table, v_obj.kind, v_obj.name, v_obj.restore_sql, v_obj.then_sql);
            EXECUTE CASE v_obj.kind
                WHEN 'index' THEN format('DROP INDEX %s', v_obj.name)
                WHEN 'foreign key' THEN format('ALTER TABLE %s DROP CONSTRAINT %I', v_rel, v_obj.name)
                ELSE format('ALTER TABLE %s DISABLE TRIGGER %I', v_rel, v_obj.name) END;
            v_n := v_n + 1;
        END LOOP;
    END LOOP;
    RETURN v_n;
END
$$;

-- As before, under the checksums' fixed output settings (a users row's hash is
-- of its text).
CREATE OR REPLACE FUNCTION bulk_load_restore()
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
-- the index builds sort every imported row: in memory, not in temporary files
SET maintenance_work_mem = '512MB'
SET timezone = 'UTC'
SET datestyle = 'ISO, YMD'
SET intervalstyle = 'postgres'
AS $$
DECLARE
    v_obj  record;
    v_n    integer := 0;
BEGIN
    -- the indexes first: a foreign key's validation then plans with them
    FOR v_obj IN SELECT * FROM bulk_load_suspended ORDER BY kind = 'foreign key', object_no LOOP
        EXECUTE v_obj.restore_sql;
        IF v_obj.then_sql IS NOT NULL THEN
            EXECUTE v_obj.then_sql;
        END IF;
        DELETE FROM bulk_load_suspended WHERE object_no = v_obj.object_no;
        v_n := v_n + 1;
    END LOOP;
    RETURN v_n;
END
$$;

-- (default privileges grant EXECUTE to the batch role: taken back where it must not call)
REVOKE ALL ON FUNCTION recon_user_hash(users) FROM PUBLIC, baitiao_batch, baitiao_report;
REVOKE ALL ON FUNCTION recon_user_checksum_from_rows(text) FROM PUBLIC, baitiao_batch, baitiao_report;
REVOKE ALL ON FUNCTION recon_checksum_rebaseline(text, text) FROM PUBLIC, baitiao_batch, baitiao_report;
REVOKE ALL ON FUNCTION recon_accept_unmarked_change(bigint) FROM PUBLIC, baitiao_report;
GRANT EXECUTE ON FUNCTION recon_accept_unmarked_change(bigint) TO baitiao_batch;
REVOKE ALL ON FUNCTION bulk_load_suspend(text[]), bulk_load_restore() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bulk_load_suspend(text[]), bulk_load_restore() TO baitiao_batch;

-- Marks written before this migration and not taken yet carry no delta (0): their
-- users' checksums are brought forward here from the rows, as the take would have.
DO $$
DECLARE
    u   text;
BEGIN
    FOR u IN SELECT DISTINCT m.user_id FROM recon_changed_users m WHERE m.reconciled_date IS NULL LOOP
        PERFORM recon_checksum_rebaseline(u, t) FROM unnest(ARRAY['users', 'loans', 'installments']) t;
    END LOOP;
END
$$;
