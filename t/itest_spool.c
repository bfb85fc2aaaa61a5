/* File-arrival control through the real binary and database: baitiao intake over a
 * spool folder (order, done/ and refused/, control totals, .part files, idempotence),
 * the night waiting for an expected file (exit 4, status, metrics), closing once it
 * lands, the --allow-missing override on the run and in the reconciliation report,
 * and jobs/baitiao-night driving it all. */
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#define CHECK_PYTHON "/usr/bin/python3"   /* Debian's, where python3-openpyxl is */

static const char users_csv[] =
  "user_id,credit_limit,statement_day,status,name,phone\n"
  "U1,20000.00,5,ACTIVE,张三,13812341234\n";
static const char orders_csv[] =
  "order_id,user_id,order_date,amount,product_code\n"
  "O1,U1,2026-03-04,1000.00,FPP3\n"
  "O2,U1,2026-03-04,200.50,FPP3\n";
static const char refunds_csv[] = "refund_id,order_id,refund_date,amount\n";
static const char repay_header[] = "txn_id,user_id,pay_date,amount,channel,prepay_order_id\n";

typedef struct {
  char *db;
  char *config;
  char *spool;
  char *metrics;
} Setup;

static void
setup_clear(Setup *s)
{
  g_free(s->db);
  g_free(s->config);
  g_free(s->spool);
  g_free(s->metrics);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Setup, setup_clear)

/* A migrated database with the product catalogue, a spool folder and a metrics file. */
static void
setup(Setup *s, const char *name, const char *intake_extra)
{
  s->db = itest_create_db(name, TRUE);
  s->spool = g_build_filename(itest_tmpdir(), s->db, "spool", NULL);
  s->metrics = g_build_filename(itest_tmpdir(), s->db, "baitiao.prom", NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(s->spool, 0755) == 0);
  g_autofree char *extra = g_strdup_printf("[paths]\nmetrics_file=%s\n[intake]\nspool_dir=%s\n%s", s->metrics,
                                           s->spool, intake_extra ? intake_extra : "");
  s->config = itest_write_config(s->db, extra);
  PGconn *c = itest_connect(s->db, "baitiao_batch");
  itest_load_products(c);
  PQfinish(c);
}

static void
deliver(const Setup *s, const char *day, const char *name, const char *text)
{
  g_autofree char *dir = g_build_filename(s->spool, day, NULL);
  g_autofree char *path = g_build_filename(dir, name, NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(dir, 0755) == 0);
  CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
}

static gboolean
spool_has(const Setup *s, const char *rel)
{
  g_autofree char *path = g_build_filename(s->spool, rel, NULL);
  return g_file_test(path, G_FILE_TEST_EXISTS);
}

static char *
spool_read(const Setup *s, const char *rel)
{
  g_autofree char *path = g_build_filename(s->spool, rel, NULL);
  char *text = NULL;
  return g_file_get_contents(path, &text, NULL, NULL) ? text : NULL;
}

static ItestRun *
run(const Setup *s, const char *const *args)
{
  return itest_baitiao_config(s->config, args, NULL);
}

static char *
value(const Setup *s, const char *sql)
{
  PGconn *c = itest_connect(s->db, "baitiao_report");
  char *v = itest_query(c, sql);
  PQfinish(c);
  return v;
}

static char *
metrics_text(const Setup *s)
{
  char *text = NULL;
  return g_file_get_contents(s->metrics, &text, NULL, NULL) ? text : g_strdup("");
}

/* ---- intake ------------------------------------------------------------ */

/* Files of two days, delivered in the wrong order of names, are loaded by day, then
 * users → orders → refunds → repayments → settlement, each moved to done/. */
