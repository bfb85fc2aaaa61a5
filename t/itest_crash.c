/* Crash harness (issue 8). The night is killed with SIGKILL at named points
 * (BAITIAO_FAULT=kill:POINT, see src/fault.h) and at random moments, and rerun
 * until it completes; every night must then leave the database exactly as a clean
 * run does (digest of every business table), with each step SUCCEEDED once, no
 * posting twice, and the books tied. The database's own faults too: a server
 * restart mid-night and a backend ended mid-load exit 75, and the rerun completes.
 *
 * One fixture serves the tests. A generated portfolio is loaded into a "clean"
 * database, whose first nights run in one go; then each crash night runs there
 * cleanly with BAITIAO_FAULT=trace, which records the points it passes, its time and
 * the digest after it. A template database keeps the state before each crash night,
 * so each test starts from the night it needs.
 *
 * Sizes come from the environment (scripts/crash-harness sets them; defaults are
 * the quick version): BT_CRASH_USERS (300), BT_CRASH_NIGHTS (3), BT_CRASH_RANDOM
 * (12 random kills), BT_CRASH_SEED (1), BT_CRASH_LONG (unset: a sample of the named
 * points on the first two nights, random kills on the others; 1: every named point
 * of every night, random kills on every night). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"
#include "prng.h"

/* Setup nights before the crash nights: enough for statements, due dates, late
 * payers and (with writeoff_dpd=3) write-offs to happen every few nights. */
#define SETUP_NIGHTS 14
#define START_DATE "2026-01-01"
#define SIGKILL_STATUS (128 + SIGKILL)
#define EXIT_TEMPFAIL 75

typedef struct {
  char *date;
  char *template_db;  /* the state before the night */
  char *digest;       /* the clean state after it */
  int status;         /* the clean run's exit status (3: the generator's R7 breaks) */
  double run_start;   /* the clean run's time (s) at run-start, */
  double *step_start; /* at each step's start (eod_steps order), */
  double after_close; /* and at after-close */
  GPtrArray *points;  /* the points it passed, in order; a repeated one as "NAME@K" */
  char *work;         /* "step:rows …" of the clean run */
} CrashNight;

typedef struct {
  gboolean ready;
  gboolean long_run;
  guint users;
  guint n_nights;
  guint n_random;
  guint64 seed;
  char *products;     /* etc/products.conf with writeoff_dpd=3 */
  CrashNight *nights;
} CrashFixture;

static CrashFixture fx;

typedef struct {
  guint kills;        /* runs that died at a kill point */
  guint missed;       /* named points no run stopped at (a resume went past them) */
  guint reruns;       /* runs after a kill, the completing ones included */
  guint lock_waits;   /* reruns that found the killed run's backend still holding the lock */
  guint nights;       /* nights completed after kills */
  guint equal;        /* … whose digest equals the clean one */
  GHashTable *where;  /* random kills: where they landed → count */
  gint64 started;
  gboolean killed;    /* the last run was killed */
} CrashStats;

static void
crash_stats_clear(CrashStats *s)
{
  if (s->where)
    g_hash_table_unref(s->where);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CrashStats, crash_stats_clear)

/* Counts a run that ended with STATUS. */
static void
note_run(CrashStats *s, int status)
{
  if (s->killed)
    s->reruns++;
  s->killed = status == SIGKILL_STATUS;
  if (s->killed)
    s->kills++;
}

static guint
env_uint(const char *name, guint fallback)
{
  const char *v = g_getenv(name);
  return v && *v ? (guint) g_ascii_strtoull(v, NULL, 10) : fallback;
}

/* ---- the portfolio ---------------------------------------------------------- */

static char *
generate(guint users, guint days, guint64 seed)
{
  /* with campaigns: the kills land in their matching and the subsidies step too */
  return itest_gen_portfolio_campaigns("crash-portfolio", users, days, seed, START_DATE, fx.products, 12);
}

/* ---- running nights ---------------------------------------------------------- */

/* START_DATE + DAYS. */
static char *
start_plus(guint days)
{
  GDate d;
  g_date_clear(&d, 1);
  g_date_set_parse(&d, START_DATE);
  g_date_add_days(&d, days);
  char text[11];
  g_date_strftime(text, sizeof text, "%Y-%m-%d", &d);
  return g_strdup(text);
}

