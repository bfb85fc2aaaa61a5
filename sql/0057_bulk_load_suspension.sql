-- Why (issue 15 §1): a portfolio import COPYs millions of installments into
-- tables that were empty, in one transaction. Row by row, each installment
-- checks its foreign key to loans (an index probe per row) and updates eight
-- partial indexes; measured at 100 000 users that was 16.5 s of the import's
-- 39 s, against 4.7 s for the same COPY with only the primary key. Building an
-- index, or validating a foreign key, over rows already stored is one sort or
-- one join: 0.2-0.4 s each.
--
-- So the import suspends, for the tables it fills, the foreign keys they hold
-- and the plain (non-unique, not a constraint's) indexes, COPYs, and restores
-- them from the definitions saved here: the restore re-creates each index and
-- re-adds each foreign key, which validates every imported row. The recon's
-- insert mark triggers (recon_mark_changed_users, migration
-- recon_user_ledgers) are disabled too: they keep every inserted row in a
-- transition table to mark its user (3 s of the 16.5); the restore writes the
-- very marks they would have written — every user of the table's rows, the
-- table having been empty — and enables them again. It is all in
-- the import's one transaction, so a failure or a kill rolls the suspension
-- back with the rows; and a deferred check makes a commit with anything still
-- suspended fail, so no session can leave the book without its checks.
--
-- Only an empty table is suspended (a table with rows is left alone and loads
-- row by row as before): the restore then re-checks every row the table holds.
-- Primary keys, unique indexes and check constraints are never suspended.
CREATE TABLE bulk_load_suspended (
    object_no    integer  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_name   text     NOT NULL,
    kind         text     NOT NULL CHECK (kind IN ('index', 'foreign key', 'mark trigger')),
    object_name  text     NOT NULL,
    restore_sql  text     NOT NULL,   -- CREATE INDEX … / ALTER TABLE … ADD CONSTRAINT … / ENABLE TRIGGER
    then_sql     text                 -- after it: the object's COMMENT ON, or a mark trigger's marks
);

COMMENT ON TABLE bulk_load_suspended IS
    '批量装载暂停的索引与外键 / indexes and foreign keys a bulk load suspended and must restore before its commit';

REVOKE ALL ON bulk_load_suspended FROM baitiao_batch, baitiao_report;

CREATE FUNCTION bulk_load_suspended_check()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM bulk_load_suspended WHERE object_no = NEW.object_no) THEN
        RAISE EXCEPTION 'bulk load: % % of % is still suspended at commit; call bulk_load_restore() first',
            NEW.kind, NEW.object_name, NEW.table_name;
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER bulk_load_restored_before_commit
    AFTER INSERT ON bulk_load_suspended
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION bulk_load_suspended_check();

-- Suspends the foreign keys, plain indexes and mark triggers of those of P_TABLES that
-- are empty;
-- returns how many objects it suspended.
CREATE FUNCTION bulk_load_suspend(p_tables text[])
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
            -- an AFTER INSERT … FOR EACH STATEMENT mark trigger (tgtype: statement 0, after 0, insert 4)
            SELECT 'mark trigger', t.tgname,
                   format('ALTER TABLE %s ENABLE TRIGGER %I', v_rel, t.tgname),
                   format('INSERT INTO recon_changed_users (user_id, table_name) SELECT DISTINCT user_id, %L FROM %s',
                          v_table, v_rel)
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

-- Restores what bulk_load_suspend suspended: the indexes built, the foreign keys
-- re-added (each validated over every row of its table), the mark triggers' marks
-- written and the triggers enabled; returns how many.
CREATE FUNCTION bulk_load_restore()
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
-- the index builds sort every imported row: in memory, not in temporary files
SET maintenance_work_mem = '512MB'
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

REVOKE ALL ON FUNCTION bulk_load_suspended_check(), bulk_load_suspend(text[]), bulk_load_restore() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bulk_load_suspend(text[]), bulk_load_restore() TO baitiao_batch;