static void
test_intake_takes_in_order_and_moves_to_done(void)
{
  g_auto(Setup) s = { 0 };
  setup(&s, "spool_order", NULL);
  deliver(&s, "20260305", "orders.csv", "order_id,user_id,order_date,amount,product_code\nO3,U1,2026-03-05,10.00,FPP3\n");
  deliver(&s, "20260304", "settlement_alipay.csv", "channel_txn_id,pay_date,amount\nA1,2026-03-03,1.00\n");
  deliver(&s, "20260304", "repayments_WECHAT.csv", repay_header);
  deliver(&s, "20260304", "refunds.csv", refunds_csv);
  deliver(&s, "20260304", "orders.csv", orders_csv);
  deliver(&s, "20260304", "users.csv", users_csv);
  deliver(&s, "20260304", "notes.txt", "not a partner file\n");
  g_autoptr(ItestRun) in = run(&s, (const char *[]) { "intake", NULL });
  CU_ASSERT_EQUAL(in->status, 0);
  ITEST_ASSERT_CONTAINS(in->out, "20260304/orders.csv: done: file 3, 2 rows, 2 accepted, 0 rejected\n");
  g_autofree char *order = value(&s, "SELECT string_agg(kind || coalesce(':' || channel, ''), ' ' ORDER BY file_id)"
                                      " FROM load_files WHERE kind <> 'products'");
  ITEST_ASSERT_STR_EQ(order, "users orders refunds repayments settlement:ALIPAY orders");
  g_autofree char *arrivals = value(&s, "SELECT string_agg(business_date || ' ' || kind || ' ' || channel || ' '"
                                         " || outcome, ', ' ORDER BY arrival_id) FROM spool_arrivals");
  ITEST_ASSERT_STR_EQ(arrivals, "2026-03-04 users  LOADED, 2026-03-04 orders  LOADED, 2026-03-04 refunds  LOADED, "
                                "2026-03-04 repayments WECHAT LOADED, 2026-03-04 settlement ALIPAY LOADED, "
                                "2026-03-05 orders  LOADED");
  g_autofree char *inbox = value(&s, "SELECT string_agg(order_id || ':' || amount_fen, ' ' ORDER BY arrival_seq)"
                                      " FROM inbox_orders");
  ITEST_ASSERT_STR_EQ(inbox, "O1:100000 O2:20050 O3:1000");
  CU_ASSERT_TRUE(spool_has(&s, "done/20260304/users.csv"));
  CU_ASSERT_TRUE(spool_has(&s, "done/20260304/settlement_alipay.csv"));
  CU_ASSERT_TRUE(spool_has(&s, "done/20260305/orders.csv"));
  CU_ASSERT_FALSE(spool_has(&s, "20260304/orders.csv"));
  CU_ASSERT_TRUE(spool_has(&s, "20260304/notes.txt"));   /* left alone */
  /* idempotent: a second run finds nothing; the same content sent again is a duplicate */
  g_autoptr(ItestRun) again = run(&s, (const char *[]) { "intake", NULL });
  CU_ASSERT_EQUAL(again->status, 0);
  ITEST_ASSERT_STR_EQ(again->out, "");
  deliver(&s, "20260306", "orders.csv", orders_csv);
  g_autoptr(ItestRun) dup = run(&s, (const char *[]) { "intake", NULL });
  CU_ASSERT_EQUAL(dup->status, 0);
  ITEST_ASSERT_CONTAINS(dup->out, "20260306/orders.csv: done: already loaded on ");
  g_autofree char *n = value(&s, "SELECT count(*) || ' ' || (SELECT outcome || ' ' || file_id FROM spool_arrivals"
                                  " WHERE business_date = '2026-03-06') FROM inbox_orders");
  ITEST_ASSERT_STR_EQ(n, "3 DUPLICATE 3");
  CU_ASSERT_TRUE(spool_has(&s, "done/20260306/orders.csv"));
}

/* A .ctl that disagrees refuses the whole file: nothing stored, the file and its .ctl
 * in refused/ with a .reason naming both figures; one that agrees lets it load. A
 * .part file is not taken. */