/* One run of the night of DATE, as cron would make it: a run that finds the night
 * lock still held — the backend of a run just killed has not noticed yet — exits 75
 * and is simply retried. */
static ItestRun *
run_night(const char *config, const char *date, const char *fault, CrashStats *stats)
{
  g_autofree char *fault_env = fault ? g_strdup_printf("BAITIAO_FAULT=%s", fault) : NULL;
  const char *env[] = { fault_env, NULL };
  for (int tries = 0;; tries++) {
    ItestRun *run = itest_baitiao_config(config, (const char *[]) { "eod", "--date", date, "--quiet", NULL }, env);
    if (run->status != EXIT_TEMPFAIL || !strstr(run->err, "lock held") || tries == 200)
      return run;
    if (stats)
      stats->lock_waits++;
    itest_run_free(run);
    g_usleep(50 * 1000);
  }
}

/* The clean run's times at run-start, each step-start and after-close. */
static void
note_time(CrashNight *n, const char *name, double at)
{
  guint steps;
  const EodStep *step = eod_steps(&steps);
  if (strcmp(name, "run-start") == 0)
    n->run_start = at;
  else if (strcmp(name, "after-close") == 0)
    n->after_close = at;
  for (guint s = 0; s < steps; s++)
    if (g_str_has_prefix(name, "step-start:") && strcmp(name + 11, step[s].name) == 0)
      n->step_start[s] = at;
}

/* The points of a traced run ("baitiao: fault point SECONDS NAME" lines): "NAME" for
 * the first pass of a point, "NAME@K" for the K-th; and their times (note_time). */
static void
trace_points(CrashNight *n, const char *err)
{
  static const char prefix[] = "baitiao: fault point ";
  guint steps;
  eod_steps(&steps);
  n->points = g_ptr_array_new_with_free_func(g_free);
  n->step_start = g_new0(double, steps);
  g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) lines = g_strsplit(err, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    if (!g_str_has_prefix(lines[i], prefix))
      continue;
    char *name = NULL;
    double at = g_ascii_strtod(lines[i] + strlen(prefix), &name);
    CU_ASSERT_FATAL(name && *name == ' ');
    name++;
    note_time(n, name, at);
    guint k = GPOINTER_TO_UINT(g_hash_table_lookup(seen, name)) + 1;
    g_hash_table_insert(seen, g_strdup(name), GUINT_TO_POINTER(k));
    g_ptr_array_add(n->points, k == 1 ? g_strdup(name) : g_strdup_printf("%s@%u", name, k));
  }
  CU_ASSERT_TRUE(n->after_close > n->run_start);
}

static char *
step_work(const char *db, const char *date)
{
  PGconn *c = itest_connect(db, "baitiao_report");
  g_autofree char *sql = g_strdup_printf("SELECT string_agg(step_name || ':' || rows_processed, ' ' ORDER BY step_run_id)"
                                         "  FROM job_step_runs WHERE business_date = '%s' AND status = 'SUCCEEDED'",
                                         date);
  char *work = itest_query(c, sql);
  PQfinish(c);
  return work;
}

/* The clean run of crash night I: its template first, then the traced run. */
static void
clean_night(const char *db, const char *config, guint i)
{
  CrashNight *n = &fx.nights[i];
  n->date = start_plus(SETUP_NIGHTS + i);
  n->template_db = itest_clone_db("crash_pre", db);
  g_autoptr(ItestRun) run = run_night(config, n->date, "trace", NULL);
  if (run->status != 0 && run->status != 3)
    fprintf(stderr, "\n  clean night %s exited %d: %s\n", n->date, run->status, run->err);
  CU_ASSERT_FATAL(run->status == 0 || run->status == 3);
  n->status = run->status;
  trace_points(n, run->err);
  n->digest = itest_business_digest(db);
  n->work = step_work(db, n->date);
}

