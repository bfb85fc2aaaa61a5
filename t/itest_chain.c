/* The tamper-evident journal (issue 12 §4, recon R12) and literal restart equality
 * (§5), over the demo nights 03-04 … 03-18 run by the binary (t/data, see
 * itest_recon.c): each change made to the past journal behind the program's back —
 * as superuser, with the append-only triggers off — breaks the hash chain at the
 * named entry; an untouched book does not; a night killed and rerun seals the
 * chain a clean run seals; the crash digest sees a posting key and ignores a
 * surrogate id. Also two faults of §6: a night killed after its date closed is
 * marked abandoned by the next run, and a killed report's temporary file is
 * removed by the next report into that directory. */
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"
#include "recon.h"

#define LAST_DATE "2026-03-18"
/* The day the tampering tests change: repayments, a refund's credit balance, several entries. */
#define DAY "2026-03-14"

static void
expect_status(ItestRun *run, int status)
{
  if (run->status != status)
    fprintf(stderr, "\n  exit %d, expected %d:\n%s\n%s\n", run->status, status, run->out, run->err);
  CU_ASSERT_EQUAL(run->status, status);
}

static void
run_ok(const char *config, const char *const *args)
{
  g_autoptr(ItestRun) r = itest_baitiao_config(config, args, NULL);
  expect_status(r, 0);
}

/* The demo data loaded and its nights run through UNTIL by the binary. */
static char *
demo_db(const char *prefix, const char *until)
{
  g_autofree char *config = NULL;
  char *db = itest_example_db(prefix, ITEST_EXAMPLE_KINDS, &config);
  itest_load_example_settlements(config);   /* both channels settle 03-14: no R7 break */
  run_ok(config, (const char *[]) { "eod", "--date", "2026-03-04", "--catch-up", "--until", until, "--quiet", NULL });
  return db;
}

/* Built once, cloned per test: through 03-18, and through the eve of DAY (to run DAY again). */
static char *full_base;
static char *eve_base;

static char *
full_clone(void)
{
  if (!full_base)
    full_base = demo_db("chain_full", LAST_DATE);
  return itest_clone_db("chain_c", full_base);
}

static char *
eve_clone(void)
{
  if (!eve_base)
    eve_base = demo_db("chain_eve", "2026-03-13");
  return itest_clone_db("chain_e", eve_base);
}

static void
exec_as(const char *db, const char *user, const char *sql)
{
  PGconn *c = itest_connect(db, user);
  g_autofree char *ok = itest_query(c, sql);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ok);
  PQfinish(c);
}

static char *
query_as(const char *db, const char *user, const char *sql)
{
  PGconn *c = itest_connect(db, user);
  char *v = itest_query(c, sql);
  CU_ASSERT_PTR_NOT_NULL_FATAL(v);
  PQfinish(c);
  return v;
}

/* Behind the program's back: a superuser with every trigger (append-only, balance,
 * foreign keys) off. */
static void
tamper(const char *db, const char *sql)
{
  g_autofree char *all = g_strdup_printf("SET session_replication_role = replica; %s", sql);
  exec_as(db, "postgres", all);
}

/* The nightly pass for DATE through the library; its R12 break keys, in order. */
static char *
nightly_r12(const char *db, const char *date)
{
  PGconn *c = itest_connect(db, "baitiao_batch");
  ReconSummary s;
  CU_ASSERT_FATAL(itest_recon(c, date, RECON_NIGHTLY, &s));
  g_autofree char *sql = g_strdup_printf("SELECT coalesce(string_agg(break_key, ' | ' ORDER BY break_key), '')"
                                         "  FROM recon_breaks WHERE check_id = 'R12' AND business_date = '%s'",
                                         date);
  char *keys = itest_query(c, sql);
  CU_ASSERT_PTR_NOT_NULL_FATAL(keys);
  gint64 listed = 0;
  for (const char *p = keys; *keys && p; p = strstr(p + 1, " | "))
    listed++;
  const ReconCheckSummary *r12 = NULL;
  for (int i = 0; i < RECON_N_CHECKS; i++)
    if (strcmp(s.checks[i].check_id, "R12") == 0)
      r12 = &s.checks[i];
  CU_ASSERT_PTR_NOT_NULL_FATAL(r12);
  CU_ASSERT_EQUAL(r12->breaks, listed);
  PQfinish(c);
  return keys;
}