static void
test_intake_control_totals_and_partial_files(void)
{
  g_auto(Setup) s = { 0 };
  setup(&s, "spool_ctl", NULL);
  deliver(&s, "20260304", "users.csv", users_csv);
  deliver(&s, "20260304", "users.csv.ctl", "rows=1\n");
  deliver(&s, "20260304", "orders.csv", orders_csv);
  deliver(&s, "20260304", "orders.csv.ctl", "rows=2,amount=1200.00\n");
  deliver(&s, "20260304", "repayments_WECHAT.csv.part", repay_header);
  g_autoptr(ItestRun) in = run(&s, (const char *[]) { "intake", NULL });
  CU_ASSERT_EQUAL(in->status, 1);
  const char *reason = "20260304/orders.csv: control totals do not match: the .ctl says rows=2, amount=1200.00,"
                       " the file has rows=2, amount=1200.50";
  ITEST_ASSERT_CONTAINS(in->err, reason);
  ITEST_ASSERT_CONTAINS(in->err, "1 of 2 files refused");
  g_autofree char *stored = value(&s, "SELECT (SELECT count(*) FROM inbox_orders) || ' '"
                                       " || (SELECT string_agg(kind, ',') FROM load_files WHERE kind <> 'products') || ' '"
                                       " || (SELECT count(*) FROM users)");
  ITEST_ASSERT_STR_EQ(stored, "0 users 1");
  g_autofree char *why = spool_read(&s, "refused/20260304/orders.csv.reason");
  g_autofree char *want = g_strdup_printf("%s\n", reason);
  ITEST_ASSERT_STR_EQ(why, want);
  CU_ASSERT_TRUE(spool_has(&s, "refused/20260304/orders.csv.ctl"));
  CU_ASSERT_TRUE(spool_has(&s, "done/20260304/users.csv.ctl"));
  CU_ASSERT_TRUE(spool_has(&s, "20260304/repayments_WECHAT.csv.part"));
  g_autofree char *refused = value(&s, "SELECT outcome || ' ' || (file_id IS NULL)::text FROM spool_arrivals"
                                        " WHERE kind = 'orders'");
  ITEST_ASSERT_STR_EQ(refused, "REFUSED true");
  /* the partner sends it again, corrected; the finished .part is renamed into place */
  deliver(&s, "20260304", "orders.csv", orders_csv);
  deliver(&s, "20260304", "orders.csv.ctl", "rows=2,amount=1200.50\n");
  g_autofree char *part = g_build_filename(s.spool, "20260304", "repayments_WECHAT.csv.part", NULL);
  g_autofree char *final = g_build_filename(s.spool, "20260304", "repayments_WECHAT.csv", NULL);
  CU_ASSERT_FATAL(g_rename(part, final) == 0);
  g_autoptr(ItestRun) fixed = run(&s, (const char *[]) { "intake", NULL });
  CU_ASSERT_EQUAL(fixed->status, 0);
  g_autofree char *now = value(&s, "SELECT (SELECT count(*) FROM inbox_orders) || ' '"
                                    " || (SELECT string_agg(kind, ',' ORDER BY file_id) FROM load_files WHERE kind <> 'products')");
  ITEST_ASSERT_STR_EQ(now, "2 users,orders,repayments");
  CU_ASSERT_TRUE(spool_has(&s, "done/20260304/orders.csv"));
  CU_ASSERT_TRUE(spool_has(&s, "refused/20260304/orders.csv"));   /* the first one is kept */
}

/* A file refused as a whole by the loader (bad header) goes to refused/ with the
 * loader's message; a settlement file without its channel in the name too. */
static void
test_intake_refuses_bad_files(void)
{
  g_auto(Setup) s = { 0 };
  setup(&s, "spool_bad", NULL);
  deliver(&s, "2026-03-04", "orders.csv", "order_id,user\nO1,U1\n");
  deliver(&s, "2026-03-04", "settlement.csv", "channel_txn_id,pay_date,amount\n");
  g_autoptr(ItestRun) in = run(&s, (const char *[]) { "intake", NULL });
  CU_ASSERT_EQUAL(in->status, 1);
  g_autofree char *why = spool_read(&s, "refused/2026-03-04/orders.csv.reason");
  ITEST_ASSERT_CONTAINS(why, "orders.csv:1: ");
  g_autofree char *why2 = spool_read(&s, "refused/2026-03-04/settlement.csv.reason");
  ITEST_ASSERT_STR_EQ(why2, "2026-03-04/settlement.csv: a settlement file is named settlement_CHANNEL.csv\n");
  g_autofree char *n = value(&s, "SELECT (SELECT count(*) FROM load_files WHERE kind <> 'products') || ' ' || count(*) FROM spool_arrivals"
                                  " WHERE outcome = 'REFUSED'");
  ITEST_ASSERT_STR_EQ(n, "0 2");
}

