-- Why: the list of the night's tables that refresh_planner_statistics keeps
-- analyzed was spelled inside the function, so each migration that added a table
-- (sql/0030, 0058, 0059) had to restate the whole function and the whole list.
-- Now the list is a table: adding one is an INSERT in a migration, reviewable on
-- its own line, and the function is written once more here for the last time.
-- Which rows count is sql/0063's (a plain table's own, a partitioned one's
-- partitions'); the threshold stays as sql/0059 set it: rows changed since the last analyze
-- above 1 % of the table plus 1 000, or never analyzed (docs/decisions.md
-- "Generator and statistics").
CREATE TABLE planner_statistics_tables (
    table_name  regclass    PRIMARY KEY,    -- regclass: a dropped or renamed table cannot linger
    why         text        NOT NULL
);

COMMENT ON TABLE planner_statistics_tables IS
    '统计信息刷新表 / the night''s tables refresh_planner_statistics() analyzes once changed by > 1 %';

REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON planner_statistics_tables FROM baitiao_batch;

INSERT INTO planner_statistics_tables (table_name, why) VALUES
    ('users',                    'the book: read by every step'),
    ('loans',                    'the book: read by every step'),
    ('installments',             'the book: read by every step'),
    ('allocations',              'the day''s repayments, read by aging''s penalty'),
    ('credit_balance_movements', 'the day''s credits, read by repayments and recon'),
    ('statements',               'billing''s statements, read by the reports'),
    ('statement_lines',          'billing''s statement lines, read by recon R6'),
    ('penalty_accruals',         'aging''s runs, read by the next night''s aging'),
    ('loan_snapshots',           'aging''s snapshots, read by risk and the reports'),
    ('journal_lines',            'the day''s postings, read by gl_close and recon'),
    ('inbox_orders',             'intake, read by originate'),
    ('inbox_repayments',         'intake, read by repayments'),
    ('inbox_refunds',            'intake, read by refunds'),
    ('settlement_lines',         'the channels'' files, read by recon R7'),
    ('recon_breaks',             'recon''s breaks, read by recon and the reports'),
    ('risk_aging_loans',         'risk''s aging by loan (sql/0058)'),
    ('waivers',                  'the day''s waivers, read by the steps after refunds'),
    ('refund_applications',      'the day''s refunds, read by the steps after refunds'),
    ('writeoffs',                'the day''s write-offs, read by risk and recon');

CREATE OR REPLACE FUNCTION refresh_planner_statistics()
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    v_table    regclass;
    v_changed  bigint;
    v_live     bigint;
    v_never    boolean;
    v_analyzed integer := 0;
BEGIN
    FOR v_table IN SELECT p.table_name FROM planner_statistics_tables p ORDER BY p.table_name::text
    LOOP
        -- a plain table's numbers are its own, a partitioned table's its partitions'
        -- (sql/0063: the parent itself counts no rows)
        SELECT coalesce(sum(s.n_mod_since_analyze), 0), coalesce(sum(s.n_live_tup), 0),
               bool_or(s.last_analyze IS NULL AND s.last_autoanalyze IS NULL AND s.n_live_tup > 0)
          INTO v_changed, v_live, v_never
          FROM pg_stat_user_tables s
         WHERE s.relid = v_table
            OR s.relid IN (SELECT t.relid FROM pg_partition_tree(v_table) t);
        IF coalesce(v_never, false) OR v_changed > v_live / 100 + 1000 THEN
            EXECUTE format('ANALYZE %s', v_table);
            v_analyzed := v_analyzed + 1;
        END IF;
    END LOOP;
    RETURN v_analyzed;
END
$$;
