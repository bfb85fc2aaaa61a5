-- Why: every report for the group (issue 16 §5), from the cross-shard reads, with the
-- report specs unchanged. A spec's SQL reads unqualified relations (loans, gl_daily_balances
-- …) and calls functions (gl_balance_fen, penalty_accruals_on …); at the coordinator those
-- names are the coordinator's own tables, which hold no book: a report run there as it runs
-- on one database would print zeros without an error. So the group has a book of its own,
-- schema grp_book, where every relation a report reads has the table's name and columns and
-- the group's meaning, and every function a report calls is the one database's function
-- pointed at grp_book. A report session at the coordinator reads with search_path =
-- grp_book, pg_catalog only: a relation or function grp_book lacks is an error, never a
-- silent read of the coordinator's empty tables.
--
-- The group's meaning of a table (group_book_tables.meaning):
--   rows       the shards' rows, UNION ALL (grp.T, sql/0067), and the coordinator's own where
--              it keeps some by design (settlement_lines: the channel-only lines 长款 intake
--              keeps here; recon_breaks, recon_runs: none yet, the group's recon stores
--              nothing, but a break it kept would be the group's). Per user tables: each user lives on one shard, so the union is
--              the one database's table row for row. Surrogate ids (bigint *_id and identity
--              columns: loan_id, entry_id, recon_run_id …) repeat across shards; in grp_book
--              they are text 'SHARD:id', so a spec's join or GROUP BY on them stays within a
--              shard and count(DISTINCT loan_id) counts loans, not numbers.
--   sum        one row per primary key, the shards' figures summed (gl_daily_balances per
--              date and account, the risk aggregates): what the one database's night
--              writes for the whole book, because each is a sum over users.
--   chart      one row per primary key, as the shards define it (gl_accounts: one chart
--              everywhere, a channel's clearing account on the shards that opened it).
--   reference  the coordinator's own table: reference data every database holds from the
--              migrations (code_labels).
--   calendar   business_calendar: the group's dates; a date is CLOSED when the group closed
--              it (group_closed_dates), opened when its first shard opened it.
--   chain      journal_chain_heads: per sealed date, the shards' heads in shard order hashed
--              (sha256) into one: the group's head changes if any shard's book is rewritten.
--
-- grp_book's relations are views over inlinable SQL functions (LANGUAGE sql STABLE, no SET
-- clause) that read grp.T by name: the planner inlines them, so a report's WHERE still goes
-- through the Append into each shard's Remote SQL, while no catalog dependency ties
-- grp_book to grp (group_rebuild_views drops and makes grp.T at every attach; a view
-- over grp.T would stop it). group_book_build() makes the schema afresh from the catalog;
-- a migration that changes a table in group_book_tables calls it again (and the shards are
-- re-attached so that grp reads the new columns).
--
-- The functions (group_book_functions): each is cloned from baitiao's own — its body, its
-- volatility and strictness — with search_path grp_book where it had baitiao, its
-- row-type arguments the grp_book view's, a qualified baitiao.F inside the body
-- grp_book.F, and surrogate ids it returns text: one spelling of every rule, read over
-- the group's relations. Only LANGUAGE sql functions that are not SECURITY DEFINER can be
-- cloned; anything else is refused by name here and needs a group version written by hand.

-- The shards' tables the group's reports read, beyond sql/0067's: imported at attach.
INSERT INTO group_tables (table_name, why) VALUES
    ('statements',          'the group''s reports: statements_summary, daily_operations'),
    ('inbox_orders',        'the group''s reports: daily_operations'),
    ('inbox_refunds',       'the group''s reports: daily_operations'),
    ('refund_applications', 'the group''s reports: daily_operations'),
    ('writeoffs',           'the group''s reports: daily_operations'),
    ('allocations',         'the group''s reports: daily_operations'),
    ('loan_snapshots',      'the group''s reports: loan_listing'),
    ('penalty_accruals',    'the group''s reports: daily_operations (penalty_accruals_on)'),
    ('journal_entries',     'the group''s reports: foot lines of daily_operations, statements_summary'),
    ('journal_lines',       'the group''s reports: foot lines of trial_balance, daily_operations, statements_summary'),
    ('risk_aging',          'the group''s reports: aging'),
    ('risk_roll',           'the group''s reports: roll_rates'),
    ('risk_vintage',        'the group''s reports: vintage'),
    ('eod_missing_overrides', 'the group''s reports: reconciliation'),
    ('journal_chain_heads', 'the group''s reports: reconciliation')
