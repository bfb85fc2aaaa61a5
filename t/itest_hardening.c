/* Hardening (issue 8): concurrent nights, reports and reconciliation during a night,
 * hostile strings through every free-text input, secrets kept out of output and
 * files, and a report folder that cannot take the file (disk full). */
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "itest.h"


static ItestRun *
baitiao(const char *config, const char *const *args)
{
  return itest_baitiao_config(config, args, NULL);
}

/* A database with the catalogue and the example partner files loaded. */
static char *
example_db(const char *prefix, char **config)
{
  return itest_example_db(prefix, ITEST_EXAMPLE_KINDS, config);
}

/* ---- the binary in the background ------------------------------------------ */

typedef struct {
  const char *out_path;    /* stdout and stderr go here */
  rlim_t max_file_bytes;   /* 0: no limit */
} ChildSetup;

/* Runs in the child between fork and exec: only async-signal-safe calls. */
static void
child_setup(gpointer data)
{
  const ChildSetup *s = data;
  if (s->out_path) {
    int fd = open(s->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
  }
  if (s->max_file_bytes) {
    /* a full disk, as far as the process can tell: writes past the limit fail (EFBIG) */
    struct rlimit r = { s->max_file_bytes, s->max_file_bytes };
    setrlimit(RLIMIT_FSIZE, &r);
    signal(SIGXFSZ, SIG_IGN);
  }
}

static GPid
spawn_baitiao(const char *config, const char *const *args, ChildSetup *setup)
{
  g_autoptr(GPtrArray) argv = itest_baitiao_argv(config, args);
  GPid pid = 0;
  g_autoptr(GError) error = NULL;
  gboolean ok = g_spawn_async(NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD, child_setup, setup,
                              &pid, &error);
  if (!ok)
    fprintf(stderr, "\n  cannot spawn: %s\n", error->message);
  CU_ASSERT_FATAL(ok);
  return pid;
}

static int
wait_exit(GPid pid)
{
  int status = 0;
  CU_ASSERT_FATAL(waitpid(pid, &status, 0) == pid);
  g_spawn_close_pid(pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Waits (up to 30 s) until some session holds the night's advisory lock; its pid. */
static char *
wait_for_night_lock(PGconn *watcher)
{
  for (int i = 0; i < 300; i++) {
    char *pid = itest_query(watcher, "SELECT coalesce((SELECT pid::text FROM pg_locks WHERE locktype = 'advisory'"
                                     " AND classid = 1651769344 AND objid = 2 AND granted LIMIT 1), '')");
    if (pid && *pid)
      return pid;
    g_free(pid);
    g_usleep(100 * 1000);
  }
  CU_FAIL_FATAL("no night took the lock within 30 s");
  return NULL;
}

/* Holds TABLE in SHARE mode in an open transaction of a superuser session: a night
 * writing to it waits there with its lock held, while readers (reports, recon) pass. */
static PGconn *
block_table(const char *db, const char *table)
{
  PGconn *c = itest_connect(db, "postgres");
  g_free(itest_query(c, "BEGIN"));
  g_autofree char *lock = g_strdup_printf("LOCK TABLE baitiao.%s IN SHARE MODE", table);
  g_free(itest_query(c, lock));
  return c;
}

static void
release_table(PGconn *c)
{
  g_free(itest_query(c, "COMMIT"));
  PQfinish(c);
}

static void
assert_each_step_succeeded_once(PGconn *c, const char *date)
{
  g_autofree char *sql = g_strdup_printf("SELECT count(*) || ' ' || count(DISTINCT step_name) FROM job_step_runs"
                                         " WHERE business_date = '%s' AND status = 'SUCCEEDED'", date);
  g_autofree char *got = itest_query(c, sql);
  guint n;
  eod_steps(&n);
  g_autofree char *want = g_strdup_printf("%u %u", n, n);
  ITEST_ASSERT_STR_EQ(got, want);
}

/* ---- concurrency ------------------------------------------------------------- */

/* Night A holds the lock (stalled on a table); night B, started meanwhile, leaves at
 * once with 75 naming A's server pid; A then finishes alone. */
static void
test_second_night_leaves_at_once_naming_the_holder(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = example_db("hard_lock", &config);
  PGconn *watch = itest_connect(db, "postgres");
  PGconn *blocker = block_table(db, "inbox_orders");
  g_autofree char *out_a = g_build_filename(itest_tmpdir(), "night_a.out", NULL);
  ChildSetup setup_a = { .out_path = out_a };
  GPid a = spawn_baitiao(config, (const char *[]) { "eod", "--date", "2026-03-04", NULL }, &setup_a);
  g_autofree char *holder = wait_for_night_lock(watch);
  gint64 t0 = g_get_monotonic_time();
  g_autoptr(ItestRun) b = baitiao(config, (const char *[]) { "eod", "--date", "2026-03-04", NULL });
  gint64 waited_ms = (g_get_monotonic_time() - t0) / 1000;
  CU_ASSERT_EQUAL(b->status, 75);
  g_autofree char *msg = g_strdup_printf("lock held by server pid %s", holder);
  ITEST_ASSERT_CONTAINS(b->err, msg);
  CU_ASSERT_TRUE(waited_ms < 10000);   /* at once: it does not queue behind A */
  release_table(blocker);
  CU_ASSERT_EQUAL(wait_exit(a), 0);
  PGconn *c = itest_connect(db, "baitiao_report");
  assert_each_step_succeeded_once(c, "2026-03-04");
  g_autofree char *cal = itest_query(c, "SELECT status FROM business_calendar WHERE business_date = '2026-03-04'");
  ITEST_ASSERT_STR_EQ(cal, "CLOSED");
  PQfinish(c);
  PQfinish(watch);
}

/* Two nights started in the same instant, many times: whatever the interleaving,
 * each date's steps succeed once and a loser exits 75 (or finds nothing to do). */
static void
test_nights_started_together(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = example_db("hard_race", &config);
  const char *dates[] = { "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-07", "2026-03-08" };
  for (gsize i = 0; i < G_N_ELEMENTS(dates); i++) {
    const char *args[] = { "eod", "--catch-up", "--date", "2026-03-04", "--until", dates[i], NULL };
    const char *later[] = { "eod", "--catch-up", "--until", dates[i], NULL };
    g_autofree char *out0 = g_strdup_printf("%s/race_%zu_0.out", itest_tmpdir(), i);
    g_autofree char *out1 = g_strdup_printf("%s/race_%zu_1.out", itest_tmpdir(), i);
    ChildSetup setup0 = { .out_path = out0 }, setup1 = { .out_path = out1 };
    GPid p0 = spawn_baitiao(config, i == 0 ? args : later, &setup0);
    GPid p1 = spawn_baitiao(config, i == 0 ? args : later, &setup1);
    int s0 = wait_exit(p0), s1 = wait_exit(p1);
    gboolean one_ran = (s0 == 0 && (s1 == 75 || s1 == 0)) || (s1 == 0 && (s0 == 75 || s0 == 0));
    if (!one_ran)
      fprintf(stderr, "\n  race %s: exits %d and %d\n", dates[i], s0, s1);
    CU_ASSERT_TRUE(one_ran);
  }
  PGconn *c = itest_connect(db, "baitiao_report");
  for (gsize i = 0; i < G_N_ELEMENTS(dates); i++)
    assert_each_step_succeeded_once(c, dates[i]);
  g_autofree char *dup = itest_query(c, "SELECT count(*) FROM (SELECT order_id FROM loans GROUP BY order_id"
                                        " HAVING count(*) > 1) d");
  ITEST_ASSERT_STR_EQ(dup, "0");
  PQfinish(c);
}

/* While a night is stopped half-way (its first steps committed, billing waiting),
 * reports and reconciliation of the closed date run, each in one snapshot, and tie. */
static void
test_reports_and_recon_during_a_night(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = example_db("hard_during", &config);
  g_autoptr(ItestRun) first = baitiao(config, (const char *[]) { "eod", "--date", "2026-03-04", "--catch-up",
                                                                 "--until", "2026-03-13", NULL });
  CU_ASSERT_EQUAL_FATAL(first->status, 0);
  PGconn *watch = itest_connect(db, "postgres");
  PGconn *blocker = block_table(db, "statements");
  g_autofree char *night_out = g_build_filename(itest_tmpdir(), "night_during.out", NULL);
  ChildSetup setup = { .out_path = night_out };
  GPid night = spawn_baitiao(config, (const char *[]) { "eod", NULL }, &setup);
  g_free(wait_for_night_lock(watch));
  /* the night is inside billing once repayments (2026-03-14 has two) are committed */
  for (int i = 0; i < 300; i++) {
    g_autofree char *done = itest_query(watch, "SELECT count(*) FROM baitiao.job_step_runs"
                                               " WHERE business_date = '2026-03-14' AND step_name = 'repayments'"
                                               " AND status = 'SUCCEEDED'");
    if (g_strcmp0(done, "1") == 0)
      break;
    g_usleep(100 * 1000);
  }
  g_autofree char *out = g_build_filename(itest_tmpdir(), "reports_during", NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(out, 0755) == 0);
  g_autofree char *specs = itest_top_file("reports", NULL);
  g_autoptr(ItestRun) reports = baitiao(config, (const char *[]) { "report", "--all", "--date", "2026-03-13",
                                                                   "--out", out, "--specs", specs, NULL });
  CU_ASSERT_EQUAL(reports->status, 0);
  g_autoptr(ItestRun) recon = baitiao(config, (const char *[]) { "recon", "--date", "2026-03-13", NULL });
  CU_ASSERT_EQUAL(recon->status, 0);
  ITEST_ASSERT_CONTAINS(recon->out, "0 break(s)");
  release_table(blocker);
  CU_ASSERT_EQUAL(wait_exit(night), 0);
  /* the night itself was not disturbed: it closed, and its own recon is clean */
  PGconn *c = itest_connect(db, "baitiao_report");
  assert_each_step_succeeded_once(c, "2026-03-14");
  g_autofree char *breaks = itest_query(c, "SELECT count(*) FROM recon_breaks");
  ITEST_ASSERT_STR_EQ(breaks, "0");
  PQfinish(c);
  PQfinish(watch);
}

/* ---- security ------------------------------------------------------------------- */

static const char *const hostile[] = {
  "x'); DROP TABLE users; --",
  "%s%n%x%p",
  "$1 \\' \\\\ \";",
  "Robert\t'); DELETE FROM loans WHERE ('1'='1",
};

/* Hostile text in a file name, a settlement channel's file and a break's note is
 * stored verbatim and runs nothing. */
static void
test_hostile_strings_are_data(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = example_db("hard_hostile", &config);
  g_autoptr(ItestRun) night = baitiao(config, (const char *[]) { "eod", "--date", "2026-03-04", NULL });
  CU_ASSERT_EQUAL_FATAL(night->status, 0);
  PGconn *c = itest_connect(db, "baitiao_batch");
  static const char counts[] = "SELECT (SELECT count(*) FROM users) || ' ' || (SELECT count(*) FROM loans)";
  g_autofree char *before = itest_query(c, counts);
  for (gsize i = 0; i < G_N_ELEMENTS(hostile); i++) {
    /* a users file whose name is the hostile string: one bad line, so the name reaches
     * load_files and rejects */
    g_autofree char *name = g_strdup_printf("%s.csv", hostile[i]);
    g_autofree char *safe = g_strdelimit(g_strdup(name), "/", '_');
    g_autofree char *path = g_build_filename(itest_tmpdir(), safe, NULL);
    g_autofree char *text = g_strdup_printf("user_id,credit_limit,statement_day,status,name,phone\n"
                                            "U9%03zu,1000.00,5,ACTIVE,%s,13800000000\n"
                                            "U8%03zu,1000.00,99,ACTIVE,n,13800000000\n",
                                            i, "王五", i);
    CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
    g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "load", "users", path, NULL });
    CU_ASSERT_EQUAL(run->status, 0);
    g_autofree char *q = g_strdup_printf("SELECT count(*) FROM rejects r JOIN load_files f USING (file_id)"
                                         " WHERE f.file_name = $$%s$$ AND r.file_name = f.file_name"
                                         " AND r.field = 'statement_day'", safe);
    g_autofree char *found = itest_query(c, q);
    ITEST_ASSERT_STR_EQ(found, "1");
  }
  /* a note on a break: planted by changing a used limit behind the system's back */
  g_free(itest_query(c, "UPDATE users SET used_limit_fen = used_limit_fen + 1 WHERE user_id = 'U1001'"));
  g_autoptr(ItestRun) recon = baitiao(config, (const char *[]) { "recon", "--date", "2026-03-04", NULL });
  CU_ASSERT_EQUAL(recon->status, 3);
  g_autofree char *id = itest_query(c, "SELECT max(break_id) FROM recon_breaks");
  for (gsize i = 0; i < G_N_ELEMENTS(hostile); i++) {
    g_autoptr(ItestRun) ex = baitiao(config, (const char *[]) { "recon", "explain", id, "--note", hostile[i], NULL });
    CU_ASSERT_EQUAL(ex->status, 0);
    g_autofree char *note = itest_query(c, "SELECT note FROM recon_breaks ORDER BY break_id DESC LIMIT 1");
    CU_ASSERT_TRUE(note && strstr(note, hostile[i]));
  }
  /* four users files of one good line each: four more users, nothing dropped */
  g_autofree char *after = itest_query(c, "SELECT (SELECT count(*) - 4 FROM users) || ' '"
                                          " || (SELECT count(*) FROM loans)");
  ITEST_ASSERT_STR_EQ(after, before);
  PQfinish(c);
}

/* Every part of an XLSX (a zip of XML files), uncompressed and concatenated. */
static char *
xlsx_text(const char *path)
{
  const char *argv[] = { "/usr/bin/python3", "-c",
                         "import sys, zipfile\n"
                         "z = zipfile.ZipFile(sys.argv[1])\n"
                         "sys.stdout.write(''.join(z.read(n).decode('utf-8', 'replace') for n in z.namelist()))\n",
                         path, NULL };
  char *out = NULL;
  int status = 0;
  gboolean ran = g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                              &status, NULL);
  CU_ASSERT_FATAL(ran && status == 0);
  return out;
}

