-- Why: several large tables are range-partitioned by month on a date column
-- (penalty_accruals, loan_snapshots, journal_lines). The batch role has no
-- DDL, yet partitions must exist before a night's rows arrive. This
-- SECURITY DEFINER function, owned by baitiao_owner, creates whatever monthly
-- partitions (and DEFAULT partition) are missing. It discovers the tables
-- from the catalog, so a table partitioned later is covered automatically.
--
-- Rules it follows:
--   * every RANGE-partitioned table of schema baitiao whose single key column
--     is of type date; partitions are named <table>_pYYYYMM and cover
--     [first of month, first of next month); the default is <table>_default;
--   * idempotent: existing partitions are left alone, so a nightly call costs
--     a few catalog lookups and takes no table lock;
--   * if the DEFAULT partition already holds rows of a month being created,
--     it stops with an error instead of moving ledger rows behind anyone's
--     back (an operator decides what to do);
--   * new partitions get no privileges for other roles: the batch and report
--     roles reach the rows through the parent, where privileges are checked,
--     and cannot bypass the parent's REVOKEs by naming a partition.

CREATE FUNCTION ensure_partitions(p_from date, p_to date)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    v_table     record;
    v_month     date;
    v_next      date;
    v_part      text;
    v_default   text;
    v_has_rows  boolean;
    v_created   integer := 0;
BEGIN
    IF p_from IS NULL OR p_to IS NULL OR p_from > p_to THEN
        RAISE EXCEPTION 'ensure_partitions: invalid range [%, %]', p_from, p_to
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_to > p_from + 3660 THEN
        RAISE EXCEPTION 'ensure_partitions: range [%, %] is longer than ten years', p_from, p_to
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- Two concurrent callers would otherwise race on CREATE TABLE.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('baitiao.ensure_partitions'));

    FOR v_table IN
        SELECT c.relname AS table_name, a.attname AS key_column
          FROM pg_catalog.pg_partitioned_table pt
          JOIN pg_catalog.pg_class c      ON c.oid = pt.partrelid
          JOIN pg_catalog.pg_namespace n  ON n.oid = c.relnamespace
          JOIN pg_catalog.pg_attribute a  ON a.attrelid = c.oid AND a.attnum = pt.partattrs[0]
         WHERE n.nspname = 'baitiao'
           AND pt.partstrat = 'r'
           AND pt.partnatts = 1
           AND a.atttypid = 'pg_catalog.date'::pg_catalog.regtype
           AND NOT c.relispartition
         ORDER BY c.relname
    LOOP
        v_default := v_table.table_name || '_default';
        IF NOT EXISTS (SELECT 1
                         FROM pg_catalog.pg_inherits i
                         JOIN pg_catalog.pg_class p ON p.oid = i.inhrelid
                        WHERE i.inhparent = pg_catalog.format('baitiao.%I', v_table.table_name)::pg_catalog.regclass
                          AND pg_catalog.pg_get_expr(p.relpartbound, p.oid) = 'DEFAULT') THEN
            EXECUTE pg_catalog.format('CREATE TABLE baitiao.%I PARTITION OF baitiao.%I DEFAULT',
                                      v_default, v_table.table_name);
            EXECUTE pg_catalog.format('REVOKE ALL ON TABLE baitiao.%I FROM PUBLIC, baitiao_batch, baitiao_report',
                                      v_default);
            v_created := v_created + 1;
        END IF;

        v_month := pg_catalog.make_date(pg_catalog.date_part('year', p_from)::integer,
                                        pg_catalog.date_part('month', p_from)::integer, 1);
        WHILE v_month <= p_to LOOP
            v_next := (v_month + interval '1 month')::date;
            v_part := v_table.table_name || '_p' || pg_catalog.to_char(v_month, 'YYYYMM');
            IF pg_catalog.to_regclass(pg_catalog.format('baitiao.%I', v_part)) IS NULL THEN
                EXECUTE pg_catalog.format(
                    'SELECT EXISTS (SELECT 1 FROM baitiao.%I WHERE %I >= $1 AND %I < $2)',
                    v_default, v_table.key_column, v_table.key_column)
                   INTO v_has_rows USING v_month, v_next;
                IF v_has_rows THEN
                    RAISE EXCEPTION 'ensure_partitions: %.% holds rows for [%, %)',
                                    'baitiao', v_default, v_month, v_next
                        USING ERRCODE = 'object_not_in_prerequisite_state',
                              HINT = 'Move those rows out of the default partition (as baitiao_owner), then call ensure_partitions again.';
                END IF;
                EXECUTE pg_catalog.format(
                    'CREATE TABLE baitiao.%I PARTITION OF baitiao.%I FOR VALUES FROM (%L) TO (%L)',
                    v_part, v_table.table_name, v_month, v_next);
                EXECUTE pg_catalog.format('REVOKE ALL ON TABLE baitiao.%I FROM PUBLIC, baitiao_batch, baitiao_report',
                                          v_part);
                v_created := v_created + 1;
            END IF;
            v_month := v_next;
        END LOOP;
    END LOOP;

    RETURN v_created;
END
$$;

COMMENT ON FUNCTION ensure_partitions(date, date) IS
    '建立缺失的月分区与默认分区 / create missing monthly partitions (and the DEFAULT partition) of every '
    'date-range-partitioned table in schema baitiao covering [p_from, p_to]; idempotent; returns the number created';

REVOKE ALL ON FUNCTION ensure_partitions(date, date) FROM PUBLIC, baitiao_report;
GRANT EXECUTE ON FUNCTION ensure_partitions(date, date) TO baitiao_batch;
