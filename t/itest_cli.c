/* The binary as cron and operators see it: exit codes and messages. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "itest.h"
#include "stmt.h"

static void
test_usage_errors_exit_2(void)
{
  g_autoptr(ItestRun) none = itest_baitiao((const char *[]) { NULL }, NULL);
  CU_ASSERT_EQUAL(none->status, 2);
  ITEST_ASSERT_CONTAINS(none->err, "Usage: baitiao COMMAND");

  g_autoptr(ItestRun) unknown = itest_baitiao((const char *[]) { "frobnicate", NULL }, NULL);
  CU_ASSERT_EQUAL(unknown->status, 2);
  ITEST_ASSERT_CONTAINS(unknown->err, "unknown command \"frobnicate\"");

  g_autoptr(ItestRun) option = itest_baitiao((const char *[]) { "migrate", "--bogus", "up", NULL }, NULL);
  CU_ASSERT_EQUAL(option->status, 2);
  ITEST_ASSERT_CONTAINS(option->err, "--bogus");

  g_autoptr(ItestRun) action = itest_baitiao((const char *[]) { "migrate", "sideways", NULL }, NULL);
  CU_ASSERT_EQUAL(action->status, 2);
  ITEST_ASSERT_CONTAINS(action->err, "status, up or verify");

  g_autoptr(ItestRun) dry = itest_baitiao((const char *[]) { "migrate", "status", "--dry-run", NULL }, NULL);
  CU_ASSERT_EQUAL(dry->status, 2);
}

static void
test_help_exits_0(void)
{
  g_autoptr(ItestRun) help = itest_baitiao((const char *[]) { "--help", NULL }, NULL);
  CU_ASSERT_EQUAL(help->status, 0);
  ITEST_ASSERT_CONTAINS(help->out, "migrate");
  ITEST_ASSERT_CONTAINS(help->out, "75 temporary");
  g_autoptr(ItestRun) sub = itest_baitiao((const char *[]) { "migrate", "--help", NULL }, NULL);
  CU_ASSERT_EQUAL(sub->status, 0);
  ITEST_ASSERT_CONTAINS(sub->out, "status|up|verify");
}

static void
test_unreachable_database_exits_75_without_secrets(void)
{
  g_autofree char *config = g_strdup_printf("%s/unreachable.conf", itest_tmpdir());
  CU_ASSERT_FATAL(g_file_set_contents(config, "[database]\nhost=/nonexistent/socketdir\nport=5999\n",
                                      -1, NULL));
  const char *env[] = { "PGPASSWORD=s3cr3t-pw", NULL };
  g_autoptr(ItestRun) run = itest_baitiao((const char *[]) { "status", "--config", config, NULL }, env);
  CU_ASSERT_EQUAL(run->status, 75);
  ITEST_ASSERT_CONTAINS(run->err, "could not connect to the database at socket directory \"/nonexistent/socketdir\" port 5999");
  CU_ASSERT_PTR_NULL(strstr(run->err, "s3cr3t-pw"));
  CU_ASSERT_PTR_NULL(strstr(run->out, "s3cr3t-pw"));
  /* one clear line, then libpq's reason */
  g_auto(GStrv) lines = g_strsplit(g_strstrip(run->err), "\n", -1);
  CU_ASSERT_TRUE(g_strv_length(lines) <= 2);
}

static void
test_config_error_names_file_and_line(void)
{
  g_autofree char *config = g_strdup_printf("%s/broken.conf", itest_tmpdir());
  CU_ASSERT_FATAL(g_file_set_contents(config, "[database]\nhost=/tmp\nport=fifty\n", -1, NULL));
  g_autoptr(ItestRun) run = itest_baitiao((const char *[]) { "status", "--config", config, NULL }, NULL);
  CU_ASSERT_EQUAL(run->status, 2);
  g_autofree char *where = g_strdup_printf("%s:3:", config);
  ITEST_ASSERT_CONTAINS(run->err, where);
}

