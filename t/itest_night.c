/* baitiao eod as cron runs it: date sequence, lock, dry run, catch-up, metrics,
 * and restart after a crash at every step with results identical to a clean run. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "eod.h"
#include "itest.h"

static ItestRun *
baitiao(const char *config, const char *const *args, const char *const *env)
{
  return itest_baitiao_config(config, args, env);
}

/* A database with the catalogue and the example users and orders loaded. */
static char *
night_db(const char *prefix, char **config)
{
  return itest_example_db(prefix, (const char *const[]) { "users", "orders", NULL }, config);
}

static guint
step_count(void)
{
  guint n;
  eod_steps(&n);
  return n;
}

static void
test_night_runs_and_closes(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = night_db("night_basic", &config);
  g_autofree char *metrics = g_strdup_printf("%s/metrics-%d.prom", itest_tmpdir(), (int) getpid());
  g_autofree char *config2 = itest_write_config(db, NULL);
  g_autofree char *text = NULL;
  CU_ASSERT_FATAL(g_file_get_contents(config2, &text, NULL, NULL));
  g_autofree char *with_metrics = g_strdup_printf("%s[paths]\nmetrics_file=%s\n", text, metrics);
  CU_ASSERT_FATAL(g_file_set_contents(config2, with_metrics, -1, NULL));

  g_autoptr(ItestRun) run = baitiao(config2, (const char *[]) { "eod", "--date", "2026-03-04", NULL }, NULL);
  CU_ASSERT_EQUAL(run->status, 0);
  ITEST_ASSERT_CONTAINS(run->out, "2026-03-04");
  ITEST_ASSERT_CONTAINS(run->out, "originate");
  PGconn *c = itest_connect(db, "baitiao_report");
  g_autofree char *cal = itest_query(c, "SELECT string_agg(business_date || ':' || status, ' ') FROM business_calendar");
  ITEST_ASSERT_STR_EQ(cal, "2026-03-04:CLOSED");
  g_autofree char *runs = itest_query(c, "SELECT string_agg(status, ' ') FROM job_runs WHERE command = 'eod'");
  ITEST_ASSERT_STR_EQ(runs, "SUCCEEDED");
  g_autofree char *steps = itest_query(c, "SELECT count(*) FROM job_step_runs WHERE status = 'SUCCEEDED'");
  g_autofree char *want = g_strdup_printf("%u", step_count());
  ITEST_ASSERT_STR_EQ(steps, want);
  /* the example orders: U1001 1000.00 accepted, U1002 3999.99 accepted, U1003 frozen */
  g_autofree char *loans = itest_query(c, "SELECT string_agg(order_id, ' ' ORDER BY order_id) FROM loans");
  ITEST_ASSERT_STR_EQ(loans, "O20260304001 O20260304002");
  g_autofree char *m = NULL;
  CU_ASSERT_FATAL(g_file_get_contents(metrics, &m, NULL, NULL));
  ITEST_ASSERT_CONTAINS(m, "baitiao_eod_last_run_success 1");
  ITEST_ASSERT_CONTAINS(m, "baitiao_eod_last_success_business_date 20260304");
  ITEST_ASSERT_CONTAINS(m, "baitiao_eod_step_rows{step=\"originate\"} 3");

  /* a closed date again: nothing to do; a date out of sequence: refused */
  g_autoptr(ItestRun) again = baitiao(config, (const char *[]) { "eod", "--date", "2026-03-04", NULL }, NULL);
  CU_ASSERT_EQUAL(again->status, 0);
  ITEST_ASSERT_CONTAINS(again->err, "already closed");
  g_autoptr(ItestRun) skip = baitiao(config, (const char *[]) { "eod", "--date", "2026-03-06", NULL }, NULL);
  CU_ASSERT_EQUAL(skip->status, 1);
  ITEST_ASSERT_CONTAINS(skip->err, "the next date to run is 2026-03-05");
  /* without --date: the next open date */
  g_autoptr(ItestRun) next = baitiao(config, (const char *[]) { "eod", NULL }, NULL);
  CU_ASSERT_EQUAL(next->status, 0);
  g_autofree char *cal2 = itest_query(c, "SELECT max(business_date) FROM business_calendar WHERE status = 'CLOSED'");
  ITEST_ASSERT_STR_EQ(cal2, "2026-03-05");
  PQfinish(c);
}

static void
test_first_night_needs_a_date(void)
{
  g_autofree char *config = NULL;
  g_free(night_db("night_first", &config));
  g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "eod", NULL }, NULL);
  CU_ASSERT_EQUAL(run->status, 1);
  ITEST_ASSERT_CONTAINS(run->err, "give the first business date with --date");
  g_autoptr(ItestRun) usage = baitiao(config, (const char *[]) { "eod", "--until", "2026-03-05", NULL }, NULL);
  CU_ASSERT_EQUAL(usage->status, 2);
}