static void
fixture_setup(void)
{
  if (fx.ready)
    return;
  gint64 started = g_get_monotonic_time();
  fx.long_run = env_uint("BT_CRASH_LONG", 0) != 0;
  fx.users = env_uint("BT_CRASH_USERS", 300);
  guint nights = env_uint("BT_CRASH_NIGHTS", 3);
  fx.n_nights = MAX(nights, 3);
  fx.n_random = env_uint("BT_CRASH_RANDOM", 12);
  fx.seed = env_uint("BT_CRASH_SEED", 1);
  fx.products = itest_write_products("crash", 3, 1);
  g_autofree char *portfolio = generate(fx.users, SETUP_NIGHTS + fx.n_nights, fx.seed);
  g_autofree char *db = itest_create_db("crash_clean", TRUE);
  g_autofree char *config = itest_write_config(db, NULL);
  itest_load_portfolio(config, portfolio, fx.products);
  g_autofree char *last_setup = start_plus(SETUP_NIGHTS - 1);
  g_autoptr(ItestRun) setup = itest_baitiao_config(config, (const char *[]) { "eod", "--date", START_DATE,
                                                   "--catch-up", "--until", last_setup, "--quiet", NULL }, NULL);
  if (setup->status != 0 && setup->status != 3)
    fprintf(stderr, "\n  setup nights exited %d: %s\n", setup->status, setup->err);
  CU_ASSERT_FATAL(setup->status == 0 || setup->status == 3);
  fx.nights = g_new0(CrashNight, fx.n_nights);
  for (guint i = 0; i < fx.n_nights; i++)
    clean_night(db, config, i);
  fx.ready = TRUE;
  printf("\n  crash fixture: %u users, %u setup nights, %u crash nights (%.0f s)\n", fx.users, SETUP_NIGHTS,
         fx.n_nights, (g_get_monotonic_time() - started) / 1e6);
}

/* ---- what a completed night must look like ------------------------------------- */

static const char sql_night_checks[] =
  "SELECT concat_ws(' ',"
  "  (SELECT count(*) FROM job_step_runs WHERE business_date = $1::date AND status = 'SUCCEEDED'),"
  "  (SELECT count(DISTINCT step_name) FROM job_step_runs WHERE business_date = $1::date AND status = 'SUCCEEDED'),"
  "  (SELECT count(*) FROM job_step_runs WHERE business_date = $1::date AND status = 'RUNNING'),"
  "  (SELECT count(*) FROM (SELECT 1 FROM journal_entries WHERE posting_key IS NOT NULL"
  "                         GROUP BY business_date, posting_key HAVING count(*) > 1) d),"
  "  (SELECT count(*) FROM recon_breaks WHERE business_date = $1::date AND check_id <> 'R7'),"
  "  (SELECT status FROM business_calendar WHERE business_date = $1::date))";

/* Night I completed in DB after kills: same tables as the clean run, each step
 * SUCCEEDED exactly once and none left RUNNING, no posting key twice, no break but
 * the generator's channel ones (R7), the books tied, the date closed. */
static void
verify_night(const char *db, guint i, CrashStats *stats, const char *history)
{
  const CrashNight *n = &fx.nights[i];
  guint steps;
  eod_steps(&steps);
  g_autofree char *want = g_strdup_printf("%u %u 0 0 0 CLOSED", steps, steps);
  PGconn *c = itest_connect(db, "baitiao_report");
  const char *params[] = { n->date };
  PGresult *res = PQexecParams(c, sql_night_checks, 1, NULL, params, NULL, NULL, 0);
  CU_ASSERT_FATAL(PQresultStatus(res) == PGRES_TUPLES_OK);
  if (strcmp(PQgetvalue(res, 0, 0), want) != 0) {
    g_autofree char *sql = g_strdup_printf("SELECT string_agg(check_id || ' ' || break_key || ' ' || coalesce(diff_fen::text, '-'), ', ')"
                                           "  FROM recon_breaks WHERE business_date = '%s' AND check_id <> 'R7'", n->date);
    g_autofree char *breaks = itest_query(c, sql);
    fprintf(stderr, "\n  %s: breaks %s\n", n->date, breaks ? breaks : "(none)");
  }
  ITEST_ASSERT_STR_EQ(PQgetvalue(res, 0, 0), want);
  PQclear(res);
  g_autofree char *books = itest_books_diff(c, n->date);
  ITEST_ASSERT_STR_EQ(books, "0,0,0,0");
  PQfinish(c);
  g_autofree char *digest = itest_business_digest(db);
  stats->nights++;
  if (strcmp(digest, n->digest) == 0) {
    stats->equal++;
    return;
  }
  fprintf(stderr, "\n  %s after kills at %s differs from the clean run:\n%s\n  clean:\n%s\n", n->date, history,
          digest, n->digest);
  CU_FAIL("digest after kills differs from the clean run");
}

