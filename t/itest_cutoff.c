/* Intake cut-off and completeness (issue 12 §1): a file loaded while the night of its
 * date runs is rejected DATE_CLOSED at load, never left PENDING; rows left PENDING
 * are rejected by the night's intake_close; R10 proves it. And the faults of issue 12
 * §6 that are intake's or the connection's: migrate and night lock each other out,
 * refusals by the server are permanent (exit 1), a restart is temporary (exit 75),
 * special files, ids with white space, channel case, the system maximum, personal
 * data in rejects, two loads of one id at once, dates that do not exist. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#define D "2026-03-04"

static char *
write_file(const char *name, const char *text)
{
  char *path = g_strdup_printf("%s/%d-%s", itest_tmpdir(), (int) getpid(), name);
  CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static ItestRun *
baitiao(const char *config, const char *const *args)
{
  return itest_baitiao_config(config, args, NULL);
}

/* A migrated database with the products and the example users. */
static char *
users_db(const char *prefix, char **config)
{
  return itest_example_db(prefix, (const char *const[]) { "users", NULL }, config);
}

static char *
query(const char *db, const char *sql)
{
  PGconn *c = itest_connect(db, "postgres");
  char *v = itest_query(c, sql);
  PQfinish(c);
  return v;
}

/* ---- the binary stopped at a fault point ------------------------------------------ */

typedef void (*WhileStopped)(const char *db, const char *config);

/* Runs ARGS until it stops at FAULT, runs WHILE_STOPPED, lets it go on: its status;
 * *ERR its stderr. */
static int
run_paused(const char *db, const char *config, const char *const *args, const char *fault, WhileStopped fn,
           char **err)
{
  g_autofree char *err_path = g_strdup_printf("%s/cutoff-%d.err", itest_tmpdir(), (int) getpid());
  GPid pid = itest_spawn_baitiao(config, args, fault, err_path);
  int status = itest_wait_child(pid, TRUE);
  CU_ASSERT_EQUAL(status, -1);
  if (status == -1) {
    fn(db, config);
    kill(pid, SIGCONT);
    status = itest_wait_child(pid, FALSE);
  }
  CU_ASSERT_FATAL(g_file_get_contents(err_path, err, NULL, NULL));
  return status;
}

/* ---- the cut ------------------------------------------------------------------------ */

static const char late_repayments[] =
  "txn_id,user_id,pay_date,amount,channel,prepay_order_id\n"
  "CUT1,U1001,2026-03-04,10.00,ALIPAY,\n"
  "CUT2,U1002,2026-03-03,20.00,WECHAT,\n";

static void
load_late_file(const char *db, const char *config)
{
  g_autofree char *file = write_file("late_repayments.csv", late_repayments);
  g_autoptr(ItestRun) load = baitiao(config, (const char *[]) { "load", "repayments", file, NULL });
  CU_ASSERT_EQUAL(load->status, 5);   /* loaded, but rows came after their date's cut */
  ITEST_ASSERT_CONTAINS(load->out, "2 rows, 0 accepted, 2 rejected (DATE_CLOSED 2)");
  ITEST_ASSERT_CONTAINS(load->err, "load: error: ");
  ITEST_ASSERT_CONTAINS(load->err, "late_repayments.csv: 2 row(s) dated on or before 2026-03-04 rejected DATE_CLOSED");
  ITEST_ASSERT_CONTAINS(load->err, "hint: such rows are never applied; send them again dated on an open business date");
  /* and a row that reaches the inbox after its step without the loader (online) */
  g_free(query(db, "INSERT INTO baitiao.inbox_repayments (txn_id, user_id, pay_date, amount_fen, channel)"
                   " VALUES ('ONLINE1', 'U1001', '2026-03-04', 700, 'ALIPAY')"));
}

