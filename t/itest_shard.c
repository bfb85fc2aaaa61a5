/* A book split by user over several clusters (issue 16, 分库): a coordinator on the
 * main test cluster and shards s1, s2, … each on an extra throwaway cluster of its
 * own (t/itest.c, itest_cluster), driven through the real binary with a group
 * configuration (docs: shard-spec, [shards] / [shard NAME]).
 *
 *   one vs three: the same generated portfolio loaded and run night by night on one
 *     database and on three shards: the same per-user state (the union of the shards'
 *     rows is the single database's), the same consolidated GL, every shard's books
 *     tied, every user on exactly the shard the directory and the placement say;
 *   a fourth shard added mid-run takes new users by the placement and moves nobody;
 *   a configuration dropping a shard is refused (exit 2, naming it);
 *   an unreachable shard makes load and eod exit 75 naming it, nothing stored;
 *   a shard killed mid-night, and a load killed between the shards' commits, are
 *     finished by the rerun, which ends where a clean run does.
 *
 * Sizes from the environment (defaults: the quick version make check runs):
 * BT_SHARD_USERS (200) users over BT_SHARD_DAYS (17) nights for one vs three (by the
 * 17th night of the generated book there are repayments, refunds and a write-off);
 * BT_SHARD_FAULT_USERS (200) over BT_SHARD_FAULT_DAYS (5) for the fault cases. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#define START_DATE "2026-03-01"
#define EXIT_USAGE 2
#define EXIT_TEMPFAIL 75
#define SIGKILL_STATUS (128 + SIGKILL)

static guint
env_uint(const char *name, guint fallback)
{
  const char *v = g_getenv(name);
  return v && *v ? (guint) g_ascii_strtoull(v, NULL, 10) : fallback;
}

/* ---- running the binary --------------------------------------------------------- */

static ItestRun *
run(const char *config, const char *const *args)
{
  return itest_baitiao_config(config, args, NULL);
}

/* One night of DATE as cron runs it; a run finding the night lock of a run just killed
 * still held (its backend has not noticed yet) exits 75 and is retried. */
static ItestRun *
night(const char *config, const char *date, const char *fault)
{
  g_autofree char *fault_env = fault ? g_strdup_printf("BAITIAO_FAULT=%s", fault) : NULL;
  const char *env[] = { fault_env, NULL };
  for (int tries = 0;; tries++) {
    ItestRun *r = itest_baitiao_config(config, (const char *[]) { "eod", "--date", date, "--quiet", NULL }, env);
    if (r->status != EXIT_TEMPFAIL || !strstr(r->err, "lock held") || tries == 200)
      return r;
    itest_run_free(r);
    g_usleep(50 * 1000);
  }
}

/* A night that must close: 0, or 3 for the breaks the generator plants in the
 * channels' settlement files (R7). */
static void
night_ok(const char *config, const char *date)
{
  g_autoptr(ItestRun) r = night(config, date, NULL);
  if (r->status != 0 && r->status != 3)
    fprintf(stderr, "\n  eod %s exited %d: %s\n", date, r->status, r->err);
  CU_ASSERT_FATAL(r->status == 0 || r->status == 3);
}

static void
add_shards(const ItestGroup *g, guint from)
{
  for (guint i = from; i < g->shards->len; i++)
    itest_baitiao_ok(g->config, (const char *[]) { "shard", "add", ((ItestShard *) g->shards->pdata[i])->name, "--quiet", NULL });
}

/* A group of N shards, added, its configuration written (G->config). */
static ItestGroup *
new_group(const char *prefix, guint n, const char *products)
{
  ItestGroup *g = itest_group_new(prefix, n, products);
  itest_group_write_config(g, 0, NULL);
  add_shards(g, 0);
  return g;
}

static char *
data_file(const char *name, const char *text)
{
  return itest_data_file("shard", name, text);
}

static char *
file_sha256(const char *path)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  CU_ASSERT_FATAL(g_file_get_contents(path, &text, &len, NULL));
  return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) text, len);
}

/* A users file of users PREFIX0001 … PREFIX<N> (limit LIMIT yuan), and ALSO's ids
 * after them (NULL terminated) with limit 7777.00: known users changed by a later file. */
static char *
users_file(const char *name, const char *prefix, guint n, const char *limit, const char *const *also)
{
  g_autoptr(GString) text = g_string_new("user_id,credit_limit,statement_day,status,name,phone\n");
  for (guint i = 1; i <= n; i++)
    g_string_append_printf(text, "%s%04u,%s,%u,ACTIVE,用户%u,138%08u\n", prefix, i, limit, 1 + i % 28, i, i);
  for (guint i = 0; also && also[i]; i++)
    g_string_append_printf(text, "%s,7777.00,5,ACTIVE,老用户,13900000000\n", also[i]);
  return data_file(name, text->str);
}

/* ---- a generated portfolio, night by night (as scripts/replay does) ------------ */

