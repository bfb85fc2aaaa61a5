-- Why (issue 15, measured at 1 000 000 users): a night's step plans its joins from
-- statistics taken before the previous steps of the same night wrote the day's rows.
-- In a young table (fewer business dates than the statistics target, 100: the first
-- months after a portfolio import) every date is a most-common value, so a date the
-- statistics have not seen is estimated at about one row. On 2026-03-30 of the
-- benchmark the aging step's penalty statement was planned for one allocation of the
-- day instead of 87 000 and ran 342 s instead of 10 s.
--
-- So the night now calls refresh_planner_statistics after every step (src/eod.c), and
-- a table is analyzed once the rows changed since its last analyze exceed 1 % of it
-- (plus 1 000): in a table holding fewer than ~100 days every day's rows do, and in an
-- older one a new date is no longer a most-common value, the estimate for it is about a
-- day's rows, and the day's changes are under 1 % (so the big tables of a large book,
-- installments and loans, are rarely analyzed by it: autovacuum keeps them). The list
-- of tables is the night's, as in sql/0030 and sql/0058 (risk_aging_loans), with the
-- day's smaller movement tables the steps drive from (waivers, refund applications,
-- write-offs).
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
        -- a partitioned table's numbers are its partitions'
        SELECT coalesce(sum(s.n_mod_since_analyze), 0), coalesce(sum(s.n_live_tup), 0),
               bool_or(s.last_analyze IS NULL AND s.last_autoanalyze IS NULL AND s.n_live_tup > 0)
          INTO v_changed, v_live, v_never
          FROM pg_partition_tree(('baitiao.' || v_table)::regclass) t
          JOIN pg_stat_user_tables s ON s.relid = t.relid;
        IF coalesce(v_never, false) OR v_changed > v_live / 100 + 1000 THEN
            EXECUTE format('ANALYZE baitiao.%I', v_table);
            v_analyzed := v_analyzed + 1;
        END IF;
    END LOOP;
    RETURN v_analyzed;
END
$$;
