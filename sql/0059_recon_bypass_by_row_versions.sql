-- Why (issue 15 §2, check R11): R11 (sql/0036) hashed every row of users, loans
-- and installments every night to find a change made with the triggers off:
-- 6.5 s at a million users, growing with the book. Yet PostgreSQL already counts
-- every row version a table gets, triggers on or off: the cumulative statistics
-- pg_stat_get_tuples_inserted / _updated / _deleted(table). Now the mark triggers
-- also record how many rows each statement changed (their transition tables'
-- counts) in recon_row_versions, and the nightly R11 compares: for each table,
-- the counters at a reading taken just before recon's snapshot must equal the
-- counters stored as the baseline plus the rows the triggers recorded since.
-- When they do, no row changed behind the triggers since the last pass and the
-- whole-table hashing is skipped; when they do not (a bypass, or only an aborted
-- transaction, whose row versions the counters saw and whose recorded rows
-- rolled back) R11 hashes the tables as before, which names the users or finds
-- nothing. Either way the baseline then moves to the reading.
--
-- What else must agree for the hashing to be skipped (recon_row_versions_differ):
-- a baseline exists and the pass that stored it found no unmarked change (a
-- change R11 found stays found every night until its user's checksum is brought
-- forward, as before); each table is the same relation with the same file node
-- (TRUNCATE, VACUUM FULL and CLUSTER change it; TRUNCATE changes no counter);
-- the statistics were not reset since the baseline's reading (pg_stat_reset*, a
-- crash, which discards the statistics and stamps the shared ones); and the
-- marks themselves (recon_changed_users) were updated and deleted only by the
-- take (recon_take_changed_users records what it did), since a change whose mark
-- was deleted was recorded by its trigger but never brought forward. The full
-- audit always hashes.
--
-- Why the reading is taken before the snapshot, in a statement of its own
-- (recon_read_row_versions, after pg_stat_force_next_flush() in the statement
-- before it, so this connection's own counts of the night's steps are flushed):
-- a transaction's counts reach the shared statistics only after it committed,
-- so every change counted at the reading is visible in recon's snapshot and is
-- hashed by a full pass; a change counted after the reading shows at the next
-- reading, against a baseline that does not contain it. docs/decisions.md
-- ("R11 by row versions") has the argument and what it leaves.

-- The marks say which operation wrote them: a new loan (loans_mark_insert below)
-- needs no recompute from the rows (its principal is a movement), a loans row
-- updated or deleted does (recon_ledger_deltas).
ALTER TABLE recon_changed_users ADD COLUMN operation text
    CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE'));

COMMENT ON COLUMN recon_changed_users.operation IS
    'the operation whose trigger wrote the mark (NULL: a mark from before operations were recorded)';

-- Rows changed, per statement and table, by the program's own writers: the mark
-- triggers (users, loans, installments) and the take of the marks
-- (recon_changed_users). Folded into the baseline by each nightly R11.
CREATE TABLE recon_row_versions (
    table_name      text        NOT NULL,
    rows_inserted   bigint      NOT NULL CHECK (rows_inserted >= 0),
    rows_updated    bigint      NOT NULL CHECK (rows_updated >= 0),
    rows_deleted    bigint      NOT NULL CHECK (rows_deleted >= 0),
    recorded_xact   xid8        NOT NULL DEFAULT pg_current_xact_id()
);

COMMENT ON TABLE recon_row_versions IS
    '触发器记录的行版本 / rows each statement changed, as the mark triggers and the take recorded them (R11)';

-- One reading of the cumulative statistics: four rows, one per table.
CREATE TABLE recon_row_version_readings (
    reading_no          bigint      NOT NULL,
    table_name          text        NOT NULL,
    relation_oid        oid         NOT NULL,
    filenode            oid         NOT NULL,
    rows_inserted       bigint      NOT NULL,
    rows_updated        bigint      NOT NULL,
    rows_deleted        bigint      NOT NULL,
    db_stats_reset      timestamptz,            -- pg_stat_database.stats_reset: pg_stat_reset*()
    shared_stats_reset  timestamptz,            -- pg_stat_bgwriter.stats_reset: stamped when a crash discards the statistics
    read_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (reading_no, table_name)
);

CREATE SEQUENCE recon_row_version_reading_no;

COMMENT ON TABLE recon_row_version_readings IS
    '行版本计数读数 / the statistics counters of users, loans, installments and the marks, read before a recon''s snapshot';