ON CONFLICT (table_name) DO NOTHING;

CREATE TABLE group_book_tables (
    table_name        regclass PRIMARY KEY,
    meaning           text     NOT NULL
        CONSTRAINT group_book_tables_meaning CHECK (meaning IN ('rows', 'sum', 'chart', 'reference', 'calendar', 'chain')),
    coordinator_rows  boolean  NOT NULL DEFAULT false
        CONSTRAINT group_book_tables_coordinator_rows CHECK (NOT coordinator_rows OR meaning = 'rows'),
    why               text     NOT NULL
);
COMMENT ON TABLE group_book_tables IS
    '集团账簿表 / the relations of schema grp_book (the group''s reports) and the group''s meaning of each';
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON group_book_tables FROM baitiao_batch;

INSERT INTO group_book_tables (table_name, meaning, coordinator_rows, why) VALUES
    ('users',               'rows', false, 'per user'),
    ('loans',               'rows', false, 'per user'),
    ('installments',        'rows', false, 'per user'),
    ('statements',          'rows', false, 'per user'),
    ('inbox_orders',        'rows', false, 'per user: intake routes each order to its user''s shard'),
    ('inbox_repayments',    'rows', false, 'per user: intake routes each repayment to its user''s shard'),
    ('inbox_refunds',       'rows', false, 'per user: routed by the order''s user'),
    ('refund_applications', 'rows', false, 'per user'),
    ('writeoffs',           'rows', false, 'per user'),
    ('allocations',         'rows', false, 'per user'),
    ('loan_snapshots',      'rows', false, 'per user'),
    ('penalty_accruals',    'rows', false, 'per user'),
    ('journal_entries',     'rows', false, 'each shard''s vouchers; reports sum their lines'),
    ('journal_lines',       'rows', false, 'each shard''s vouchers; reports sum their lines'),
    ('settlement_lines',    'rows', true,  'routed to the shard of the repayment they match; a line no repayment matched (长款) is the coordinator''s own'),
    ('recon_breaks',        'rows', true,  'each shard''s reconciliation of its own book; the coordinator''s own where the group''s recon keeps breaks'),
    ('recon_runs',          'rows', true,  'each shard''s reconciliation runs; the coordinator''s own where the group''s recon keeps runs'),
    ('eod_missing_overrides', 'rows', false, 'each shard''s night closed without a file'),
    ('gl_daily_balances',   'sum',  false, 'the consolidated trial balance: per date and account, the sum of the shards'''),
    ('risk_aging',          'sum',  false, 'sums over loans, per date and bucket'),
    ('risk_roll',           'sum',  false, 'sums over loans, per date and transition'),
    ('risk_vintage',        'sum',  false, 'sums over loans, per observation date and cohort'),
    ('gl_accounts',         'chart', false, 'one chart of accounts; channel accounts where opened'),
    ('code_labels',         'reference', false, 'labels of stable codes, from the migrations'),
    ('business_calendar',   'calendar', false, 'the group''s dates: closed when the group closed them'),
    ('journal_chain_heads', 'chain', false, 'the shards'' chain heads of a date, hashed in shard order');

-- The functions the report specs call, and those the cloned bodies call in turn: cloned into
-- grp_book in this order (a body is checked when it is made, so a callee comes first).
CREATE TABLE group_book_functions (
    function_name  regprocedure PRIMARY KEY,
    position       integer      NOT NULL UNIQUE,
    why            text         NOT NULL
);
COMMENT ON TABLE group_book_functions IS
    '集团账簿函数 / the functions cloned into grp_book, pointed at the group''s relations';
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON group_book_functions FROM baitiao_batch;

