/* baitiao import book onto a sharded group (issue 16 §3 with issue 15 §1): the same
 * generated opening book imported on one database and on a group of three shards
 * (databases of the test cluster, [shard NAME] dbname=…) gives the same users, loans,
 * installments and derived rows (by natural keys, the shards' union = the one database)
 * and the same opening GL to the fen; a bad control line refuses everything everywhere;
 * refusals name the original set's lines; a rerun is a no-op; a kill between the
 * shards' commits is finished by the rerun; a group that has run is refused. */
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"
#include "shard_import.h"

#define CUTOVER "2026-02-28"

typedef struct {
  char *coord, *shard[3];   /* database names */
  char *config;
} Group;

static void
group_clear(Group *g)
{
  g_free(g->coord);
  for (int i = 0; i < 3; i++)
    g_free(g->shard[i]);
  g_free(g->config);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Group, group_clear)

static void
load_products(const char *db)
{
  PGconn *c = itest_connect(db, "baitiao_batch");
  itest_load_products(c);
  PQfinish(c);
}

/* A coordinator and three shards, each migrated with the catalogue, the shards added. */
static void
group_new(Group *g)
{
  g->coord = itest_create_db("gi_coord", TRUE);
  itest_bootstrap_coordinator(g->coord);
  load_products(g->coord);
  GString *shards = g_string_new("[shards]\nnames=s1,s2,s3\n");
  for (int i = 0; i < 3; i++) {
    g->shard[i] = itest_create_db("gi_s", TRUE);
    load_products(g->shard[i]);
    g_string_append_printf(shards, "[shard s%d]\nhost=%s\nport=%s\ndbname=%s\n", i + 1, g_getenv("PGHOST"),
                           g_getenv("PGPORT"), g->shard[i]);
  }
  g->config = itest_write_config(g->coord, shards->str);
  g_string_free(shards, TRUE);
  for (int i = 0; i < 3; i++) {
    g_autofree char *name = g_strdup_printf("s%d", i + 1);
    itest_baitiao_ok(g->config, (const char *[]) { "shard", "add", name, NULL });
  }
}

/* gen --book 300 as of CUTOVER, once for the suite. */
static const char *
book(void)
{
  static char *dir;
  if (dir)
    return dir;
  g_autofree char *out = g_strdup_printf("%s/gi-book-%d", itest_tmpdir(), (int) getpid());
  g_autofree char *products = itest_top_file("etc", "products.conf");
  g_autoptr(ItestRun) run = itest_baitiao((const char *[]) { "gen", "--book", "300", "--as-of", CUTOVER, "--days", "1",
                                                             "--seed", "7", "--out", out, "--products", products,
                                                             NULL }, NULL);
  if (run->status != 0)
    fprintf(stderr, "\n  gen --book failed: %s\n", run->err);
  CU_ASSERT_EQUAL_FATAL(run->status, 0);
  dir = g_build_filename(out, "book", NULL);
  return dir;
}

static ItestRun *
import(const char *config, const char *dir, const char *fault)
{
  g_autofree char *env = fault ? g_strdup_printf("BAITIAO_FAULT=%s", fault) : NULL;
  return itest_baitiao_config(config, (const char *[]) { "import", "book", dir, NULL },
                              env ? (const char *[]) { env, NULL } : NULL);
}

/* The book imported on one database, once for the suite. */
static const char *
one_database(void)
{
  static char *db;
  if (db)
    return db;
  db = itest_create_db("gi_one", TRUE);
  load_products(db);
  g_autofree char *config = itest_write_config(db, NULL);
  g_autoptr(ItestRun) r = import(config, book(), NULL);
  if (r->status != 0)
    fprintf(stderr, "\n  import on one database: %s\n", r->err);
  CU_ASSERT_EQUAL_FATAL(r->status, 0);
  return db;
}

/* The rows of TABLE as text, one a line, sorted: every column but the surrogate ids
 * (user_id and order_id are the natural keys) and the clock times. */
static char *
rows_sql(const char *table)
{
  return g_strconcat("SELECT coalesce(string_agg(r, E'\\n' ORDER BY r), '') FROM (SELECT (SELECT jsonb_object_agg(key, value)"
                     " FROM jsonb_each(to_jsonb(t)) WHERE key NOT LIKE '%\\_at'"
                     " AND (key NOT LIKE '%\\_id' OR key IN ('user_id', 'order_id')))::text AS r FROM ", table, " t) x",
                     NULL);
}

