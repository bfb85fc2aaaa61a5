/* Integration-test helpers: databases, connections, running the real binary. */
#include "itest.h"

#include "product.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int db_counter;
/* Every database this process created, dropped by itest_drop_databases. */
static GPtrArray *created_dbs;

const char *
itest_tmpdir(void)
{
  const char *dir = g_getenv("BT_TEST_TMPDIR");
  return dir && *dir ? dir : g_get_tmp_dir();
}

char *
itest_data_file(const char *prefix, const char *name, const char *text)
{
  char *path = g_strdup_printf("%s/%s-%d-%s", itest_tmpdir(), prefix, (int) getpid(), name);
  CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
  return path;
}

PGconn *
itest_connect(const char *db, const char *user)
{
  return itest_connect_at(NULL, NULL, db, user);
}

PGconn *
itest_connect_at(const char *host, const char *port, const char *db, const char *user)
{
  /* no host: libpq's PGHOST/PGPORT, the main test cluster */
  const char *keys[] = { "dbname", "user", "application_name", host ? "host" : NULL, "port", NULL };
  const char *values[] = { db, user, "baitiao/itest", host, port, NULL };
  PGconn *conn = PQconnectdbParams(keys, values, 0);
  if (PQstatus(conn) != CONNECTION_OK)
    fprintf(stderr, "\n  cannot connect to %s as %s%s%s: %s\n", db, user, host ? " at " : "", host ? host : "",
            PQerrorMessage(conn));
  CU_ASSERT_FATAL(PQstatus(conn) == CONNECTION_OK);
  PQclear(PQexec(conn, "SET search_path = baitiao, pg_catalog"));
  return conn;
}

char *
itest_sql(PGconn *conn, const char *sql, char *sqlstate_out)
{
  PGresult *res = PQexec(conn, sql);
  ExecStatusType st = PQresultStatus(res);
  char *out = NULL;
  if (st == PGRES_TUPLES_OK)
    out = g_strdup(PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "");
  else if (st == PGRES_COMMAND_OK)
    out = g_strdup("");
  else if (sqlstate_out) {
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    g_strlcpy(sqlstate_out, state ? state : "", 6);
  }
  PQclear(res);
  return out;
}

char *
itest_query(PGconn *conn, const char *sql)
{
  char *v = itest_sql(conn, sql, NULL);
  if (!v)
    fprintf(stderr, "\n  query failed: %s: %s\n", sql, PQerrorMessage(conn));
  return v;
}

void
itest_exec(PGconn *conn, const char *sql)
{
  char *v = itest_query(conn, sql);
  CU_ASSERT_PTR_NOT_NULL(v);
  g_free(v);
}

char *
itest_db_value(const char *db, const char *role, const char *sql)
{
  PGconn *c = itest_connect(db, role);
  char *v = itest_query(c, sql);
  PQfinish(c);
  return v;
}

void
itest_db_exec(const char *db, const char *role, const char *sql)
{
  PGconn *c = itest_connect(db, role);
  itest_exec(c, sql);
  PQfinish(c);
}

char *
itest_hash_shard(const char *key, guint n)
{
  guint64 h = G_GUINT64_CONSTANT(0xcbf29ce484222325);
  for (const guchar *p = (const guchar *) key; *p; p++)
    h = (h ^ *p) * G_GUINT64_CONSTANT(0x100000001b3);
  return g_strdup_printf("s%u", (guint) (h % n) + 1);
}

void
itest_db_group_clear(ItestDbGroup *g)
{
  g_free(g->coord);
  g_free(g->s1);
  g_free(g->s2);
  g_free(g->config);
}

void
itest_load_products(PGconn *conn)
{
  g_autofree char *path = g_build_filename(g_getenv("top_srcdir"), "etc", "products.conf", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ProductSet) set = product_set_load(path, &error);
  CU_ASSERT_PTR_NOT_NULL_FATAL(set);
  guint changed = 0;
  gboolean ok = product_set_store(conn, set, &changed, &error);
  if (!ok)
    fprintf(stderr, "\n  cannot load products: %s\n", error->message);
  CU_ASSERT_FATAL(ok);
}

char *
itest_catalogue_db(const char *prefix, const char *extra, char **config)
{
  char *db = itest_create_db(prefix, TRUE);
  *config = itest_write_config(db, extra);
  PGconn *c = itest_connect(db, "baitiao_batch");
  itest_load_products(c);
  PQfinish(c);
  return db;
}

char *
itest_create_db(const char *prefix, gboolean migrated)
{
  return itest_clone_db(prefix, migrated ? "baitiao" : "template0");
}

char *
itest_clone_db(const char *prefix, const char *template_db)
{
  char *name = g_strdup_printf("%s_%d_%d", prefix, (int) getpid(), ++db_counter);
  PGconn *su = itest_connect("postgres", "postgres");
  g_autofree char *create = g_strdup_printf("CREATE DATABASE %s OWNER baitiao_owner TEMPLATE %s", name,
                                            template_db);
  g_autofree char *grant = g_strdup_printf("REVOKE ALL ON DATABASE %s FROM PUBLIC;"
                                           "GRANT CONNECT, TEMPORARY ON DATABASE %s TO baitiao_batch, baitiao_report",
                                           name, name);
  char state[6] = "";
  g_autofree char *a = itest_sql(su, create, state);
  if (!a)
    fprintf(stderr, "\n  create database failed: %s\n", state);
  CU_ASSERT_PTR_NOT_NULL_FATAL(a);
  if (!created_dbs)
    created_dbs = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(created_dbs, g_strdup(name));
  g_autofree char *b = itest_sql(su, grant, NULL);
  CU_ASSERT_PTR_NOT_NULL(b);
  PQfinish(su);
  return name;
}