static void
test_status_on_migrated_database(void)
{
  g_autofree char *db = itest_create_db("cli_status", TRUE);
  g_autofree char *config = itest_write_config(db, NULL);
  g_autoptr(ItestRun) run = itest_baitiao((const char *[]) { "status", "--config", config, NULL }, NULL);
  CU_ASSERT_EQUAL(run->status, 0);
  ITEST_ASSERT_CONTAINS(run->out, "(0 pending)");
  ITEST_ASSERT_CONTAINS(run->out, "as user \"baitiao_report\"");
  ITEST_ASSERT_CONTAINS(run->out, "business: 0 dates closed, last closed none, open none");
  ITEST_ASSERT_CONTAINS(run->out, "runs:     none yet");
  ITEST_ASSERT_CONTAINS(run->out, "audit:    no full audit yet");

  /* a closed date and a failed run show up, with the first line of the error */
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *r1 = itest_sql(c,
    "INSERT INTO baitiao.job_runs (command, business_date, status, ended_at, host, pid, exit_code, error)"
    " VALUES ('eod', '2026-03-05', 'FAILED', now(), 'batch1', 4242, 1, 'step bill failed\nmore detail')", NULL);
  g_autofree char *r2 = itest_sql(c,
    "INSERT INTO baitiao.business_calendar (business_date, status, closed_at) VALUES ('2026-03-04', 'CLOSED', now())", NULL);
  CU_ASSERT_PTR_NOT_NULL(r1);
  CU_ASSERT_PTR_NOT_NULL(r2);
  PQfinish(c);
  g_autoptr(ItestRun) again = itest_baitiao((const char *[]) { "status", "--config", config, NULL }, NULL);
  CU_ASSERT_EQUAL(again->status, 0);
  ITEST_ASSERT_CONTAINS(again->out, "business: 1 dates closed, last closed 2026-03-04, open none");
  ITEST_ASSERT_CONTAINS(again->out, "eod         2026-03-05  FAILED");
  ITEST_ASSERT_CONTAINS(again->out, "step bill failed");
  CU_ASSERT_PTR_NULL(strstr(again->out, "more detail"));
}

/* ---- the command frame ----------------------------------------------------------- */

static void
test_version(void)
{
  g_autofree char *want = g_strdup_printf("baitiao %s\n", PACKAGE_VERSION);
  const char *spellings[] = { "-V", "--version" };
  for (gsize i = 0; i < G_N_ELEMENTS(spellings); i++) {
    g_autoptr(ItestRun) run = itest_baitiao((const char *[]) { spellings[i], NULL }, NULL);
    CU_ASSERT_EQUAL(run->status, 0);
    ITEST_ASSERT_STR_EQ(run->out, want);
    ITEST_ASSERT_STR_EQ(run->err, "");
  }
}

/* Every command of the table: a GNU usage line, its description, each of its own options,
 * the shared --dry-run when it has one and the common options, all in the one --help. */
static void
test_every_option_in_help(void)
{
  g_autoptr(ItestRun) top = itest_baitiao((const char *[]) { "--help", NULL }, NULL);
  CU_ASSERT_EQUAL(top->status, 0);
  for (const CliCommand *const *c = commands; *c; c++) {
    const CliCommand *cmd = *c;
    g_autofree char *listed = g_strdup_printf("\n  %-10s %s\n", cmd->name, cmd->summary);
    ITEST_ASSERT_CONTAINS(top->out, listed);
    g_autoptr(ItestRun) run = itest_baitiao((const char *[]) { cmd->name, "--help", NULL }, NULL);
    CU_ASSERT_EQUAL(run->status, 0);
    g_autofree char *usage = g_strdup_printf("Usage: baitiao %s [OPTION…]%s%s\n%s\n", cmd->name,
                                             cmd->args ? " " : "", cmd->args ? cmd->args : "", cmd->description);
    CU_ASSERT_TRUE(g_str_has_prefix(run->out, usage));
    if (!g_str_has_prefix(run->out, usage))
      fprintf(stderr, "\n  expected %s --help to start with:\n%s\ngot:\n%s\n", cmd->name, usage, run->out);
    CU_ASSERT_PTR_NULL(strstr(run->out, "--help-"));
    for (const GOptionEntry *e = cmd->options; e && e->long_name; e++) {
      g_autofree char *opt = e->short_name ? g_strdup_printf("  -%c, --%s", e->short_name, e->long_name)
                                           : g_strdup_printf("      --%s", e->long_name);
      ITEST_ASSERT_CONTAINS(run->out, opt);
      ITEST_ASSERT_CONTAINS(run->out, e->description);
    }
    if (cmd->dry_run) {
      g_autofree char *dry = g_strdup_printf("  -n, --dry-run");
      ITEST_ASSERT_CONTAINS(run->out, dry);
      ITEST_ASSERT_CONTAINS(run->out, cmd->dry_run);
    } else {
      CU_ASSERT_PTR_NULL(strstr(run->out, "--dry-run"));
    }
    ITEST_ASSERT_CONTAINS(run->out, "\nCommon options:\n  -c, --config=FILE ");
    ITEST_ASSERT_CONTAINS(run->out, "\n  -v, --verbose ");
    ITEST_ASSERT_CONTAINS(run->out, "\n  -q, --quiet ");
    ITEST_ASSERT_CONTAINS(run->out, "\n  -h, --help ");
    g_autoptr(ItestRun) via_help = itest_baitiao((const char *[]) { "help", cmd->name, NULL }, NULL);
    CU_ASSERT_EQUAL(via_help->status, 0);
    ITEST_ASSERT_STR_EQ(via_help->out, run->out);
  }
}