-- The counters each table should show: those of the last R11's reading, plus
-- the rows recorded in recon_row_versions since (folded in by that R11).
CREATE TABLE recon_row_version_baselines (
    table_name          text        PRIMARY KEY,
    relation_oid        oid         NOT NULL,
    filenode            oid         NOT NULL,
    rows_inserted       bigint      NOT NULL,
    rows_updated        bigint      NOT NULL,
    rows_deleted        bigint      NOT NULL,
    db_stats_reset      timestamptz,
    shared_stats_reset  timestamptz,
    reading_no          bigint      NOT NULL,
    unmarked_found      bigint      NOT NULL,   -- what the R11 that stored it found behind the triggers
    business_date       date        NOT NULL
);

COMMENT ON TABLE recon_row_version_baselines IS
    '行版本基线 / the counters the tables should show when nothing changed behind the triggers (R11)';

REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON recon_row_versions, recon_row_version_readings,
    recon_row_version_baselines FROM baitiao_batch;

-- The tables R11 watches, and which counters the program's writers record for
-- each: every counter of the book's tables; of the marks only updates and
-- deletes (an extra mark costs a recompute; a mark removed or relabelled hides
-- a change). users has no delete trigger: a deleted user is a difference.
CREATE FUNCTION recon_row_version_tables()
RETURNS TABLE (table_name text, with_inserts boolean)
LANGUAGE sql
IMMUTABLE
AS $$
    VALUES ('users', true), ('loans', true), ('installments', true), ('recon_changed_users', false)
$$;

-- The mark triggers (sql/0031, 0052) also record the rows of the statement.
CREATE OR REPLACE FUNCTION recon_mark_changed_users()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    n   bigint;
BEGIN
    -- TG_ARGV[0] names the transition tables present: 'new', 'old' or 'both'
    IF TG_ARGV[0] = 'new' THEN
        SELECT count(*) INTO n FROM changed_new;
        INSERT INTO recon_changed_users (user_id, table_name, operation)
        SELECT DISTINCT user_id, TG_TABLE_NAME, TG_OP FROM changed_new;
    ELSIF TG_ARGV[0] = 'old' THEN
        SELECT count(*) INTO n FROM changed_old;
        INSERT INTO recon_changed_users (user_id, table_name, operation)
        SELECT DISTINCT user_id, TG_TABLE_NAME, TG_OP FROM changed_old;
    ELSE
        SELECT count(*) INTO n FROM changed_new;
        INSERT INTO recon_changed_users (user_id, table_name, operation)
        SELECT user_id, TG_TABLE_NAME, TG_OP FROM changed_new
        UNION SELECT user_id, TG_TABLE_NAME, TG_OP FROM changed_old;
    END IF;
    IF n > 0 THEN
        INSERT INTO recon_row_versions (table_name, rows_inserted, rows_updated, rows_deleted)
        VALUES (TG_TABLE_NAME, CASE TG_OP WHEN 'INSERT' THEN n ELSE 0 END,
                CASE TG_OP WHEN 'UPDATE' THEN n ELSE 0 END, CASE TG_OP WHEN 'DELETE' THEN n ELSE 0 END);
    END IF;
    RETURN NULL;
END
$$;

-- A new loan had no trigger: its user was marked by the installments inserted
-- with it. Now its rows are counted like every other change, and its user is
-- marked (so a loan inserted alone is brought forward, not mistaken for a bypass).
CREATE TRIGGER loans_mark_insert AFTER INSERT ON loans
    REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION recon_mark_changed_users('new');

-- The take (sql/0036) records the marks it relabelled and pruned.
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
    UPDATE recon_changed_users c SET reconciled_date = p_date WHERE c.reconciled_date IS NULL;
    GET DIAGNOSTICS relabelled = ROW_COUNT;
    DELETE FROM recon_changed_users c WHERE c.reconciled_date < p_date;
    GET DIAGNOSTICS pruned = ROW_COUNT;
    IF relabelled + pruned > 0 THEN
        INSERT INTO recon_row_versions (table_name, rows_inserted, rows_updated, rows_deleted)
        VALUES ('recon_changed_users', 0, relabelled, pruned);
    END IF;
    n := recon_checkpoint_users(p_date);
    INSERT INTO recon_mark_takes (business_date, users_taken) VALUES (p_date, n);
    RETURN QUERY SELECT DISTINCT c.user_id FROM recon_changed_users c WHERE c.reconciled_date = p_date;