static gint
compare_strings(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The day folders (YYYYMMDD) of a gen portfolio, in order. */
static GPtrArray *
portfolio_days(const char *portfolio)
{
  g_autoptr(GDir) dir = g_dir_open(portfolio, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  GPtrArray *days = g_ptr_array_new_with_free_func(g_free);
  for (const char *n; (n = g_dir_read_name(dir));)
    if (g_ascii_isdigit(n[0]))
      g_ptr_array_add(days, g_strdup(n));
  g_ptr_array_sort(days, compare_strings);
  return days;
}

/* What a test checks right after the load BAITIAO_FAULT killed (the file's path). */
typedef void (*AfterKill)(const ItestGroup *g, const char *path);

static const char *const day_files[] = { "orders", "refunds", "repayments", "settlement_ALIPAY", "settlement_WECHAT",
                                         "settlement_UNIONPAY", NULL };

/* Loads day folder DAY's files (ORDER, NULL: orders, refunds, repayments, each
 * channel's settlement) through CONFIG. FAULT_FILE (a kind, or "settlement_CHANNEL") is loaded
 * with BAITIAO_FAULT=FAULT, must be killed by it, and AFTER (when given) checks G then. */
static void
load_day(const char *config, const char *portfolio, const char *day, const char *const *order,
         const char *fault_file, const char *fault, AfterKill after, const ItestGroup *g)
{
  const char *const *files = order ? order : day_files;
  for (gsize i = 0; files[i]; i++) {
    g_autofree char *path = g_strdup_printf("%s/%s/%s.csv", portfolio, day, files[i]);
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
      continue;
    const char *args[8];
    guint n = 0;
    args[n++] = "load";
    if (g_str_has_prefix(files[i], "settlement_")) {
      args[n++] = "settlement";
      args[n++] = "--channel";
      args[n++] = files[i] + strlen("settlement_");
    } else
      args[n++] = files[i];
    args[n++] = path;
    args[n++] = "--quiet";
    args[n] = NULL;
    gboolean faulty = fault_file && strcmp(fault_file, files[i]) == 0;
    g_autofree char *env_fault = faulty ? g_strdup_printf("BAITIAO_FAULT=%s", fault) : NULL;
    const char *env[] = { env_fault, NULL };
    g_autoptr(ItestRun) r = itest_baitiao_config(config, args, env);
    int expected = faulty ? SIGKILL_STATUS : 0;
    if (r->status != expected)
      fprintf(stderr, "\n  load %s exited %d, not %d: %s\n", path, r->status, expected, r->err);
    CU_ASSERT_EQUAL_FATAL(r->status, expected);
    if (faulty && after)
      after(g, path);
  }
  /* the file named was there to be killed */
  if (fault_file) {
    g_autofree char *path = g_strdup_printf("%s/%s/%s.csv", portfolio, day, fault_file);
    CU_ASSERT_TRUE_FATAL(g_file_test(path, G_FILE_TEST_EXISTS));
  }
}

/* "YYYY-MM-DD" of a day folder. */
static char *
folder_date(const char *day)
{
  return g_strdup_printf("%.4s-%.2s-%.2s", day, day + 4, day + 6);
}

/* Loads the users, then night by night each day's files and the night, from the
 * FIRST-th day folder (0: the users too) up to the LAST-th excluded. The folder after
 * the last day holds settlement files only: loaded, no night. */
static void
replay(const char *config, const char *portfolio, guint first, guint last)
{
  if (first == 0) {
    g_autofree char *users = g_build_filename(portfolio, "users.csv", NULL);
    itest_baitiao_ok(config, (const char *[]) { "load", "users", users, "--quiet", NULL });
  }
  g_autoptr(GPtrArray) days = portfolio_days(portfolio);
  for (guint i = first; i < last && i < days->len; i++) {
    const char *day = days->pdata[i];
    load_day(config, portfolio, day, NULL, NULL, NULL, NULL, NULL);
    g_autofree char *orders = g_strdup_printf("%s/%s/orders.csv", portfolio, day);
    g_autofree char *date = folder_date(day);
    if (g_file_test(orders, G_FILE_TEST_EXISTS))
      night_ok(config, date);
  }
}

/* ---- comparing shards with one database ------------------------------------------- */

/* TEXT's lines sorted (byte order), appended to LINES. */
static void
add_lines(GPtrArray *lines, const char *text)
{
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  g_auto(GStrv) split = g_strsplit(text, "\n", -1);
  for (guint i = 0; split[i]; i++)
    if (*split[i])
      g_ptr_array_add(lines, g_strdup(split[i]));
}

static char *
joined_sorted(GPtrArray *lines)
{
  g_ptr_array_sort(lines, compare_strings);
  g_autoptr(GString) out = g_string_new(NULL);
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf(out, "%s\n", (char *) lines->pdata[i]);
  return g_string_free(g_steal_pointer(&out), FALSE);
}

/* A = B, line for line; else the first line that differs and both counts are printed. */
static void
assert_same_lines(const char *what, const char *a, const char *b)
{
  CU_ASSERT_PTR_NOT_NULL_FATAL(a);
  CU_ASSERT_PTR_NOT_NULL_FATAL(b);
  if (strcmp(a, b) == 0) {
    CU_PASS("same lines");
    return;
  }
  g_auto(GStrv) x = g_strsplit(a, "\n", -1);
  g_auto(GStrv) y = g_strsplit(b, "\n", -1);
  guint i = 0;
  while (x[i] && y[i] && strcmp(x[i], y[i]) == 0)
    i++;
  fprintf(stderr, "\n  %s: %u lines against %u; line %u differs:\n    %s\n    %s\n", what, g_strv_length(x) - 1,
          g_strv_length(y) - 1, i + 1, x[i] ? x[i] : "(none)", y[i] ? y[i] : "(none)");
  CU_FAIL(what);
}

/* TABLE's rows (itest_table_rows) on one database, sorted here. */
static char *
table_lines(PGconn *c, const char *table)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *rows = itest_table_rows(c, table);
  add_lines(lines, rows);
  return joined_sorted(lines);
}

/* TABLE's rows of every shard of G together, sorted. */
static char *
union_lines(const ItestGroup *g, const char *table)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < g->shards->len; i++) {
    PGconn *c = itest_shard_connect(g->shards->pdata[i], "baitiao_owner");
    g_autofree char *rows = itest_table_rows(c, table);
    add_lines(lines, rows);
    PQfinish(c);
  }
  return joined_sorted(lines);
}

static const char sql_gl[] =
  "SELECT business_date || ' ' || account_code, opening_fen, debit_fen, credit_fen, closing_fen"
  "  FROM gl_daily_balances";

/* Adds CONN's daily balances into SUMS ("date account" → gint64[4]). */
static void
add_gl(GHashTable *sums, PGconn *conn)
{
  PGresult *res = PQexec(conn, sql_gl);
  CU_ASSERT_FATAL(PQresultStatus(res) == PGRES_TUPLES_OK);
  for (int r = 0; r < PQntuples(res); r++) {
    gint64 *v = g_hash_table_lookup(sums, PQgetvalue(res, r, 0));
    if (!v) {
      v = g_new0(gint64, 4);
      g_hash_table_insert(sums, g_strdup(PQgetvalue(res, r, 0)), v);
    }
    for (int k = 0; k < 4; k++)
      v[k] += g_ascii_strtoll(PQgetvalue(res, r, 1 + k), NULL, 10);
  }
  PQclear(res);
}

/* SUMS as sorted lines "date account opening debit credit closing"; an account whose
 * four sums are 0 is left out (one shard's +x and another's −x: one database writes
 * no row for it). */
static char *
gl_lines(GHashTable *sums)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, sums);
  while (g_hash_table_iter_next(&it, &key, &value)) {
    const gint64 *v = value;
    if (v[0] || v[1] || v[2] || v[3])
      g_ptr_array_add(lines, g_strdup_printf("%s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
                                             " %" G_GINT64_FORMAT, (char *) key, v[0], v[1], v[2], v[3]));
  }
  return joined_sorted(lines);
}

static GHashTable *
new_sums(void)
{
  return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

/* "user_id shard" of every user on the shards, sorted; *DUPLICATES the users found on
 * more than one. */
static char *
users_by_shard(const ItestGroup *g, guint *duplicates)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
  *duplicates = 0;
  for (guint i = 0; i < g->shards->len; i++) {
    const ItestShard *s = g->shards->pdata[i];
    g_autofree char *ids = itest_shard_value(s, "baitiao_report",
                                             "SELECT coalesce(string_agg(user_id, ' ' ORDER BY user_id), '') FROM users");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ids);
    g_auto(GStrv) split = g_strsplit(ids, " ", -1);
    for (guint k = 0; split[k]; k++) {
      if (!*split[k])
        continue;
      if (!g_hash_table_add(seen, g_strdup(split[k])))
        (*duplicates)++;
      g_ptr_array_add(lines, g_strdup_printf("%s %s", split[k], s->name));
    }
  }
  return joined_sorted(lines);
}

/* The coordinator's directory, "user_id shard" sorted. */
static char *
directory_lines(const ItestGroup *g)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *text = itest_db_value(g->coordinator, "baitiao_report",
                                         "SELECT coalesce(string_agg(user_id || ' ' || shard, E'\\n'), '')"
                                         "  FROM user_directory");
  add_lines(lines, text);
  return joined_sorted(lines);
}