static void
test_load_while_night_runs(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = users_db("cut_late", &config);
  g_autofree char *err = NULL;
  /* between steps: repayments done, billing not started */
  int status = run_paused(db, config, (const char *[]) { "eod", "--date", D, NULL }, "stop:step-start:billing",
                          load_late_file, &err);
  CU_ASSERT_EQUAL(status, 0);
  g_autofree char *inbox = query(db, "SELECT string_agg(txn_id || ':' || status || ':' || reject_reason, ' '"
                                     " ORDER BY txn_id) FROM baitiao.inbox_repayments");
  ITEST_ASSERT_STR_EQ(inbox, "ONLINE1:REJECTED:DATE_CLOSED");
  g_autofree char *rejects = query(db, "SELECT string_agg(external_id || ':' || reason_code || ':' || field || ':'"
                                       " || coalesce(file_name, '-') || ':' || business_date, ' '"
                                       " ORDER BY external_id) FROM baitiao.rejects WHERE source_kind = 'repayments'");
  g_autofree char *want = g_strdup_printf("CUT1:DATE_CLOSED:pay_date:%d-late_repayments.csv:2026-03-04"
                                          " CUT2:DATE_CLOSED:pay_date:%d-late_repayments.csv:2026-03-03"
                                          " ONLINE1:DATE_CLOSED:pay_date:-:2026-03-04", (int) getpid(), (int) getpid());
  ITEST_ASSERT_STR_EQ(rejects, want);
  g_autofree char *pending = query(db, "SELECT (SELECT count(*) FROM baitiao.inbox_repayments WHERE status = 'PENDING')"
                                       " + (SELECT count(*) FROM baitiao.inbox_orders WHERE status = 'PENDING')"
                                       " + (SELECT count(*) FROM baitiao.inbox_refunds WHERE status = 'PENDING')");
  ITEST_ASSERT_STR_EQ(pending, "0");
  /* the night's R10 ran (the online row counted as received and rejected) and is clean */
  g_autofree char *r10 = query(db, "SELECT count(*) FROM baitiao.recon_breaks WHERE check_id = 'R10'");
  ITEST_ASSERT_STR_EQ(r10, "0");
  g_autofree char *swept = query(db, "SELECT rows_processed || ' ' || amount_fen FROM baitiao.job_step_runs"
                                     " WHERE step_name = 'intake_close' AND status = 'SUCCEEDED'");
  ITEST_ASSERT_STR_EQ(swept, "1 700");

  /* a PENDING row planted behind the program's back, triggers off: R10 names it */
  g_free(query(db, "SET session_replication_role = replica;"
                   " INSERT INTO baitiao.inbox_repayments (txn_id, user_id, pay_date, amount_fen, channel)"
                   " VALUES ('PLANT1', 'U1002', '2026-03-04', 1234, 'WECHAT')"));
  g_autoptr(ItestRun) recon = baitiao(config, (const char *[]) { "recon", "--date", D, NULL });
  CU_ASSERT_EQUAL(recon->status, 3);
  g_autofree char *breaks = query(db, "SELECT string_agg(break_key || '/' || expected_fen || '/' || actual_fen, ' '"
                                      " ORDER BY break_key) FROM baitiao.recon_breaks WHERE check_id = 'R10'");
  ITEST_ASSERT_STR_EQ(breaks, "repayments:2026-03-04/1934/700 repayments:PLANT1/1234/0");
}

/* Loaded before the night: the rows are the night's, applied; R10 ties them. */
static void
test_load_before_night_is_applied(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = users_db("cut_early", &config);
  g_autofree char *file = write_file("early_repayments.csv", late_repayments);
  g_autoptr(ItestRun) load = baitiao(config, (const char *[]) { "load", "repayments", file, NULL });
  ITEST_ASSERT_CONTAINS(load->out, "2 rows, 2 accepted, 0 rejected");
  g_autoptr(ItestRun) night = baitiao(config, (const char *[]) { "eod", "--date", "2026-03-03", NULL });
  CU_ASSERT_EQUAL(night->status, 0);
  g_autofree char *inbox = query(db, "SELECT string_agg(txn_id || ':' || status, ' ' ORDER BY txn_id)"
                                     " FROM baitiao.inbox_repayments");
  ITEST_ASSERT_STR_EQ(inbox, "CUT1:PENDING CUT2:APPLIED");
  g_autoptr(ItestRun) next = baitiao(config, (const char *[]) { "eod", NULL });
  CU_ASSERT_EQUAL(next->status, 0);
  g_autofree char *after = query(db, "SELECT string_agg(txn_id || ':' || status, ' ' ORDER BY txn_id)"
                                     " FROM baitiao.inbox_repayments");
  ITEST_ASSERT_STR_EQ(after, "CUT1:APPLIED CUT2:APPLIED");
  g_autofree char *r10 = query(db, "SELECT count(*) FROM baitiao.recon_breaks WHERE check_id = 'R10'");
  ITEST_ASSERT_STR_EQ(r10, "0");
}

