/* The binary as cron and operators see it: exit codes and messages. */
#include <stdio.h>
#include <string.h>

#include "itest.h"

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

CU_TestInfo itest_cli_cases[] = {
  { "usage errors exit 2", test_usage_errors_exit_2 },
  { "help exits 0", test_help_exits_0 },
  { "unreachable database exits 75 without secrets", test_unreachable_database_exits_75_without_secrets },
  { "config error names file and line", test_config_error_names_file_and_line },
  { "status on migrated database", test_status_on_migrated_database },
  CU_TEST_INFO_NULL,
};