/* How many lines of DIRECTORY ("user shard") do not say the placement over N shards. */
static guint
misplaced(const char *directory, guint n)
{
  g_auto(GStrv) lines = g_strsplit(directory, "\n", -1);
  guint wrong = 0;
  for (guint i = 0; lines[i]; i++) {
    if (!*lines[i])
      continue;
    g_auto(GStrv) f = g_strsplit(lines[i], " ", 2);
    g_autofree char *want = itest_hash_shard(f[0], n);
    if (!f[1] || strcmp(f[1], want) != 0)
      wrong++;
  }
  return wrong;
}

static char *
shard_closed(const ItestShard *s, const char *date)
{
  g_autofree char *sql = g_strdup_printf("SELECT coalesce((SELECT status FROM business_calendar"
                                         "  WHERE business_date = '%s'), 'none')", date);
  return itest_shard_value(s, "baitiao_report", sql);
}

static char *
group_closed(const ItestGroup *g, const char *date)
{
  g_autofree char *sql = g_strdup_printf("SELECT count(*) FROM group_closed_dates WHERE business_date = '%s'", date);
  return itest_db_value(g->coordinator, "baitiao_report", sql);
}

/* ---- one vs three ------------------------------------------------------------------- */

/* The consolidated trial balance of DATE as `baitiao group gl --format csv` prints it,
 * "account opening debit credit closing" (fen) per account, sorted; the totals row and
 * an account whose figures are all 0 left out. */
static char *
group_gl_lines(const char *config, const char *date)
{
  g_autoptr(ItestRun) r = run(config, (const char *[]) { "group", "gl", "--date", date, "--format", "csv", NULL });
  if (r->status != 0)
    fprintf(stderr, "\n  group gl exited %d: %s\n", r->status, r->err);
  CU_ASSERT_EQUAL_FATAL(r->status, 0);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
  g_auto(GStrv) rows = g_strsplit(r->out, "\r\n", -1);
  CU_ASSERT_FATAL(rows[0] && g_str_has_prefix(rows[0], "account_code,"));
  for (guint i = 1; rows[i]; i++) {
    g_auto(GStrv) f = g_strsplit(rows[i], ",", -1);
    guint n = g_strv_length(f);
    /* the name may hold a comma (quoted): the figures are counted from the end */
    if (n < 7 || !*f[0])
      continue;
    if (strcmp(f[n - 5], "0") || strcmp(f[n - 4], "0") || strcmp(f[n - 3], "0") || strcmp(f[n - 2], "0"))
      g_ptr_array_add(lines, g_strdup_printf("%s %s %s %s %s", f[0], f[n - 5], f[n - 4], f[n - 3], f[n - 2]));
  }
  return joined_sorted(lines);
}

/* One database's trial balance of DATE, as group_gl_lines has it. */
static char *
one_gl_lines(PGconn *conn, const char *date)
{
  g_autofree char *sql = g_strdup_printf("SELECT coalesce(string_agg(concat_ws(' ', account_code, opening_fen,"
                                         " debit_fen, credit_fen, closing_fen), E'\\n'), '') FROM gl_daily_balances"
                                         " WHERE business_date = '%s' AND (opening_fen, debit_fen, credit_fen,"
                                         " closing_fen) <> (0, 0, 0, 0)", date);
  g_autofree char *text = itest_query(conn, sql);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
  add_lines(lines, text);
  return joined_sorted(lines);
}

/* The tables of a user's state, compared by natural key. */
static const char *const user_tables[] = { "users", "inbox_orders", "inbox_refunds", "inbox_repayments", "loans",
                                           "installments", "allocations", "credit_balance_movements", "waivers",
                                           "refund_applications", "statements", "statement_lines", "penalty_accruals",
                                           "loan_snapshots", "writeoffs", NULL };

#define BREAK_LINE "business_date || ' ' || check_id || ' ' || break_type || ' ' || break_key || ' '" \
                   " || coalesce(diff_fen::text, '-') || ' ' || status"
static const char sql_breaks[] =
  "SELECT coalesce(string_agg(" BREAK_LINE ", E'\\n'), '') FROM recon_breaks";
static const char sql_breaks_but_channel_only[] =
  "SELECT coalesce(string_agg(" BREAK_LINE ", E'\\n'), '') FROM recon_breaks WHERE break_type <> 'CHANNEL_ONLY'";