/* R12 over every date, as recon --full runs it: the breaks recon_verify_journal_chain
 * puts into the pass's table, in key order. */
static char *
full_r12(const char *db)
{
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *begin = itest_query(c, "BEGIN;"
                                          "CREATE TEMP TABLE recon_found (check_id text NOT NULL,"
                                          " break_type text NOT NULL DEFAULT 'MISMATCH', break_key text NOT NULL,"
                                          " expected_fen bigint, actual_fen bigint,"
                                          " severity text NOT NULL DEFAULT 'HIGH') ON COMMIT DROP");
  CU_ASSERT_PTR_NOT_NULL_FATAL(begin);
  ReconCheckSummary s = { .check_id = "R12" };
  g_autoptr(GError) error = NULL;
  gboolean ok = recon_verify_journal_chain(c, NULL, LAST_DATE, &s, &error);
  if (!ok)
    fprintf(stderr, "\n  R12 failed: %s\n", error->message);
  CU_ASSERT_FATAL(ok);
  char *keys = itest_query(c, "SELECT coalesce(string_agg(break_key, ' | ' ORDER BY break_key), '')"
                              "  FROM pg_temp.recon_found WHERE check_id = 'R12'");
  CU_ASSERT_PTR_NOT_NULL_FATAL(keys);
  g_autofree char *entries = itest_query(c, "SELECT count(*) FROM journal_chain");
  CU_ASSERT_EQUAL(s.rows, g_ascii_strtoll(entries, NULL, 10));
  PQclear(PQexec(c, "ROLLBACK"));
  PQfinish(c);
  return keys;
}

/* ---- an untouched book ---------------------------------------------------------- */

static void
test_untouched_book_is_clean(void)
{
  g_autofree char *db = full_clone();
  /* every night sealed its day: 15 heads, each starting from the one before */
  g_autofree char *linked = query_as(db, "baitiao_report",
                                     "SELECT count(*) || ' ' || sum(CASE WHEN h.start_hash = coalesce(p.head_hash,"
                                     " journal_chain_genesis()) THEN 1 ELSE 0 END)"
                                     "  FROM journal_chain_heads h"
                                     "  LEFT JOIN journal_chain_heads p ON p.business_date = h.business_date - 1");
  ITEST_ASSERT_STR_EQ(linked, "15 15");
  g_autofree char *sealed = query_as(db, "baitiao_report",
                                     "SELECT (SELECT count(*) FROM journal_entries) || ' ' || (SELECT count(*) FROM journal_chain)");
  g_auto(GStrv) n = g_strsplit(sealed, " ", 2);
  ITEST_ASSERT_STR_EQ(n[0], n[1]);
  g_autofree char *full = full_r12(db);
  ITEST_ASSERT_STR_EQ(full, "");
  g_autofree char *nightly = nightly_r12(db, LAST_DATE);
  ITEST_ASSERT_STR_EQ(nightly, "");

  /* baitiao recon prints the head on R12's line */
  g_autofree char *config = itest_write_config(db, NULL);
  g_autoptr(ItestRun) r = itest_baitiao_config(config, (const char *[]) { "recon", "--date", LAST_DATE, NULL }, NULL);
  expect_status(r, 0);
  g_autofree char *head = query_as(db, "baitiao_report",
                                   "SELECT 'journal hash chain: head ' || encode(head_hash, 'hex') || ' ('"
                                   " || entries || ' entries)' FROM journal_chain_heads WHERE business_date = '" LAST_DATE "'");
  ITEST_ASSERT_CONTAINS(r->out, head);
  ITEST_ASSERT_CONTAINS(r->out, "  R12 ");
}

/* ---- one change of each kind ---------------------------------------------------- */

/* The first posting key of DATE's journal (in chain order). */
static char *
some_entry(const char *db, const char *date)
{
  g_autofree char *sql = g_strdup_printf("SELECT posting_key FROM journal_entries WHERE business_date = '%s'"
                                         " ORDER BY posting_key COLLATE \"C\" LIMIT 1", date);
  char *key = query_as(db, "baitiao_report", sql);
  CU_ASSERT_FATAL(key && *key);
  return key;
}

