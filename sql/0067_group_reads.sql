-- Why: one set of books over a group of shards (issue 16 §2, §5). The coordinator
-- reads the shards through postgres_fdw, PostgreSQL's own machinery, rather than a
-- home-made fan-out: each shard is a foreign server shard_NAME (async_capable, so an
-- Append over the shards scans them all at once; a large fetch_size, so a scan of
-- users is few round trips), its tables foreign tables in schema shard_NAME (IMPORT
-- FOREIGN SCHEMA: the shard's own definition, same schema version as ours), and the
-- group's view of a table is grp.TABLE: UNION ALL over the member shards with a
-- column shard. A WHERE on a view is pushed into every branch and on to the shard;
-- the views are security_invoker, so a report reads the shards as baitiao_report
-- through its own user mapping, never as the views' owner.
--
-- The functions here are the owner's (they make servers, mappings, schemas, views):
-- `baitiao shard add` calls group_attach_shard through src/group.c. The extension
-- and the owner's USAGE on the wrapper come from the DBA's sql/bootstrap/coordinator.sql;
-- the functions exist in every database (one schema everywhere) and are only ever
-- called at the coordinator. user_id stays the distribution column: the views add
-- nothing a Citus deployment would need to change.

-- The tables the group reads: adding one is a row here (and a rebuild).
CREATE TABLE group_tables (
    table_name  regclass    PRIMARY KEY,
    why         text        NOT NULL
);
COMMENT ON TABLE group_tables IS
    '集团读取表 / the shards'' tables the coordinator imports as foreign tables and unions in schema grp';
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON group_tables FROM baitiao_batch;

INSERT INTO group_tables (table_name, why) VALUES
    ('shard_identity',    'the name the shard answers to: group recon G6'),
    ('users',             'who lives where: group recon G3, G4'),
    ('loans',             'the consolidated book for reports'),
    ('installments',      'the consolidated book for reports'),
    ('gl_accounts',       'account names of the consolidated trial balance (channel accounts are per shard)'),
    ('gl_daily_balances', 'the consolidated trial balance: group recon G1, group gl'),
    ('business_calendar', 'the dates each shard closed: group recon G2'),
    ('settlement_lines',  'the channels'' lines routed to the shards'),
    ('inbox_repayments',  'the repayments the settlement lines match'),
    ('recon_runs',        'each shard''s own recon of a date'),
    ('recon_breaks',      'each shard''s breaks, for the group''s listing'),
    ('job_runs',          'each shard''s nights, for status'),
    ('load_files',        'the files each shard loaded (a group load is idempotent by sha256)');

-- On every shard: how many users it holds and the sum of a 64-bit hash of their ids, so
-- the coordinator compares a shard's users with the directory from two numbers computed
-- where the rows are (group recon G3, G4), and reads ids only from a shard that differs.
CREATE VIEW group_users_digest AS
    SELECT count(*) AS users, coalesce(sum(hashtextextended(user_id, 0)), 0) AS id_hash FROM users;
COMMENT ON VIEW group_users_digest IS
    '用户摘要 / the users a database holds: count and Σ hashtextextended(user_id, 0), compared by group recon';

INSERT INTO group_tables (table_name, why) VALUES
    ('group_users_digest', 'each shard''s count and id hash of its users: G3, G4 read ids only where they differ');

CREATE SCHEMA grp;
COMMENT ON SCHEMA grp IS '集团视图 / the group''s views: UNION ALL over the member shards, column shard';
GRANT USAGE ON SCHEMA grp TO baitiao_batch, baitiao_report;

-- The option list of server P_SERVER from P_OPTIONS (name, value, name, value …; a NULL
-- value leaves that option out): for CREATE SERVER, or for ALTER SERVER (SET an option
-- the server has, ADD one it has not).
CREATE FUNCTION group_server_options(p_server text, p_options text[], p_create boolean)
RETURNS text
LANGUAGE sql STABLE
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
    SELECT string_agg(CASE WHEN p_create THEN format('%I %L', k, v)
                           WHEN EXISTS (SELECT FROM pg_foreign_server s, unnest(s.srvoptions) o
                                         WHERE s.srvname = p_server AND o LIKE k || '=%')
                           THEN format('SET %I %L', k, v) ELSE format('ADD %I %L', k, v) END, ', ' ORDER BY i)
      FROM (SELECT p_options[i] AS k, p_options[i + 1] AS v, i
              FROM generate_subscripts(p_options, 1) i WHERE i % 2 = 1 AND p_options[i + 1] IS NOT NULL) x
$$;

-- The foreign server shard_NAME for shard NAME (made, or its connection updated) and a
-- user mapping for each of the three roles that has none. A mapping that exists is
-- kept as it is: a DBA's mapping carries the password (sql/bootstrap/coordinator.sql).
-- A missing one is made password-less by the DBA's baitiao_fdw.trust_user_mapping when
-- the shard is reached over a unix socket (trust) and the bootstrap made that function;
-- otherwise it names the remote role only, and the DBA adds its password before the
-- shard can be read (the WARNING says so). Callable on its own (psql, as baitiao_owner)
-- so that a DBA can give the passwords before `baitiao shard add`.
CREATE FUNCTION group_shard_server(p_shard text, p_host text, p_port text, p_dbname text)
RETURNS void
LANGUAGE plpgsql
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    v_server text := 'shard_' || p_shard;
    v_options text[] := ARRAY['host', nullif(p_host, ''), 'port', nullif(p_port, ''),
                              'dbname', nullif(p_dbname, ''), 'async_capable', 'true',
                              'fetch_size', '50000', 'application_name', 'baitiao/group'];
    v_role text;
    v_trust boolean;
BEGIN
    IF p_shard IS NULL OR p_shard !~ '^[a-z][a-z0-9_]{0,31}$' THEN
        RAISE EXCEPTION 'shard name "%" is not 1-32 of a-z, 0-9, _ starting with a letter', p_shard
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_foreign_data_wrapper WHERE fdwname = 'postgres_fdw')
       OR NOT has_foreign_data_wrapper_privilege('postgres_fdw', 'USAGE') THEN
        RAISE EXCEPTION 'postgres_fdw is not installed in database % for %', current_database(), current_user
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'the DBA runs sql/bootstrap/coordinator.sql in the coordinator''s database (docs/operations.md)';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_foreign_server WHERE srvname = v_server) THEN
        EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER postgres_fdw OPTIONS (%s)', v_server,
                       group_server_options(v_server, v_options, true));
    ELSE
        -- postgres_fdw drops its cached connections to a server whose options change
        EXECUTE format('ALTER SERVER %I OPTIONS (%s)', v_server, group_server_options(v_server, v_options, false));
    END IF;
    v_trust := p_host LIKE '/%'
               AND to_regprocedure('baitiao_fdw.trust_user_mapping(text, text)') IS NOT NULL;
    FOREACH v_role IN ARRAY ARRAY['baitiao_owner', 'baitiao_batch', 'baitiao_report'] LOOP
        CONTINUE WHEN EXISTS (SELECT FROM pg_user_mappings WHERE srvname = v_server AND usename = v_role);
        IF v_trust THEN
            EXECUTE 'SELECT baitiao_fdw.trust_user_mapping($1, $2)' USING v_server, v_role;
        ELSE
            EXECUTE format('CREATE USER MAPPING FOR %I SERVER %I OPTIONS (user %L)', v_role, v_server, v_role);
            RAISE WARNING 'user mapping for % on server % has no password: ALTER USER MAPPING FOR % SERVER % OPTIONS (ADD password ''…'')',
                         v_role, v_server, v_role, v_server;
        END IF;
    END LOOP;