/* ---- migrate and night lock each other out ----------------------------------------- */

/* Advisory locks are per database: held in DB, as a running night or migration would. */
static PGconn *
hold_lock(const char *db, int object)
{
  PGconn *c = itest_connect(db, "postgres");
  g_autofree char *sql = g_strdup_printf("SELECT pg_advisory_lock(%d, %d)", 0x62740000, object);
  g_free(itest_query(c, sql));
  return c;
}

static void
test_migrate_and_night_exclude_each_other(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = users_db("cut_locks", &config);
  g_autofree char *fresh = itest_create_db("cut_locks_up", FALSE);  /* migrations pending */
  g_autofree char *fresh_config = itest_write_config(fresh, NULL);
  PGconn *night = hold_lock(fresh, 2);
  g_autofree char *pid = g_strdup_printf("lock held by server pid %d", PQbackendPID(night));
  g_autoptr(ItestRun) up = baitiao(fresh_config, (const char *[]) { "migrate", "up", NULL });
  CU_ASSERT_EQUAL(up->status, 75);
  ITEST_ASSERT_CONTAINS(up->err, "a night (eod) is running");
  ITEST_ASSERT_CONTAINS(up->err, pid);
  PQfinish(night);
  PGconn *migration = hold_lock(db, 1);
  g_autofree char *mpid = g_strdup_printf("lock held by server pid %d", PQbackendPID(migration));
  g_autoptr(ItestRun) eod = baitiao(config, (const char *[]) { "eod", "--date", D, NULL });
  CU_ASSERT_EQUAL(eod->status, 75);
  ITEST_ASSERT_CONTAINS(eod->err, "a migration (migrate up) is running");
  ITEST_ASSERT_CONTAINS(eod->err, mpid);
  PQfinish(migration);
  g_autofree char *runs = query(db, "SELECT count(*) FROM baitiao.job_runs");
  ITEST_ASSERT_STR_EQ(runs, "0");
  g_autofree char *none = query(fresh, "SELECT count(*) FROM pg_namespace WHERE nspname = 'baitiao'"
                                       " AND EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'baitiao'"
                                       "               AND tablename = 'loans')");
  ITEST_ASSERT_STR_EQ(none, "0");
  g_autoptr(ItestRun) up2 = baitiao(fresh_config, (const char *[]) { "migrate", "up", NULL });
  CU_ASSERT_EQUAL(up2->status, 0);
}

/* ---- connection failures: permanent or temporary ------------------------------------ */

static void
test_refused_connections_are_permanent(void)
{
  g_autofree char *db = itest_create_db("cut_refused", TRUE);
  g_autofree char *no_role = itest_write_config(db, "batch_user=baitiao_nosuchrole\n");
  g_autofree char *no_db = itest_write_config("baitiao_nosuchdb", NULL);
  g_autofree char *no_server = write_file("no_server.conf", "[database]\nhost=/nonexistent-socket-dir\nport=1\n"
                                                            "connect_timeout=2\n");
  g_autofree char *file = itest_top_file("t/data", "users.csv");
  const char *eod[] = { "eod", "--date", D, NULL };
  const char *load[] = { "load", "users", file, NULL };
  const char *const *cmds[] = { eod, load };
  for (gsize i = 0; i < G_N_ELEMENTS(cmds); i++) {
    g_autoptr(ItestRun) role = baitiao(no_role, cmds[i]);
    CU_ASSERT_EQUAL(role->status, 1);
    ITEST_ASSERT_CONTAINS(role->err, "refused the connection (SQLSTATE 28000): retrying will not help");
    g_autoptr(ItestRun) base = baitiao(no_db, cmds[i]);
    CU_ASSERT_EQUAL(base->status, 1);
    ITEST_ASSERT_CONTAINS(base->err, "refused the connection (SQLSTATE 3D000)");
    g_autoptr(ItestRun) gone = baitiao(no_server, cmds[i]);
    CU_ASSERT_EQUAL(gone->status, 75);
    ITEST_ASSERT_CONTAINS(gone->err, "could not connect to the database");
  }
}