static void
test_edited_line_amount(void)
{
  g_autofree char *db = full_clone();
  g_autofree char *key = some_entry(db, DAY);
  g_autofree char *sql = g_strdup_printf(
    "UPDATE baitiao.journal_lines SET debit_fen = debit_fen + 1"
    " WHERE (entry_id, line_no) = (SELECT l.entry_id, min(l.line_no) FROM baitiao.journal_lines l"
    "   JOIN baitiao.journal_entries e USING (entry_id, business_date)"
    "  WHERE e.business_date = '" DAY "' AND e.posting_key = '%s' AND l.debit_fen > 0 GROUP BY l.entry_id)",
    key);
  tamper(db, sql);
  g_autofree char *want = g_strdup_printf(DAY " %s CHANGED", key);
  g_autofree char *nightly = nightly_r12(db, LAST_DATE);
  ITEST_ASSERT_STR_EQ(nightly, want);
  g_autofree char *full = full_r12(db);
  ITEST_ASSERT_STR_EQ(full, want);
}

static void
test_deleted_entry(void)
{
  g_autofree char *db = full_clone();
  g_autofree char *key = some_entry(db, DAY);
  g_autofree char *sql = g_strdup_printf(
    "CREATE TEMP TABLE gone AS SELECT entry_id FROM baitiao.journal_entries"
    "  WHERE business_date = '" DAY "' AND posting_key = '%s';"
    "DELETE FROM baitiao.journal_lines WHERE business_date = '" DAY "' AND entry_id IN (SELECT entry_id FROM gone);"
    "DELETE FROM baitiao.journal_entries WHERE entry_id IN (SELECT entry_id FROM gone)", key);
  tamper(db, sql);
  g_autofree char *want = g_strdup_printf(DAY " %s MISSING", key);
  g_autofree char *nightly = nightly_r12(db, LAST_DATE);
  ITEST_ASSERT_STR_EQ(nightly, want);
}

static void
test_inserted_balanced_entry(void)
{
  g_autofree char *db = full_clone();
  /* balanced and well-formed: the database would take it from the batch role (INSERT
   * is granted), R5 sees nothing wrong; only the chain knows it came after the seal */
  exec_as(db, "baitiao_batch",
          "WITH e AS (INSERT INTO journal_entries (business_date, entry_type, step_name, posting_key, description)"
          "           VALUES ('" LAST_DATE "', 'ADJUSTMENT', 'manual', 'manual:late', 'added after GL close')"
          "           RETURNING entry_id, business_date)"
          " INSERT INTO journal_lines (entry_id, line_no, business_date, account_code, debit_fen, credit_fen)"
          " SELECT entry_id, v.n, business_date, v.a, v.d, v.c FROM e,"
          "        (VALUES (1, '6701', 100, 0), (2, '6011', 0, 100)) v(n, a, d, c)");
  g_autofree char *nightly = nightly_r12(db, LAST_DATE);
  ITEST_ASSERT_STR_EQ(nightly, LAST_DATE " manual:late UNEXPECTED");
}

static void
test_altered_posting_key(void)
{
  g_autofree char *db = full_clone();
  g_autofree char *key = some_entry(db, DAY);
  g_autofree char *sql = g_strdup_printf("UPDATE baitiao.journal_entries SET posting_key = 'zz:' || posting_key"
                                         " WHERE business_date = '" DAY "' AND posting_key = '%s'", key);
  tamper(db, sql);
  g_autofree char *want = g_strdup_printf(DAY " %s MISSING | " DAY " zz:%s UNEXPECTED", key, key);
  g_autofree char *nightly = nightly_r12(db, LAST_DATE);
  ITEST_ASSERT_STR_EQ(nightly, want);
}

/* A line moved from one entry to another of the same day: both entries change. */
static void
test_line_moved_between_entries(void)
{
  g_autofree char *db = full_clone();
  g_autofree char *pair = query_as(db, "baitiao_report",
                                   "SELECT string_agg(posting_key, ' ' ORDER BY posting_key COLLATE \"C\")"
                                   "  FROM (SELECT posting_key FROM journal_entries WHERE business_date = '2026-03-14'"
                                   "         ORDER BY posting_key COLLATE \"C\" LIMIT 2) s");
  g_auto(GStrv) keys = g_strsplit(pair, " ", 2);
  CU_ASSERT_FATAL(keys[0] && keys[1]);
  g_autofree char *sql = g_strdup_printf(
    "UPDATE baitiao.journal_lines SET entry_id = (SELECT entry_id FROM baitiao.journal_entries"
    "   WHERE business_date = '2026-03-14' AND posting_key = '%s'), line_no = 1000"
    " WHERE business_date = '2026-03-14' AND line_no = 1 AND entry_id = (SELECT entry_id FROM baitiao.journal_entries"
    "   WHERE business_date = '2026-03-14' AND posting_key = '%s')", keys[1], keys[0]);
  tamper(db, sql);
  g_autofree char *want = g_strdup_printf("2026-03-14 %s CHANGED | 2026-03-14 %s CHANGED", keys[0], keys[1]);
  /* 03-14 is within the nightly week of 03-18 */
  g_autofree char *nightly = nightly_r12(db, LAST_DATE);
  ITEST_ASSERT_STR_EQ(nightly, want);
}