static const char *const tables[] = { "users", "loans", "installments", "credit_balance_movements", "writeoffs",
                                      "penalty_accruals", "loan_snapshots", NULL };

static gint
by_str(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The shards' rows of TABLE together, sorted; *PER_SHARD how many each holds. */
static char *
union_rows(const Group *g, const char *table, int per_shard[3])
{
  g_autofree char *sql = rows_sql(table);
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(g_free);
  for (int i = 0; i < 3; i++) {
    g_autofree char *text = itest_db_value(g->shard[i], "baitiao_owner", sql);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    per_shard[i] = 0;
    for (int k = 0; lines[k] && *lines[k]; k++, per_shard[i]++)
      g_ptr_array_add(all, g_strdup(lines[k]));
  }
  g_ptr_array_sort(all, by_str);
  g_ptr_array_add(all, NULL);
  return g_strjoinv("\n", (char **) all->pdata);
}

/* The cut-over date's GL, account by account, at the coordinator as the sum of the
 * shards (grp views) or of one database. */
#define GL_DATE_SQL(rel, sum, date) \
  "SELECT string_agg(concat_ws(',', account_code, o, d, c, z), ' ' ORDER BY account_code) FROM (SELECT account_code," \
  " " sum "(opening_fen) o, " sum "(debit_fen) d, " sum "(credit_fen) c, " sum "(closing_fen) z FROM " rel \
  " WHERE business_date = '" date "' GROUP BY account_code) x"
#define GL_SQL(rel, sum) GL_DATE_SQL(rel, sum, CUTOVER)

/* Every table of TABLES in the shards together is ONE's, by natural keys. */
static void
assert_tables_equal(const Group *g, const char *one, const char *const *tables_of)
{
  for (const char *const *t = tables_of; *t; t++) {
    g_autofree char *sql = rows_sql(*t);
    g_autofree char *want = itest_db_value(one, "baitiao_owner", sql);
    int per_shard[3];
    g_autofree char *got = union_rows(g, *t, per_shard);
    if (strcmp(*t, "users") == 0 || strcmp(*t, "loans") == 0)
      for (int i = 0; i < 3; i++)
        CU_ASSERT_TRUE(per_shard[i] > 0);   /* every shard holds some: the sums are sums */
    CU_ASSERT_TRUE(strcmp(*t, "installments") != 0 || strlen(want) > 10000);
    if (!want || strcmp(want, got) != 0)
      fprintf(stderr, "\n  table %s differs between one database and the group\n", *t);
    ITEST_ASSERT_STR_EQ(got, want);
  }
}

/* The group's book is the one database's: every table by natural keys, every user on
 * one shard and in the directory under it, the opening GL to the fen. */
static void
assert_group_is_one_database(const Group *g)
{
  const char *one = one_database();
  assert_tables_equal(g, one, tables);
  g_autofree char *gl_one = itest_db_value(one, "baitiao_report", GL_SQL("gl_daily_balances", "sum"));
  g_autofree char *gl_group = itest_db_value(g->coord, "baitiao_report", GL_SQL("grp.gl_daily_balances", "sum"));
  CU_ASSERT_TRUE(gl_one && strstr(gl_one, "1122,0,"));
  ITEST_ASSERT_STR_EQ(gl_group, gl_one);
  /* the directory: each shard's users and loans under it, nobody twice */
  g_autofree char *users = itest_db_value(g->coord, "baitiao_report",
    "SELECT count(*) || ' ' || count(DISTINCT user_id) FROM grp.users");
  g_autofree char *dir = itest_db_value(g->coord, "baitiao_report",
    "SELECT count(*) || ' ' || count(DISTINCT d.user_id) FROM user_directory d JOIN grp.users u"
    " ON u.user_id = d.user_id AND u.shard = d.shard");
  ITEST_ASSERT_STR_EQ(dir, users);
  g_autofree char *orders = itest_db_value(g->coord, "baitiao_report",
    "SELECT count(*) FROM order_directory d JOIN grp.loans l ON l.order_id = d.order_id AND l.shard = d.shard"
    " AND l.user_id = d.user_id");
  g_autofree char *loans = itest_db_value(one, "baitiao_report", "SELECT count(*) FROM loans");
  ITEST_ASSERT_STR_EQ(orders, loans);
  g_autofree char *closed = itest_db_value(g->coord, "baitiao_report",
    "SELECT string_agg(business_date || ':' || shards, ' ') FROM group_closed_dates");
  ITEST_ASSERT_STR_EQ(closed, CUTOVER ":3");
  g_autofree char *state = itest_db_value(g->coord, "baitiao_report",
    "SELECT string_agg(l.kind || ' ' || l.state || ' ' || (i.done_at IS NOT NULL), ' ') FROM group_loads l"
    " JOIN group_imports i USING (load_id)");
  ITEST_ASSERT_STR_EQ(state, "import done true");
}

static void
assert_nothing_stored(const Group *g)
{
  g_autofree char *coord = itest_db_value(g->coord, "baitiao_report",
    "SELECT (SELECT count(*) FROM group_loads) || ' ' || (SELECT count(*) FROM user_directory) || ' '"
    " || (SELECT count(*) FROM group_imports) || ' ' || (SELECT count(*) FROM group_closed_dates)");
  ITEST_ASSERT_STR_EQ(coord, "0 0 0 0");
  for (int i = 0; i < 3; i++) {
    g_autofree char *shard = itest_db_value(g->shard[i], "baitiao_report",
      "SELECT (SELECT count(*) FROM users) || ' ' || (SELECT count(*) FROM business_calendar) || ' '"
      " || (SELECT count(*) FROM import_runs)");
    ITEST_ASSERT_STR_EQ(shard, "0 0 0");
  }
}

static void
test_one_database_and_three_shards_book_the_same(void)
{
  g_auto(Group) g = { 0 };
  group_new(&g);
  g_autoptr(ItestRun) r = import(g.config, book(), NULL);
  if (r->status != 0)
    fprintf(stderr, "\n  group import: %s%s\n", r->out, r->err);
  CU_ASSERT_EQUAL_FATAL(r->status, 0);
  ITEST_ASSERT_CONTAINS(r->out, "imported as of " CUTOVER " (group import ");
  ITEST_ASSERT_CONTAINS(r->out, "  s3: import 1, ");
  assert_group_is_one_database(&g);
  /* the group's recon of the cut-over date finds nothing */
  g_autoptr(ItestRun) recon = itest_baitiao_config(g.config, (const char *[]) { "group", "recon", NULL }, NULL);
  if (recon->status != 0)
    fprintf(stderr, "\n  %s%s\n", recon->out, recon->err);
  CU_ASSERT_EQUAL(recon->status, 0);
  /* a rerun is a no-op */
  g_autoptr(ItestRun) again = import(g.config, book(), NULL);
  CU_ASSERT_EQUAL(again->status, 0);
  ITEST_ASSERT_CONTAINS(again->out, "already imported by the group (group import ");
  g_autofree char *runs = itest_db_value(g.shard[1], "baitiao_report", "SELECT count(*) FROM import_runs");
  ITEST_ASSERT_STR_EQ(runs, "1");
  assert_group_is_one_database(&g);
  /* another set onto the group that has its cut-over: refused */
  g_autofree char *other = g_strdup_printf("%s/gi-other-%d", itest_tmpdir(), (int) getpid());
  g_mkdir_with_parents(other, 0755);
  const char *files[] = { "manifest.csv", "users.csv", "loans.csv", "installments.csv", "credit_balances.csv" };
  for (gsize k = 0; k < G_N_ELEMENTS(files); k++) {
    g_autofree char *sp = g_build_filename(book(), files[k], NULL);
    g_autofree char *dp = g_build_filename(other, files[k], NULL);
    g_autofree char *text = NULL;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(sp, &text, NULL, NULL));
    g_autofree char *more = k == 0 ? g_strconcat(text, "\n", NULL) : g_strdup(text);   /* another manifest */
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(dp, more, -1, NULL));
  }
  g_autoptr(ItestRun) second = import(g.config, other, NULL);
  CU_ASSERT_EQUAL(second->status, 1);
  ITEST_ASSERT_CONTAINS(second->err, "the group already has the opening book of cut-over " CUTOVER);
}