/* Immediate shutdown and start of the test cluster, as a crashed server comes back. */
static void
restart_immediate(const char *db, const char *config)
{
  (void) db;
  (void) config;
  const char *dir = g_getenv("BT_TEST_PGDIR");
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  g_autofree char *pg_ctl = g_build_filename(g_getenv("PG_BINDIR"), "pg_ctl", NULL);
  g_autofree char *data = g_build_filename(dir, "data", NULL);
  g_autofree char *pgcluster = g_build_filename(g_getenv("top_srcdir"), "scripts", "pgcluster", NULL);
  g_autofree char *stop = g_strdup_printf("%s%s -D %s -m immediate -w stop >/dev/null",
                                          getuid() == 0 ? "runuser -u postgres -- " : "", pg_ctl, data);
  g_autofree char *start = g_strdup_printf("%s start %s >/dev/null", pgcluster, dir);
  CU_ASSERT_EQUAL(system(stop), 0);
  CU_ASSERT_EQUAL(system(start), 0);
}

static void
test_restart_between_statements_is_temporary(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = users_db("cut_restart", &config);
  g_autofree char *orders = itest_top_file("t/data", "orders.csv");
  g_autofree char *err = NULL;
  int status = run_paused(db, config, (const char *[]) { "load", "orders", orders, NULL },
                          "stop:stmt:load:sql/queries/intake/22_orders_fields.sql", restart_immediate, &err);
  CU_ASSERT_EQUAL(status, 75);
  ITEST_ASSERT_CONTAINS(err, "database connection lost");
  g_autofree char *err2 = NULL;
  status = run_paused(db, config, (const char *[]) { "eod", "--date", D, NULL },
                      "stop:stmt:originate:sql/steps/originate/20_candidates.sql", restart_immediate, &err2);
  CU_ASSERT_EQUAL(status, 75);
  ITEST_ASSERT_CONTAINS(err2, "database connection lost");
  /* both resume: the load again, the night where it stopped. The night's cut was
   * committed before the restart: the orders of D that the killed load did not store
   * are now DATE_CLOSED (exit 5), never taken by the night half-way */
  g_autoptr(ItestRun) load = baitiao(config, (const char *[]) { "load", "orders", orders, NULL });
  CU_ASSERT_EQUAL(load->status, 5);
  ITEST_ASSERT_CONTAINS(load->err, "rejected DATE_CLOSED: the night of " D " has started or ended");
  g_autoptr(ItestRun) night = baitiao(config, (const char *[]) { "eod", "--date", D, NULL });
  CU_ASSERT_EQUAL(night->status, 0);
}

/* ---- hostile files and fields ----------------------------------------------------- */

static void
test_special_files_refused_at_once(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = users_db("cut_special", &config);
  g_autofree char *fifo = g_strdup_printf("%s/%d-fifo.csv", itest_tmpdir(), (int) getpid());
  CU_ASSERT_FATAL(mkfifo(fifo, 0600) == 0);
  struct { const char *path; const char *what; } cases[] = {
    { fifo, "is a FIFO (named pipe)" }, { itest_tmpdir(), "is a directory" }, { "/dev/zero", "is a device" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    gint64 t0 = g_get_monotonic_time();
    g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "load", "repayments", cases[i].path, NULL });
    CU_ASSERT_EQUAL(run->status, 1);
    ITEST_ASSERT_CONTAINS(run->err, cases[i].what);
    CU_ASSERT_TRUE(g_get_monotonic_time() - t0 < 10 * G_USEC_PER_SEC);
  }
  unlink(fifo);
  g_autofree char *files = query(db, "SELECT count(*) FROM baitiao.load_files WHERE kind = 'repayments'");
  ITEST_ASSERT_STR_EQ(files, "0");
}