static void
test_second_night_exits_75(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = night_db("night_lock", &config);
  PGconn *holder = itest_connect(db, "baitiao_batch");
  g_autofree char *pid = itest_query(holder, "SELECT pg_backend_pid()");
  g_autofree char *got = itest_query(holder, "SELECT pg_advisory_lock(1651769344, 2)");
  CU_ASSERT_PTR_NOT_NULL(got);
  g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "eod", "--date", "2026-03-04", NULL }, NULL);
  CU_ASSERT_EQUAL(run->status, 75);
  g_autofree char *msg = g_strdup_printf("another night (eod) is running: lock held by server pid %s", pid);
  ITEST_ASSERT_CONTAINS(run->err, msg);
  PQfinish(holder);
}

static void
test_dry_run_commits_nothing(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = night_db("night_dry", &config);
  g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "eod", "--date", "2026-03-04", "--dry-run", NULL }, NULL);
  if (run->status != 0)
    fprintf(stderr, "\n  eod --dry-run exited %d:\n%s\n", run->status, run->err);
  CU_ASSERT_EQUAL(run->status, 0);
  ITEST_ASSERT_CONTAINS(run->out, "dry run: nothing committed");
  ITEST_ASSERT_CONTAINS(run->out, "4,999.99 yuan");  /* 1000.00 + 3999.99 accepted; U1003 is frozen */
  PGconn *c = itest_connect(db, "baitiao_report");
  g_autofree char *n = itest_query(c, "SELECT (SELECT count(*) FROM loans) + (SELECT count(*) FROM business_calendar)"
                            " + (SELECT count(*) FROM job_runs)");
  ITEST_ASSERT_STR_EQ(n, "0");
  PQfinish(c);
}

static void
test_catch_up_runs_dates_in_order(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = night_db("night_catchup", &config);
  g_autoptr(ItestRun) first = baitiao(config, (const char *[]) { "eod", "--date", "2026-03-04", NULL }, NULL);
  CU_ASSERT_EQUAL(first->status, 0);
  g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "eod", "--catch-up", "--until", "2026-03-07", NULL }, NULL);
  CU_ASSERT_EQUAL(run->status, 0);
  PGconn *c = itest_connect(db, "baitiao_report");
  g_autofree char *cal = itest_query(c, "SELECT string_agg(business_date || ':' || status, ' ' ORDER BY business_date)"
                              "  FROM business_calendar");
  ITEST_ASSERT_STR_EQ(cal, "2026-03-04:CLOSED 2026-03-05:CLOSED 2026-03-06:CLOSED 2026-03-07:CLOSED");
  PQfinish(c);
}

/* ---- crash and resume ------------------------------------------------- */

static void
run_days(const char *config, const char *const *env, int expect_status)
{
  g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "eod", "--date", "2026-03-04", "--catch-up",
                                                               "--until", "2026-03-06", NULL }, env);
  if (run->status != expect_status)
    fprintf(stderr, "\n  eod exited %d, expected %d:\n%s\n", run->status, expect_status, run->err);
  CU_ASSERT_EQUAL(run->status, expect_status);
}

static void
test_restart_after_crash_at_every_step(void)
{
  g_autofree char *config = NULL;
  g_autofree char *clean_db = night_db("night_clean", &config);
  run_days(config, NULL, 0);
  g_autofree char *clean = itest_business_digest(clean_db);
  guint n;
  const EodStep *steps = eod_steps(&n);
  const char *whens[] = { "before-commit", "after-commit" };
  for (guint i = 0; i < n; i++) {
    for (gsize w = 0; w < G_N_ELEMENTS(whens); w++) {
      g_autofree char *crash_config = NULL;
      g_autofree char *db = night_db("night_crash", &crash_config);
      g_autofree char *fault = g_strdup_printf("BAITIAO_FAULT=kill:%s:%s", whens[w], steps[i].name);
      const char *env[] = { fault, NULL };
      run_days(crash_config, env, 128 + SIGKILL);   /* dies on the first night at that step */
      run_days(crash_config, NULL, 0);   /* the rerun resumes and finishes all three nights */
      g_autofree char *digest = itest_business_digest(db);
      if (strcmp(digest, clean) != 0)
        fprintf(stderr, "\n  after %s differs:\n%s\n  clean:\n%s\n", fault, digest, clean);
      ITEST_ASSERT_STR_EQ(digest, clean);
    }
  }
}

/* One fault grammar (src/fault.h): the older bare POINT, which exited 99, is refused
 * with a message and acts nowhere; the nights run through. */