/* ---- named points --------------------------------------------------------------- */

static gboolean
is_statement(const char *point)
{
  return g_str_has_prefix(point, "stmt:");
}

/* The points of a night to kill at, in the order the night passes them: every point
 * but the statements, plus every STRIDE-th statement from OFFSET. */
static GPtrArray *
select_points(const GPtrArray *trace, gboolean structural, guint stride, guint offset)
{
  GPtrArray *points = g_ptr_array_new();
  guint k = 0;
  for (guint i = 0; i < trace->len; i++) {
    const char *p = trace->pdata[i];
    if (is_statement(p) ? (k++ % stride == offset) : structural)
      g_ptr_array_add(points, (gpointer) p);
  }
  return points;
}

/* The point a killed run names in "baitiao: fault injected (POINT)". */
static char *
injected_point(const char *err)
{
  const char *at = strstr(err, "fault injected (");
  const char *end = at ? strchr(at, ')') : NULL;
  return end ? g_strndup(at + 16, (gsize) (end - at - 16)) : NULL;
}

/* A rerun goes past a point only where it resumes after it: after-commit:STEP of a
 * step whose COMMIT went through although the run died before reading its result,
 * and what follows the date's close (AFTER_CLOSE) once a run died after it: the
 * rerun finds the date closed and has nothing to do. */
static void
passed_over(const char *date, const char *point, gboolean after_close, CrashStats *stats)
{
  stats->missed++;
  if (g_str_has_prefix(point, "after-commit:") || after_close)
    return;
  fprintf(stderr, "\n  %s: no run stopped at %s\n", date, point);
  CU_FAIL("a named kill point was never reached");
}

/* Kills the night of DB at each point in turn, every run resuming what the previous
 * one left: each run is given every point still to come and dies at the first it
 * passes. Then lets the night complete and checks it. */
static void
kill_chain(const char *db, const char *config, guint i, const GPtrArray *points, CrashStats *stats)
{
  const CrashNight *n = &fx.nights[i];
  guint close_at = 0, at = 0;
  g_ptr_array_find_with_equal_func(n->points, "after-close", g_str_equal, &close_at);
  guint next = 0;
  while (next < points->len) {
    g_autoptr(GString) fault = g_string_new("kill:");
    for (guint k = next; k < points->len; k++)
      g_string_append_printf(fault, "%s%s", k > next ? "," : "", (const char *) points->pdata[k]);
    g_autoptr(ItestRun) run = run_night(config, n->date, fault->str, stats);
    note_run(stats, run->status);
    g_autofree char *hit = run->status == SIGKILL_STATUS ? injected_point(run->err) : NULL;
    guint k = next;
    for (; k < points->len && g_strcmp0(points->pdata[k], hit) != 0; k++)
      passed_over(n->date, points->pdata[k],
                  g_ptr_array_find_with_equal_func(n->points, points->pdata[k], g_str_equal, &at) && at > close_at,
                  stats);
    if (!hit && run->status != n->status)
      fprintf(stderr, "\n  %s: exit %d: %s\n", n->date, run->status, run->err);
    CU_ASSERT_FATAL(hit || run->status == n->status);
    next = k + 1;
  }
  g_autoptr(ItestRun) done = run_night(config, n->date, NULL, stats);
  note_run(stats, done->status);
  if (done->status != n->status)
    fprintf(stderr, "\n  %s: the rerun exited %d, the clean run %d: %s\n", n->date, done->status, n->status,
            done->err);
  CU_ASSERT_EQUAL(done->status, n->status);
  g_autofree char *history = g_strdup_printf("%u named points", points->len);
  verify_night(db, i, stats, history);
}