static void
test_one_vs_three(void)
{
  guint users = env_uint("BT_SHARD_USERS", 200), days = env_uint("BT_SHARD_DAYS", 17);
  /* write-offs within the run: writeoff_dpd=3 on every second product */
  g_autofree char *products = itest_write_products("shard-1v3", 3, 2);
  g_autofree char *portfolio = itest_gen_portfolio("shard-1v3", users, days, 16, START_DATE, products);

  gint64 t0 = g_get_monotonic_time();
  g_autofree char *single = itest_create_db("shard_single", TRUE);
  g_autofree char *single_config = itest_write_config(single, NULL);
  itest_baitiao_ok(single_config, (const char *[]) { "products", "load", products, "--quiet", NULL });
  replay(single_config, portfolio, 0, days + 1);
  gint64 t1 = g_get_monotonic_time();

  g_autoptr(ItestGroup) g = new_group("shard_three", 3, products);
  replay(g->config, portfolio, 0, days + 1);
  printf("\n  one vs three: %u users, %u nights: one database %.0f s, three shards %.0f s\n", users, days,
         (t1 - t0) / 1e6, (g_get_monotonic_time() - t1) / 1e6);

  PGconn *one = itest_connect(single, "baitiao_owner");
  /* the book is not trivial: paid, waived and written-off amounts to compare */
  g_autofree char *work = itest_query(one, "SELECT concat_ws(' ', count(*) > 0, sum(paid_principal_fen) > 0,"
                                           " sum(writeoff_principal_fen) > 0, sum(principal_reduced_fen + fee_waived_fen) > 0)"
                                           "  FROM installments");
  ITEST_ASSERT_STR_EQ(work, "t t t t");
  for (guint t = 0; user_tables[t]; t++) {
    g_autofree char *a = union_lines(g, user_tables[t]);
    g_autofree char *b = table_lines(one, user_tables[t]);
    assert_same_lines(user_tables[t], a, b);
  }

  /* the consolidated GL: Σ over the shards per date and account */
  g_autoptr(GHashTable) shard_gl = new_sums();
  g_autoptr(GHashTable) one_gl = new_sums();
  for (guint i = 0; i < g->shards->len; i++) {
    PGconn *c = itest_shard_connect(g->shards->pdata[i], "baitiao_report");
    add_gl(shard_gl, c);
    PQfinish(c);
  }
  add_gl(one_gl, one);
  g_autofree char *gl_a = gl_lines(shard_gl);
  g_autofree char *gl_b = gl_lines(one_gl);
  CU_ASSERT_TRUE(strlen(gl_b) > 100);
  assert_same_lines("gl_daily_balances", gl_a, gl_b);

  /* every night closed on every shard and for the group; each shard's books tied */
  g_autoptr(GPtrArray) folders = portfolio_days(portfolio);
  g_autofree char *last = folder_date(folders->pdata[days - 1]);
  g_autofree char *group_days = itest_db_value(g->coordinator, "baitiao_report",
                                               "SELECT count(*) || ' ' || max(business_date) FROM group_closed_dates");
  g_autofree char *want_days = g_strdup_printf("%u %s", days, last);
  ITEST_ASSERT_STR_EQ(group_days, want_days);
  for (guint i = 0; i < g->shards->len; i++) {
    PGconn *c = itest_shard_connect(g->shards->pdata[i], "baitiao_report");
    g_autofree char *r4 = itest_books_diff(c, last);
    ITEST_ASSERT_STR_EQ(r4, "0,0,0,0");
    g_autofree char *closed = itest_query(c, "SELECT count(*) FROM business_calendar WHERE status = 'CLOSED'");
    g_autofree char *want = g_strdup_printf("%u", days);
    ITEST_ASSERT_STR_EQ(closed, want);
    PQfinish(c);
  }

  /* every user on exactly one shard, the one the directory names, by the placement */
  guint duplicates = 0;
  g_autofree char *on_shards = users_by_shard(g, &duplicates);
  CU_ASSERT_EQUAL(duplicates, 0);
  g_autofree char *directory = directory_lines(g);
  assert_same_lines("user_directory", directory, on_shards);
  CU_ASSERT_EQUAL(misplaced(directory, 3), 0);
  g_autofree char *n_users = itest_query(one, "SELECT count(*) FROM users");
  g_autofree char *n_dir = itest_db_value(g->coordinator, "baitiao_report", "SELECT count(*) FROM user_directory");
  ITEST_ASSERT_STR_EQ(n_dir, n_users);
  /* every order went where its user lives */
  g_autofree char *astray = itest_db_value(g->coordinator, "baitiao_report",
                                           "SELECT count(*) FROM order_directory o"
                                           "  LEFT JOIN user_directory u USING (user_id)"
                                           " WHERE u.shard IS DISTINCT FROM o.shard");
  ITEST_ASSERT_STR_EQ(astray, "0");
  /* every settlement line kept once: on the shard of its repayment, or at the
   * coordinator when no repayment matches it (长款) */
  g_autofree char *lines_one = itest_query(one, "SELECT count(*) FROM settlement_lines");
  g_autofree char *lines_coordinator = itest_db_value(g->coordinator, "baitiao_report",
                                                     "SELECT count(*) FROM settlement_lines");
  gint64 lines_group = g_ascii_strtoll(lines_coordinator, NULL, 10);
  for (guint i = 0; i < g->shards->len; i++) {
    g_autofree char *n = itest_shard_value(g->shards->pdata[i], "baitiao_report",
                                           "SELECT count(*) FROM settlement_lines");
    lines_group += g_ascii_strtoll(n, NULL, 10);
  }
  g_autofree char *lines_sum = g_strdup_printf("%" G_GINT64_FORMAT, lines_group);
  ITEST_ASSERT_STR_EQ(lines_sum, lines_one);

  /* the shards' reconciliation found what one database's did, but the channel-only
   * lines (长款): those are the coordinator's (the group's recon reads them there) */
  g_autoptr(GPtrArray) shard_breaks = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < g->shards->len; i++) {
    g_autofree char *b = itest_shard_value(g->shards->pdata[i], "baitiao_report", sql_breaks);
    add_lines(shard_breaks, b);
  }
  g_autofree char *breaks_a = joined_sorted(shard_breaks);
  g_autoptr(GPtrArray) one_breaks = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *ob = itest_query(one, sql_breaks_but_channel_only);
  add_lines(one_breaks, ob);
  g_autofree char *breaks_b = joined_sorted(one_breaks);
  assert_same_lines("recon_breaks", breaks_a, breaks_b);

  /* the group's own reads (postgres_fdw over the shards) say the same: the consolidated
   * trial balance is one database's, and the group's checks G1-G8 find nothing */
  g_autofree char *tb_group = group_gl_lines(g->config, last);
  g_autofree char *tb_one = one_gl_lines(one, last);
  CU_ASSERT_TRUE(strlen(tb_one) > 50);
  assert_same_lines("group gl", tb_group, tb_one);
  g_autoptr(ItestRun) recon = run(g->config, (const char *[]) { "group", "recon", "--date", last, NULL });
  if (recon->status != 0)
    fprintf(stderr, "\n  group recon exited %d: %s%s\n", recon->status, recon->out, recon->err);
  CU_ASSERT_EQUAL(recon->status, 0);
  ITEST_ASSERT_CONTAINS(recon->out, "\n0 break(s)\n");
  PQfinish(one);
}

/* ---- a fourth shard, mid-run -------------------------------------------------------- */

/* The first N of users PREFIX0001 … PREFIX<MAX> whose placement over 4 shards differs
 * from the one over 3: users a rehash would move (NULL terminated). */
static GPtrArray *
users_a_rehash_moves(const char *prefix, guint max, guint n)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 1; i <= max && ids->len < n; i++) {
    g_autofree char *id = g_strdup_printf("%s%04u", prefix, i);
    g_autofree char *three = itest_hash_shard(id, 3);
    g_autofree char *four = itest_hash_shard(id, 4);
    if (strcmp(three, four) != 0)
      g_ptr_array_add(ids, g_steal_pointer(&id));
  }
  CU_ASSERT_EQUAL_FATAL(ids->len, n);
  g_ptr_array_add(ids, NULL);
  return ids;
}

/* Lines of BEFORE missing from AFTER (both sorted "user shard" texts). */
static guint
lines_missing(const char *before, const char *after)
{
  g_auto(GStrv) a = g_strsplit(before, "\n", -1);
  g_autoptr(GHashTable) b = g_hash_table_new(g_str_hash, g_str_equal);
  g_auto(GStrv) split = g_strsplit(after, "\n", -1);
  for (guint i = 0; split[i]; i++)
    g_hash_table_add(b, split[i]);
  guint missing = 0;
  for (guint i = 0; a[i]; i++)
    if (*a[i] && !g_hash_table_contains(b, a[i]))
      missing++;
  return missing;
}