/* A password never reaches the output, the log or a report; the configuration
 * refuses one outright (it belongs in ~/.pgpass) without echoing it. */
static void
test_secrets_stay_out(void)
{
  g_autofree char *config = NULL;
  g_free(example_db("hard_secret", &config));
  const char *env[] = { "PGPASSWORD=s3cr3t-pw-9", NULL };
  g_autoptr(ItestRun) night = itest_baitiao_config(config, (const char *[]) { "eod", "--date", "2026-03-04", NULL },
                                                   env);
  CU_ASSERT_EQUAL(night->status, 0);
  CU_ASSERT_PTR_NULL(strstr(night->out, "s3cr3t"));
  CU_ASSERT_PTR_NULL(strstr(night->err, "s3cr3t"));
  g_autofree char *out = g_build_filename(itest_tmpdir(), "reports_secret", NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(out, 0755) == 0);
  g_autofree char *specs = itest_top_file("reports", NULL);
  g_autoptr(ItestRun) rep = itest_baitiao_config(config, (const char *[]) { "report", "trial_balance", "--out", out,
                                                                            "--specs", specs, NULL }, env);
  CU_ASSERT_EQUAL(rep->status, 0);
  g_autofree char *xlsx = g_build_filename(out, "trial_balance_20260304.xlsx", NULL);
  GStatBuf st;
  CU_ASSERT_TRUE_FATAL(g_stat(xlsx, &st) == 0);
  CU_ASSERT_EQUAL(st.st_mode & 0777, 0640);
  /* no password, connection string or server socket anywhere in the workbook */
  g_autofree char *parts = xlsx_text(xlsx);
  CU_ASSERT_TRUE(strstr(parts, "<sheetData") != NULL);
  CU_ASSERT_PTR_NULL(strstr(parts, "s3cr3t"));
  CU_ASSERT_PTR_NULL(strstr(parts, "host="));
  CU_ASSERT_PTR_NULL(strstr(parts, g_getenv("PGHOST")));
  g_autofree char *with_pw = g_strdup_printf("%s.pw", config);
  g_autofree char *text = NULL;
  CU_ASSERT_FATAL(g_file_get_contents(config, &text, NULL, NULL));
  g_autofree char *text_pw = g_strconcat(text, "password=s3cr3t-pw-9\n", NULL);
  CU_ASSERT_FATAL(g_file_set_contents(with_pw, text_pw, -1, NULL));
  g_autoptr(ItestRun) refused = itest_baitiao((const char *[]) { "status", "--config", with_pw, NULL }, NULL);
  CU_ASSERT_EQUAL(refused->status, 2);
  ITEST_ASSERT_CONTAINS(refused->err, ".pgpass");
  CU_ASSERT_PTR_NULL(strstr(refused->err, "s3cr3t"));
}