/* An old day, beyond the nightly week: found by the full pass (and by recon of that date). */
static void
test_edited_old_day(void)
{
  g_autofree char *db = full_clone();
  g_autofree char *key = some_entry(db, "2026-03-04");
  g_autofree char *sql = g_strdup_printf(
    "UPDATE baitiao.journal_entries SET description = 'rewritten'"
    " WHERE business_date = '2026-03-04' AND posting_key = '%s'", key);
  tamper(db, sql);
  g_autofree char *nightly = nightly_r12(db, LAST_DATE);
  ITEST_ASSERT_STR_EQ(nightly, "");
  g_autofree char *want = g_strdup_printf("2026-03-04 %s CHANGED", key);
  g_autofree char *full = full_r12(db);
  ITEST_ASSERT_STR_EQ(full, want);
  g_autofree char *that_day = nightly_r12(db, "2026-03-04");
  ITEST_ASSERT_STR_EQ(that_day, want);
}

/* The rewrite a careful forger would do: edit a line, then reseal that day's chain. The
 * day verifies, but the next day no longer starts from its head. */
static void
test_resealed_day_breaks_the_link(void)
{
  g_autofree char *db = full_clone();
  g_autofree char *key = some_entry(db, "2026-03-14");
  g_autofree char *sql = g_strdup_printf(
    "UPDATE baitiao.journal_lines SET memo = 'forged'"
    " WHERE business_date = '2026-03-14' AND line_no = 1 AND entry_id = (SELECT entry_id FROM baitiao.journal_entries"
    "   WHERE business_date = '2026-03-14' AND posting_key = '%s');"
    "DELETE FROM baitiao.journal_chain WHERE business_date = '2026-03-14';"
    "DELETE FROM baitiao.journal_chain_heads WHERE business_date = '2026-03-14';"
    "SELECT baitiao.journal_chain_seal('2026-03-14')", key);
  tamper(db, sql);
  g_autofree char *nightly = nightly_r12(db, LAST_DATE);
  ITEST_ASSERT_STR_EQ(nightly, "2026-03-15 LINK");
}

/* The stored chain itself edited to match a changed entry: it no longer recomputes. */
static void
test_edited_chain_row(void)
{
  g_autofree char *db = full_clone();
  g_autofree char *key = some_entry(db, DAY);
  g_autofree char *sql = g_strdup_printf(
    "UPDATE baitiao.journal_entries SET description = 'rewritten'"
    " WHERE business_date = '" DAY "' AND posting_key = '%s';"
    "UPDATE baitiao.journal_chain c SET entry_hash = h.entry_hash FROM baitiao.journal_entry_hashes('" DAY "') h"
    " WHERE c.business_date = '" DAY "' AND c.posting_key = h.posting_key AND c.posting_key = '%s'", key, key);
  tamper(db, sql);
  g_autofree char *nightly = nightly_r12(db, LAST_DATE);
  ITEST_ASSERT_STR_EQ(nightly, DAY " HEAD");
}

/* ---- restart equality ----------------------------------------------------------- */

static const char sql_chain_text[] =
  "SELECT string_agg(business_date || ' ' || entries || ' ' || encode(head_hash, 'hex'), ' ' ORDER BY business_date)"
  "  FROM journal_chain_heads";