static void
test_fourth_shard_mid_run(void)
{
  g_autoptr(ItestGroup) g = new_group("shard_four", 3, NULL);
  g_autofree char *first = users_file("four-a.csv", "HA", 90, "10000.00", NULL);
  itest_baitiao_ok(g->config, (const char *[]) { "load", "users", first, "--quiet", NULL });
  night_ok(g->config, "2026-03-01");
  g_autofree char *before = directory_lines(g);
  CU_ASSERT_EQUAL(misplaced(before, 3), 0);

  /* s4 joins: a configuration change, then shard add */
  itest_group_add_shard(g, NULL);
  itest_group_write_config(g, 0, NULL);
  add_shards(g, 3);
  /* new users, and known users whose rehash over four shards would move them */
  g_autoptr(GPtrArray) known = users_a_rehash_moves("HA", 90, 10);
  g_autofree char *second = users_file("four-b.csv", "HB", 120, "20000.00", (const char *const *) known->pdata);
  itest_baitiao_ok(g->config, (const char *[]) { "load", "users", second, "--quiet", NULL });
  night_ok(g->config, "2026-03-02");

  g_autofree char *after = directory_lines(g);
  CU_ASSERT_EQUAL(lines_missing(before, after), 0);   /* nobody moved */
  guint duplicates = 0;
  g_autofree char *on_shards = users_by_shard(g, &duplicates);
  CU_ASSERT_EQUAL(duplicates, 0);
  assert_same_lines("user_directory after s4", after, on_shards);
  /* the new users where the placement over four puts them: some on s4, only new ones */
  guint expect_s4 = 0;
  g_autoptr(GString) placed = g_string_new(NULL);
  for (guint i = 1; i <= 120; i++) {
    g_autofree char *id = g_strdup_printf("HB%04u", i);
    g_autofree char *want = itest_hash_shard(id, 4);
    g_string_append_printf(placed, "%s %s\n", id, want);
    expect_s4 += strcmp(want, "s4") == 0;
  }
  CU_ASSERT_EQUAL(lines_missing(placed->str, after), 0);
  CU_ASSERT_TRUE(expect_s4 > 0);
  g_autofree char *s4_users = itest_shard_value(itest_group_shard(g, "s4"), "baitiao_report",
                                                "SELECT count(*) || ' ' || count(*) FILTER (WHERE user_id LIKE 'HB%')"
                                                "  FROM users");
  g_autofree char *want_s4 = g_strdup_printf("%u %u", expect_s4, expect_s4);
  ITEST_ASSERT_STR_EQ(s4_users, want_s4);
  /* the known users changed on the shard they live on */
  for (guint i = 0; known->pdata[i]; i++) {
    const char *id = known->pdata[i];
    g_autofree char *home = itest_hash_shard(id, 3);
    g_autofree char *sql = g_strdup_printf("SELECT credit_limit_fen FROM users WHERE user_id = '%s'", id);
    g_autofree char *limit = itest_shard_value(itest_group_shard(g, home), "baitiao_report", sql);
    ITEST_ASSERT_STR_EQ(limit, "777700");
  }
  /* s4 ran the night it joined for; the group closed it */
  g_autofree char *closed = shard_closed(itest_group_shard(g, "s4"), "2026-03-02");
  ITEST_ASSERT_STR_EQ(closed, "CLOSED");
  g_autofree char *group = group_closed(g, "2026-03-02");
  ITEST_ASSERT_STR_EQ(group, "1");
  /* shard list counts them: the row "s4,<open>,<weight>,<added_at>,<users>,…" */
  g_autoptr(ItestRun) list = run(g->config, (const char *[]) { "shard", "list", "--format", "csv", NULL });
  CU_ASSERT_EQUAL(list->status, 0);
  const char *row = list->out ? strstr(list->out, "\ns4,") : NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(row);
  g_auto(GStrv) fields = g_strsplit(row + 1, ",", 6);
  CU_ASSERT_FATAL(g_strv_length(fields) == 6);
  g_autofree char *want_count = g_strdup_printf("%u", expect_s4);
  ITEST_ASSERT_STR_EQ(fields[4], want_count);
}

/* ---- refusals: a dropped shard, an unreachable one --------------------------------- */

static char *
coordinator_counts(const ItestGroup *g)
{
  return itest_db_value(g->coordinator, "baitiao_report",
                        "SELECT concat_ws(' ', (SELECT count(*) FROM group_loads),"
                        "  (SELECT count(*) FROM group_load_shards), (SELECT count(*) FROM user_directory),"
                        "  (SELECT count(*) FROM group_closed_dates))");
}

static char *
shard_files(const ItestShard *s)
{
  return itest_shard_value(s, "baitiao_report",
                           "SELECT (SELECT count(*) FROM load_files) || ' ' || (SELECT count(*) FROM users)");
}

static void
test_dropped_shard_refused(void)
{
  g_autoptr(ItestGroup) g = new_group("shard_drop", 3, NULL);
  g_autofree char *users = users_file("drop-a.csv", "HD", 30, "10000.00", NULL);
  itest_baitiao_ok(g->config, (const char *[]) { "load", "users", users, "--quiet", NULL });
  g_autofree char *s3_users = itest_shard_value(itest_group_shard(g, "s3"), "baitiao_report",
                                                "SELECT count(*) > 0 FROM users");
  ITEST_ASSERT_STR_EQ(s3_users, "t");
  g_autofree char *counts = coordinator_counts(g);
  g_autofree char *s1_files = shard_files(itest_group_shard(g, "s1"));

  const char *dropped = itest_group_write_config(g, 2, NULL);   /* names=s1,s2 */
  g_autofree char *more = users_file("drop-b.csv", "HE", 30, "10000.00", NULL);
  const char *const *commands[] = {
    (const char *[]) { "load", "users", more, NULL },
    (const char *[]) { "eod", "--date", "2026-03-01", NULL },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
    g_autoptr(ItestRun) r = run(dropped, commands[i]);
    if (r->status != EXIT_USAGE)
      fprintf(stderr, "\n  %s %s exited %d\n", commands[i][0], commands[i][1], r->status);
    CU_ASSERT_EQUAL(r->status, EXIT_USAGE);
    ITEST_ASSERT_CONTAINS(r->err, "drops shard s3");
  }
  g_autofree char *counts_after = coordinator_counts(g);
  ITEST_ASSERT_STR_EQ(counts_after, counts);
  g_autofree char *s1_after = shard_files(itest_group_shard(g, "s1"));
  ITEST_ASSERT_STR_EQ(s1_after, s1_files);
  g_autofree char *calendar = itest_shard_value(itest_group_shard(g, "s1"), "baitiao_report",
                                                "SELECT count(*) FROM business_calendar");
  ITEST_ASSERT_STR_EQ(calendar, "0");
}

/* An order id or a transaction id is unique over the group, not per user: a file that
 * repeats one for a user on another shard, and a later file repeating an accepted one,
 * are rejected DUPLICATE_ORDER / DUPLICATE_TXN exactly as one database rejects them. */