END
$$;

-- The views of schema grp over every member shard (shard_members) that is attached
-- (has its schema shard_NAME): grp.T is UNION ALL of shard_NAME.T with a column shard,
-- the columns in our own table's order (a shard with another schema fails here, naming
-- the column). With no shard attached a view is empty, so the group's statements
-- always have their relations. Returns how many shards the views cover. A migration
-- that changes a table the group reads is followed by a re-attach of every shard
-- (`baitiao shard add NAME` again: it imports the tables afresh).
CREATE FUNCTION group_rebuild_views()
RETURNS integer
LANGUAGE plpgsql
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    v_shards text[];
    v_table  regclass;
    v_name   text;
    v_cols   text;
    v_body   text;
BEGIN
    SELECT coalesce(array_agg(m.shard ORDER BY m.shard), '{}') INTO v_shards
      FROM shard_members m
     WHERE EXISTS (SELECT FROM pg_namespace n WHERE n.nspname = 'shard_' || m.shard);
    FOR v_table, v_name IN
        SELECT t.table_name, c.relname FROM group_tables t JOIN pg_class c ON c.oid = t.table_name ORDER BY c.relname
    LOOP
        -- a table's own column shard (shard_identity's) is the view's own_shard
        SELECT string_agg(quote_ident(a.attname) || CASE WHEN a.attname = 'shard' THEN ' AS own_shard' ELSE '' END,
                          ', ' ORDER BY a.attnum) INTO v_cols
          FROM pg_attribute a WHERE a.attrelid = v_table AND a.attnum > 0 AND NOT a.attisdropped;
        IF cardinality(v_shards) = 0 THEN
            -- typed NULLs, not a read of our own table: a view over it would hold back
            -- a later migration's change of a column it selects
            SELECT string_agg(format('NULL::%s AS %I', format_type(a.atttypid, a.atttypmod),
                                     CASE WHEN a.attname = 'shard' THEN 'own_shard' ELSE a.attname END),
                              ', ' ORDER BY a.attnum) INTO v_cols
              FROM pg_attribute a WHERE a.attrelid = v_table AND a.attnum > 0 AND NOT a.attisdropped;
            v_body := format('SELECT NULL::text AS shard, %s WHERE false', v_cols);
        ELSE
            SELECT string_agg(format('SELECT %L::text AS shard, %s FROM %I.%I', s, v_cols, 'shard_' || s, v_name),
                              E'\nUNION ALL ' ORDER BY s)
              INTO v_body FROM unnest(v_shards) s;
        END IF;
        IF to_regclass(format('grp.%I', v_name)) IS NOT NULL THEN
            EXECUTE format('DROP VIEW grp.%I', v_name);
        END IF;
        EXECUTE format('CREATE VIEW grp.%I WITH (security_invoker = true) AS %s', v_name, v_body);
        EXECUTE format('GRANT SELECT ON grp.%I TO baitiao_batch, baitiao_report', v_name);
    END LOOP;
    RETURN cardinality(v_shards);