INSERT INTO group_book_functions (function_name, position, why) VALUES
    ('gl_balance_fen(text, date)',            10, 'reads gl_daily_balances and gl_accounts (SET search_path = baitiao): every foot line'),
    ('gl_foot_label(text, text)',             20, 'reads gl_accounts (SET search_path = baitiao)'),
    ('code_label(text, text, text)',          30, 'reads code_labels (SET search_path = baitiao)'),
    ('break_status_on(timestamptz, timestamptz, date)', 40, 'reads nothing; cloned so that the group''s search_path needs no baitiao'),
    ('risk_vintage_first_cohort(date)',       50, 'reads nothing (IMMUTABLE)'),
    ('loan_number(date, text)',               60, 'reads nothing (IMMUTABLE)'),
    ('installment_principal_out_fen(installments)', 70, 'row type installments: the grp_book view''s'),
    ('installment_fee_out_fen(installments)', 80, 'row type installments: the grp_book view''s'),
    ('installment_penalty_accrued_fen(installments, date)', 90, 'row type installments: the grp_book view''s'),
    ('installment_penalty_out_fen(installments, date)', 100, 'row type; calls baitiao.installment_penalty_accrued_fen by name'),
    ('penalty_accruals_on(date)',             110, 'reads penalty_accruals and installments (SET search_path = baitiao); returns loan_id'),
    ('penalty_accrued_on_fen(date)',          120, 'reads penalty_accruals_on (SET search_path = baitiao)');

-- A surrogate id: a per-database number (an identity column, or a bigint *_id naming one),
-- which repeats across shards and is 'SHARD:id' text in grp_book.
CREATE FUNCTION group_book_is_id(p_name text, p_type oid, p_identity "char")
RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
    SELECT p_type = 'bigint'::regtype AND (p_name LIKE '%\_id' OR p_identity <> '')
$$;