static void
test_ids_channels_and_maximum(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = users_db("cut_fields", &config);
  g_autofree char *file = write_file("fields.csv",
    "txn_id,user_id,pay_date,amount,channel,prepay_order_id\n"
    " T1,U1001,2026-03-04,1.00,ALIPAY,\n"
    "T2 ,U1001,2026-03-04,1.00,ALIPAY,\n"
    "\"   \",U1001,2026-03-04,1.00,ALIPAY,\n"
    "T4,U1001,2026-03-04,1.00,alipay,\n"
    "T5,U1001,2026-03-04,1.00,WeChat,\n"
    "T6,U1001,2026-03-04,100000000.01,ALIPAY,\n"
    "T7,U1001,2026-03-04,100000000.00,ALIPAY,\n"
    "T8,\u3000U1001,2026-03-04,1.00,ALIPAY,\n");
  g_autoptr(ItestRun) load = baitiao(config, (const char *[]) { "load", "repayments", file, NULL });
  CU_ASSERT_EQUAL(load->status, 0);
  ITEST_ASSERT_CONTAINS(load->out, "8 rows, 3 accepted, 5 rejected (BAD_FIELD 5)");
  g_autofree char *rejects = query(db, "SELECT string_agg(line_no || ':' || field, ' ' ORDER BY line_no)"
                                       " FROM baitiao.rejects");
  ITEST_ASSERT_STR_EQ(rejects, "2:txn_id 3:txn_id 4:txn_id 7:amount 9:user_id");
  g_autofree char *channels = query(db, "SELECT string_agg(txn_id || ':' || channel, ' ' ORDER BY txn_id)"
                                        " FROM baitiao.inbox_repayments");
  ITEST_ASSERT_STR_EQ(channels, "T4:ALIPAY T5:WECHAT T7:ALIPAY");
  g_autofree char *detail = query(db, "SELECT detail FROM baitiao.rejects WHERE line_no = 7");
  ITEST_ASSERT_STR_EQ(detail, "amount must be at most 100000000.00 yuan (the system maximum), not 100000000.01");
  /* a settlement file's channel is the same channel, whatever its case */
  g_autofree char *settle = write_file("settle.csv", "channel_txn_id,pay_date,amount\nT4,2026-03-04,1.00\n");
  g_autoptr(ItestRun) s = baitiao(config, (const char *[]) { "load", "settlement", "--channel", "alipay", settle,
                                                             NULL });
  CU_ASSERT_EQUAL(s->status, 0);
  g_autofree char *sc = query(db, "SELECT channel FROM baitiao.settlement_lines");
  ITEST_ASSERT_STR_EQ(sc, "ALIPAY");
  /* a credit limit past the system maximum */
  g_autofree char *users = write_file("limit.csv", "user_id,credit_limit,statement_day,status,name,phone\n"
                                                   "U9001,100000000.01,5,ACTIVE,王五,13700001111\n");
  g_autoptr(ItestRun) u = baitiao(config, (const char *[]) { "load", "users", users, NULL });
  ITEST_ASSERT_CONTAINS(u->out, "1 rejected (BAD_FIELD 1)");
}

static void
test_personal_data_never_in_clear(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = users_db("cut_pii", &config);
  /* shifted columns: a name where the status goes, a phone where the day goes, a name as a limit */
  g_autofree char *users = write_file("shifted.csv", "user_id,credit_limit,statement_day,status,name,phone\n"
                                                     "U9001,100.00,5,张三丰,张三丰,13812341234\n"
                                                     "U9002,100.00,13812341234,ACTIVE,x,y\n"
                                                     "U9003,李四,5,ACTIVE,李四,13812341234\n");
  g_autoptr(ItestRun) u = baitiao(config, (const char *[]) { "load", "users", users, NULL });
  CU_ASSERT_EQUAL(u->status, 0);
  g_autofree char *details = query(db, "SELECT string_agg(detail, ' | ' ORDER BY line_no) FROM baitiao.rejects");
  ITEST_ASSERT_STR_EQ(details, "status must be ACTIVE or FROZEN, not \"张*\" | statement_day must be a day from 1 to 28,"
                               " not \"1*\" | credit_limit must be yuan with exactly two decimals (value not shown)");
  CU_ASSERT_PTR_NULL(strstr(u->err, "张三"));
  /* a refused file's message names file, line and column, never the row's content */
  g_autofree char *broken = write_file("broken.csv", "user_id,credit_limit,statement_day,status,name,phone\n"
                                                     "U9004,100.00,5,ACTIVE,\"张三丰,13812341234\n");
  g_autoptr(ItestRun) h = baitiao(config, (const char *[]) { "load", "users", broken, NULL });
  CU_ASSERT_EQUAL(h->status, 1);
  ITEST_ASSERT_CONTAINS(h->err, "broken.csv:2:");
  CU_ASSERT_PTR_NULL(strstr(h->err, "张三"));
  CU_ASSERT_PTR_NULL(strstr(h->err, "1381234"));
}