/* ---- resources ------------------------------------------------------------------- */


/* The disk fills while the reports are written: a clear error naming the file, no
 * partial or temporary file left, and the night (run before) stays closed; the next
 * night runs as usual. */
static void
test_report_disk_full(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = example_db("hard_full", &config);
  g_autoptr(ItestRun) night = baitiao(config, (const char *[]) { "eod", "--date", "2026-03-04", NULL });
  CU_ASSERT_EQUAL_FATAL(night->status, 0);
  g_autofree char *out = g_build_filename(itest_tmpdir(), "reports_full", NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(out, 0755) == 0);
  g_autofree char *log = g_build_filename(itest_tmpdir(), "reports_full.out", NULL);
  g_autofree char *specs = itest_top_file("reports", NULL);
  ChildSetup full = { .out_path = log, .max_file_bytes = 2048 };
  GPid p = spawn_baitiao(config, (const char *[]) { "report", "trial_balance", "--out", out, "--specs", specs, NULL },
                         &full);
  CU_ASSERT_EQUAL(wait_exit(p), 1);
  g_autofree char *err = NULL;
  CU_ASSERT_FATAL(g_file_get_contents(log, &err, NULL, NULL));
  g_autofree char *named = g_build_filename(out, "trial_balance_20260304.xlsx", NULL);
  ITEST_ASSERT_CONTAINS(err, named);
  ITEST_ASSERT_CONTAINS(err, "File too large");
  CU_ASSERT_EQUAL(itest_dir_entries(out), 0);
  g_autoptr(ItestRun) next = baitiao(config, (const char *[]) { "eod", NULL });
  CU_ASSERT_EQUAL(next->status, 0);
  PGconn *c = itest_connect(db, "baitiao_report");
  g_autofree char *closed = itest_query(c, "SELECT string_agg(status, ' ' ORDER BY business_date)"
                                           " FROM business_calendar");
  ITEST_ASSERT_STR_EQ(closed, "CLOSED CLOSED");
  PQfinish(c);
}

CU_TestInfo itest_hardening_cases[] = {
  { "second night leaves at once naming the holder", test_second_night_leaves_at_once_naming_the_holder },
  { "nights started together", test_nights_started_together },
  { "reports and recon during a night", test_reports_and_recon_during_a_night },
  { "hostile strings are data", test_hostile_strings_are_data },
  { "secrets stay out", test_secrets_stay_out },
  { "report disk full", test_report_disk_full },
  CU_TEST_INFO_NULL,
};