/* Each step had rows on some crash night: the kills inside it interrupted real work. */
static void
assert_every_step_worked(guint first, guint last)
{
  guint n;
  const EodStep *steps = eod_steps(&n);
  for (guint s = 0; s < n; s++) {
    /* recon does its whole pass every night; its rows are the breaks it found. intake_close
     * is a safety net: when every row came through the loader before the cut it has none */
    gboolean worked = strcmp(steps[s].name, "recon") == 0 || strcmp(steps[s].name, "intake_close") == 0;
    g_autofree char *needle = g_strdup_printf("%s:", steps[s].name);
    for (guint i = first; i <= last && !worked; i++) {
      const char *at = strstr(fx.nights[i].work, needle);
      worked = at && (at == fx.nights[i].work || at[-1] == ' ') && at[strlen(needle)] != '0';
    }
    if (!worked)
      fprintf(stderr, "\n  step %s had no rows on the crash nights: %s\n", steps[s].name, fx.nights[first].work);
    /* the quick version's portfolio is chosen for it; another seed or size may not be */
    if (!fx.long_run)
      CU_ASSERT_TRUE(worked);
  }
}

static void
print_stats(const char *what, const CrashStats *s)
{
  printf("\n  crash harness (%s): %u kill points tried, %u killed the run (%u passed over by a resume),"
         " %u reruns (%u waited for the lock), %u of %u digests equal to the clean run, %.0f s\n", what,
         s->kills + s->missed, s->kills, s->missed, s->reruns, s->lock_waits, s->equal, s->nights,
         (g_get_monotonic_time() - s->started) / 1e6);
}

static void
test_named_kill_points(void)
{
  fixture_setup();
  g_auto(CrashStats) stats = { .started = g_get_monotonic_time() };
  /* quick: every structural point of the first night and a sample of statements of
   * the first two; long: every point of every night */
  guint nights = fx.long_run ? fx.n_nights : 2;
  g_autofree char *db = itest_clone_db("crash_named", fx.nights[0].template_db);
  g_autofree char *config = itest_write_config(db, NULL);
  for (guint i = 0; i < nights; i++) {
    g_autoptr(GPtrArray) points = fx.long_run ? select_points(fx.nights[i].points, TRUE, 1, 0)
                                              : select_points(fx.nights[i].points, i == 0, 16, i == 0 ? 3 : 11);
    kill_chain(db, config, i, points, &stats);
  }
  assert_every_step_worked(0, nights - 1);
  print_stats("named points", &stats);
  CU_ASSERT_TRUE(stats.kills >= 50);
  CU_ASSERT_EQUAL(stats.equal, stats.nights);
}

/* ---- random kills ------------------------------------------------------------------ */

static const char sql_where_killed[] =
  "SELECT CASE"
  "  WHEN NOT EXISTS (SELECT 1 FROM job_runs WHERE pid = $1::int AND business_date = $2::date)"
  "       THEN 'before the run started'"
  "  WHEN EXISTS (SELECT 1 FROM job_step_runs WHERE pid = $1::int AND business_date = $2::date AND status = 'RUNNING')"
  "       THEN 'in ' || (SELECT step_name FROM job_step_runs WHERE pid = $1::int AND business_date = $2::date"
  "                         AND status = 'RUNNING' ORDER BY step_run_id DESC LIMIT 1)"
  "  WHEN (SELECT status FROM business_calendar WHERE business_date = $2::date) = 'CLOSED'"
  "       THEN 'after the date closed'"
  "  ELSE 'between steps, after ' || coalesce((SELECT step_name FROM job_step_runs WHERE pid = $1::int"
  "         AND business_date = $2::date AND status IN ('SUCCEEDED', 'SKIPPED') ORDER BY step_run_id DESC LIMIT 1),"
  "         'the run started')"
  " END";

/* Where a killed run of DATE was: its job_runs and job_step_runs rows tell, since the
 * next run has not marked them abandoned yet. */
static char *
where_killed(const char *db, GPid pid, const char *date)
{
  PGconn *c = itest_connect(db, "baitiao_report");
  g_autofree char *pid_text = g_strdup_printf("%d", (int) pid);
  const char *params[] = { pid_text, date };
  PGresult *res = PQexecParams(c, sql_where_killed, 2, NULL, params, NULL, NULL, 0);
  char *where = g_strdup(PQresultStatus(res) == PGRES_TUPLES_OK ? PQgetvalue(res, 0, 0) : "?");
  PQclear(res);
  PQfinish(c);
  return where;
}

/* How long (µs) a run of night I resuming in DB takes from run-start to after-close,
 * after the clean run's times: its preamble, then the steps not done yet (they run
 * in order, so the count done says where it resumes). */