int
itest_drop_databases(void)
{
  if (!created_dbs || created_dbs->len == 0)
    return 0;
  /* not itest_connect: a suite's cleanup runs outside any test, where no assertion may */
  const char *keys[] = { "dbname", "user", "application_name", NULL };
  const char *values[] = { "postgres", "postgres", "baitiao/itest", NULL };
  PGconn *su = PQconnectdbParams(keys, values, 0);
  int failed = PQstatus(su) != CONNECTION_OK;
  if (failed)
    fprintf(stderr, "\n  cannot connect to drop the test databases: %s\n", PQerrorMessage(su));
  /* the newest first; FORCE ends the sessions a failed test left open */
  for (guint i = created_dbs->len; !failed && i-- > 0;) {
    g_autofree char *drop = g_strdup_printf("DROP DATABASE IF EXISTS %s WITH (FORCE)",
                                            (const char *) created_dbs->pdata[i]);
    PGresult *res = PQexec(su, drop);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
      fprintf(stderr, "\n  %s: %s\n", drop, PQresultErrorMessage(res));
      failed = 1;
    }
    PQclear(res);
  }
  PQfinish(su);
  g_ptr_array_set_size(created_dbs, 0);
  return failed;
}

char *
itest_write_config(const char *db, const char *extra)
{
  static int counter;
  char *path = g_strdup_printf("%s/config-%d-%d.conf", itest_tmpdir(), (int) getpid(), ++counter);
  const char *host = g_getenv("PGHOST");
  const char *port = g_getenv("PGPORT");
  /* Tests replay fixed calendars, which a later clock must not refuse as future.
   * [database] stays the last group: some tests append keys to it. */
  g_autofree char *text = g_strdup_printf("[calendar]\nallow_future=true\n"
                                          "[database]\nhost=%s\nport=%s\ndbname=%s\nconnect_timeout=5\n%s",
                                          host ? host : "", port ? port : "5432", db,
                                          extra ? extra : "");
  CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
  return path;
}

void
itest_run_free(ItestRun *run)
{
  if (!run)
    return;
  g_free(run->out);
  g_free(run->err);
  g_free(run);
}

ItestRun *
itest_baitiao(const char *const *args, const char *const *env)
{
  const char *bin = g_getenv("BAITIAO_BIN");
  CU_ASSERT_PTR_NOT_NULL_FATAL(bin);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (gpointer) bin);
  for (int i = 0; args[i]; i++)
    g_ptr_array_add(argv, (gpointer) args[i]);
  g_ptr_array_add(argv, NULL);
  g_auto(GStrv) envp = g_get_environ();
  for (int i = 0; env && env[i]; i++) {
    g_auto(GStrv) kv = g_strsplit(env[i], "=", 2);
    envp = g_environ_setenv(envp, kv[0], kv[1] ? kv[1] : "", TRUE);
  }
  ItestRun *run = g_new0(ItestRun, 1);
  int wait_status = 0;
  g_autoptr(GError) error = NULL;
  gboolean ok = g_spawn_sync(NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                             &run->out, &run->err, &wait_status, &error);
  if (!ok)
    fprintf(stderr, "\n  cannot run %s: %s\n", bin, error->message);
  CU_ASSERT_FATAL(ok);
  run->status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
  return run;
}