/* A file delivered after its date's night cut the intake is taken (moved to done/),
 * but its rows are rejected DATE_CLOSED and intake exits 5 naming the file. */
static void
test_intake_late_file_exits_5(void)
{
  g_auto(Setup) s = { 0 };
  setup(&s, "spool_late", NULL);
  deliver(&s, "20260304", "users.csv", users_csv);
  g_autoptr(ItestRun) in = run(&s, (const char *[]) { "intake", NULL });
  CU_ASSERT_EQUAL(in->status, 0);
  PGconn *c = itest_connect(s.db, "baitiao_batch");   /* 03-04's night has run */
  g_free(itest_query(c, "INSERT INTO business_calendar (business_date, status, closed_at)"
                        " VALUES ('2026-03-04', 'CLOSED', now()) RETURNING 1"));
  PQfinish(c);
  deliver(&s, "20260304", "repayments_ALIPAY.csv",
          "txn_id,user_id,pay_date,amount,channel,prepay_order_id\nLATE1,U1,2026-03-04,1.00,ALIPAY,\n");
  g_autoptr(ItestRun) late = run(&s, (const char *[]) { "intake", NULL });
  CU_ASSERT_EQUAL(late->status, 5);
  ITEST_ASSERT_CONTAINS(late->err, "20260304/repayments_ALIPAY.csv: 1 row(s) dated on or before 2026-03-04 rejected"
                                   " DATE_CLOSED");
  ITEST_ASSERT_CONTAINS(late->err, "1 of 1 files taken had rows dated on a date whose intake is cut");
  CU_ASSERT_TRUE(spool_has(&s, "done/20260304/repayments_ALIPAY.csv"));
  g_autofree char *rejected = value(&s, "SELECT reason_code || ' ' || field FROM rejects WHERE external_id = 'LATE1'");
  ITEST_ASSERT_STR_EQ(rejected, "DATE_CLOSED pay_date");
}

/* One intake per spool at a time (exit 75 while another holds SPOOL/.lock); a spool
 * folder that is not there is an error naming it. */
static void
test_intake_busy_and_missing_spool(void)
{
  g_auto(Setup) s = { 0 };
  setup(&s, "spool_busy", NULL);
  deliver(&s, "20260304", "users.csv", users_csv);
  g_autofree char *lock = g_build_filename(s.spool, ".lock", NULL);
  int fd = g_open(lock, O_RDWR | O_CREAT, 0640);
  CU_ASSERT_FATAL(fd >= 0 && flock(fd, LOCK_EX) == 0);
  g_autoptr(ItestRun) busy = run(&s, (const char *[]) { "intake", NULL });
  close(fd);
  CU_ASSERT_EQUAL(busy->status, 75);
  ITEST_ASSERT_CONTAINS(busy->err, "another baitiao intake is taking files from it");
  CU_ASSERT_TRUE(spool_has(&s, "20260304/users.csv"));
  g_autofree char *none = value(&s, "SELECT count(*) FROM spool_arrivals");
  ITEST_ASSERT_STR_EQ(none, "0");
  g_autofree char *gone = g_build_filename(s.spool, "no-such-folder", NULL);
  g_autoptr(ItestRun) missing = run(&s, (const char *[]) { "intake", "--spool", gone, NULL });
  CU_ASSERT_EQUAL(missing->status, 1);
  ITEST_ASSERT_CONTAINS(missing->err, "spool: ");
  ITEST_ASSERT_CONTAINS(missing->err, "no-such-folder");
}

/* ---- the night waits for its files ------------------------------------- */