/* A copy of the book with FILE's line LINE (1-based) passed through FROM → TO once. */
static char *
edited_book(const char *name, const char *file, int line, const char *from, const char *to)
{
  char *dst = g_strdup_printf("%s/%s-%d", itest_tmpdir(), name, (int) getpid());
  g_mkdir_with_parents(dst, 0755);
  const char *files[] = { "manifest.csv", "users.csv", "loans.csv", "installments.csv", "credit_balances.csv" };
  for (gsize k = 0; k < G_N_ELEMENTS(files); k++) {
    g_autofree char *sp = g_build_filename(book(), files[k], NULL);
    g_autofree char *dp = g_build_filename(dst, files[k], NULL);
    g_autofree char *text = NULL;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(sp, &text, NULL, NULL));
    if (strcmp(files[k], file) == 0) {
      g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
      CU_ASSERT_TRUE_FATAL(line - 1 < (int) g_strv_length(lines));
      char *at = strstr(lines[line - 1], from);
      CU_ASSERT_PTR_NOT_NULL_FATAL(at);
      char *edited = g_strdup_printf("%.*s%s%s", (int) (at - lines[line - 1]), lines[line - 1], to, at + strlen(from));
      g_free(lines[line - 1]);
      lines[line - 1] = edited;
      g_free(text);
      text = g_strjoinv("\n", lines);
    }
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(dp, text, -1, NULL));
  }
  return dst;
}