static gint64
time_left(const char *db, guint i)
{
  const CrashNight *n = &fx.nights[i];
  guint steps;
  eod_steps(&steps);
  PGconn *c = itest_connect(db, "baitiao_report");
  g_autofree char *sql = g_strdup_printf("SELECT count(*) FROM job_step_runs WHERE business_date = '%s'"
                                         "   AND status = 'SUCCEEDED'", n->date);
  g_autofree char *done_text = itest_query(c, sql);
  PQfinish(c);
  guint done = done_text ? (guint) atoi(done_text) : 0;
  double resume = done < steps ? n->step_start[done] : n->after_close;
  return (gint64) (((n->step_start[0] - n->run_start) + (n->after_close - resume)) * 1e6);
}

/* Up to QUOTA runs of night I, each killed at a random moment of its work: it stops
 * itself at run-start (so that start-up time, which varies most, does not count) and
 * is killed within the time the clean run took for what is left (time_left, stretched
 * by *SLACK). Fewer when one completes first; *SLACK then shrinks for the next episode.
 * Returns the kills made. */
static guint
random_kills(const char *db, const char *config, guint i, guint quota, double *slack, guint64 *rng,
             CrashStats *stats)
{
  const CrashNight *n = &fx.nights[i];
  g_autofree char *err_path = g_strdup_printf("%s/crash-random-%d.err", itest_tmpdir(), (int) getpid());
  guint kills = 0;
  while (kills < quota) {
    gint64 window = (gint64) (time_left(db, i) * *slack);
    gint64 delay = prng_uniform(rng, 0, MAX(window, 1));
    GPid pid = itest_spawn_baitiao(config, (const char *[]) { "eod", "--date", n->date, "--quiet", NULL },
                             "stop:run-start", err_path);
    int status = itest_wait_child(pid, TRUE);
    if (status == -1) {
      kill(pid, SIGCONT);
      g_usleep((gulong) delay);
      kill(pid, SIGKILL);
      status = itest_wait_child(pid, FALSE);
    }
    if (status == EXIT_TEMPFAIL) {   /* the last killed run's backend still holds the lock */
      stats->lock_waits++;
      g_usleep(50 * 1000);
      continue;
    }
    note_run(stats, status);
    if (status != SIGKILL_STATUS) {  /* completed before the kill */
      CU_ASSERT_EQUAL(status, n->status);
      *slack *= 0.7;
      break;
    }
    kills++;
    g_autofree char *where = where_killed(db, pid, n->date);
    gboolean closed = strcmp(where, "after the date closed") == 0;
    guint count = GPOINTER_TO_UINT(g_hash_table_lookup(stats->where, where));
    g_hash_table_insert(stats->where, g_steal_pointer(&where), GUINT_TO_POINTER(count + 1));
    if (closed)   /* nothing left to interrupt */
      break;
  }
  return kills;
}

static void
print_where(const CrashStats *s)
{
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, s->where);
  printf("  random kills landed:");
  while (g_hash_table_iter_next(&it, &key, &value))
    printf(" %s ×%u;", (const char *) key, GPOINTER_TO_UINT(value));
  printf("\n");
}

static void
test_random_kills(void)
{
  fixture_setup();
  g_auto(CrashStats) stats = { .where = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
                               .started = g_get_monotonic_time() };
  guint64 rng = fx.seed;
  /* quick: the nights the named test does not use */
  guint first = fx.long_run ? 0 : 2;
  guint left = fx.n_random;
  for (guint i = first; i < fx.n_nights; i++) {
    guint quota = (left + (fx.n_nights - i) - 1) / (fx.n_nights - i);
    double slack = 1.1;  /* the clean run's times, give or take the machine's load */
    /* an episode: the night from its template, killed until it completes; a few
     * when runs complete before their kill */
    for (guint episode = 0; quota > 0 && episode < 3; episode++) {
      g_autofree char *db = itest_clone_db("crash_random", fx.nights[i].template_db);
      g_autofree char *config = itest_write_config(db, NULL);
      guint kills = random_kills(db, config, i, quota, &slack, &rng, &stats);
      quota -= kills;
      left -= MIN(left, kills);
      g_autoptr(ItestRun) done = run_night(config, fx.nights[i].date, NULL, &stats);
      note_run(&stats, done->status);
      CU_ASSERT_EQUAL(done->status, fx.nights[i].status);
      verify_night(db, i, &stats, "random moments");
    }
  }
  print_stats("random moments", &stats);
  print_where(&stats);
  CU_ASSERT_EQUAL(stats.equal, stats.nights);
}