-- grp_book.T's select list and RETURNS TABLE list for table P_TABLE read from relation
-- alias a (the grp view, or the coordinator's own table with P_SHARD as its shard).
CREATE FUNCTION group_book_rows_sql(p_table regclass, p_from text, p_shard text)
RETURNS text
LANGUAGE sql STABLE
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
    SELECT 'SELECT ' || string_agg(CASE WHEN group_book_is_id(a.attname, a.atttypid, a.attidentity)
                                       THEN format('%s || '':'' || a.%I', p_shard, a.attname)
                                       ELSE format('a.%I', a.attname) END, ', ' ORDER BY a.attnum)
           || ' FROM ' || p_from || ' a'
      FROM pg_attribute a WHERE a.attrelid = p_table AND a.attnum > 0 AND NOT a.attisdropped
$$;

CREATE FUNCTION group_book_columns(p_table regclass)
RETURNS text
LANGUAGE sql STABLE
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
    SELECT string_agg(format('%I %s', a.attname,
                             CASE WHEN group_book_is_id(a.attname, a.atttypid, a.attidentity) THEN 'text'
                                  ELSE format_type(a.atttypid, a.atttypmod) END), ', ' ORDER BY a.attnum)
      FROM pg_attribute a WHERE a.attrelid = p_table AND a.attnum > 0 AND NOT a.attisdropped
$$;

-- The body of grp_book.T's function for table P_TABLE with meaning P_MEANING.
CREATE FUNCTION group_book_body(p_table regclass, p_meaning text, p_coordinator_rows boolean)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    v_name text := (SELECT relname FROM pg_class WHERE oid = p_table);
    v_grp  text := format('grp.%I', v_name);
    v_key  text;
    v_cols text;
    v_bad  text;
BEGIN
    SELECT string_agg(format('a.%I', a.attname), ', ' ORDER BY k.n) INTO v_key
      FROM pg_index i CROSS JOIN unnest(i.indkey) WITH ORDINALITY k (attnum, n)
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
     WHERE i.indrelid = p_table AND i.indisprimary;
    CASE p_meaning
    WHEN 'rows' THEN
        RETURN group_book_rows_sql(p_table, v_grp, 'a.shard')
               || CASE WHEN p_coordinator_rows
                       THEN E'\nUNION ALL ' || group_book_rows_sql(p_table, format('baitiao.%I', v_name), '''coordinator''')
                       ELSE '' END;
    WHEN 'sum' THEN
        -- the key as it is; counts and fen summed (back to their type); a time the latest
        SELECT string_agg(CASE WHEN a.attnum = ANY (i.indkey) THEN format('a.%I', a.attname)
                               WHEN a.atttypid IN ('bigint'::regtype, 'integer'::regtype)
                               THEN format('sum(a.%I)::%s', a.attname, format_type(a.atttypid, a.atttypmod))
                               WHEN a.atttypid = 'timestamptz'::regtype THEN format('max(a.%I)', a.attname) END,
                          ', ' ORDER BY a.attnum),
               string_agg(a.attname, ', ') FILTER (WHERE NOT a.attnum = ANY (i.indkey)
                                                    AND a.atttypid NOT IN ('bigint'::regtype, 'integer'::regtype,
                                                                           'timestamptz'::regtype))
          INTO v_cols, v_bad
          FROM pg_attribute a JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
         WHERE a.attrelid = p_table AND a.attnum > 0 AND NOT a.attisdropped;
        IF v_key IS NULL OR v_bad IS NOT NULL THEN
            RAISE EXCEPTION 'grp_book.%: a sum needs a primary key and figures only (not %)', v_name, coalesce(v_bad, 'no key');
        END IF;
        RETURN format('SELECT %s FROM %s a GROUP BY %s', v_cols, v_grp, v_key);
    WHEN 'chart' THEN
        RETURN format('SELECT DISTINCT ON (%s) %s ORDER BY %s, a.shard', v_key,
                      substr(group_book_rows_sql(p_table, v_grp, 'a.shard'), length('SELECT ') + 1), v_key);
    WHEN 'reference' THEN
        RETURN group_book_rows_sql(p_table, format('baitiao.%I', v_name), '''coordinator''');
    WHEN 'calendar' THEN
        RETURN $b$SELECT d.business_date, CASE WHEN c.business_date IS NULL THEN 'OPEN' ELSE 'CLOSED' END,
       d.opened_at, c.closed_at, NULL::text
  FROM (SELECT a.business_date, min(a.opened_at) AS opened_at FROM grp.business_calendar a GROUP BY a.business_date) d
  LEFT JOIN baitiao.group_closed_dates c ON c.business_date = d.business_date$b$;
    WHEN 'chain' THEN
        RETURN $b$SELECT a.business_date, sum(a.entries)::integer,
       sha256(string_agg(a.start_hash, ''::bytea ORDER BY a.shard)),
       sha256(string_agg(a.head_hash, ''::bytea ORDER BY a.shard)), max(a.sealed_at)
  FROM grp.journal_chain_heads a
 GROUP BY a.business_date
HAVING count(*) = (SELECT count(*) FROM baitiao.shard_members)$b$;
    END CASE;
END
$$;

-- A type of a cloned function's signature: a group table's row type is the grp_book view's.
CREATE FUNCTION group_book_type(p_type oid)
RETURNS text
LANGUAGE sql STABLE
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
    SELECT coalesce((SELECT format('grp_book.%I', c.relname)
                       FROM pg_type t JOIN group_book_tables g ON g.table_name = t.typrelid
                       JOIN pg_class c ON c.oid = t.typrelid
                      WHERE t.oid = p_type),
                    format_type(p_type, NULL))
$$;

-- CREATE FUNCTION grp_book.F: baitiao's F pointed at the group's relations (see the top).
CREATE FUNCTION group_book_clone(p_function regprocedure)
RETURNS void
LANGUAGE plpgsql
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    p pg_proc%ROWTYPE;
    v_args text;
    v_result text;
    v_config text;
    v_body text;
BEGIN
    SELECT * INTO p FROM pg_proc WHERE oid = p_function;
    IF p.prolang <> (SELECT oid FROM pg_language WHERE lanname = 'sql') OR p.prosecdef THEN
        RAISE EXCEPTION 'grp_book cannot clone %: only LANGUAGE sql without SECURITY DEFINER; write its group version by hand',
            p_function;
    END IF;
    -- IN arguments; RETURNS TABLE columns (mode t), their surrogate ids as text
    SELECT string_agg(concat_ws(' ', CASE WHEN coalesce(p.proargnames[i], '') <> '' THEN quote_ident(p.proargnames[i]) END,
                            group_book_type(t)), ', ' ORDER BY i)
           FILTER (WHERE coalesce(p.proargmodes[i], 'i') = 'i'),
           string_agg(format('%I %s', p.proargnames[i],
                             CASE WHEN group_book_is_id(p.proargnames[i], t, '') THEN 'text' ELSE group_book_type(t) END),
                      ', ' ORDER BY i) FILTER (WHERE p.proargmodes[i] = 't')
      INTO v_args, v_result
      FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY x (t, i);
    v_result := CASE WHEN v_result IS NOT NULL THEN format('TABLE (%s)', v_result)
                     ELSE CASE WHEN p.proretset THEN 'SETOF ' ELSE '' END || group_book_type(p.prorettype) END;
    SELECT string_agg(CASE WHEN c LIKE 'search_path=%' THEN 'SET search_path = grp_book, pg_catalog, pg_temp'
                           ELSE format('SET %s = %L', split_part(c, '=', 1), substr(c, strpos(c, '=') + 1)) END, E'\n')
      INTO v_config FROM unnest(p.proconfig) c;
    v_body := regexp_replace(p.prosrc, '\mbaitiao\.', 'grp_book.', 'g');
    EXECUTE format(E'CREATE FUNCTION grp_book.%I(%s)\nRETURNS %s\nLANGUAGE sql %s %s %s\n%s\nAS %L',
                   p.proname, coalesce(v_args, ''), v_result,
                   CASE p.provolatile WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE' ELSE 'VOLATILE' END,
                   CASE WHEN p.proisstrict THEN 'STRICT' ELSE '' END,
                   CASE p.proparallel WHEN 's' THEN 'PARALLEL SAFE' WHEN 'r' THEN 'PARALLEL RESTRICTED' ELSE '' END,
                   coalesce(v_config, ''), v_body);
END
$$;

-- Makes schema grp_book afresh: a function and a view per group_book_tables row, then the
-- clones of group_book_functions. Returns how many relations it made. The bodies are
-- checked as they are made when every grp view they read exists (else they are made
-- unchecked, with a warning, and a report of the group fails naming the missing relation
-- until the shards are attached again).
CREATE FUNCTION group_book_build()
RETURNS integer
LANGUAGE plpgsql
SET search_path = baitiao, pg_catalog, pg_temp
SET check_function_bodies = on
SET client_min_messages = warning   -- not the list of what the drop takes
AS $$
DECLARE
    v record;
    v_missing text;
    v_n integer := 0;
BEGIN
    SELECT string_agg(c.relname, ', ' ORDER BY c.relname) INTO v_missing
      FROM group_book_tables t JOIN pg_class c ON c.oid = t.table_name
     WHERE t.meaning NOT IN ('reference') AND to_regclass(format('grp.%I', c.relname)) IS NULL;
    IF v_missing IS NOT NULL THEN
        PERFORM set_config('check_function_bodies', 'off', true);
        RAISE WARNING 'grp_book: no grp view of % yet: the group''s reports fail until every shard is attached again (baitiao shard add NAME)',
            v_missing;
    END IF;
    DROP SCHEMA IF EXISTS grp_book CASCADE;
    CREATE SCHEMA grp_book;
    COMMENT ON SCHEMA grp_book IS
        '集团账簿 / the group''s book: the relations and functions the reports read, over the shards (sql/0068)';
    GRANT USAGE ON SCHEMA grp_book TO baitiao_report;
    FOR v IN SELECT t.table_name, c.relname, t.meaning, t.coordinator_rows
               FROM group_book_tables t JOIN pg_class c ON c.oid = t.table_name ORDER BY c.relname
    LOOP
        EXECUTE format('CREATE FUNCTION grp_book.%I() RETURNS TABLE (%s) LANGUAGE sql STABLE AS %L',
                       v.relname || '_rows', group_book_columns(v.table_name),
                       group_book_body(v.table_name, v.meaning, v.coordinator_rows));
        EXECUTE format('CREATE VIEW grp_book.%I WITH (security_invoker = true) AS SELECT * FROM grp_book.%I()',
                       v.relname, v.relname || '_rows');
        EXECUTE format('COMMENT ON VIEW grp_book.%I IS %L', v.relname,
                       '集团 / the group''s ' || v.relname || ' (' || v.meaning || '): ' || (SELECT why FROM group_book_tables WHERE table_name = v.table_name));
        v_n := v_n + 1;
    END LOOP;
    FOR v IN SELECT function_name FROM group_book_functions ORDER BY position LOOP
        PERFORM group_book_clone(v.function_name);
    END LOOP;
    GRANT SELECT ON ALL TABLES IN SCHEMA grp_book TO baitiao_report;
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA grp_book TO baitiao_report;
    RETURN v_n;
END
$$;

REVOKE EXECUTE ON FUNCTION group_book_is_id(text, oid, "char"), group_book_rows_sql(regclass, text, text),
    group_book_columns(regclass), group_book_body(regclass, text, boolean), group_book_type(oid),
    group_book_clone(regprocedure), group_book_build() FROM baitiao_batch, baitiao_report;

-- The foreign tables of group_tables that an attached shard's schema shard_NAME lacks, made
-- from the coordinator's own definitions (same schema version on every member, so the same
-- columns), without asking the shard: a table added to group_tables by a migration is then
-- readable at once, and group_rebuild_views, which unions every attached shard's tables,
-- does not fail at the first re-attach on a shard not yet re-imported (the next attach
-- imports them afresh from the shard as usual). Returns how many it made.
CREATE FUNCTION group_define_foreign_tables()
RETURNS integer
LANGUAGE plpgsql
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    v record;
    v_n integer := 0;