END
$$;

-- Reads the counters of the watched tables into a new reading and returns its
-- number. Called in a transaction of its own before recon's: see above. Keeps
-- the last eight readings.
CREATE FUNCTION recon_read_row_versions()
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    no  bigint := nextval('recon_row_version_reading_no');
BEGIN
    PERFORM pg_stat_clear_snapshot();
    INSERT INTO recon_row_version_readings (reading_no, table_name, relation_oid, filenode, rows_inserted,
                                            rows_updated, rows_deleted, db_stats_reset, shared_stats_reset)
    SELECT no, t.table_name, r.oid, pg_relation_filenode(r.oid), pg_stat_get_tuples_inserted(r.oid),
           pg_stat_get_tuples_updated(r.oid), pg_stat_get_tuples_deleted(r.oid),
           pg_stat_get_db_stat_reset_time(d.oid), pg_stat_get_bgwriter_stat_reset_time()
      FROM recon_row_version_tables() t
      CROSS JOIN LATERAL (SELECT format('baitiao.%I', t.table_name)::regclass::oid AS oid) r
      JOIN pg_database d ON d.datname = current_database();
    DELETE FROM recon_row_version_readings WHERE reading_no <= no - 8;
    RETURN no;
END
$$;

-- NULL when the newest reading agrees with the baseline and the rows the
-- program's writers recorded since (their own transaction's rows left out on
-- both sides: its counts are not flushed yet); else why not, for recon_runs.
CREATE FUNCTION recon_row_versions_differ()
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    newest  bigint := (SELECT max(reading_no) FROM recon_row_version_readings);
    t       record;
BEGIN
    IF newest IS NULL THEN
        RETURN 'no reading of the statistics counters';
    END IF;
    IF (SELECT count(*) FROM recon_row_version_baselines) < (SELECT count(*) FROM recon_row_version_tables()) THEN
        RETURN 'no baseline';
    END IF;
    IF EXISTS (SELECT 1 FROM recon_row_version_baselines WHERE unmarked_found > 0) THEN
        RETURN 'the last pass found changes behind the triggers';
    END IF;
    FOR t IN
        SELECT w.table_name, w.with_inserts, b.relation_oid AS b_rel, b.filenode AS b_node,
               b.db_stats_reset AS b_db_reset, b.shared_stats_reset AS b_shared_reset,
               r.relation_oid AS r_rel, r.filenode AS r_node, r.db_stats_reset AS r_db_reset,
               r.shared_stats_reset AS r_shared_reset,
               format('baitiao.%I', w.table_name)::regclass::oid AS now_rel,
               r.rows_inserted - b.rows_inserted - coalesce(v.ins, 0) AS d_ins,
               r.rows_updated - b.rows_updated - coalesce(v.upd, 0) AS d_upd,
               r.rows_deleted - b.rows_deleted - coalesce(v.del, 0) AS d_del
          FROM recon_row_version_tables() w
          JOIN recon_row_version_baselines b ON b.table_name = w.table_name
          LEFT JOIN recon_row_version_readings r ON r.table_name = w.table_name AND r.reading_no = newest
          LEFT JOIN (SELECT v.table_name, sum(v.rows_inserted) AS ins, sum(v.rows_updated) AS upd,
                            sum(v.rows_deleted) AS del
                       FROM recon_row_versions v WHERE v.recorded_xact <> pg_current_xact_id()
                      GROUP BY v.table_name) v ON v.table_name = w.table_name
         ORDER BY w.table_name
    LOOP
        IF t.r_rel IS NULL THEN
            RETURN format('%s: not in the newest reading', t.table_name);
        END IF;
        IF t.r_db_reset IS DISTINCT FROM t.b_db_reset OR t.r_shared_reset IS DISTINCT FROM t.b_shared_reset THEN
            RETURN 'the statistics were reset since the baseline (or discarded by a crash)';
        END IF;
        IF t.r_rel <> t.b_rel OR t.now_rel <> t.b_rel OR t.r_node <> t.b_node
           OR pg_relation_filenode(t.now_rel) IS DISTINCT FROM t.b_node THEN
            RETURN format('%s: another relation or file node than the baseline''s (TRUNCATE, VACUUM FULL, CLUSTER)',
                          t.table_name);
        END IF;
        IF (t.with_inserts AND t.d_ins <> 0) OR t.d_upd <> 0 OR t.d_del <> 0 THEN
            RETURN format('%s: the counters differ from the recorded rows by %s%s updated, %s deleted',
                          t.table_name, CASE WHEN t.with_inserts THEN t.d_ins || ' inserted, ' ELSE '' END,
                          t.d_upd, t.d_del);
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