/* ---- the database's own faults ------------------------------------------------------ */

/* Fast shutdown and start of the test cluster; the start is tried even when the stop
 * failed, since the tests after this one need the server. */
static void
restart_server(void)
{
  const char *dir = g_getenv("BT_TEST_PGDIR");
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  g_autofree char *pgcluster = g_build_filename(g_getenv("top_srcdir"), "scripts", "pgcluster", NULL);
  const char *what[] = { "stop", "start" };
  for (gsize i = 0; i < G_N_ELEMENTS(what); i++) {
    const char *argv[] = { pgcluster, what[i], dir, NULL };
    int st = -1;
    g_autoptr(GError) error = NULL;
    gboolean ok = g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &st, &error)
                  && g_spawn_check_wait_status(st, &error);
    if (!ok)
      fprintf(stderr, "\n  pgcluster %s failed: %s\n", what[i], error->message);
    CU_ASSERT_TRUE(ok);
  }
}

/* Runs baitiao until it stops itself at the point FAULT ("stop:…"), runs WHILE_STOPPED,
 * lets it go on and returns its exit status; *ERR receives its stderr. */
static int
run_with_pause(const char *config, const char *const *args, const char *fault, void (*while_stopped)(const char *),
               const char *arg, char **err)
{
  g_autofree char *err_path = g_strdup_printf("%s/crash-pause-%d.err", itest_tmpdir(), (int) getpid());
  GPid pid = itest_spawn_baitiao(config, args, fault, err_path);
  int status = itest_wait_child(pid, TRUE);
  if (status == -1) {
    while_stopped(arg);
    kill(pid, SIGCONT);
    status = itest_wait_child(pid, FALSE);
  } else {
    fprintf(stderr, "\n  %s never stopped (exit %d)\n", fault, status);
    CU_FAIL("the stop point was not reached");
  }
  CU_ASSERT_FATAL(g_file_get_contents(err_path, err, NULL, NULL));
  return status;
}

static void
restart_ignoring(const char *unused)
{
  (void) unused;
  restart_server();
}

static void
test_server_restart_mid_night(void)
{
  fixture_setup();
  g_auto(CrashStats) stats = { 0 };
  guint i = fx.n_nights - 1;
  const CrashNight *n = &fx.nights[i];
  g_autofree char *db = itest_clone_db("crash_restart", n->template_db);
  g_autofree char *config = itest_write_config(db, NULL);
  /* inside originate's COPY with rows on the server, then at a step's start inside
   * the run: the restart ends the session under the night both times */
  const char *points[] = { "stop:mid-copy:1", "stop:step-start:billing" };
  for (gsize k = 0; k < G_N_ELEMENTS(points); k++) {
    g_autofree char *err = NULL;
    int status = run_with_pause(config, (const char *[]) { "eod", "--date", n->date, "--quiet", NULL }, points[k],
                                restart_ignoring, NULL, &err);
    if (status != EXIT_TEMPFAIL)
      fprintf(stderr, "\n  %s: exit %d, expected 75: %s\n", points[k], status, err);
    CU_ASSERT_EQUAL(status, EXIT_TEMPFAIL);
    ITEST_ASSERT_CONTAINS(err, "database connection lost");
    ITEST_ASSERT_CONTAINS(err, "retry");
  }
  g_autoptr(ItestRun) done = run_night(config, n->date, NULL, &stats);
  CU_ASSERT_EQUAL(done->status, n->status);
  verify_night(db, i, &stats, "two server restarts");
  CU_ASSERT_EQUAL(stats.equal, 1);
}

static char *
write_big_users_file(guint rows)
{
  char *path = g_strdup_printf("%s/crash-users-%d.csv", itest_tmpdir(), (int) getpid());
  g_autoptr(GString) text = g_string_new("user_id,credit_limit,statement_day,status,name,phone\n");
  for (guint i = 1; i <= rows; i++)
    g_string_append_printf(text, "CU%07u,%u.00,%u,ACTIVE,张三丰,1380013%04u\n", i, 1000 + i % 9000, 1 + i % 28,
                           i % 10000);
  CU_ASSERT_FATAL(g_file_set_contents(path, text->str, -1, NULL));
  return path;
}

