-- Why (issue 15, measured at 200 000 users): refresh_planner_statistics (sql/0030,
-- 0059) read each table's changed rows through pg_partition_tree, which lists nothing
-- for a table that is not partitioned; so only the three partitioned tables were ever
-- analyzed by it, and installments, loans, allocations and the rest waited for
-- autovacuum (10 % of the table changed). After a portfolio import no installment has a
-- penalty run, the first night opens one on every overdue installment, and the
-- statistics still said none had: the next nights' penalty statement
-- (sql/steps/aging/10_penalty_close_runs.sql) started from the open runs, estimated at
-- one row, and compared each of them with every touched installment of the day —
-- 91 s and 58 s instead of 0.3 s at 200 000 users, the 65-81 s of the month's first
-- night at 1 000 000. The numbers are now the table's own, or its partitions' when it
-- is partitioned; the rule (1 % plus 1 000 rows changed, or never analyzed) and the
-- list of tables are sql/0059's.
CREATE OR REPLACE FUNCTION refresh_planner_statistics()
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
                                   'settlement_lines', 'recon_breaks', 'risk_aging_loans', 'waivers',
                                   'refund_applications', 'writeoffs']
    LOOP
        -- a plain table's numbers are its own, a partitioned table's its partitions'
        -- (the parent itself counts no rows)
        SELECT coalesce(sum(s.n_mod_since_analyze), 0), coalesce(sum(s.n_live_tup), 0),
               bool_or(s.last_analyze IS NULL AND s.last_autoanalyze IS NULL AND s.n_live_tup > 0)
          INTO v_changed, v_live, v_never
          FROM pg_stat_user_tables s
         WHERE s.relid = ('baitiao.' || v_table)::regclass
            OR s.relid IN (SELECT t.relid FROM pg_partition_tree(('baitiao.' || v_table)::regclass) t);
        IF coalesce(v_never, false) OR v_changed > v_live / 100 + 1000 THEN
            EXECUTE format('ANALYZE baitiao.%I', v_table);
            v_analyzed := v_analyzed + 1;
        END IF;
    END LOOP;
    RETURN v_analyzed;
END
$$;