static void
test_repeated_ids_across_shards(void)
{
  g_autoptr(ItestGroup) g = new_group("shard_dup", 3, NULL);
  g_autofree char *users = users_file("dup-users.csv", "HR", 30, "10000.00", NULL);
  itest_baitiao_ok(g->config, (const char *[]) { "load", "users", users, "--quiet", NULL });
  /* two users on two different shards */
  g_autofree char *u1 = itest_db_value(g->coordinator, "baitiao_report",
                                       "SELECT min(user_id) FROM user_directory WHERE shard = 's1'");
  g_autofree char *u2 = itest_db_value(g->coordinator, "baitiao_report",
                                       "SELECT min(user_id) FROM user_directory WHERE shard = 's2'");
  CU_ASSERT_FATAL(u1 && *u1 && u2 && *u2);
  g_autofree char *orders_text = g_strdup_printf("order_id,user_id,order_date,amount,product_code\n"
                                                 "RO1,%s,2026-03-01,100.00,FPP12\nRO1,%s,2026-03-01,100.00,FPP12\n",
                                                 u1, u2);
  g_autofree char *orders = data_file("dup-orders.csv", orders_text);
  itest_baitiao_ok(g->config, (const char *[]) { "load", "orders", orders, "--quiet", NULL });
  g_autofree char *again_text = g_strdup_printf("order_id,user_id,order_date,amount,product_code\n"
                                                "RO1,%s,2026-03-01,100.00,FPP12\n", u2);
  g_autofree char *again = data_file("dup-orders-2.csv", again_text);
  itest_baitiao_ok(g->config, (const char *[]) { "load", "orders", again, "--quiet", NULL });
  g_autofree char *pays_text = g_strdup_printf("txn_id,user_id,pay_date,amount,channel,prepay_order_id\n"
                                               "RT1,%s,2026-03-01,10.00,ALIPAY,\nRT1,%s,2026-03-01,10.00,WECHAT,\n",
                                               u1, u2);
  g_autofree char *pays = data_file("dup-pays.csv", pays_text);
  itest_baitiao_ok(g->config, (const char *[]) { "load", "repayments", pays, "--quiet", NULL });
  /* all on s1, where the first of each went: one accepted, the repeats rejected there */
  ItestShard *s1 = itest_group_shard(g, "s1");
  g_autofree char *verdicts = itest_shard_value(s1, "baitiao_report",
    "SELECT (SELECT count(*) FROM inbox_orders WHERE order_id = 'RO1') || ','"
    "    || (SELECT string_agg(reason_code, ',' ORDER BY line_no, reason_code) FROM rejects"
    "         WHERE external_id = 'RO1') || ','"
    "    || (SELECT count(*) FROM inbox_repayments WHERE txn_id = 'RT1') || ','"
    "    || (SELECT string_agg(reason_code, ',') FROM rejects WHERE external_id = 'RT1')");
  ITEST_ASSERT_STR_EQ(verdicts, "1,DUPLICATE_ORDER,DUPLICATE_ORDER,1,DUPLICATE_TXN");
  for (guint i = 1; i < g->shards->len; i++) {
    g_autofree char *none = itest_shard_value(g->shards->pdata[i], "baitiao_report",
      "SELECT (SELECT count(*) FROM inbox_orders WHERE order_id = 'RO1')"
      "     + (SELECT count(*) FROM inbox_repayments WHERE txn_id = 'RT1')"
      "     + (SELECT count(*) FROM rejects WHERE external_id IN ('RO1', 'RT1'))");
    ITEST_ASSERT_STR_EQ(none, "0");
  }
}

static void
test_unreachable_shard(void)
{
  g_autoptr(ItestGroup) g = new_group("shard_down", 3, NULL);
  g_autofree char *users = users_file("down-a.csv", "HU", 30, "10000.00", NULL);
  itest_baitiao_ok(g->config, (const char *[]) { "load", "users", users, "--quiet", NULL });
  g_autofree char *counts = coordinator_counts(g);
  g_autofree char *s1_files = shard_files(itest_group_shard(g, "s1"));
  g_autofree char *s3_files = shard_files(itest_group_shard(g, "s3"));
  ItestShard *s2 = itest_group_shard(g, "s2");

  itest_cluster_stop(s2->cluster);
  g_autofree char *more = users_file("down-b.csv", "HV", 30, "10000.00", NULL);
  guint to_s2 = 0;   /* the file has rows for s2: the load needs it */
  for (guint i = 1; i <= 30; i++) {
    g_autofree char *id = g_strdup_printf("HV%04u", i);
    g_autofree char *where = itest_hash_shard(id, 3);
    to_s2 += strcmp(where, "s2") == 0;
  }
  CU_ASSERT_TRUE_FATAL(to_s2 > 0);
  g_autoptr(ItestRun) load = run(g->config, (const char *[]) { "load", "users", more, NULL });
  CU_ASSERT_EQUAL(load->status, EXIT_TEMPFAIL);
  ITEST_ASSERT_CONTAINS(load->err, "shard s2");
  /* nothing stored anywhere: no group load, no directory row, no file on s1 or s3 */
  g_autofree char *counts_after = coordinator_counts(g);
  ITEST_ASSERT_STR_EQ(counts_after, counts);
  g_autofree char *s1_after = shard_files(itest_group_shard(g, "s1"));
  ITEST_ASSERT_STR_EQ(s1_after, s1_files);
  g_autofree char *s3_after = shard_files(itest_group_shard(g, "s3"));
  ITEST_ASSERT_STR_EQ(s3_after, s3_files);

  g_autoptr(ItestRun) eod = night(g->config, "2026-03-01", NULL);
  CU_ASSERT_EQUAL(eod->status, EXIT_TEMPFAIL);
  ITEST_ASSERT_CONTAINS(eod->err, "shard s2");
  /* the reachable shards closed their night; the group did not */
  g_autofree char *s1_closed = shard_closed(itest_group_shard(g, "s1"), "2026-03-01");
  ITEST_ASSERT_STR_EQ(s1_closed, "CLOSED");
  g_autofree char *s3_closed = shard_closed(itest_group_shard(g, "s3"), "2026-03-01");
  ITEST_ASSERT_STR_EQ(s3_closed, "CLOSED");
  g_autofree char *open = group_closed(g, "2026-03-01");
  ITEST_ASSERT_STR_EQ(open, "0");

  /* back: the rerun finishes only s2's night, and the file loads now */
  itest_cluster_start(s2->cluster);
  g_autofree char *s1_steps = itest_shard_value(itest_group_shard(g, "s1"), "baitiao_report",
                                                "SELECT count(*) FROM job_step_runs");
  g_autoptr(ItestRun) rerun = night(g->config, "2026-03-01", NULL);
  CU_ASSERT_EQUAL(rerun->status, 0);
  g_autofree char *s2_closed = shard_closed(s2, "2026-03-01");
  ITEST_ASSERT_STR_EQ(s2_closed, "CLOSED");
  g_autofree char *closed = group_closed(g, "2026-03-01");
  ITEST_ASSERT_STR_EQ(closed, "1");
  g_autofree char *s1_steps_after = itest_shard_value(itest_group_shard(g, "s1"), "baitiao_report",
                                                      "SELECT count(*) FROM job_step_runs");
  ITEST_ASSERT_STR_EQ(s1_steps_after, s1_steps);   /* s1's night was not run again */
  itest_baitiao_ok(g->config, (const char *[]) { "load", "users", more, "--quiet", NULL });
  g_autofree char *placed = itest_db_value(g->coordinator, "baitiao_report", "SELECT count(*) FROM user_directory");
  ITEST_ASSERT_STR_EQ(placed, "60");
  g_autofree char *on_s2 = itest_shard_value(s2, "baitiao_report", "SELECT count(*) FROM users WHERE user_id LIKE 'HV%'");
  g_autofree char *want_s2 = g_strdup_printf("%u", to_s2);
  ITEST_ASSERT_STR_EQ(on_s2, want_s2);
}

/* ---- faults: a shard killed mid-night, a load killed between the shards' commits ---- */

/* One clean group run of the fault cases' portfolio: what every rerun must end as. */
static struct {
  gboolean ready;
  char *products;
  char *portfolio;
  guint days;
  GPtrArray *folders;
  char *digests[3];    /* s1, s2, s3 after the last night */
  char *directory;
} fx;

/* A shard's digest without its identity in the group (the group's id differs between
 * two groups, by nature). */