char *
itest_copy_sql_dir(void)
{
  static int counter;
  const char *src = g_getenv("BAITIAO_SQL_DIR");
  CU_ASSERT_PTR_NOT_NULL_FATAL(src);
  char *dst = g_strdup_printf("%s/sql-%d-%d", itest_tmpdir(), (int) getpid(), ++counter);
  CU_ASSERT_FATAL(g_mkdir_with_parents(dst, 0755) == 0);
  g_autoptr(GDir) d = g_dir_open(src, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  const char *n;
  while ((n = g_dir_read_name(d))) {
    if (!g_str_has_suffix(n, ".sql"))
      continue;
    g_autofree char *from = g_build_filename(src, n, NULL);
    g_autofree char *to = g_build_filename(dst, n, NULL);
    g_autofree char *text = NULL;
    gsize len;
    CU_ASSERT_FATAL(g_file_get_contents(from, &text, &len, NULL));
    CU_ASSERT_FATAL(g_file_set_contents(to, text, len, NULL));
  }
  return dst;
}

gboolean
itest_run_step(PGconn *conn, const char *date, EodStepFn step, gint64 *rows, gint64 *amount_fen)
{
  EodContext ctx = { .conn = conn };
  g_autoptr(Config) config = config_new_defaults();
  ctx.config = config;
  g_strlcpy(ctx.date_str, date, sizeof ctx.date_str);
  g_date_clear(&ctx.date, 1);
  g_date_set_parse(&ctx.date, date);
  CU_ASSERT_FATAL(g_date_valid(&ctx.date));
  g_autofree char *run = itest_sql(conn, "INSERT INTO baitiao.job_runs (command, status, ended_at)"
                                         " VALUES ('itest', 'SUCCEEDED', now()) RETURNING run_id", NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(run);
  ctx.run_id = g_ascii_strtoll(run, NULL, 10);
  g_autofree char *begin = itest_sql(conn, "BEGIN", NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(begin);
  g_autoptr(GError) error = NULL;
  if (!step(&ctx, &error)) {
    fprintf(stderr, "\n  step failed on %s: %s\n", date, error ? error->message : "(no error set)");
    PQclear(PQexec(conn, "ROLLBACK"));
    return FALSE;
  }
  char state[6] = "";
  g_autofree char *commit = itest_sql(conn, "COMMIT", state);
  if (!commit) {
    fprintf(stderr, "\n  commit failed on %s: SQLSTATE %s: %s\n", date, state, PQerrorMessage(conn));
    return FALSE;
  }
  if (rows)
    *rows = ctx.rows;
  if (amount_fen)
    *amount_fen = ctx.amount_fen;
  return TRUE;
}

GPtrArray *
itest_baitiao_argv(const char *config, const char *const *args)
{
  GPtrArray *argv = g_ptr_array_new();
  g_ptr_array_add(argv, (gpointer) g_getenv("BAITIAO_BIN"));
  for (int i = 0; args[i]; i++)
    g_ptr_array_add(argv, (gpointer) args[i]);
  g_ptr_array_add(argv, (gpointer) "--config");
  g_ptr_array_add(argv, (gpointer) config);
  g_ptr_array_add(argv, NULL);
  return argv;
}

char *
itest_top_file(const char *dir, const char *name)
{
  return g_build_filename(g_getenv("top_srcdir"), dir, name, NULL);
}

guint
itest_dir_entries(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  guint n = 0;
  while (d && g_dir_read_name(d))
    n++;
  return n;
}

ItestRun *
itest_baitiao_config(const char *config, const char *const *args, const char *const *env)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  for (int i = 0; args[i]; i++)
    g_ptr_array_add(argv, (gpointer) args[i]);
  g_ptr_array_add(argv, (gpointer) "--config");
  g_ptr_array_add(argv, (gpointer) config);
  g_ptr_array_add(argv, NULL);
  return itest_baitiao((const char *const *) argv->pdata, env);
}

static const char sql_books_diff[] =
  "WITH gl AS (SELECT account_code, closing_fen FROM baitiao.gl_daily_balances WHERE business_date = $1::date),"
  " sub AS (SELECT sum(principal_fen - principal_reduced_fen - paid_principal_fen - writeoff_principal_fen) AS p,"
  "                sum(fee_fen - fee_waived_fen - paid_fee_fen - writeoff_fee_fen)"
  "                  FILTER (WHERE status <> 'UNBILLED') AS f,"
  "                sum(baitiao.installment_penalty_out_fen(i, $1::date)) AS pen"
  "           FROM baitiao.installments i)"
  " SELECT concat_ws(',', (SELECT closing_fen FROM gl WHERE account_code = '1122') - p,"
  "                       (SELECT closing_fen FROM gl WHERE account_code = '1123') - f,"
  "                       (SELECT closing_fen FROM gl WHERE account_code = '1124') - pen,"
  "                       (SELECT closing_fen FROM gl WHERE account_code = '2241')"
  "                       + (SELECT sum(credit_balance_fen) FROM baitiao.users)) FROM sub";

char *
itest_books_diff(PGconn *conn, const char *date)
{
  const char *params[] = { date };
  PGresult *res = PQexecParams(conn, sql_books_diff, 1, NULL, params, NULL, NULL, 0);
  char *out = NULL;
  if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
    out = g_strdup(PQgetvalue(res, 0, 0));
  else
    fprintf(stderr, "\n  books diff failed: %s\n", PQresultErrorMessage(res));
  PQclear(res);
  return out;
}

/* ---- the recon pass through the library ---------------------------------- */

gboolean
itest_recon(PGconn *conn, const char *date, ReconMode mode, ReconSummary *s)
{
  g_autoptr(Config) config = config_new_defaults();
  GDate d;
  g_date_clear(&d, 1);
  g_date_set_parse(&d, date);
  g_autoptr(GError) error = NULL;
  if (recon_run_mode(conn, config, &d, 0, mode, s, &error))
    return TRUE;
  fprintf(stderr, "\n  recon of %s failed: %s\n", date, error->message);
  return FALSE;
}

/* ---- the example book (t/data) ------------------------------------------ */

static void
load_ok(const char *config, const char *const *args)
{
  g_autoptr(ItestRun) r = itest_baitiao_config(config, args, NULL);
  if (r->status != 0)
    fprintf(stderr, "\n  %s %s exited %d: %s\n", args[0], args[1], r->status, r->err);
  CU_ASSERT_EQUAL_FATAL(r->status, 0);
}

char *
itest_example_db(const char *prefix, const char *const *kinds, char **config)
{
  char *db = itest_create_db(prefix, TRUE);
  *config = itest_write_config(db, NULL);
  g_autofree char *products = itest_top_file("etc", "products.conf");
  load_ok(*config, (const char *[]) { "products", "load", products, NULL });
  for (gsize i = 0; kinds && kinds[i]; i++) {
    g_autofree char *name = g_strdup_printf("%s.csv", kinds[i]);
    g_autofree char *path = itest_top_file("t/data", name);
    load_ok(*config, (const char *[]) { "load", kinds[i], path, NULL });
  }
  return db;
}

void
itest_load_example_settlements(const char *config)
{
  g_autofree char *ali = itest_top_file("t/data", "settlement_ALIPAY_20260314.csv");
  static int n;
  g_autofree char *wx = g_strdup_printf("%s/settlement_WECHAT_20260314_%d_%d.csv", itest_tmpdir(), (int) getpid(), ++n);
  CU_ASSERT_FATAL(g_file_set_contents(wx, "channel_txn_id,pay_date,amount\nWX202603140002,2026-03-14,500.00\n", -1,
                                      NULL));
  load_ok(config, (const char *[]) { "load", "settlement", "--channel", "ALIPAY", ali, NULL });
  load_ok(config, (const char *[]) { "load", "settlement", "--channel", "WECHAT", wx, NULL });
}

/* ---- the binary in the background (crash, cut-off tests) -------------- */

GPid
itest_spawn_baitiao(const char *config, const char *const *args, const char *fault, const char *err_path)
{
  g_autoptr(GPtrArray) argv = itest_baitiao_argv(config, args);
  g_auto(GStrv) envp = g_get_environ();
  envp = fault ? g_environ_setenv(envp, "BAITIAO_FAULT", fault, TRUE) : g_environ_unsetenv(envp, "BAITIAO_FAULT");
  int out = open("/dev/null", O_WRONLY);
  int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  CU_ASSERT_FATAL(out >= 0 && err >= 0);
  GPid pid = 0;
  g_autoptr(GError) error = NULL;
  gboolean ok = g_spawn_async_with_fds(NULL, (char **) argv->pdata, envp, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                       &pid, -1, out, err, &error);
  close(out);
  close(err);
  if (!ok)
    fprintf(stderr, "\n  cannot start baitiao: %s\n", error->message);
  CU_ASSERT_FATAL(ok);
  return pid;
}

int
itest_wait_child(GPid pid, gboolean stopped)
{
  int st = 0;
  while (waitpid(pid, &st, stopped ? WUNTRACED : 0) < 0)
    CU_ASSERT_FATAL(errno == EINTR);
  if (WIFSTOPPED(st))
    return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- digest of the business tables (crash tests) ------------------------ */

/* Every business column of every table is compared, posting keys included. A surrogate
 * id is only an internal identity, different between two correct runs: its own
 * table's id column is left out (the row's natural key is compared instead), and every
 * reference to it elsewhere is compared as the natural key it stands for. */
typedef struct {
  const char *column;
  const char *owner;     /* the table whose identity it is: left out there */
  const char *natural;   /* elsewhere: the natural key, x being the row */
} ItestSurrogate;

static const ItestSurrogate surrogates[] = {
  /* an installment, allocation, snapshot … belongs to the loan of order_id */
  { "loan_id", "loans", "(SELECT r.order_id FROM baitiao.loans r WHERE r.loan_id = x.loan_id)" },
  /* a journal line belongs to its entry's (business_date, posting_key) */
  { "entry_id", "journal_entries",
    "(SELECT r.business_date || '/' || r.posting_key FROM baitiao.journal_entries r WHERE r.entry_id = x.entry_id)" },
  { "reverses_entry_id", NULL,
    "(SELECT r.business_date || '/' || r.posting_key FROM baitiao.journal_entries r"
    "  WHERE r.entry_id = x.reverses_entry_id)" },
  /* a statement line belongs to the statement of (user_id, statement_date) */
  { "statement_id", "statements",
    "(SELECT r.user_id || '/' || r.statement_date FROM baitiao.statements r WHERE r.statement_id = x.statement_id)" },
  /* an input row came from the file of (kind, sha256) */
  { "file_id", "load_files",
    "(SELECT r.kind || '/' || r.sha256 FROM baitiao.load_files r WHERE r.file_id = x.file_id)" },
  { "source_file_id", NULL,
    "(SELECT r.kind || '/' || r.sha256 FROM baitiao.load_files r WHERE r.file_id = x.source_file_id)" },
  { "last_file_id", NULL,
    "(SELECT r.kind || '/' || r.sha256 FROM baitiao.load_files r WHERE r.file_id = x.last_file_id)" },
  /* rows' own identities, whose natural keys are their other columns: an inbox row
   * by its order/txn/refund id, file and line; an allocation by txn or refund id,
   * installment and component; a movement, waiver, accrual, snapshot, reject,
   * settlement line by what it records */
  { "arrival_seq", "*", NULL },
  { "allocation_id", "*", NULL },
  { "movement_id", "*", NULL },
  { "waiver_id", "*", NULL },
  { "accrual_id", "*", NULL },
  { "snapshot_id", "*", NULL },
  { "writeoff_id", "*", NULL },
  { "refund_application_id", "*", NULL },
  { "reject_id", "*", NULL },
  { "settlement_line_id", "*", NULL },
  { "break_id", "*", NULL },
  { NULL, NULL, NULL },
};

/* Run bookkeeping (which run of the batch did it) and clock times: the only columns
 * that differ between a clean run and one killed and rerun, by nature. */
static const char *const bookkeeping_columns[] = {
  "run_id", "job_run_id", "closed_by_run_id", "step_run_id", "recon_run_id",
  "created_at", "updated_at", "received_at", "loaded_at", "opened_at", "closed_at", "applied_at",
  "started_at", "ended_at", "sealed_at", "explained_at", "resolved_at",
  /* recon's R11 checksums hash the rows' surrogate keys and clock times; its log of mark takes */
  "users_sum", "loans_sum", "installments_sum", "take_id", "taken_at",
  /* the marks' checksum deltas hash the same (migration recon_checksum_deltas) */
  "checksum_delta",
  /* whether R11 hashed the tables follows the statistics counters, which a killed run moves */
  "r11_pass", "r11_why", NULL,
};

static const char sql_business_tables[] =
  "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
  " WHERE n.nspname = 'baitiao' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
  "   AND c.relname NOT IN ('job_runs', 'job_step_runs', 'schema_migrations',"
  /* R11's statistics counters and the rows recorded against them (a killed run's counts stay) */
  "                         'recon_row_versions', 'recon_row_version_readings', 'recon_row_version_baselines')"
  " ORDER BY c.relname";

static const char sql_columns[] =
  "SELECT a.attname FROM pg_attribute a"
  " WHERE a.attrelid = ('baitiao.' || quote_ident($1))::regclass AND a.attnum > 0 AND NOT a.attisdropped"
  " ORDER BY a.attnum";

static gboolean
is_bookkeeping(const char *column)
{
  for (int k = 0; bookkeeping_columns[k]; k++)
    if (strcmp(column, bookkeeping_columns[k]) == 0)
      return TRUE;
  return FALSE;
}

/* The jsonb expression of one row of TABLE: "to_jsonb(x) - dropped || replaced". */
static char *
row_expression(PGconn *c, const char *table)
{
  const char *params[] = { table };
  PGresult *cols = PQexecParams(c, sql_columns, 1, NULL, params, NULL, NULL, 0);
  CU_ASSERT_FATAL(PQresultStatus(cols) == PGRES_TUPLES_OK);
  GString *drop = g_string_new("");
  GString *add = g_string_new("");
  for (int i = 0; i < PQntuples(cols); i++) {
    const char *col = PQgetvalue(cols, i, 0);
    if (is_bookkeeping(col)) {
      g_string_append_printf(drop, " - '%s'", col);
      continue;
    }
    for (int k = 0; surrogates[k].column; k++) {
      const ItestSurrogate *s = &surrogates[k];
      if (strcmp(col, s->column) != 0)
        continue;
      g_string_append_printf(drop, " - '%s'", col);
      if (s->natural && !(s->owner && strcmp(s->owner, table) == 0))
        g_string_append_printf(add, "%s'%s', %s", add->len ? ", " : "", col, s->natural);
    }
  }
  PQclear(cols);
  char *expr = g_strdup_printf("(to_jsonb(x)%s || jsonb_build_object(%s))", drop->str, add->str);
  g_string_free(drop, TRUE);
  g_string_free(add, TRUE);
  return expr;
}

char *
itest_business_digest(const char *db)
{
  return itest_business_digest_at(NULL, NULL, db);
}

char *
itest_table_rows(PGconn *c, const char *table)
{
  g_autofree char *row = row_expression(c, table);
  g_autofree char *sql = g_strdup_printf("SELECT coalesce(string_agg(r, E'\\n' ORDER BY r), '')"
                                         "  FROM (SELECT %s::text AS r FROM baitiao.%s x) s", row, table);
  return itest_query(c, sql);
}

char *
itest_business_digest_at(const char *host, const char *port, const char *db)
{
  PGconn *c = itest_connect_at(host, port, db, "baitiao_owner");
  PGresult *tables = PQexec(c, sql_business_tables);
  CU_ASSERT_FATAL(PQresultStatus(tables) == PGRES_TUPLES_OK);
  GString *digest = g_string_new(NULL);
  for (int i = 0; i < PQntuples(tables); i++) {
    const char *t = PQgetvalue(tables, i, 0);
    g_autofree char *row = row_expression(c, t);
    g_autofree char *sql = g_strdup_printf(
      "SELECT count(*) || ':' || md5(coalesce(string_agg(r, E'\\n' ORDER BY r), ''))"
      "  FROM (SELECT %s::text AS r FROM baitiao.%s x) s", row, t);
    g_autofree char *d = itest_query(c, sql);
    g_string_append_printf(digest, "%s=%s\n", t, d ? d : "?");
  }
  PQclear(tables);
  PQfinish(c);
  return g_string_free(digest, FALSE);
}

/* ---- generated portfolios --------------------------------------------------- */

char *
itest_write_products(const char *name, int writeoff_dpd, guint every)
{
  g_autofree char *src = g_build_filename(g_getenv("top_srcdir"), "etc", "products.conf", NULL);
  g_autofree char *text = NULL;
  CU_ASSERT_FATAL(g_file_get_contents(src, &text, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autoptr(GString) out = g_string_new(NULL);
  guint product = 0;
  gboolean mine = FALSE;
  for (guint i = 0; lines[i]; i++) {
    if (g_str_has_prefix(lines[i], "[product "))
      mine = product++ % every == 0;
    if (mine && g_str_has_prefix(lines[i], "writeoff_dpd="))
      continue;
    g_string_append_printf(out, "%s\n", lines[i]);
    if (mine && g_str_has_prefix(lines[i], "[product "))
      g_string_append_printf(out, "writeoff_dpd=%d\n", writeoff_dpd);
  }
  char *path = g_strdup_printf("%s/%s-products-%d.conf", itest_tmpdir(), name, (int) getpid());
  CU_ASSERT_FATAL(g_file_set_contents(path, out->str, -1, NULL));
  return path;
}

char *
itest_gen_portfolio(const char *name, guint users, guint days, guint64 seed, const char *start,
                    const char *products)
{
  return itest_gen_portfolio_campaigns(name, users, days, seed, start, products, 0);
}

char *
itest_gen_portfolio_campaigns(const char *name, guint users, guint days, guint64 seed, const char *start,
                              const char *products, guint campaigns)
{
  char *out = g_strdup_printf("%s/%s-%d", itest_tmpdir(), name, (int) getpid());
  g_autofree char *u = g_strdup_printf("%u", users);
  g_autofree char *d = g_strdup_printf("%u", days);
  g_autofree char *s = g_strdup_printf("%" G_GUINT64_FORMAT, seed);
  g_autofree char *k = g_strdup_printf("%u", campaigns);
  g_autoptr(ItestRun) run = itest_baitiao((const char *[]) { "gen", "--users", u, "--days", d, "--seed", s,
                                                             "--start", start, "--out", out,
                                                             "--products", products, "--campaigns", k, NULL },
                                          NULL);
  if (run->status != 0)
    fprintf(stderr, "\n  gen failed: %s\n", run->err);
  CU_ASSERT_EQUAL_FATAL(run->status, 0);
  return out;
}

gint
itest_compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Every day's NAME.csv of the portfolio as one file (one header): a partner file may
 * carry several dates, and one load per kind keeps the setup short. */
static char *
concat_days(const char *portfolio, const char *name)
{
  g_autoptr(GDir) dir = g_dir_open(portfolio, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  g_autoptr(GPtrArray) days = g_ptr_array_new_with_free_func(g_free);
  for (const char *n; (n = g_dir_read_name(dir));)
    if (g_ascii_isdigit(n[0]))
      g_ptr_array_add(days, g_strdup(n));
  g_ptr_array_sort(days, itest_compare_names);
  g_autoptr(GString) all = g_string_new(NULL);
  for (guint i = 0; i < days->len; i++) {
    g_autofree char *path = g_strdup_printf("%s/%s/%s.csv", portfolio, (char *) days->pdata[i], name);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
      continue;
    const char *body = all->len ? strchr(text, '\n') : text;
    if (body)
      g_string_append(all, all->len ? body + 1 : body);
  }
  char *out = g_strdup_printf("%s/all-%s.csv", portfolio, name);
  CU_ASSERT_FATAL(g_file_set_contents(out, all->str, -1, NULL));
  return out;
}

static void
load_file(const char *config, const char *kind, const char *channel, const char *path)
{
  g_autoptr(ItestRun) run = channel
    ? itest_baitiao_config(config, (const char *[]) { "load", kind, "--channel", channel, path, NULL }, NULL)
    : itest_baitiao_config(config, (const char *[]) { "load", kind, path, NULL }, NULL);
  if (run->status != 0)
    fprintf(stderr, "\n  load %s %s: %s\n", kind, path, run->err);
  CU_ASSERT_EQUAL_FATAL(run->status, 0);
}

void
itest_load_portfolio(const char *config, const char *portfolio, const char *products)
{
  g_autoptr(ItestRun) p = itest_baitiao_config(config, (const char *[]) { "products", "load", products, NULL },
                                               NULL);
  CU_ASSERT_EQUAL_FATAL(p->status, 0);
  g_autofree char *users = g_build_filename(portfolio, "users.csv", NULL);
  load_file(config, "users", NULL, users);
  /* gen --campaigns: the catalogue, then what names users (segments, coupons), before the orders */
  g_autofree char *catalogue = g_build_filename(portfolio, "campaigns.conf", NULL);
  if (g_file_test(catalogue, G_FILE_TEST_EXISTS)) {
    g_autofree char *segments = g_build_filename(portfolio, "segments.csv", NULL);
    g_autofree char *coupons = g_build_filename(portfolio, "coupons.csv", NULL);
    itest_baitiao_ok(config, (const char *[]) { "campaigns", "load", catalogue, NULL });
    if (g_file_test(segments, G_FILE_TEST_EXISTS))
      itest_baitiao_ok(config, (const char *[]) { "campaigns", "segments", segments, NULL });
    if (g_file_test(coupons, G_FILE_TEST_EXISTS))
      load_file(config, "coupons", NULL, coupons);
  }
  const char *kinds[] = { "orders", "refunds", "repayments" };
  for (gsize i = 0; i < G_N_ELEMENTS(kinds); i++) {
    g_autofree char *path = concat_days(portfolio, kinds[i]);
    load_file(config, kinds[i], NULL, path);
  }
  const char *channels[] = { "ALIPAY", "WECHAT", "UNIONPAY" };
  for (gsize i = 0; i < G_N_ELEMENTS(channels); i++) {
    g_autofree char *name = g_strdup_printf("settlement_%s", channels[i]);
    g_autofree char *path = concat_days(portfolio, name);
    load_file(config, "settlement", channels[i], path);
  }
}

/* ---- extra clusters and sharded groups (issue 16) ------------------------ */

/* The extra clusters of this process, by index (0 unused), and the databases made there. */
static GPtrArray *clusters;

static char *
cluster_dir(guint index)
{
  return g_strdup_printf("%s/pgx-%d/c%u", itest_tmpdir(), (int) getpid(), index);
}

static ItestCluster *
cluster_new(guint index)
{
  ItestCluster *c = g_new0(ItestCluster, 1);
  c->index = index;
  c->dir = cluster_dir(index);
  c->host = g_build_filename(c->dir, "run", NULL);
  c->port = g_strdup_printf("%u", ITEST_CLUSTER_BASE_PORT + index);
  return c;
}

/* scripts/pgcluster WHAT on cluster C (its own port), then ARG when given; waited for,
 * its stderr printed when it fails. */
static gboolean
pgcluster(const ItestCluster *c, const char *what, const char *arg)
{
  g_autofree char *script = itest_top_file("scripts", "pgcluster");
  const char *argv[] = { "/bin/bash", script, what, c->dir, arg, arg && strcmp(what, "bootstrap") == 0 ? "baitiao" : NULL,
                         NULL };
  g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "BAITIAO_PGPORT", c->port, TRUE);
  g_autofree char *err = NULL;
  int status = -1;
  g_autoptr(GError) error = NULL;
  gboolean ran = g_spawn_sync(NULL, (char **) argv, envp, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                              &status, &error);
  gboolean ok = ran && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!ok)
    fprintf(stderr, "\n  pgcluster %s %s failed: %s%s\n", what, c->dir, err ? err : "", error ? error->message : "");
  return ok;
}

char *
itest_write_config_at(const char *host, const char *port, const char *db, const char *extra)
{
  static int counter;
  char *path = g_strdup_printf("%s/config-at-%d-%d.conf", itest_tmpdir(), (int) getpid(), ++counter);
  g_autofree char *text = g_strdup_printf("[calendar]\nallow_future=true\n"
                                          "[database]\nhost=%s\nport=%s\ndbname=%s\nconnect_timeout=5\n%s",
                                          host, port, db, extra ? extra : "");
  CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
  return path;
}

/* Cluster C from nothing: initdb (fsync off), started, the roles and database
 * "baitiao", every migration by the real binary as the owner: the template each
 * shard database of the tests is cloned from. */
static gboolean
cluster_setup(ItestCluster *c)
{
  g_autofree char *roles = g_build_filename(g_getenv("BAITIAO_SQL_DIR"), "bootstrap", "roles.sql", NULL);
  if (!pgcluster(c, "init", "--fast") || !(c->running = pgcluster(c, "start", NULL))
      || !pgcluster(c, "bootstrap", roles))
    return FALSE;
  g_autofree char *config = itest_write_config_at(c->host, c->port, "baitiao", NULL);
  g_autoptr(ItestRun) m = itest_baitiao((const char *[]) { "migrate", "up", "--config", config, "--quiet", NULL },
                                        NULL);
  if (m->status != 0)
    fprintf(stderr, "\n  migrate up on cluster %u exited %d: %s\n", c->index, m->status, m->err);
  return m->status == 0;
}

const ItestCluster *
itest_cluster(guint index)
{
  CU_ASSERT_FATAL(index >= 1 && index <= ITEST_CLUSTERS_MAX);
  if (!clusters) {
    clusters = g_ptr_array_new();
    g_ptr_array_add(clusters, NULL);
  }
  while (clusters->len <= index)
    g_ptr_array_add(clusters, NULL);
  ItestCluster *c = clusters->pdata[index];
  if (!c) {
    c = clusters->pdata[index] = cluster_new(index);
    CU_ASSERT_FATAL(g_mkdir_with_parents(c->dir, 0755) == 0);
    /* when root runs the tests, the server's account must reach the directory */
    g_autofree char *parent = g_path_get_dirname(c->dir);
    CU_ASSERT_FATAL(g_chmod(parent, 0755) == 0 && g_chmod(c->dir, 0755) == 0);
    c->ready = cluster_setup(c);
  }
  CU_ASSERT_FATAL(c->ready);
  if (!c->running)
    c->running = pgcluster(c, "start", NULL);
  CU_ASSERT_FATAL(c->running);
  return c;
}

void
itest_cluster_stop(const ItestCluster *cluster)
{
  ItestCluster *c = clusters->pdata[cluster->index];
  CU_ASSERT_FATAL(pgcluster(c, "stop", NULL));
  c->running = FALSE;
}

void
itest_cluster_start(const ItestCluster *cluster)
{
  ItestCluster *c = clusters->pdata[cluster->index];
  c->running = pgcluster(c, "start", NULL);
  CU_ASSERT_FATAL(c->running);
}

int
itest_clusters_remove(void)
{
  int failed = 0;
  for (guint i = 1; clusters && i < clusters->len; i++) {
    ItestCluster *c = clusters->pdata[i];
    if (!c)
      continue;
    /* stopped whatever the tests left it in, then its files gone: nothing outlives the suite */
    if (!pgcluster(c, "stop", NULL))
      failed = 1;
    g_autofree char *quoted = g_shell_quote(c->dir);
    g_autofree char *rm = g_strdup_printf("rm -rf %s", quoted);
    int status = -1;
    if (!g_spawn_command_line_sync(rm, NULL, NULL, &status, NULL) || status != 0)
      failed = 1;
    g_free(c->dir);
    g_free(c->host);
    g_free(c->port);
    g_free(c);
    clusters->pdata[i] = NULL;
  }
  return failed;
}

int
itest_drop_databases_and_clusters(void)
{
  int failed = itest_drop_databases();
  return itest_clusters_remove() || failed;
}

PGconn *
itest_cluster_connect(const ItestCluster *c, const char *db, const char *user)
{
  return itest_connect_at(c->host, c->port, db, user);
}

char *
itest_cluster_create_db(const ItestCluster *c, const char *prefix)
{
  char *name = g_strdup_printf("%s_%d_%d", prefix, (int) getpid(), ++db_counter);
  PGconn *su = itest_cluster_connect(c, "postgres", "postgres");
  g_autofree char *create = g_strdup_printf("CREATE DATABASE %s OWNER baitiao_owner TEMPLATE baitiao", name);
  g_autofree char *grant = g_strdup_printf("REVOKE ALL ON DATABASE %s FROM PUBLIC;"
                                           "GRANT CONNECT, TEMPORARY ON DATABASE %s TO baitiao_batch, baitiao_report",
                                           name, name);
  g_autofree char *a = itest_query(su, create);
  CU_ASSERT_PTR_NOT_NULL_FATAL(a);
  g_autofree char *b = itest_query(su, grant);
  CU_ASSERT_PTR_NOT_NULL_FATAL(b);
  PQfinish(su);
  return name;
}

void
itest_bootstrap_coordinator(const char *db)
{
  g_autofree char *sql = itest_top_file("sql/bootstrap", "coordinator.sql");
  g_autofree char *psql = g_build_filename(g_getenv("PG_BINDIR"), "psql", NULL);
  g_autofree char *var = g_strdup_printf("dbname=%s", db);
  const char *argv[] = { psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", var, "-U", "postgres", "-d", db,
                         "-f", sql, NULL };
  g_autofree char *err = NULL;
  int status = -1;
  gboolean ran = g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                              &status, NULL);
  if (!ran || status != 0)
    fprintf(stderr, "\n  %s on %s failed: %s\n", sql, db, err ? err : "(did not run)");
  CU_ASSERT_FATAL(ran && status == 0);
}

static void
products_load(const char *config, const char *products)
{
  g_autoptr(ItestRun) p = itest_baitiao_config(config, (const char *[]) { "products", "load", products, "--quiet",
                                                                         NULL }, NULL);
  if (p->status != 0)
    fprintf(stderr, "\n  products load exited %d: %s\n", p->status, p->err);
  CU_ASSERT_EQUAL_FATAL(p->status, 0);
}

ItestGroup *
itest_group_new(const char *prefix, guint n_shards, const char *products)
{
  ItestGroup *g = g_new0(ItestGroup, 1);
  g->prefix = g_strdup(prefix);
  g->placement = g_strdup("hash");
  g->shards = g_ptr_array_new();
  g->configs = g_ptr_array_new_with_free_func(g_free);
  g->coordinator = itest_create_db(prefix, TRUE);
  itest_bootstrap_coordinator(g->coordinator);
  for (guint i = 0; i < n_shards; i++)
    itest_group_add_shard(g, products);
  return g;
}

ItestShard *
itest_group_add_shard(ItestGroup *g, const char *products)
{
  ItestShard *s = g_new0(ItestShard, 1);
  guint index = g->shards->len + 1;
  s->name = g_strdup_printf("s%u", index);
  s->cluster = itest_cluster(index);
  g_autofree char *prefix = g_strdup_printf("%s_%s", g->prefix, s->name);
  s->db = itest_cluster_create_db(s->cluster, prefix);
  s->weight = 1;
  s->open = TRUE;
  /* a shard is a complete database: its catalogue loaded like any book's */
  g_autofree char *config = itest_write_config_at(s->cluster->host, s->cluster->port, s->db, NULL);
  g_autofree char *catalogue = products ? g_strdup(products) : itest_top_file("etc", "products.conf");
  products_load(config, catalogue);
  g_ptr_array_add(g->shards, s);
  return s;
}

const char *
itest_group_write_config(ItestGroup *g, guint n_named, const char *extra)
{
  GString *text = g_string_new("\n[shards]\nnames=");
  guint n = n_named ? MIN(n_named, g->shards->len) : g->shards->len;
  for (guint i = 0; i < n; i++)
    g_string_append_printf(text, "%s%s", i ? "," : "", ((ItestShard *) g->shards->pdata[i])->name);
  g_string_append_printf(text, "\nplacement=%s\n", g->placement);
  for (guint i = 0; i < n; i++) {
    const ItestShard *s = g->shards->pdata[i];
    g_string_append_printf(text, "\n[shard %s]\nhost=%s\nport=%s\ndbname=%s\nweight=%d\nopen=%s\n", s->name,
                           s->cluster->host, s->cluster->port, s->db, s->weight, s->open ? "true" : "false");
  }
  if (extra)
    g_string_append(text, extra);
  /* the keys of [database] come before [shards]: itest_write_config appends after them */
  char *path = itest_write_config(g->coordinator, text->str);
  g_string_free(text, TRUE);
  g_ptr_array_add(g->configs, path);
  g->config = path;
  return path;
}

void
itest_group_free(ItestGroup *g)
{
  if (!g)
    return;
  for (guint i = 0; i < g->shards->len; i++) {
    ItestShard *s = g->shards->pdata[i];
    g_free(s->name);
    g_free(s->db);
    g_free(s);
  }
  g_ptr_array_unref(g->shards);
  g_free(g->prefix);
  g_free(g->placement);
  g_free(g->coordinator);
  g_ptr_array_unref(g->configs);
  g_free(g);
}

ItestShard *
itest_group_shard(const ItestGroup *g, const char *name)
{
  for (guint i = 0; i < g->shards->len; i++) {
    ItestShard *s = g->shards->pdata[i];
    if (strcmp(s->name, name) == 0)
      return s;
  }
  CU_FAIL_FATAL("no such shard in the group");
  return NULL;
}

PGconn *
itest_shard_connect(const ItestShard *s, const char *user)
{
  return itest_cluster_connect(s->cluster, s->db, user);
}

char *
itest_shard_value(const ItestShard *s, const char *user, const char *sql)
{
  PGconn *c = itest_shard_connect(s, user);
  char *v = itest_query(c, sql);
  PQfinish(c);
  return v;
}

void
itest_baitiao_ok(const char *config, const char *const *args)
{
  g_autoptr(ItestRun) r = itest_baitiao_config(config, args, NULL);
  if (r->status != 0)
    fprintf(stderr, "\n  %s %s exited %d:\n%s%s\n", args[0], args[1] ? args[1] : "", r->status, r->out, r->err);
  CU_ASSERT_EQUAL_FATAL(r->status, 0);
}

void
itest_plant_settlement_breaks(const char *portfolio, const char *channel_only_txn)
{
  g_autofree char *path = g_build_filename(portfolio, "20260410", "settlement_ALIPAY.csv", NULL);
  g_autofree char *text = NULL;
  CU_ASSERT_FATAL(g_file_get_contents(path, &text, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  CU_ASSERT_FATAL(g_strv_length(lines) >= 3);
  g_auto(GStrv) first = g_strsplit(lines[1], ",", 3);
  CU_ASSERT_FATAL(g_strv_length(first) == 3);
  gint64 yuan = 0, fen = 0;
  CU_ASSERT_FATAL(sscanf(first[2], "%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT, &yuan, &fen) == 2);
  g_autoptr(GString) out = g_string_new(lines[0]);
  g_string_append_printf(out, "\n%s,%s,%" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT "\n", first[0], first[1], yuan + 1,
                         fen);
  for (int i = 2; lines[i]; i++)
    if (*lines[i])
      g_string_append_printf(out, "%s\n", lines[i]);
  g_string_append_printf(out, "%s,%s,12.34\n", channel_only_txn, first[1]);
  CU_ASSERT_FATAL(g_file_set_contents(path, out->str, -1, NULL));
}

/* ---- planted postings ------------------------------------------------------------ */

static void
gl_move(PGconn *c, const char *date, const char *account, gint64 dr, gint64 cr)
{
  g_autofree char *sql = g_strdup_printf(
    "INSERT INTO gl_daily_balances (business_date, account_code, opening_fen, debit_fen, credit_fen, closing_fen)"
    " SELECT business_date, '%s', 0, 0, 0, 0 FROM business_calendar"
    "  WHERE status = 'CLOSED' AND business_date >= '%s' ON CONFLICT DO NOTHING;"
    " UPDATE gl_daily_balances SET debit_fen = debit_fen + %" G_GINT64_FORMAT ", credit_fen = credit_fen + %"
    G_GINT64_FORMAT ", closing_fen = closing_fen + %" G_GINT64_FORMAT
    "  WHERE business_date = '%s' AND account_code = '%s';"
    " UPDATE gl_daily_balances SET opening_fen = opening_fen + %" G_GINT64_FORMAT ", closing_fen = closing_fen + %"
    G_GINT64_FORMAT "  WHERE business_date > '%s' AND account_code = '%s'",
    account, date, dr, cr, dr - cr, date, account, dr - cr, dr - cr, date, account);
  itest_exec(c, sql);
}

void
itest_post_entry(PGconn *conn, const char *date, const char *type, const char *key, const char *debit,
                 const char *credit, gint64 fen)
{
  g_autofree char *sql = g_strdup_printf(
    "SELECT journal_post_entry('%s', '%s', 'test', NULL, 'test:%s', 'planted by a test',"
    " ARRAY['%s', '%s'], ARRAY[%" G_GINT64_FORMAT ", 0]::bigint[], ARRAY[0, %" G_GINT64_FORMAT "]::bigint[])",
    date, type, key, debit, credit, fen, fen);
  g_free(itest_query(conn, sql));
  gl_move(conn, date, debit, fen, 0);
  gl_move(conn, date, credit, 0, fen);
}

/* ---- reports read back ---- */

#define ITEST_PYTHON "/usr/bin/python3"   /* Debian's, where python3-openpyxl is */

char *
itest_render(const char *config, const char *name, const char *date, const char *const *args)
{
  char *dir = g_build_filename(itest_tmpdir(), name, NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(dir, 0755) == 0);
  g_autofree char *specs = itest_top_file("reports", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (gpointer) "report");
  for (int i = 0; args[i]; i++)
    g_ptr_array_add(argv, (gpointer) args[i]);
  const char *tail[] = { "--date", date, "--out", dir, "--specs", specs, "--quiet", NULL };
  for (int i = 0; tail[i]; i++)
    g_ptr_array_add(argv, (gpointer) tail[i]);
  g_ptr_array_add(argv, NULL);
  itest_baitiao_ok(config, (const char *const *) argv->pdata);
  return dir;
}

char *
itest_read_text(const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    fprintf(stderr, "\n  cannot read %s\n", path);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  return text;
}

GPtrArray *
itest_files_of(const char *dir, const char *suffix)
{
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  for (const char *f; (f = g_dir_read_name(d));)
    if (g_str_has_suffix(f, suffix))
      g_ptr_array_add(names, g_strdup(f));
  g_ptr_array_sort(names, itest_compare_names);
  return names;
}

char *
itest_xlsx_facts(const char *script, const char *dir, const char *const *files)
{
  g_autofree char *path = itest_top_file("t", script);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(argv, g_strdup(ITEST_PYTHON));
  g_ptr_array_add(argv, g_strdup(path));
  g_autoptr(GPtrArray) all = files ? NULL : itest_files_of(dir, ".xlsx");
  for (guint i = 0; files ? files[i] != NULL : i < all->len; i++)
    g_ptr_array_add(argv, g_build_filename(dir, files ? files[i] : (const char *) all->pdata[i], NULL));
  g_ptr_array_add(argv, NULL);
  char *out = NULL;
  g_autofree char *err = NULL;
  int status = -1;
  gboolean ran = g_spawn_sync(NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                              NULL);
  if (!ran || status != 0)
    fprintf(stderr, "\n  %s failed: %s\n", script, err ? err : "(did not run)");
  CU_ASSERT_FATAL(ran && status == 0);
  return out;
}

void
itest_fact(const char *facts, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *fact = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_autofree char *line = g_strconcat("\n", fact, "\n", NULL);
  g_autofree char *all = g_strconcat("\n", facts, "\n", NULL);
  ITEST_ASSERT_CONTAINS(all, line);
}

guint
itest_differences_zero(const char *facts)
{
  guint n = 0;
  g_auto(GStrv) lines = g_strsplit(facts, "\n", -1);
  for (int i = 0; lines[i]; i++) {
    if (g_str_has_prefix(lines[i], "difference ")) {
      n++;
      if (!g_str_has_suffix(lines[i], " | 0"))
        fprintf(stderr, "\n  does not foot: %s\n", lines[i]);
      CU_ASSERT_TRUE(g_str_has_suffix(lines[i], " | 0"));
    }
    if (g_str_has_prefix(lines[i], "flagged "))
      CU_ASSERT_TRUE(g_str_has_suffix(lines[i], " | no"));
  }
  return n;
}