static void
test_older_fault_dialect_is_refused(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = night_db("night_dialect", &config);
  const char *env[] = { "BAITIAO_FAULT=before-commit:billing", NULL };
  g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "eod", "--date", "2026-03-04", "--catch-up",
                                                               "--until", "2026-03-06", NULL }, env);
  CU_ASSERT_EQUAL(run->status, 0);
  ITEST_ASSERT_CONTAINS(run->err, "BAITIAO_FAULT=\"before-commit:billing\" ignored: expected kill:POINT[@K][,…], "
                                  "stop:POINT[@K][,…] or trace");
  g_autofree char *closed = itest_db_value(db, "baitiao_report", "SELECT max(business_date) FROM business_calendar"
                                                                 " WHERE status = 'CLOSED'");
  ITEST_ASSERT_STR_EQ(closed, "2026-03-06");
}

static void
test_demo_nights_tie_to_the_fen(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = night_db("night_demo", &config);
  g_autofree char *refunds = itest_top_file("t/data", "refunds.csv");
  g_autofree char *repayments = itest_top_file("t/data", "repayments.csv");
  g_autoptr(ItestRun) r = baitiao(config, (const char *[]) { "load", "refunds", refunds, NULL }, NULL);
  g_autoptr(ItestRun) p = baitiao(config, (const char *[]) { "load", "repayments", repayments, NULL }, NULL);
  CU_ASSERT_FATAL(r->status == 0 && p->status == 0);
  g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "eod", "--date", "2026-03-04", "--catch-up",
                                                               "--until", "2026-03-16", NULL }, NULL);
  CU_ASSERT_EQUAL(run->status, 0);
  PGconn *c = itest_connect(db, "baitiao_report");
  /* every date's trial balance sums to zero */
  g_autofree char *unbalanced = itest_query(c, "SELECT count(*) FROM (SELECT business_date FROM gl_daily_balances"
                                               " GROUP BY business_date HAVING sum(closing_fen) <> 0) s");
  ITEST_ASSERT_STR_EQ(unbalanced, "0");
  /* R4 on the last night: GL 1122 / 1123 / 1124 / 2241 equal the sub-ledgers */
  g_autofree char *r4 = itest_books_diff(c, "2026-03-16");
  ITEST_ASSERT_STR_EQ(r4, "0,0,0,0");
  /* U1001 paid period 1 (88.33) on its due date. U1002: ANN12 on 3999.99, 999.99
   * refunded from the last installments before billing; period 1 = 315.39 + 40.00
   * (A = 355.39); 500.00 paid it and left 144.61 as credit balance. Nothing is
   * overdue, so no penalty. */
  g_autofree char *paid = itest_query(c, "SELECT string_agg(order_id || '#' || installment_no || ':' || status, ' '"
                                         " ORDER BY order_id, installment_no) FROM installments"
                                         " WHERE status <> 'UNBILLED'");
  /* the refund's 999.99 took installments 12 and 11 to zero (351.92 + 348.39)
   * and 299.68 off 10 (344.94); 12 and 11 are cancelled, their fees waived */
  ITEST_ASSERT_STR_EQ(paid, "O20260304001#1:PAID O20260304002#1:PAID O20260304002#11:CANCELLED "
                            "O20260304002#12:CANCELLED");
  g_autofree char *reduced = itest_query(c, "SELECT string_agg(installment_no || ':' || principal_reduced_fen, ' '"
                                            " ORDER BY installment_no) FROM installments"
                                            " WHERE order_id = 'O20260304002' AND principal_reduced_fen > 0");
  ITEST_ASSERT_STR_EQ(reduced, "10:29968 11:34839 12:35192");
  g_autofree char *u1002 = itest_query(c, "SELECT credit_balance_fen || ' ' || used_limit_fen FROM users"
                                          " WHERE user_id = 'U1002'");
  ITEST_ASSERT_STR_EQ(u1002, "14461 268461");
  g_autofree char *penalty = itest_query(c, "SELECT (SELECT count(*) FROM penalty_accruals WHERE amount_fen > 0)"
                                             " + (SELECT count(*) FROM installments WHERE penalty_run_fen_per_day > 0)");
  ITEST_ASSERT_STR_EQ(penalty, "0");
  PQfinish(c);
}

CU_TestInfo itest_night_cases[] = {
  { "demo nights tie to the fen", test_demo_nights_tie_to_the_fen },
  { "night runs and closes", test_night_runs_and_closes },
  { "first night needs a date", test_first_night_needs_a_date },
  { "second night exits 75", test_second_night_exits_75 },
  { "dry run commits nothing", test_dry_run_commits_nothing },
  { "catch-up runs dates in order", test_catch_up_runs_dates_in_order },
  ITEST_FAULT_CASE("restart after a crash at every step", test_restart_after_crash_at_every_step)
  ITEST_FAULT_CASE("older fault dialect refused", test_older_fault_dialect_is_refused)
  CU_TEST_INFO_NULL,
};