/* One load waits on an id another transaction has just inserted; when that commits,
 * the load is judged again and the row is its DUPLICATE_TXN, not a raw SQLSTATE. */
static void
test_same_id_at_the_same_moment(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = users_db("cut_race", &config);
  PGconn *other = itest_connect(db, "baitiao_batch");
  g_free(itest_query(other, "BEGIN"));
  g_free(itest_query(other, "INSERT INTO baitiao.inbox_repayments (txn_id, user_id, pay_date, amount_fen, channel)"
                            " VALUES ('RACE1', 'U1001', '2026-03-04', 100, 'ALIPAY')"));
  g_autofree char *file = write_file("race.csv", "txn_id,user_id,pay_date,amount,channel,prepay_order_id\n"
                                                 "RACE1,U1001,2026-03-04,1.00,ALIPAY,\n"
                                                 "RACE2,U1001,2026-03-04,2.00,ALIPAY,\n");
  g_autofree char *out_path = g_strdup_printf("%s/%d-race.out", itest_tmpdir(), (int) getpid());
  g_autoptr(GPtrArray) argv = itest_baitiao_argv(config, (const char *[]) { "load", "repayments", file, NULL });
  int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  GPid pid = 0;
  CU_ASSERT_FATAL(g_spawn_async_with_fds(NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                         &pid, -1, out, out, NULL));
  close(out);
  /* the load is waiting on RACE1's index entry */
  PGconn *watch = itest_connect("postgres", "postgres");
  g_autofree char *waiting = NULL;
  for (int i = 0; i < 300 && g_strcmp0(waiting, "1") != 0; i++) {
    g_usleep(50 * 1000);
    g_free(waiting);
    waiting = itest_query(watch, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'baitiao/load'"
                                 " AND wait_event_type = 'Lock'");
  }
  ITEST_ASSERT_STR_EQ(waiting, "1");
  PQfinish(watch);
  g_free(itest_query(other, "COMMIT"));
  PQfinish(other);
  CU_ASSERT_EQUAL(itest_wait_child(pid, FALSE), 0);
  g_autofree char *text = NULL;
  CU_ASSERT_FATAL(g_file_get_contents(out_path, &text, NULL, NULL));
  ITEST_ASSERT_CONTAINS(text, "2 rows, 1 accepted, 1 rejected (DUPLICATE_TXN 1)");
  CU_ASSERT_PTR_NULL(strstr(text, "23505"));
}

static void
test_dates_that_do_not_exist(void)
{
  /* no server behind this configuration: exit 2 proves nothing connected */
  g_autofree char *config = write_file("nowhere.conf", "[database]\nhost=/nonexistent-socket-dir\nport=1\n");
  const char *const cases[][8] = {
    { "eod", "--date", "2026-02-30", NULL },
    { "eod", "--catch-up", "--until", "2026-13-01", NULL },
    { "recon", "--date", "2026-02-30", NULL },
    { "report", "daily_operations", "--date", "2026-02-30", NULL },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(ItestRun) run = baitiao(config, cases[i]);
    CU_ASSERT_EQUAL(run->status, 2);
    CU_ASSERT_PTR_NULL(strstr(run->err, "could not connect"));
  }
}