BEGIN
    FOR v IN
        SELECT 'shard_' || m.shard AS schema_name, c.relname, t.table_name
          FROM shard_members m CROSS JOIN group_tables t JOIN pg_class c ON c.oid = t.table_name
         WHERE to_regnamespace(quote_ident('shard_' || m.shard)) IS NOT NULL
           AND to_regclass(format('%I.%I', 'shard_' || m.shard, c.relname)) IS NULL
         ORDER BY 1, 2
    LOOP
        EXECUTE format('CREATE FOREIGN TABLE %I.%I (%s) SERVER %I OPTIONS (schema_name %L, table_name %L)',
                       v.schema_name, v.relname,
                       (SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)), ', '
                                          ORDER BY a.attnum)
                          FROM pg_attribute a WHERE a.attrelid = v.table_name AND a.attnum > 0 AND NOT a.attisdropped),
                       v.schema_name, 'baitiao', v.relname);
        EXECUTE format('GRANT SELECT ON %I.%I TO baitiao_batch, baitiao_report', v.schema_name, v.relname);
        v_n := v_n + 1;
    END LOOP;
    RETURN v_n;
END
$$;
REVOKE EXECUTE ON FUNCTION group_define_foreign_tables() FROM baitiao_batch, baitiao_report;

-- grp's views of the tables added above (empty until a shard is attached; over the shards
-- already attached, through the foreign tables just defined), then grp_book.
SELECT group_define_foreign_tables();
SELECT group_rebuild_views();
SELECT group_book_build();