static void
test_usage_lines(void)
{
  g_autoptr(ItestRun) eod = itest_baitiao((const char *[]) { "eod", "--help", NULL }, NULL);
  CU_ASSERT_TRUE(g_str_has_prefix(eod->out, "Usage: baitiao eod [OPTION…]\nRun the night (日终)"));
  ITEST_ASSERT_CONTAINS(eod->out, "\n  -d, --date=YYYY-MM-DD ");
  ITEST_ASSERT_CONTAINS(eod->out, "\n      --allow-missing=KIND[:CHANNEL]\n");
  ITEST_ASSERT_CONTAINS(eod->out, "\n  -n, --dry-run                 Compute and print the night's totals; commit nothing\n");
  g_autoptr(ItestRun) load = itest_baitiao((const char *[]) { "load", "--help", NULL }, NULL);
  CU_ASSERT_TRUE(g_str_has_prefix(load->out,
                                  "Usage: baitiao load [OPTION…] users|orders|repayments|refunds|settlement|coupons"
                                  " FILE.csv\n"));
  g_autoptr(ItestRun) migrate = itest_baitiao((const char *[]) { "migrate", "--help", NULL }, NULL);
  CU_ASSERT_TRUE(g_str_has_prefix(migrate->out, "Usage: baitiao migrate [OPTION…] status|up|verify\n"));
  ITEST_ASSERT_CONTAINS(migrate->out, "\n  -n, --dry-run      With up: print what would be applied\n");
  /* the argument count is the table's: too few and too many are usage errors */
  g_autoptr(ItestRun) few = itest_baitiao((const char *[]) { "import", "book", NULL }, NULL);
  CU_ASSERT_EQUAL(few->status, 2);
  ITEST_ASSERT_CONTAINS(few->err, "missing argument: expected \"baitiao import book DIR\"");
  ITEST_ASSERT_CONTAINS(few->err, "hint: try \"baitiao import --help\"");
  g_autoptr(ItestRun) many = itest_baitiao((const char *[]) { "status", "extra", NULL }, NULL);
  CU_ASSERT_EQUAL(many->status, 2);
  ITEST_ASSERT_CONTAINS(many->err, "unexpected argument \"extra\"");
}