static void
test_a_bad_control_line_refuses_everything_everywhere(void)
{
  g_auto(Group) g = { 0 };
  group_new(&g);
  /* loans.csv's control line (manifest line 3) one fen off */
  g_autofree char *manifest = g_build_filename(book(), "manifest.csv", NULL);
  g_autofree char *text = NULL;
  CU_ASSERT_TRUE_FATAL(g_file_get_contents(manifest, &text, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_auto(GStrv) f = g_strsplit(lines[2], ",", -1);
  CU_ASSERT_STRING_EQUAL_FATAL(f[1], "loans.csv");
  /* the total's last digit one up (a 9 one down) */
  g_autofree char *total = g_strdup(f[3]);
  char *last = total + strlen(total) - 1;
  *last = *last == '9' ? '8' : (char) (*last + 1);
  g_autofree char *bad = edited_book("gi-bad-control", "manifest.csv", 3, f[3], total);
  g_autoptr(ItestRun) r = import(g.config, bad, NULL);
  CU_ASSERT_EQUAL(r->status, 1);
  g_autofree char *expect = g_strdup_printf("loans.csv: %s rows totalling %s, but manifest.csv:3 says %s rows"
                                            " totalling %s: the whole import is refused, nothing was stored",
                                            f[2], f[3], f[2], total);
  ITEST_ASSERT_CONTAINS(r->err, expect);
  assert_nothing_stored(&g);
  /* the same message as one database gives */
  g_autofree char *one = itest_create_db("gi_one_bad", TRUE);
  load_products(one);
  g_autofree char *one_config = itest_write_config(one, NULL);
  g_autoptr(ItestRun) r1 = import(one_config, bad, NULL);
  CU_ASSERT_EQUAL(r1->status, 1);
  ITEST_ASSERT_CONTAINS(r1->err, expect);
}

/* The "baitiao: …" refusal lines of an import's stderr, sorted, DIR cut off. */
static char *
refusal_lines(const char *err, const char *dir)
{
  g_auto(GStrv) lines = g_strsplit(err, "\n", -1);
  g_autoptr(GPtrArray) out = g_ptr_array_new();
  g_autofree char *prefix = g_strdup_printf("baitiao: %s/", dir);
  for (int k = 0; lines[k]; k++)
    if (g_str_has_prefix(lines[k], prefix))
      g_ptr_array_add(out, lines[k] + strlen(prefix));
  g_ptr_array_sort(out, by_str);
  g_ptr_array_add(out, NULL);
  return g_strjoinv("\n", (char **) out->pdata);
}

/* A refused loan is named by the original file's line, as one database names it; a
 * refused loan and its user are on no shard and in no directory. */
static void
test_refusals_name_the_original_lines(void)
{
  /* installments.csv's line 40: a field made unreadable (its number or billing date) */
  g_autofree char *dir = edited_book("gi-refused", "installments.csv", 40, ",2", ",x2");
  g_autofree char *one = itest_create_db("gi_one_ref", TRUE);
  load_products(one);
  g_autofree char *one_config = itest_write_config(one, NULL);
  g_autoptr(ItestRun) r1 = import(one_config, dir, NULL);
  CU_ASSERT_EQUAL_FATAL(r1->status, 0);
  g_autofree char *want = refusal_lines(r1->err, dir);
  ITEST_ASSERT_CONTAINS(want, "installments.csv:40:");
  g_auto(Group) g = { 0 };
  group_new(&g);
  g_autoptr(ItestRun) r = import(g.config, dir, NULL);
  if (r->status != 0)
    fprintf(stderr, "\n  group import: %s%s\n", r->out, r->err);
  CU_ASSERT_EQUAL_FATAL(r->status, 0);
  g_autofree char *got = refusal_lines(r->err, dir);
  ITEST_ASSERT_STR_EQ(got, want);
  /* the counts are the one database's */
  g_autofree char *n1 = itest_db_value(one, "baitiao_report", "SELECT count(*) FROM users");
  g_autofree char *ng = itest_db_value(g.coord, "baitiao_report",
    "SELECT count(*) || ' ' || (SELECT count(*) FROM user_directory) FROM grp.users");
  g_autofree char *expect = g_strdup_printf("%s %s", n1, n1);
  ITEST_ASSERT_STR_EQ(ng, expect);
}

/* Killed at FAULT; then IMPORTED shards have the book, the coordinator has the decision
 * with no shard recorded, the group is not closed; the rerun imports where it is missing
 * (saying SAYS) and the book is the one database's. */
static void
kill_then_rerun(const char *fault, int imported_then, const char *says)
{
  g_auto(Group) g = { 0 };
  group_new(&g);
  g_autoptr(ItestRun) killed = import(g.config, book(), fault);
  CU_ASSERT_EQUAL(killed->status, 128 + 9);
  g_autofree char *half = itest_db_value(g.coord, "baitiao_report",
    "SELECT (SELECT count(*) FROM group_import_shards WHERE imported_at IS NULL) || ' '"
    " || (SELECT count(*) FROM group_closed_dates) || ' ' || (SELECT state FROM group_loads)");
  ITEST_ASSERT_STR_EQ(half, "3 0 committed");
  int imported = 0;
  for (int i = 0; i < 3; i++) {
    g_autofree char *n = itest_db_value(g.shard[i], "baitiao_report", "SELECT count(*) FROM import_runs");
    imported += n && strcmp(n, "1") == 0;
  }
  CU_ASSERT_EQUAL(imported, imported_then);
  /* what the group's night would be told (shard_import_check_finished) */
  PGconn *c = itest_connect(g.coord, "baitiao_batch");
  g_autoptr(GError) error = NULL;
  CU_ASSERT_FALSE(shard_import_check_finished(c, &error));
  ITEST_ASSERT_CONTAINS(error ? error->message : NULL, "the group's opening book of cut-over " CUTOVER
                        " (group import 1) is not imported on shard(s) s1, s2, s3 yet");
  g_autoptr(ItestRun) r = import(g.config, book(), NULL);
  if (r->status != 0)
    fprintf(stderr, "\n  rerun: %s%s\n", r->out, r->err);
  CU_ASSERT_EQUAL_FATAL(r->status, 0);
  ITEST_ASSERT_CONTAINS(r->out, says);
  assert_group_is_one_database(&g);
  CU_ASSERT_TRUE(shard_import_check_finished(c, NULL));
  PQfinish(c);
}

/* The first pass of after-commit:import is the coordinator's decision: killed there, no
 * shard has committed and the rerun imports on all three. */
static void
test_a_kill_after_the_decision_then_rerun_completes(void)
{
  kill_then_rerun("kill:after-commit:import@1", 0, "  s1: import 2, ");
}

/* The second pass is the first shard's commit: killed there, before the coordinator
 * heard of it, the rerun finds s1's part imported and imports on s2 and s3. */
static void
test_a_kill_between_the_shards_then_rerun_completes(void)
{
  kill_then_rerun("kill:after-commit:import@2", 1, "  s1: had imported its part before\n  s2: import 2, ");
}

/* A group that has business dates, on a shard or as the group's, is refused with nothing
 * stored anywhere. */
static void
test_a_group_that_has_run_is_refused(void)
{
  g_auto(Group) g = { 0 };
  group_new(&g);
  PGconn *s2 = itest_connect(g.shard[1], "baitiao_owner");
  itest_exec(s2, "INSERT INTO business_calendar (business_date, status, opened_at, closed_at)"
                 " VALUES ('2026-02-27', 'CLOSED', now(), now())");
  g_autoptr(ItestRun) r = import(g.config, book(), NULL);
  CU_ASSERT_EQUAL(r->status, 1);
  ITEST_ASSERT_CONTAINS(r->err, "shard s2: this database already has 1 business date(s)");
  itest_exec(s2, "DELETE FROM business_calendar");
  PQfinish(s2);
  assert_nothing_stored(&g);
  PGconn *c = itest_connect(g.coord, "baitiao_owner");
  itest_exec(c, "INSERT INTO group_closed_dates (business_date, shards) VALUES ('2026-02-27', 3)");
  g_autoptr(ItestRun) r2 = import(g.config, book(), NULL);
  CU_ASSERT_EQUAL(r2->status, 1);
  ITEST_ASSERT_CONTAINS(r2->err, "the group already closed 1 business date(s)");
  itest_exec(c, "DELETE FROM group_closed_dates");
  PQfinish(c);
  assert_nothing_stored(&g);
}

/* The day files gen wrote for the day after the cut-over, loaded through CONFIG, then
 * the night: its exit status (3: the settlement files' planted R7 breaks). */
static int
first_night(const char *config)
{
  g_autofree char *out = g_path_get_dirname(book());
  const char *kinds[] = { "orders", "refunds", "repayments" };
  for (gsize k = 0; k < G_N_ELEMENTS(kinds); k++) {
    g_autofree char *path = g_strdup_printf("%s/20260301/%s.csv", out, kinds[k]);
    itest_baitiao_ok(config, (const char *[]) { "load", kinds[k], path, NULL });
  }
  g_autoptr(ItestRun) night = itest_baitiao_config(config, (const char *[]) { "eod", "--quiet", NULL }, NULL);
  if (night->status != 0 && night->status != 3)
    fprintf(stderr, "\n  eod: %s%s\n", night->out, night->err);
  return night->status;
}

/* The first night after the cut-over, on one database and on the group: the same book. */
static void
test_the_first_night_after_it_is_the_same(void)
{
  g_autofree char *one = itest_create_db("gi_one_night", TRUE);
  load_products(one);
  g_autofree char *one_config = itest_write_config(one, NULL);
  g_autoptr(ItestRun) r1 = import(one_config, book(), NULL);
  CU_ASSERT_EQUAL_FATAL(r1->status, 0);
  int status_one = first_night(one_config);
  CU_ASSERT_TRUE_FATAL(status_one == 0 || status_one == 3);
  g_auto(Group) g = { 0 };
  group_new(&g);
  g_autoptr(ItestRun) r = import(g.config, book(), NULL);
  CU_ASSERT_EQUAL_FATAL(r->status, 0);
  CU_ASSERT_EQUAL(first_night(g.config), status_one);
  const char *night_tables[] = { "users", "loans", "installments", "credit_balance_movements", "allocations",
                                 "penalty_accruals", "loan_snapshots", "statements", NULL };
  assert_tables_equal(&g, one, night_tables);
  g_autofree char *grown = itest_db_value(one, "baitiao_report",
    "SELECT (SELECT count(*) FROM loans WHERE origination_date > '" CUTOVER "') > 0"
    " AND (SELECT count(*) FROM allocations) > 0");
  ITEST_ASSERT_STR_EQ(grown, "t");
  g_autofree char *gl_one = itest_db_value(one, "baitiao_report", GL_DATE_SQL("gl_daily_balances", "sum", "2026-03-01"));
  g_autofree char *gl_group = itest_db_value(g.coord, "baitiao_report",
                                             GL_DATE_SQL("grp.gl_daily_balances", "sum", "2026-03-01"));
  CU_ASSERT_TRUE(gl_one && strlen(gl_one) > 50);
  ITEST_ASSERT_STR_EQ(gl_group, gl_one);
  g_autofree char *closed = itest_db_value(g.coord, "baitiao_report",
    "SELECT string_agg(business_date::text, ' ' ORDER BY business_date) FROM group_closed_dates");
  ITEST_ASSERT_STR_EQ(closed, CUTOVER " 2026-03-01");
}

CU_TestInfo itest_shard_import_cases[] = {
  { "one database and three shards book the same", test_one_database_and_three_shards_book_the_same },
  { "a bad control line refuses everything everywhere", test_a_bad_control_line_refuses_everything_everywhere },
  { "refusals name the original lines", test_refusals_name_the_original_lines },
  ITEST_FAULT_CASE("a kill after the decision, then a rerun completes", test_a_kill_after_the_decision_then_rerun_completes)
  ITEST_FAULT_CASE("a kill between the shards, then a rerun completes", test_a_kill_between_the_shards_then_rerun_completes)
  { "a group that has run is refused", test_a_group_that_has_run_is_refused },
  { "the first night after it is the same", test_the_first_night_after_it_is_the_same },
  CU_TEST_INFO_NULL,
};