static void
test_killed_night_seals_the_same_chain(void)
{
  g_autofree char *clean = eve_clone();
  g_autofree char *killed = eve_clone();
  g_autofree char *clean_config = itest_write_config(clean, NULL);
  g_autofree char *killed_config = itest_write_config(killed, NULL);
  run_ok(clean_config, (const char *[]) { "eod", "--date", DAY, "--quiet", NULL });
  /* killed in repayments as it keys the credit balance's entry (the step's sequence
   * values are used up), inside GL close as it seals the chain, then after GL close */
  const char *points[] = { "stmt:repayments:sql/steps/waterfall/83_balance_use_key.sql",
                           "stmt:gl_close:sql/steps/gl_close/20_seal_journal_chain.sql", "after-commit:gl_close" };
  for (gsize i = 0; i < G_N_ELEMENTS(points); i++) {
    g_autofree char *fault = g_strdup_printf("BAITIAO_FAULT=kill:%s", points[i]);
    const char *env[] = { fault, NULL };
    g_autoptr(ItestRun) k = itest_baitiao_config(killed_config, (const char *[]) { "eod", "--date", DAY, NULL }, env);
    CU_ASSERT_EQUAL(k->status, 128 + SIGKILL);
  }
  run_ok(killed_config, (const char *[]) { "eod", "--date", DAY, "--quiet", NULL });
  g_autofree char *a = query_as(clean, "baitiao_report", sql_chain_text);
  g_autofree char *b = query_as(killed, "baitiao_report", sql_chain_text);
  ITEST_ASSERT_STR_EQ(b, a);
  g_autofree char *da = itest_business_digest(clean);
  g_autofree char *dbb = itest_business_digest(killed);
  ITEST_ASSERT_STR_EQ(dbb, da);
}

/* The crash digest compares posting keys and what a line belongs to, not surrogate ids. */
static void
test_digest_sees_business_columns_only(void)
{
  g_autofree char *db = full_clone();
  g_autofree char *before = itest_business_digest(db);
  /* a new entry_id for one entry (and its lines): same books, same digest */
  tamper(db, "CREATE TEMP TABLE old AS SELECT entry_id, business_date FROM baitiao.journal_entries"
             "  WHERE business_date = '2026-03-14' ORDER BY posting_key COLLATE \"C\" LIMIT 1;"
             "UPDATE baitiao.journal_entries SET entry_id = DEFAULT WHERE entry_id = (SELECT entry_id FROM old);"
             "UPDATE baitiao.journal_lines SET entry_id = (SELECT max(entry_id) FROM baitiao.journal_entries)"
             " WHERE business_date = '2026-03-14' AND entry_id = (SELECT entry_id FROM old)");
  g_autofree char *renumbered = itest_business_digest(db);
  ITEST_ASSERT_STR_EQ(renumbered, before);
  /* one posting key changed: the entry and its lines differ */
  tamper(db, "UPDATE baitiao.journal_entries SET posting_key = posting_key || ':x'"
             " WHERE entry_id = (SELECT max(entry_id) FROM baitiao.journal_entries)");
  g_autofree char *rekeyed = itest_business_digest(db);
  g_auto(GStrv) a = g_strsplit(before, "\n", -1);
  g_auto(GStrv) b = g_strsplit(rekeyed, "\n", -1);
  GString *differ = g_string_new("");
  for (guint i = 0; a[i] && b[i]; i++)
    if (strcmp(a[i], b[i]) != 0)
      g_string_append_printf(differ, "%s%.*s", differ->len ? " " : "", (int) strcspn(a[i], "="), a[i]);
  ITEST_ASSERT_STR_EQ(differ->str, "journal_entries journal_lines");
  g_string_free(differ, TRUE);
}

/* ---- §6: abandoned runs, stale report files ---------------------------------------- */

static void
test_run_killed_after_close_is_abandoned(void)
{
  g_autofree char *db = eve_clone();
  g_autofree char *config = itest_write_config(db, NULL);
  const char *env[] = { "BAITIAO_FAULT=kill:after-close", NULL };
  g_autoptr(ItestRun) killed = itest_baitiao_config(config, (const char *[]) { "eod", "--date", DAY, NULL },
                                                    env);
  CU_ASSERT_EQUAL(killed->status, 128 + SIGKILL);
  g_autofree char *left = query_as(db, "baitiao_report",
                                   "SELECT (SELECT status FROM business_calendar WHERE business_date = '" DAY "')"
                                   " || ' ' || (SELECT count(*) FROM job_runs WHERE status = 'RUNNING')");
  ITEST_ASSERT_STR_EQ(left, "CLOSED 1");
  run_ok(config, (const char *[]) { "eod", "--date", "2026-03-15", "--quiet", NULL });
  g_autofree char *marked = query_as(db, "baitiao_report",
                                     "SELECT (SELECT count(*) FROM job_runs WHERE status = 'RUNNING') || ' ' ||"
                                     " (SELECT status || ' ' || exit_code || ' ' || error FROM job_runs"
                                     "   WHERE business_date = '" DAY "' ORDER BY run_id DESC LIMIT 1)");
  ITEST_ASSERT_STR_EQ(marked, "0 FAILED 1 abandoned: the run died after its date closed, before it recorded its end");
  g_autoptr(ItestRun) status = itest_baitiao_config(config, (const char *[]) { "status", NULL }, NULL);
  expect_status(status, 0);
  CU_ASSERT_PTR_NULL(strstr(status->out, "RUNNING"));
}