-- Moves the baseline to the newest reading: the rows recorded before recon's
-- snapshot are folded into it (deleted), those of later transactions (not
-- visible here) and of this one (not yet counted) stay for the next pass.
-- Nothing moves without a reading (the import's recon, a dry run).
CREATE FUNCTION recon_row_versions_rebaseline(p_date date, p_found bigint)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    newest  bigint := (SELECT max(reading_no) FROM recon_row_version_readings);
BEGIN
    IF newest IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO recon_row_version_baselines AS b (table_name, relation_oid, filenode, rows_inserted, rows_updated,
                                                  rows_deleted, db_stats_reset, shared_stats_reset, reading_no,
                                                  unmarked_found, business_date)
    SELECT r.table_name, r.relation_oid, coalesce(pg_relation_filenode(r.relation_oid), 0), r.rows_inserted,
           r.rows_updated, r.rows_deleted, r.db_stats_reset, r.shared_stats_reset, r.reading_no, p_found, p_date
      FROM recon_row_version_readings r WHERE r.reading_no = newest
    ON CONFLICT (table_name) DO UPDATE
       SET relation_oid = excluded.relation_oid, filenode = excluded.filenode,
           rows_inserted = excluded.rows_inserted, rows_updated = excluded.rows_updated,
           rows_deleted = excluded.rows_deleted, db_stats_reset = excluded.db_stats_reset,
           shared_stats_reset = excluded.shared_stats_reset, reading_no = excluded.reading_no,
           unmarked_found = excluded.unmarked_found, business_date = excluded.business_date;
    DELETE FROM recon_row_versions v WHERE v.recorded_xact <> pg_current_xact_id();
END
$$;

-- What the nightly R11 did: hashed the tables (and why) or only compared the counters.
ALTER TABLE recon_runs
    ADD COLUMN r11_pass text CHECK (r11_pass IN ('COUNTERS', 'HASHED')),
    ADD COLUMN r11_why text;

COMMENT ON COLUMN recon_runs.r11_pass IS
    'R11: COUNTERS (the statistics counters agreed with the triggers'' rows: no table hashed) or HASHED (r11_why)';

-- R11 of recon run P_RUN for P_DATE: the tables hashed (recon_unmarked_changes)
-- in the full audit or when the counters say a row may have changed behind the
-- triggers, else nothing; the pass recorded on the run, the baseline moved.
CREATE FUNCTION recon_bypass_check(p_date date, p_run bigint, p_full boolean)
RETURNS TABLE (table_name text, user_id text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    why     text := CASE WHEN p_full THEN 'full audit' ELSE recon_row_versions_differ() END;
    found   bigint := 0;
BEGIN
    IF why IS NOT NULL THEN
        RETURN QUERY SELECT u.table_name, u.user_id FROM recon_unmarked_changes() u;
        GET DIAGNOSTICS found = ROW_COUNT;
    END IF;
    UPDATE recon_runs SET r11_pass = CASE WHEN why IS NULL THEN 'COUNTERS' ELSE 'HASHED' END, r11_why = why
     WHERE recon_run_id = p_run;
    PERFORM recon_row_versions_rebaseline(p_date, found);
END
$$;

-- (default privileges grant EXECUTE to the batch role: taken back where it must not call)
REVOKE ALL ON FUNCTION recon_row_versions_differ() FROM PUBLIC, baitiao_batch, baitiao_report;
REVOKE ALL ON FUNCTION recon_row_versions_rebaseline(date, bigint) FROM PUBLIC, baitiao_batch, baitiao_report;
REVOKE ALL ON FUNCTION recon_row_version_tables() FROM PUBLIC, baitiao_report;
REVOKE ALL ON FUNCTION recon_read_row_versions() FROM PUBLIC, baitiao_report;
REVOKE ALL ON FUNCTION recon_bypass_check(date, bigint, boolean) FROM PUBLIC, baitiao_report;
GRANT EXECUTE ON FUNCTION recon_read_row_versions() TO baitiao_batch;
GRANT EXECUTE ON FUNCTION recon_bypass_check(date, bigint, boolean) TO baitiao_batch;
REVOKE ALL ON SEQUENCE recon_row_version_reading_no FROM baitiao_batch, baitiao_report;