/* A refund the night rejects is recorded like an order: file name and field. */
static void
test_refund_reject_names_file_and_field(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = users_db("cut_refund", &config);
  g_autofree char *file = write_file("refunds.csv", "refund_id,order_id,refund_date,amount\n"
                                                    "RF1,NO_SUCH_ORDER,2026-03-04,1.00\n");
  g_autoptr(ItestRun) load = baitiao(config, (const char *[]) { "load", "refunds", file, NULL });
  CU_ASSERT_EQUAL(load->status, 0);
  g_autoptr(ItestRun) night = baitiao(config, (const char *[]) { "eod", "--date", D, NULL });
  CU_ASSERT_EQUAL(night->status, 0);
  g_autofree char *got = query(db, "SELECT reason_code || ':' || field || ':' || file_name || ':' || line_no"
                                   " FROM baitiao.rejects WHERE source_kind = 'refunds'");
  g_autofree char *want = g_strdup_printf("UNKNOWN_ORDER:order_id:%d-refunds.csv:2", (int) getpid());
  ITEST_ASSERT_STR_EQ(got, want);
}

/* An order the schedule engine refuses (here: past its principal bound, reaching the
 * inbox online for a user whose limit was raised by hand) is rejected with the reason;
 * the night goes on and the other orders are originated. */
static void
test_unschedulable_order_does_not_block(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = users_db("cut_unsched", &config);
  g_autofree char *orders = itest_top_file("t/data", "orders.csv");
  g_autoptr(ItestRun) load = baitiao(config, (const char *[]) { "load", "orders", orders, NULL });
  CU_ASSERT_EQUAL(load->status, 0);
  g_free(query(db, "UPDATE baitiao.users SET credit_limit_fen = 9000000000000000000 WHERE user_id = 'U1001';"
                   " INSERT INTO baitiao.inbox_orders (order_id, user_id, order_date, amount_fen, product_code)"
                   " VALUES ('O_HUGE', 'U1001', '2026-03-04', 2000000000000000, 'FPP3')"));
  g_autoptr(ItestRun) night = baitiao(config, (const char *[]) { "eod", "--date", D, NULL });
  CU_ASSERT_EQUAL(night->status, 0);
  g_autofree char *inbox = query(db, "SELECT string_agg(order_id || ':' || status || ':' || coalesce(reject_reason, '-'),"
                                     " ' ' ORDER BY order_id) FROM baitiao.inbox_orders");
  ITEST_ASSERT_STR_EQ(inbox, "O20260304001:ACCEPTED:- O20260304002:ACCEPTED:- O20260304003:REJECTED:USER_FROZEN"
                             " O_HUGE:REJECTED:BAD_FIELD");
  g_autofree char *reject = query(db, "SELECT field || ': ' || detail FROM baitiao.rejects WHERE external_id = 'O_HUGE'");
  ITEST_ASSERT_STR_EQ(reject, "amount: cannot be originated: principal 20000000000000.00 is outside 0.01..10000000000000.00");
  g_autofree char *used = query(db, "SELECT used_limit_fen FROM baitiao.users WHERE user_id = 'U1001'");
  ITEST_ASSERT_STR_EQ(used, "100000");
}

CU_TestInfo itest_cutoff_cases[] = {
  { "an order that cannot be scheduled does not block the night", test_unschedulable_order_does_not_block },
  ITEST_FAULT_CASE("load while the night runs: DATE_CLOSED, swept, R10", test_load_while_night_runs)
  { "load before the night: applied, R10 clean", test_load_before_night_is_applied },
  { "migrate and night exclude each other", test_migrate_and_night_exclude_each_other },
  { "refused connections exit 1", test_refused_connections_are_permanent },
  ITEST_FAULT_CASE("server restart between statements exits 75", test_restart_between_statements_is_temporary)
  { "FIFO, directory, device refused at once", test_special_files_refused_at_once },
  { "ids, channel case, system maximum", test_ids_channels_and_maximum },
  { "personal data never in clear", test_personal_data_never_in_clear },
  { "same id in two loads at once", test_same_id_at_the_same_moment },
  { "dates that do not exist exit 2", test_dates_that_do_not_exist },
  { "refund rejects name file and field", test_refund_reject_names_file_and_field },
  CU_TEST_INFO_NULL,
};