static guint
hidden_files(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  guint n = 0;
  const char *name;
  while (d && (name = g_dir_read_name(d)))
    n += name[0] == '.';
  return n;
}

static void
test_killed_report_leaves_no_temp_file(void)
{
  g_autofree char *db = full_clone();
  g_autofree char *config = itest_write_config(db, NULL);
  g_autofree char *out = g_strdup_printf("%s/chain-report-%d", itest_tmpdir(), (int) getpid());
  CU_ASSERT_FATAL(g_mkdir_with_parents(out, 0755) == 0);
  g_autofree char *specs = itest_top_file("reports", NULL);
  const char *env[] = { "BAITIAO_FAULT=kill:report-before-publish", NULL };
  g_autoptr(ItestRun) killed = itest_baitiao_config(config, (const char *[]) { "report", "reconciliation", "--date",
                                                                              LAST_DATE, "--out", out, "--specs", specs,
                                                                              NULL }, env);
  CU_ASSERT_EQUAL(killed->status, 128 + SIGKILL);
  CU_ASSERT_EQUAL(hidden_files(out), 1);
  CU_ASSERT_EQUAL(itest_dir_entries(out), 1);
  /* a temporary file of a report still running (this process) is not touched */
  g_autofree char *live = g_strdup_printf("%s/.trial_balance_20260318.xlsx.%d.abcDEF", out, (int) getpid());
  CU_ASSERT_FATAL(g_file_set_contents(live, "", 0, NULL));
  g_autoptr(ItestRun) again = itest_baitiao_config(config, (const char *[]) { "report", "reconciliation", "--date",
                                                                             LAST_DATE, "--out", out, "--specs", specs,
                                                                             NULL }, NULL);
  expect_status(again, 0);
  ITEST_ASSERT_CONTAINS(again->err, "a temporary report file whose writer is gone");
  CU_ASSERT_EQUAL(hidden_files(out), 1);
  CU_ASSERT_TRUE(g_file_test(live, G_FILE_TEST_EXISTS));
  g_autofree char *final = g_build_filename(out, "reconciliation_20260318.xlsx", NULL);
  CU_ASSERT_TRUE(g_file_test(final, G_FILE_TEST_IS_REGULAR));
  CU_ASSERT_EQUAL(itest_dir_entries(out), 2);
}

CU_TestInfo itest_chain_cases[] = {
  { "untouched book: chain linked, R12 clean, head printed", test_untouched_book_is_clean },
  { "edited line amount breaks at the entry", test_edited_line_amount },
  { "deleted entry is MISSING", test_deleted_entry },
  { "balanced entry added after the seal is UNEXPECTED", test_inserted_balanced_entry },
  { "altered posting key", test_altered_posting_key },
  { "line moved between entries", test_line_moved_between_entries },
  { "edited old day: full pass and that date's recon", test_edited_old_day },
  { "resealed day breaks the next day's link", test_resealed_day_breaks_the_link },
  { "edited chain row breaks the head", test_edited_chain_row },
  ITEST_FAULT_CASE("night killed and rerun seals the same chain", test_killed_night_seals_the_same_chain)
  { "digest sees posting keys, not surrogate ids", test_digest_sees_business_columns_only },
  ITEST_FAULT_CASE("night killed after close is marked abandoned", test_run_killed_after_close_is_abandoned)
  ITEST_FAULT_CASE("killed report leaves no temp file after the next run", test_killed_report_leaves_no_temp_file)
  CU_TEST_INFO_NULL,
};