/* "load_files users rejects" of DB. */
static char *
load_counts(const char *db)
{
  PGconn *c = itest_connect(db, "baitiao_owner");
  char *counts = itest_query(c, "SELECT (SELECT count(*) FROM load_files) || ' ' || (SELECT count(*) FROM users)"
                                "       || ' ' || (SELECT count(*) FROM rejects)");
  PQfinish(c);
  return counts;
}

/* Ends the server backend of baitiao's load in DB, as an operator or the OOM killer might. */
static void
terminate_load_backend(const char *db)
{
  PGconn *su = itest_connect("postgres", "postgres");
  g_autofree char *sql = g_strdup_printf("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))"
                                         "  FROM pg_stat_activity WHERE datname = '%s'"
                                         "   AND application_name = 'baitiao/load'", db);
  g_autofree char *ended = itest_query(su, sql);
  ITEST_ASSERT_STR_EQ(ended, "1");
  PQfinish(su);
}

static void
test_connection_lost_while_loading(void)
{
  const guint rows = 30000;
  g_autofree char *file = write_big_users_file(rows);
  g_autofree char *db = itest_create_db("crash_load", TRUE);
  g_autofree char *config = itest_write_config(db, NULL);
  const char *const args[] = { "load", "users", file, "--quiet", NULL };

  /* the backend ended mid-COPY: exit 75, nothing of the file stored */
  g_autofree char *err = NULL;
  int status = run_with_pause(config, args, "stop:mid-copy:1", terminate_load_backend, db, &err);
  if (status != EXIT_TEMPFAIL)
    fprintf(stderr, "\n  load with its backend ended: exit %d, expected 75: %s\n", status, err);
  CU_ASSERT_EQUAL(status, EXIT_TEMPFAIL);
  ITEST_ASSERT_CONTAINS(err, "database connection lost");
  g_autofree char *after_terminate = load_counts(db);
  ITEST_ASSERT_STR_EQ(after_terminate, "0 0 0");

  /* the client killed mid-COPY: nothing stored either */
  g_autoptr(ItestRun) killed = itest_baitiao_config(config, args, (const char *[]) { "BAITIAO_FAULT=kill:mid-copy:1",
                                                                                     NULL });
  CU_ASSERT_EQUAL(killed->status, SIGKILL_STATUS);
  g_autofree char *after_kill = load_counts(db);
  ITEST_ASSERT_STR_EQ(after_kill, "0 0 0");

  /* killed with its COMMIT sent: all of the file or none of it */
  g_autoptr(ItestRun) in_commit = itest_baitiao_config(config, args,
                                                       (const char *[]) { "BAITIAO_FAULT=kill:after-commit-sent:load",
                                                                          NULL });
  CU_ASSERT_EQUAL(in_commit->status, SIGKILL_STATUS);
  g_autofree char *after_commit = load_counts(db);
  g_autofree char *all = g_strdup_printf("1 %u 0", rows);
  CU_ASSERT_TRUE(g_strcmp0(after_commit, "0 0 0") == 0 || g_strcmp0(after_commit, all) == 0);

  /* the reload works (or finds the file loaded by the commit that went through) */
  g_autoptr(ItestRun) reload = itest_baitiao_config(config, (const char *[]) { "load", "users", file, NULL }, NULL);
  CU_ASSERT_EQUAL(reload->status, 0);
  CU_ASSERT_TRUE(strstr(reload->out, "30000 accepted") || strstr(reload->out, "already loaded"));
  g_autofree char *loaded = load_counts(db);
  ITEST_ASSERT_STR_EQ(loaded, all);
}

CU_TestInfo itest_crash_cases[] = {
  { "named kill points across every step", test_named_kill_points },
  { "random kills at seeded moments", test_random_kills },
  { "server restart mid-night exits 75, rerun matches", test_server_restart_mid_night },
  { "connection lost while loading: nothing half-loaded", test_connection_lost_while_loading },
  CU_TEST_INFO_NULL,
};