END
$$;

-- Attaches shard NAME, a member already (`shard add` writes shard_members first, in the
-- same transaction): its server and mappings (group_shard_server), its foreign tables
-- imported afresh into schema shard_NAME (so a re-attach after a migration reads the
-- new columns), readable by the batch and report roles, and the views rebuilt.
CREATE FUNCTION group_attach_shard(p_shard text, p_host text, p_port text, p_dbname text)
RETURNS integer
LANGUAGE plpgsql
SET search_path = baitiao, pg_catalog, pg_temp
SET client_min_messages = warning   -- not the list of what a re-import drops
AS $$
DECLARE
    v_schema text := 'shard_' || p_shard;
    v_tables text;
BEGIN
    IF NOT EXISTS (SELECT FROM shard_members WHERE shard = p_shard) THEN
        RAISE EXCEPTION 'shard % is not a member of the group (shard_members): shard add writes it first', p_shard
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    PERFORM group_shard_server(p_shard, p_host, p_port, p_dbname);
    SELECT string_agg(quote_ident(c.relname), ', ' ORDER BY c.relname) INTO v_tables
      FROM group_tables t JOIN pg_class c ON c.oid = t.table_name;
    IF to_regnamespace(quote_ident(v_schema)) IS NOT NULL THEN
        EXECUTE format('DROP SCHEMA %I CASCADE', v_schema);
    END IF;
    EXECUTE format('CREATE SCHEMA %I', v_schema);
    EXECUTE format('COMMENT ON SCHEMA %I IS %L', v_schema, '分库 ' || p_shard || ' / shard ' || p_shard || '''s tables, foreign (postgres_fdw)');
    EXECUTE format('IMPORT FOREIGN SCHEMA baitiao LIMIT TO (%s) FROM SERVER %I INTO %I OPTIONS (import_default %L, import_collate %L)',
                   v_tables, v_schema, v_schema, 'false', 'false');
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO baitiao_batch, baitiao_report', v_schema);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO baitiao_batch, baitiao_report', v_schema);
    RETURN group_rebuild_views();
END
$$;

-- NULL when shard NAME answers through its server, else why not: the group's commands
-- ask every member first, so an unreachable shard is named (exit 75) before any check.
CREATE FUNCTION group_probe(p_shard text)
RETURNS text
LANGUAGE plpgsql
SET search_path = baitiao, pg_catalog, pg_temp
AS $$
DECLARE
    v_detail text;
BEGIN
    EXECUTE format('SELECT 1 FROM %I.shard_identity LIMIT 1', 'shard_' || p_shard);
    RETURN NULL;
EXCEPTION
    WHEN connection_exception THEN   -- class 08: postgres_fdw's 08001 "could not connect to server"
        GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
        RETURN SQLERRM || coalesce(nullif(': ' || v_detail, ': '), '');
END
$$;

REVOKE EXECUTE ON FUNCTION group_server_options(text, text[], boolean), group_shard_server(text, text, text, text),
    group_rebuild_views(), group_attach_shard(text, text, text, text) FROM baitiao_batch;
GRANT EXECUTE ON FUNCTION group_probe(text) TO baitiao_report;

-- The views exist from the start (empty until a shard is attached).
SELECT group_rebuild_views();