static ItestRun *
night_script(const Setup *s, const char *reports)
{
  g_autofree char *script = itest_top_file("jobs", "baitiao-night");
  g_autofree char *specs = itest_top_file("reports", NULL);
  g_autofree char *bin = g_strdup_printf("BAITIAO=%s", g_getenv("BAITIAO_BIN"));
  g_autofree char *cfg = g_strdup_printf("BAITIAO_CONFIG=%s", s->config);
  g_autofree char *out = g_strdup_printf("BAITIAO_REPORT_DIR=%s", reports);
  g_autofree char *spec_env = g_strdup_printf("BAITIAO_REPORTS_DIR=%s", specs);
  const char *argv[] = { "/bin/sh", script, NULL };
  g_auto(GStrv) envp = g_get_environ();
  const char *sets[] = { bin, cfg, out, spec_env };
  for (gsize i = 0; i < G_N_ELEMENTS(sets); i++) {
    g_auto(GStrv) kv = g_strsplit(sets[i], "=", 2);
    envp = g_environ_setenv(envp, kv[0], kv[1], TRUE);
  }
  ItestRun *r = g_new0(ItestRun, 1);
  int status = 0;
  CU_ASSERT_FATAL(g_spawn_sync(NULL, (char **) argv, envp, G_SPAWN_DEFAULT, NULL, NULL, &r->out, &r->err, &status,
                               NULL));
  r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

/* One cell row of a sheet read back with openpyxl: the first data row, "|"-joined. */
static char *
first_data_row(const char *file, const char *sheet)
{
  const char *code = "import sys, openpyxl\n"
                     "ws = openpyxl.load_workbook(sys.argv[1])[sys.argv[2]]\n"
                     "r = ws[ws.freeze_panes].row\n"
                     "print('|'.join(str(c.value) for c in ws[r][:2]))\n";
  const char *argv[] = { CHECK_PYTHON, "-c", code, file, sheet, NULL };
  char *out = NULL;
  int status = -1;
  CU_ASSERT_FATAL(g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                               &status, NULL));
  CU_ASSERT_EQUAL(status, 0);
  return g_strstrip(out);
}

/* Issue 12, "Done when" 2: with the day's repayments file missing the cron wrapper
 * waits (exit 4, status, metrics), closes the date once the file lands, and the
 * override closes the next date without it, recorded on the run and in the report. */