static char *
shard_digest(const ItestShard *s)
{
  g_autofree char *all = itest_business_digest_at(s->cluster->host, s->cluster->port, s->db);
  g_auto(GStrv) lines = g_strsplit(all, "\n", -1);
  g_autoptr(GString) out = g_string_new(NULL);
  for (guint i = 0; lines[i]; i++)
    if (*lines[i] && !g_str_has_prefix(lines[i], "shard_identity=") && !g_str_has_prefix(lines[i], "group_identity="))
      g_string_append_printf(out, "%s\n", lines[i]);
  return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
fault_fixture(void)
{
  if (fx.ready)
    return;
  gint64 started = g_get_monotonic_time();
  guint users = env_uint("BT_SHARD_FAULT_USERS", 200);
  fx.days = MAX(env_uint("BT_SHARD_FAULT_DAYS", 5), 4);
  fx.products = itest_write_products("shard-fault", 3, 2);
  fx.portfolio = itest_gen_portfolio("shard-fault", users, fx.days, 23, START_DATE, fx.products);
  fx.folders = portfolio_days(fx.portfolio);
  CU_ASSERT_FATAL(fx.folders->len == fx.days + 1);
  ItestGroup *g = new_group("shard_clean", 3, fx.products);
  replay(g->config, fx.portfolio, 0, fx.days + 1);
  for (guint i = 0; i < 3; i++)
    fx.digests[i] = shard_digest(g->shards->pdata[i]);
  fx.directory = directory_lines(g);
  itest_group_free(g);
  fx.ready = TRUE;
  printf("\n  shard fault fixture: %u users, %u nights on 3 shards (%.0f s)\n", users, fx.days,
         (g_get_monotonic_time() - started) / 1e6);
}

/* G, every night run, ends exactly where the clean group did. */
static void
assert_as_clean(const ItestGroup *g)
{
  for (guint i = 0; i < 3; i++) {
    const ItestShard *s = g->shards->pdata[i];
    g_autofree char *digest = shard_digest(s);
    assert_same_lines(s->name, digest, fx.digests[i]);
  }
  g_autofree char *directory = directory_lines(g);
  assert_same_lines("user_directory", directory, fx.directory);
  g_autofree char *closed = itest_db_value(g->coordinator, "baitiao_report", "SELECT count(*) FROM group_closed_dates");
  g_autofree char *want = g_strdup_printf("%u", fx.days);
  ITEST_ASSERT_STR_EQ(closed, want);
}

/* The children of PID, as "pid state cmdline-with-spaces" lines. */
static GPtrArray *
children_of(GPid parent)
{
  GPtrArray *kids = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(proc);
  for (const char *n; (n = g_dir_read_name(proc));) {
    if (!g_ascii_isdigit(n[0]))
      continue;
    g_autofree char *stat_path = g_strdup_printf("/proc/%s/stat", n);
    g_autofree char *stat = NULL;
    if (!g_file_get_contents(stat_path, &stat, NULL, NULL))
      continue;
    /* pid (comm) state ppid …: comm may hold spaces, so from its closing parenthesis */
    const char *close = strrchr(stat, ')');
    char state = 0;
    int ppid = 0;
    if (!close || sscanf(close + 1, " %c %d", &state, &ppid) != 2 || ppid != parent)
      continue;
    g_autofree char *cmd_path = g_strdup_printf("/proc/%s/cmdline", n);
    g_autofree char *cmd = NULL;
    gsize len = 0;
    if (!g_file_get_contents(cmd_path, &cmd, &len, NULL))
      continue;
    for (gsize i = 0; i + 1 < len; i++)
      if (!cmd[i])
        cmd[i] = ' ';
    g_ptr_array_add(kids, g_strdup_printf("%s %c %s", n, state, cmd));
  }
  return kids;
}

/* The group eod's children once all N have stopped (BAITIAO_FAULT=stop:…), or NULL
 * when the eod ended first or a minute passed. */
static GPtrArray *
stopped_children(GPid eod, guint n)
{
  for (int tries = 0; tries < 1200; tries++) {
    int st = 0;
    if (waitpid(eod, &st, WNOHANG) == eod) {
      fprintf(stderr, "\n  the group eod ended (status %d) before its children stopped\n", st);
      return NULL;
    }
    GPtrArray *kids = children_of(eod);
    guint stopped = 0;
    for (guint i = 0; i < kids->len; i++)
      stopped += strchr(kids->pdata[i], ' ')[1] == 'T';
    if (stopped == n)
      return kids;
    g_ptr_array_unref(kids);
    g_usleep(50 * 1000);
  }
  return NULL;
}

static void
test_shard_killed_mid_night(void)
{
  fault_fixture();
  g_autoptr(ItestGroup) g = new_group("shard_kill", 3, fx.products);
  const guint k = 2;   /* the night killed: statements and dues are under way by then */
  replay(g->config, fx.portfolio, 0, k);
  const char *day = fx.folders->pdata[k];
  g_autofree char *date = folder_date(day);
  load_day(g->config, fx.portfolio, day, NULL, NULL, NULL, NULL, NULL);

  /* every shard's night stops at billing; s2's is killed there, the others go on */
  g_autofree char *err_path = g_strdup_printf("%s/shard-kill-%d.err", itest_tmpdir(), (int) getpid());
  GPid eod = itest_spawn_baitiao(g->config, (const char *[]) { "eod", "--date", date, "--quiet", NULL },
                                 "stop:step-start:billing", err_path);
  g_autoptr(GPtrArray) kids = stopped_children(eod, 3);
  if (!kids)
    kill(eod, SIGKILL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(kids);
  guint killed = 0;
  for (guint i = 0; i < kids->len; i++) {
    const char *kid = kids->pdata[i];
    pid_t pid = (pid_t) g_ascii_strtoll(kid, NULL, 10);
    if (strstr(kid, " --shard s2 ")) {
      CU_ASSERT_EQUAL(kill(pid, SIGKILL), 0);
      killed++;
    }
  }
  for (guint i = 0; i < kids->len; i++)
    kill((pid_t) g_ascii_strtoll(kids->pdata[i], NULL, 10), SIGCONT);
  int status = itest_wait_child(eod, FALSE);
  CU_ASSERT_EQUAL(killed, 1);
  g_autofree char *err = NULL;
  CU_ASSERT_FATAL(g_file_get_contents(err_path, &err, NULL, NULL));
  /* a shard killed is the group's failure (1), named with its own status */
  CU_ASSERT_EQUAL(status, 1);
  ITEST_ASSERT_CONTAINS(err, "shard s2 exit 137 (killed)");
  g_autofree char *s1 = shard_closed(itest_group_shard(g, "s1"), date);
  ITEST_ASSERT_STR_EQ(s1, "CLOSED");
  g_autofree char *s2 = shard_closed(itest_group_shard(g, "s2"), date);
  ITEST_ASSERT_STR_EQ(s2, "OPEN");
  g_autofree char *s3 = shard_closed(itest_group_shard(g, "s3"), date);
  ITEST_ASSERT_STR_EQ(s3, "CLOSED");
  g_autofree char *open = group_closed(g, date);
  ITEST_ASSERT_STR_EQ(open, "0");

  /* the rerun finishes s2's night, then the rest as cron would */
  night_ok(g->config, date);
  g_autofree char *closed = group_closed(g, date);
  ITEST_ASSERT_STR_EQ(closed, "1");
  replay(g->config, fx.portfolio, k + 1, fx.days + 1);
  assert_as_clean(g);
}

/* Where the file at PATH is: "SHARDS ROWS PARTS", how many shards' load_files hold it,
 * how many times in all, and how many shards the group load gave a part (the shards
 * its rows were routed to: a shard with none of them is not asked). */
static char *
file_on_shards(const ItestGroup *g, const char *path)
{
  g_autofree char *sha = file_sha256(path);
  g_autofree char *sql = g_strdup_printf("SELECT count(*) FROM load_files WHERE sha256 = '%s'", sha);
  guint shards = 0, rows = 0;
  for (guint i = 0; i < g->shards->len; i++) {
    g_autofree char *n = itest_shard_value(g->shards->pdata[i], "baitiao_report", sql);
    guint v = (guint) g_ascii_strtoull(n ? n : "0", NULL, 10);
    shards += v > 0;
    rows += v;
  }
  g_autofree char *parts_sql = g_strdup_printf("SELECT count(*) FROM group_load_shards JOIN group_loads USING (load_id)"
                                               " WHERE sha256 = '%s' AND rows_routed > 0", sha);
  g_autofree char *parts = itest_db_value(g->coordinator, "baitiao_report", parts_sql);
  return g_strdup_printf("%u %u %s", shards, rows, parts ? parts : "?");
}

/* The number of shards the load of PATH has a part on. */
static guint
parts_of(const char *on_shards)
{
  const char *last = strrchr(on_shards, ' ');
  return last ? (guint) g_ascii_strtoull(last + 1, NULL, 10) : 0;
}

static char *
group_load_state(const ItestGroup *g, const char *path)
{
  g_autofree char *sha = file_sha256(path);
  g_autofree char *sql = g_strdup_printf("SELECT coalesce(string_agg(state, ','), 'none') FROM group_loads"
                                         " WHERE sha256 = '%s'", sha);
  return itest_db_value(g->coordinator, "baitiao_report", sql);
}

/* Killed after the coordinator's decision: decided, on no shard yet. */
static void
after_decided(const ItestGroup *g, const char *path)
{
  g_autofree char *state = group_load_state(g, path);
  ITEST_ASSERT_STR_EQ(state, "committed");
  g_autofree char *on = file_on_shards(g, path);
  CU_ASSERT_TRUE(parts_of(on) >= 2);
  g_autofree char *want = g_strdup_printf("0 0 %u", parts_of(on));
  ITEST_ASSERT_STR_EQ(on, want);
}

/* Killed after the first shard's commit: decided, on exactly one of its shards. */
static void
after_partial(const ItestGroup *g, const char *path)
{
  g_autofree char *state = group_load_state(g, path);
  ITEST_ASSERT_STR_EQ(state, "committed");
  g_autofree char *on = file_on_shards(g, path);
  CU_ASSERT_TRUE(parts_of(on) >= 2);   /* else nothing is left between the commits */
  g_autofree char *want = g_strdup_printf("1 1 %u", parts_of(on));
  ITEST_ASSERT_STR_EQ(on, want);
}

/* Finished: done, on every shard of its parts exactly once. */
static void
assert_finished(const ItestGroup *g, const char *path)
{
  g_autofree char *state = group_load_state(g, path);
  ITEST_ASSERT_STR_EQ(state, "done");
  g_autofree char *on = file_on_shards(g, path);
  guint parts = parts_of(on);
  CU_ASSERT_TRUE(parts >= 2);
  g_autofree char *want = g_strdup_printf("%u %u %u", parts, parts, parts);
  ITEST_ASSERT_STR_EQ(on, want);
}

/* The orders of day folder DAY: a file with rows, none of them refunded that same day
 * (so that it may be loaded after the day's refunds). */
static char *
orders_of(const char *day)
{
  char *path = g_strdup_printf("%s/%s/orders.csv", fx.portfolio, day);
  g_autofree char *orders = NULL, *refunds = NULL;
  g_autofree char *refunds_path = g_strdup_printf("%s/%s/refunds.csv", fx.portfolio, day);
  CU_ASSERT_FATAL(g_file_get_contents(path, &orders, NULL, NULL));
  CU_ASSERT_FATAL(g_file_get_contents(refunds_path, &refunds, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(orders, "\n", -1);
  CU_ASSERT_FATAL(g_strv_length(lines) > 3);   /* the header and at least two orders */
  for (guint i = 1; lines[i]; i++) {
    g_auto(GStrv) f = g_strsplit(lines[i], ",", 2);
    if (*lines[i])
      CU_ASSERT_PTR_NULL_FATAL(strstr(refunds, f[0]));
  }
  return path;
}

static void
test_load_killed_between_shards(void)
{
  fault_fixture();
  g_autoptr(ItestGroup) g = new_group("shard_torn", 3, fx.products);
  replay(g->config, fx.portfolio, 0, 1);
  const char *day1 = fx.folders->pdata[1], *day2 = fx.folders->pdata[2], *day3 = fx.folders->pdata[3];
  g_autofree char *date1 = folder_date(day1), *date2 = folder_date(day2), *date3 = folder_date(day3);

  /* day 1: the orders killed once decided; the day's next load (refunds) finishes them */
  g_autofree char *orders1 = orders_of(day1);
  load_day(g->config, fx.portfolio, day1, NULL, "orders", "kill:shard-load-decided", after_decided, g);
  assert_finished(g, orders1);
  night_ok(g->config, date1);

  /* day 2: the orders killed after one shard committed; the next load finishes them */
  g_autofree char *orders2 = orders_of(day2);
  load_day(g->config, fx.portfolio, day2, NULL, "orders", "kill:shard-load-partial", after_partial, g);
  assert_finished(g, orders2);
  night_ok(g->config, date2);

  /* day 3: the orders last, killed after one shard committed; the night finishes them */
  g_autofree char *orders3 = orders_of(day3);
  const char *const orders_last[] = { "refunds", "repayments", "settlement_ALIPAY", "settlement_WECHAT",
                                      "settlement_UNIONPAY", "orders", NULL };
  load_day(g->config, fx.portfolio, day3, orders_last, "orders", "kill:shard-load-partial", after_partial, g);
  night_ok(g->config, date3);
  assert_finished(g, orders3);

  replay(g->config, fx.portfolio, 4, fx.days + 1);
  assert_as_clean(g);
}

CU_TestInfo itest_shard_cases[] = {
  { "one vs three shards", test_one_vs_three },
  { "fourth shard mid-run", test_fourth_shard_mid_run },
  { "dropped shard refused", test_dropped_shard_refused },
  { "repeated ids across shards", test_repeated_ids_across_shards },
  { "unreachable shard", test_unreachable_shard },
  ITEST_FAULT_CASE("shard killed mid-night", test_shard_killed_mid_night)
  ITEST_FAULT_CASE("load killed between shards", test_load_killed_between_shards)
  CU_TEST_INFO_NULL,
};