static void
test_mistyped_command(void)
{
  struct { const char *typed, *meant; } cases[] = {
    { "eodd", "eod" }, { "reprot", "report" }, { "stauts", "status" }, { "migarte", "migrate" }, { "sq", "sql" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(ItestRun) run = itest_baitiao((const char *[]) { cases[i].typed, NULL }, NULL);
    CU_ASSERT_EQUAL(run->status, 2);
    g_autofree char *msg = g_strdup_printf("baitiao: unknown command \"%s\" (did you mean \"%s\"?)\n",
                                           cases[i].typed, cases[i].meant);
    ITEST_ASSERT_CONTAINS(run->err, msg);
    ITEST_ASSERT_STR_EQ(run->out, "");
  }
  g_autoptr(ItestRun) far = itest_baitiao((const char *[]) { "frobnicate", NULL }, NULL);
  CU_ASSERT_EQUAL(far->status, 2);
  CU_ASSERT_PTR_NULL(strstr(far->err, "did you mean"));
  g_autoptr(ItestRun) help = itest_baitiao((const char *[]) { "help", "eodd", NULL }, NULL);
  CU_ASSERT_EQUAL(help->status, 2);
  ITEST_ASSERT_CONTAINS(help->err, "(did you mean \"eod\"?)");
}

/* Arguments are judged before connecting: with no server listening a bad date is still
 * exit 2 (the request), while a good one reaches the connection and is exit 75. */
static void
test_bad_date_with_database_down(void)
{
  g_autofree char *config = g_strdup_printf("%s/down.conf", itest_tmpdir());
  CU_ASSERT_FATAL(g_file_set_contents(config, "[database]\nhost=/nonexistent/socketdir\nport=5999\n", -1, NULL));
  struct { const char *args[6]; const char *msg; } cases[] = {
    { { "eod", "--date", "2026-02-29" },
      "eod: error: --date: \"2026-02-29\" is not a date YYYY-MM-DD: February 2026 has 28 days" },
    { { "eod", "--catch-up", "--until", "2026-1-5" },
      "eod: error: --until: \"2026-1-5\" is not a date YYYY-MM-DD: expected a four-digit year, a two-digit month"
      " and a two-digit day, joined by '-'" },
    { { "recon", "--date", "2026-04-31" },
      "recon: error: --date: \"2026-04-31\" is not a date YYYY-MM-DD: April 2026 has 30 days" },
    { { "recon", "breaks", "--date", "2026-03-05x" },
      "recon: error: --date: \"2026-03-05x\" is not a date YYYY-MM-DD: something follows the date" },
    { { "report", "trial_balance", "--date", "2026-13-01" },
      "report: error: --date: \"2026-13-01\" is not a date YYYY-MM-DD: there is no month 13" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(ItestRun) run = itest_baitiao_config(config, cases[i].args, NULL);
    CU_ASSERT_EQUAL(run->status, 2);
    ITEST_ASSERT_CONTAINS(run->err, cases[i].msg);
    CU_ASSERT_PTR_NULL(strstr(run->err, "could not connect"));
  }
  g_autoptr(ItestRun) good = itest_baitiao_config(config, (const char *[]) { "eod", "--date", "2024-02-29", NULL },
                                                  NULL);
  CU_ASSERT_EQUAL(good->status, 75);
  ITEST_ASSERT_CONTAINS(good->err, "could not connect to the database");
}

/* Runs FILE in psql on DB as USER with the psql variables VARS ("p1=…"), unaligned,
 * tuples only; returns stdout, or NULL (the error printed) when psql failed. */
static char *
psql_file(const char *db, const char *user, const char *file, const char *const *vars)
{
  const char *bindir = g_getenv("PG_BINDIR");
  g_autofree char *psql = bindir && *bindir ? g_build_filename(bindir, "psql", NULL) : g_strdup("psql");
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
  const char *fixed[] = { psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db, "-U", user, "-f", file };
  for (gsize i = 0; i < G_N_ELEMENTS(fixed); i++)
    g_ptr_array_add(argv, g_strdup(fixed[i]));
  for (gsize i = 0; vars[i]; i++) {
    g_ptr_array_add(argv, g_strdup("-v"));
    g_ptr_array_add(argv, g_strdup(vars[i]));
  }
  g_ptr_array_add(argv, NULL);
  g_autofree char *out = NULL, *err = NULL;
  int status = -1;
  g_autoptr(GError) error = NULL;
  if (!g_spawn_sync(NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error)
      || !g_spawn_check_wait_status(status, NULL)) {
    fprintf(stderr, "\n  psql -f %s failed: %s%s\n", file, error ? error->message : "", err ? err : "");
    return NULL;
  }
  return g_steal_pointer(&out);
}

/* "sql show" prints what a DBA runs: the step's statement, PREPAREd and EXECUTEd in psql,
 * does to one copy of a book exactly what the step's own call does to another. */
static void
test_sql_show_runs_in_psql(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = itest_example_db("cli_sql", (const char *[]) { "users", "orders", NULL }, &config);
  g_autofree char *twin = itest_clone_db("cli_sql_twin", db);
  const char *name = "steps/intake_close/10_sweep_orders";
  g_autoptr(ItestRun) show = itest_baitiao((const char *[]) { "sql", "show", name, NULL }, NULL);
  CU_ASSERT_EQUAL_FATAL(show->status, 0);
  ITEST_ASSERT_CONTAINS(show->out, "\nPREPARE steps_intake_close_10_sweep_orders (date) AS\nWITH swept AS (\n");
  ITEST_ASSERT_CONTAINS(show->out, "\nEXECUTE steps_intake_close_10_sweep_orders (\n"
                                   "  :'p1'   -- $1 date: the business date D\n);\n");
  g_autofree char *file = g_strdup_printf("%s/sweep_orders-%d.sql", itest_tmpdir(), (int) getpid());
  CU_ASSERT_FATAL(g_file_set_contents(file, show->out, -1, NULL));
  g_autofree char *by_psql = psql_file(db, "baitiao_batch", file, (const char *[]) { "p1=2026-03-04", NULL });
  /* t/data/orders.csv: three orders of 2026-03-04, 1000.00 + 3999.99 + 100.00 yuan, still PENDING */
  ITEST_ASSERT_STR_EQ(by_psql, "3|509999\n");

  PGconn *conn = itest_connect(twin, "baitiao_batch");
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = stmt_query_one(conn, name, 1, (const char *[]) { "2026-03-04" }, &error);
  CU_ASSERT_PTR_NOT_NULL_FATAL(res);
  ITEST_ASSERT_STR_EQ(PQgetvalue(res, 0, 0), "3");
  ITEST_ASSERT_STR_EQ(PQgetvalue(res, 0, 1), "509999");
  PQfinish(conn);
  g_autofree char *a = itest_business_digest(db);
  g_autofree char *b = itest_business_digest(twin);
  ITEST_ASSERT_STR_EQ(a, b);
  g_autofree char *rejects = itest_db_value(db, "baitiao_batch",
                                            "SELECT count(*) FROM baitiao.rejects WHERE reason_code = 'DATE_CLOSED'");
  ITEST_ASSERT_STR_EQ(rejects, "3");
}

static void
test_sql_list_and_unknown(void)
{
  g_autoptr(ItestRun) list = itest_baitiao((const char *[]) { "sql", "list", NULL }, NULL);
  CU_ASSERT_EQUAL(list->status, 0);
  g_auto(GStrv) names = stmt_list();
  g_auto(GStrv) lines = g_strsplit(list->out, "\n", -1);
  CU_ASSERT_EQUAL(g_strv_length(lines), g_strv_length(names) + 1);   /* the last line ends with \n */
  for (guint i = 0; names[i] && lines[i]; i++) {
    const Stmt *stmt = stmt_get(names[i], NULL);
    CU_ASSERT_TRUE(g_str_has_prefix(lines[i], names[i]));
    CU_ASSERT_TRUE(g_str_has_suffix(lines[i], stmt->summary));
  }
  ITEST_ASSERT_CONTAINS(list->out, "queries/status/60_last_runs ");
  g_autoptr(ItestRun) typo = itest_baitiao((const char *[]) { "sql", "show", "steps/gl_close/10_daily_balance", NULL },
                                           NULL);
  CU_ASSERT_EQUAL(typo->status, 2);
  ITEST_ASSERT_CONTAINS(typo->err, "no statement \"steps/gl_close/10_daily_balance\" (did you mean "
                                   "\"steps/gl_close/10_daily_balances\"?)");
  g_autoptr(ItestRun) bad = itest_baitiao((const char *[]) { "sql", "drop", NULL }, NULL);
  CU_ASSERT_EQUAL(bad->status, 2);
  ITEST_ASSERT_CONTAINS(bad->err, "unknown action \"drop\": list or show NAME");
}

CU_TestInfo itest_cli_cases[] = {
  { "usage errors exit 2", test_usage_errors_exit_2 },
  { "help exits 0", test_help_exits_0 },
  { "unreachable database exits 75 without secrets", test_unreachable_database_exits_75_without_secrets },
  { "config error names file and line", test_config_error_names_file_and_line },
  { "status on migrated database", test_status_on_migrated_database },
  { "version", test_version },
  { "every option in help", test_every_option_in_help },
  { "usage lines", test_usage_lines },
  { "mistyped command", test_mistyped_command },
  { "bad date with database down", test_bad_date_with_database_down },
  { "sql show runs in psql", test_sql_show_runs_in_psql },
  { "sql list and unknown", test_sql_list_and_unknown },
  CU_TEST_INFO_NULL,
};