static void
test_night_waits_for_expected_files(void)
{
  g_auto(Setup) s = { 0 };
  setup(&s, "spool_wait", "expected = orders, repayments:wechat\nwait_deadline = 06:00\n");
  g_autofree char *reports = g_build_filename(itest_tmpdir(), s.db, "reports", NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(reports, 0755) == 0);
  deliver(&s, "20260304", "users.csv", users_csv);
  deliver(&s, "20260304", "orders.csv", orders_csv);
  deliver(&s, "20260304", "repayments_WECHAT.csv", repay_header);
  g_autoptr(ItestRun) in = run(&s, (const char *[]) { "intake", NULL });
  CU_ASSERT_EQUAL(in->status, 0);
  g_autoptr(ItestRun) first = run(&s, (const char *[]) { "eod", "--date", "2026-03-04", NULL });
  CU_ASSERT_EQUAL_FATAL(first->status, 0);
  /* 2026-03-05: the orders came, the WECHAT repayments came broken (refused) */
  deliver(&s, "20260305", "orders.csv", "order_id,user_id,order_date,amount,product_code\n");
  deliver(&s, "20260305", "repayments_WECHAT.csv", "txn_id,user_id\n");
  g_autoptr(ItestRun) wait = night_script(&s, reports);
  CU_ASSERT_EQUAL(wait->status, 4);   /* the night's code wins over the intake's 1 */
  ITEST_ASSERT_CONTAINS(wait->err, "intake: error: refused 20260305/repayments_WECHAT.csv: ");
  ITEST_ASSERT_CONTAINS(wait->err, "waiting for files: repayments WECHAT 2026-03-05 (OVERDUE)");
  ITEST_ASSERT_CONTAINS(wait->err, "OVERDUE: the night of 2026-03-05 is still waiting");
  g_autofree char *cal = value(&s, "SELECT string_agg(business_date || ' ' || status, ', ' ORDER BY business_date)"
                                    " || ' ' || (SELECT count(*) FROM job_runs WHERE business_date > '2026-03-04')"
                                    " FROM business_calendar");
  ITEST_ASSERT_STR_EQ(cal, "2026-03-04 CLOSED 0");
  g_autoptr(ItestRun) st = run(&s, (const char *[]) { "status", NULL });
  CU_ASSERT_EQUAL(st->status, 0);
  ITEST_ASSERT_CONTAINS(st->out, "files:    2026-03-05: WAITING for 1 expected file(s): repayments WECHAT"
                                 " — OVERDUE (past [intake] wait_deadline)\n");
  ITEST_ASSERT_CONTAINS(st->out, "breaks:   none open\n");
  ITEST_ASSERT_CONTAINS(st->out, "refused:  2026-03-05 repayments_WECHAT.csv: ");
  ITEST_ASSERT_CONTAINS(st->out, "/20260305/repayments_WECHAT.csv:1: header ends after column 2: column 3 \"pay_date\""
                                 " is missing\n");
  g_autofree char *m = metrics_text(&s);
  ITEST_ASSERT_CONTAINS(m, "\nbaitiao_intake_waiting_files 1\n");
  ITEST_ASSERT_CONTAINS(m, "\nbaitiao_intake_waiting_overdue 1\n");
  ITEST_ASSERT_CONTAINS(m, "\nbaitiao_intake_waiting_business_date 20260305\n");
  ITEST_ASSERT_CONTAINS(m, "\nbaitiao_eod_last_success_business_date 20260304\n");
  /* the file lands: the wrapper takes it, closes 2026-03-05 and waits for 2026-03-06 */
  deliver(&s, "20260305", "repayments_WECHAT.csv", "txn_id,user_id,pay_date,amount,channel,prepay_order_id\n"
                                                   "W1,U1,2026-03-05,50.00,WECHAT,\n");
  g_autoptr(ItestRun) closes = night_script(&s, reports);
  CU_ASSERT_EQUAL(closes->status, 4);
  ITEST_ASSERT_CONTAINS(closes->err, "waiting for files: orders 2026-03-06, repayments WECHAT 2026-03-06");
  g_autofree char *closed = value(&s, "SELECT string_agg(business_date || ' ' || status, ', ' ORDER BY business_date)"
                                       " || ' ' || (SELECT status FROM inbox_repayments WHERE txn_id = 'W1')"
                                       " FROM business_calendar");
  ITEST_ASSERT_STR_EQ(closed, "2026-03-04 CLOSED, 2026-03-05 CLOSED APPLIED");
  g_autofree char *rep = g_build_filename(reports, "reconciliation_20260305.xlsx", NULL);
  if (!g_file_test(rep, G_FILE_TEST_EXISTS))
    fprintf(stderr, "\n  no report: %s\n", closes->err);
  CU_ASSERT_TRUE(g_file_test(rep, G_FILE_TEST_EXISTS));
  g_autofree char *m2 = metrics_text(&s);
  ITEST_ASSERT_CONTAINS(m2, "\nbaitiao_intake_waiting_files 2\n");
  ITEST_ASSERT_CONTAINS(m2, "\nbaitiao_eod_last_success_business_date 20260305\n");
  /* 2026-03-06: orders came, the operator closes the date without the WECHAT file */
  deliver(&s, "20260306", "orders.csv", "order_id,user_id,order_date,amount,product_code\nO6,U1,2026-03-06,10.00,FPP3\n");
  g_autoptr(ItestRun) in2 = run(&s, (const char *[]) { "intake", NULL });
  CU_ASSERT_EQUAL(in2->status, 0);
  g_autoptr(ItestRun) bad = run(&s, (const char *[]) { "eod", "--catch-up", "--allow-missing", "repayments", NULL });
  CU_ASSERT_EQUAL(bad->status, 2);
  g_autoptr(ItestRun) typo = run(&s, (const char *[]) { "eod", "--allow-missing", "repayment", NULL });
  CU_ASSERT_EQUAL(typo->status, 2);
  ITEST_ASSERT_CONTAINS(typo->err, "--allow-missing \"repayment\" is not KIND[:CHANNEL]");
  g_autoptr(ItestRun) over = run(&s, (const char *[]) { "eod", "--allow-missing", "repayments:WECHAT",
                                                        "--allow-missing", "refunds", NULL });
  CU_ASSERT_EQUAL(over->status, 0);
  ITEST_ASSERT_CONTAINS(over->err, "--allow-missing refunds: no such expected file is missing for 2026-03-06");
  /* a closed date waits for nothing */
  g_autoptr(ItestRun) closed_again = run(&s, (const char *[]) { "eod", "--date", "2026-03-06", NULL });
  CU_ASSERT_EQUAL(closed_again->status, 0);
  ITEST_ASSERT_CONTAINS(closed_again->err, "2026-03-06 is already closed: nothing to do");
  ITEST_ASSERT_CONTAINS(over->err, "2026-03-06 closes without the expected file repayments WECHAT: --allow-missing by ");
  g_autofree char *rec = value(&s, "SELECT string_agg(o.business_date || ' ' || o.kind || ' ' || o.channel || ' '"
                                    " || (o.run_id = c.closed_by_run_id), ', ')"
                                    " FROM eod_missing_overrides o JOIN business_calendar c USING (business_date)"
                                    " WHERE c.status = 'CLOSED'");
  ITEST_ASSERT_STR_EQ(rec, "2026-03-06 repayments WECHAT true");
  g_autofree char *specs = itest_top_file("reports", NULL);
  g_autoptr(ItestRun) r = run(&s, (const char *[]) { "report", "reconciliation", "--date", "2026-03-06", "--out",
                                                     reports, "--specs", specs, NULL });
  if (r->status != 0)
    fprintf(stderr, "\n  report: %s\n", r->err);
  CU_ASSERT_EQUAL_FATAL(r->status, 0);
  g_autofree char *xlsx = g_build_filename(reports, "reconciliation_20260306.xlsx", NULL);
  g_autofree char *row = first_data_row(xlsx, "缺失文件放行");
  ITEST_ASSERT_STR_EQ(row, "repayments|WECHAT");
  g_autofree char *m3 = metrics_text(&s);
  ITEST_ASSERT_CONTAINS(m3, "\nbaitiao_intake_waiting_files 0\n");
  ITEST_ASSERT_CONTAINS(m3, "\nbaitiao_eod_last_success_business_date 20260306\n");
}

