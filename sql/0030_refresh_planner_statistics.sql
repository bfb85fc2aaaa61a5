-- Why: the reports and the night plan their joins from table statistics. A
-- database that grows fast (a first month, a catch-up, the demo) can outrun
-- autovacuum's analyze, and a plan made for 200 loans then runs for hours on
-- 30 000. The batch role may not ANALYZE tables it does not own, so this
-- owner function analyzes the night's tables whose rows changed by more than
-- a fifth (or that were never analyzed); the night calls it after each date.
CREATE FUNCTION refresh_planner_statistics()
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    v_table    text;
    v_changed  bigint;
    v_live     bigint;
    v_never    boolean;
    v_analyzed integer := 0;
BEGIN
    FOREACH v_table IN ARRAY ARRAY['users', 'loans', 'installments', 'allocations',
                                   'credit_balance_movements', 'statements', 'statement_lines',
                                   'penalty_accruals', 'loan_snapshots', 'journal_lines',
                                   'inbox_orders', 'inbox_repayments', 'inbox_refunds',
                                   'settlement_lines', 'recon_breaks']
    LOOP
        -- a partitioned table's numbers are its partitions'
        SELECT coalesce(sum(s.n_mod_since_analyze), 0), coalesce(sum(s.n_live_tup), 0),
               bool_or(s.last_analyze IS NULL AND s.last_autoanalyze IS NULL AND s.n_live_tup > 0)
          INTO v_changed, v_live, v_never
          FROM pg_partition_tree(('baitiao.' || v_table)::regclass) t
          JOIN pg_stat_user_tables s ON s.relid = t.relid;
        IF coalesce(v_never, false) OR v_changed > v_live / 5 + 1000 THEN
            EXECUTE format('ANALYZE baitiao.%I', v_table);
            v_analyzed := v_analyzed + 1;
        END IF;
    END LOOP;
    RETURN v_analyzed;
END
$$;

REVOKE ALL ON FUNCTION refresh_planner_statistics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION refresh_planner_statistics() TO baitiao_batch;