/* A failed night keeps the last-success gauges; a night that did nothing leaves the
 * file as it was. */
static void
test_metrics_survive_a_failed_night(void)
{
  g_auto(Setup) s = { 0 };
  setup(&s, "spool_metrics", NULL);
  deliver(&s, "20260304", "users.csv", users_csv);
  deliver(&s, "20260304", "orders.csv", orders_csv);
  g_autoptr(ItestRun) in = run(&s, (const char *[]) { "intake", NULL });
  CU_ASSERT_EQUAL(in->status, 0);
  g_autoptr(ItestRun) ok = run(&s, (const char *[]) { "eod", "--date", "2026-03-04", NULL });
  CU_ASSERT_EQUAL_FATAL(ok->status, 0);
  g_autofree char *before = metrics_text(&s);
  ITEST_ASSERT_CONTAINS(before, "\nbaitiao_eod_last_success_business_date 20260304\n");
  g_autoptr(ItestRun) nothing = run(&s, (const char *[]) { "eod", "--date", "2026-03-04", NULL });
  CU_ASSERT_EQUAL(nothing->status, 0);
  g_autofree char *same = metrics_text(&s);
  ITEST_ASSERT_STR_EQ(same, before);
  /* the next night fails at its first step: the batch may no longer record steps */
  PGconn *su = itest_connect(s.db, "postgres");
  g_autofree char *revoked = itest_query(su, "REVOKE INSERT ON job_step_runs FROM baitiao_batch");
  CU_ASSERT_PTR_NOT_NULL(revoked);
  PQfinish(su);
  g_autoptr(ItestRun) fails = run(&s, (const char *[]) { "eod", NULL });
  CU_ASSERT_EQUAL(fails->status, 1);
  g_autofree char *after = metrics_text(&s);
  ITEST_ASSERT_CONTAINS(after, "\nbaitiao_eod_last_run_success 0\n");
  ITEST_ASSERT_CONTAINS(after, "\nbaitiao_eod_last_success_business_date 20260304\n");
}

CU_TestInfo itest_spool_cases[] = {
  { "a late file is taken, its rows DATE_CLOSED, exit 5", test_intake_late_file_exits_5 },
  { "intake takes in order and moves to done", test_intake_takes_in_order_and_moves_to_done },
  { "intake control totals and partial files", test_intake_control_totals_and_partial_files },
  { "intake refuses bad files", test_intake_refuses_bad_files },
  { "intake busy and missing spool", test_intake_busy_and_missing_spool },
  { "night waits for expected files", test_night_waits_for_expected_files },
  { "metrics survive a failed night", test_metrics_survive_a_failed_night },
  CU_TEST_INFO_NULL,
};
