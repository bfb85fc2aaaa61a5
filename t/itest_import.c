/* baitiao import book: a generated opening book is booked, ties to the GL, passes the
 * full audit, and the nights after it run on; bad import sets are refused as
 * docs/formats.md "Portfolio import" says, leaving nothing behind. */
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

#define CUTOVER "2026-02-28"

/* gen --book USERS --as-of CUTOVER (and DAYS days after it; with ACTIVE, only users
 * 1..ACTIVE active) into a fresh folder. */
static char *
gen_book_into(const char *name, const char *users, const char *days, const char *active)
{
  char *out = g_strdup_printf("%s/%s-%d", itest_tmpdir(), name, (int) getpid());
  g_autofree char *products = g_build_filename(g_getenv("top_srcdir"), "etc", "products.conf", NULL);
  g_autoptr(ItestRun) run = itest_baitiao((const char *[]) { "gen", "--book", users, "--as-of", CUTOVER, "--days", days,
                                                             "--seed", "11", "--out", out, "--products", products,
                                                             active ? "--active" : NULL, active, NULL }, NULL);
  if (run->status != 0)
    fprintf(stderr, "\n  gen --book failed: %s\n", run->err);
  CU_ASSERT_EQUAL_FATAL(run->status, 0);
  return out;
}

static ItestRun *
import(const char *config, const char *dir, const char *fault)
{
  g_autofree char *env = fault ? g_strdup_printf("BAITIAO_FAULT=%s", fault) : NULL;
  return itest_baitiao_config(config, (const char *[]) { "import", "book", dir, NULL },
                              env ? (const char *[]) { env, NULL } : NULL);
}

static char *
slurp(const char *path)
{
  char *text = NULL;
  CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &text, NULL, NULL));
  return text;
}

static void
spit(const char *path, const char *text)
{
  CU_ASSERT_TRUE_FATAL(g_file_set_contents(path, text, -1, NULL));
}

/* A copy of the import set in SRC with FILE's line LINE (1-based, header = 1) passed
 * through EDIT: each of FROM replaced by TO once. */
static char *
edited_copy(const char *src, const char *name, const char *file, int line, const char *from, const char *to)
{
  char *dst = g_strdup_printf("%s/%s-%d", itest_tmpdir(), name, (int) getpid());
  g_mkdir_with_parents(dst, 0755);
  const char *files[] = { "manifest.csv", "users.csv", "loans.csv", "installments.csv", "credit_balances.csv" };
  for (gsize k = 0; k < G_N_ELEMENTS(files); k++) {
    g_autofree char *sp = g_build_filename(src, files[k], NULL);
    g_autofree char *dp = g_build_filename(dst, files[k], NULL);
    g_autofree char *text = slurp(sp);
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
    spit(dp, text);
  }
  return dst;
}

/* The field FIELD (0-based) of line LINE of FILE in DIR. */
static char *
field_of(const char *dir, const char *file, int line, int field)
{
  g_autofree char *path = g_build_filename(dir, file, NULL);
  g_autofree char *text = slurp(path);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_auto(GStrv) fields = g_strsplit(lines[line - 1], ",", -1);
  return g_strdup(fields[field]);
}

/* The line number of the first data line of FILE whose fields match STATUS in column COL. */
static int
first_line_with(const char *dir, const char *file, int col, const char *value)
{
  g_autofree char *path = g_build_filename(dir, file, NULL);
  g_autofree char *text = slurp(path);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (int k = 1; lines[k]; k++) {
    g_auto(GStrv) fields = g_strsplit(lines[k], ",", -1);
    if (g_strv_length(fields) > (guint) col && strcmp(fields[col], value) == 0)
      return k + 1;
  }
  return 0;
}

static void
assert_audit_clean(PGconn *c, const char *date)
{
  ReconSummary s;
  CU_ASSERT_TRUE_FATAL(itest_recon(c, date, RECON_FULL, &s));
  if (s.breaks != 0) {
    g_autofree char *b = itest_query(c, "SELECT string_agg(check_id || ' ' || break_key || ' ' || diff_fen, '; ')"
                                        "  FROM (SELECT * FROM recon_breaks ORDER BY 1 LIMIT 10) b");
    fprintf(stderr, "\n  recon --full %s: %" G_GINT64_FORMAT " breaks: %s\n", date, s.breaks, b);
  }
  CU_ASSERT_EQUAL(s.breaks, 0);
  CU_ASSERT_FALSE(s.checks[12].skipped);  /* R13: every schedule recomputed */
  g_autofree char *r4 = itest_books_diff(c, date);
  ITEST_ASSERT_STR_EQ(r4, "0,0,0,0");
  g_autofree char *unbalanced = itest_query(c,
    "SELECT count(*) FROM (SELECT entry_id FROM journal_lines GROUP BY entry_id"
    "                       HAVING sum(debit_fen) <> sum(credit_fen)) x");
  ITEST_ASSERT_STR_EQ(unbalanced, "0");
}

/* The indexes, constraints and triggers of the tables an import fills, with their
 * comments and whether each trigger is enabled: what a bulk load suspends and must
 * give back as the migrations made it. */
#define CHECKS_DIGEST_SQL \
  "WITH t(rel) AS (VALUES ('baitiao.users'::regclass), ('baitiao.loans'::regclass), ('baitiao.installments'::regclass))" \
  " SELECT count(*) || '|' || md5(string_agg(d, E'\\n' ORDER BY d)) FROM (" \
  "   SELECT pg_get_indexdef(indexrelid) || ' ' || coalesce(obj_description(indexrelid, 'pg_class'), '') AS d" \
  "     FROM pg_index JOIN t ON indrelid = rel" \
  "   UNION ALL SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' '" \
  "                    || coalesce(obj_description(oid, 'pg_constraint'), '') FROM pg_constraint JOIN t ON conrelid = rel" \
  "   UNION ALL SELECT tgrelid::regclass || ' ' || tgname || ' ' || tgenabled::text" \
  "     FROM pg_trigger JOIN t ON tgrelid = rel WHERE NOT tgisinternal) x"

static void
run_nights(const char *config, const char *out, int days)
{
  for (int day = 1; day <= days; day++) {
    g_autofree char *dir = g_strdup_printf("%s/202603%02d", out, day);
    const char *kinds[] = { "orders", "refunds", "repayments" };
    for (gsize k = 0; k < G_N_ELEMENTS(kinds); k++) {
      g_autofree char *path = g_strdup_printf("%s/%s.csv", dir, kinds[k]);
      g_autoptr(ItestRun) run = itest_baitiao_config(config, (const char *[]) { "load", kinds[k], path, NULL }, NULL);
      if (run->status != 0)
        fprintf(stderr, "\n  load %s: %s\n", path, run->err);
      CU_ASSERT_EQUAL_FATAL(run->status, 0);
    }
    const char *channels[] = { "ALIPAY", "WECHAT", "UNIONPAY" };
    for (gsize k = 0; day > 1 && k < G_N_ELEMENTS(channels); k++) {
      g_autofree char *path = g_strdup_printf("%s/settlement_%s.csv", dir, channels[k]);
      g_autoptr(ItestRun) run = itest_baitiao_config(config, (const char *[]) { "load", "settlement", "--channel",
                                                                                channels[k], path, NULL }, NULL);
      CU_ASSERT_EQUAL(run->status, 0);
    }
    g_autofree char *date = g_strdup_printf("2026-03-%02d", day);
    g_autoptr(ItestRun) night = itest_baitiao_config(config, (const char *[]) { "eod", "--quiet", NULL }, NULL);
    /* 3: the settlement files carry planted differences that R7 finds */
    if (night->status != 0 && night->status != 3)
      fprintf(stderr, "\n  eod %s: %s\n", date, night->err);
    CU_ASSERT_FATAL(night->status == 0 || night->status == 3);
  }
}

static void
test_import_audit_nights(void)
{
  /* issue 15: an import, seven nights, and the full audit clean after both */
  g_autofree char *out = gen_book_into("import-book", "300", "7", NULL);
  g_autofree char *book = g_build_filename(out, "book", NULL);
  g_autofree char *config = NULL;
  g_autofree char *db = itest_catalogue_db("import_book", NULL, &config);
  g_autofree char *checks = itest_db_value(db, "baitiao_batch", CHECKS_DIGEST_SQL);
  g_autoptr(ItestRun) run = import(config, book, NULL);
  if (run->status != 0)
    fprintf(stderr, "\n  import: %s\n", run->err);
  CU_ASSERT_EQUAL_FATAL(run->status, 0);
  ITEST_ASSERT_CONTAINS(run->out, "imported as of " CUTOVER);
  ITEST_ASSERT_CONTAINS(run->out, "users                300  (0 refused)");
  PGconn *c = itest_connect(db, "baitiao_batch");
  /* the checks the COPYs ran without (migration bulk_load_suspension) are all back */
  g_autofree char *checks_after = itest_query(c, CHECKS_DIGEST_SQL);
  ITEST_ASSERT_STR_EQ(checks_after, checks);
  g_autofree char *suspended = itest_db_value(db, "baitiao_owner", "SELECT count(*) FROM bulk_load_suspended");
  ITEST_ASSERT_STR_EQ(suspended, "0");
  /* every row of the files is booked */
  g_autofree char *loans = field_of(book, "manifest.csv", 3, 2);
  g_autofree char *insts = field_of(book, "manifest.csv", 4, 2);
  g_autofree char *counts = itest_query(c, "SELECT (SELECT count(*) FROM users) || ',' || (SELECT count(*) FROM loans)"
                                           " || ',' || (SELECT count(*) FROM installments)");
  g_autofree char *want = g_strdup_printf("300,%s,%s", loans, insts);
  ITEST_ASSERT_STR_EQ(counts, want);
  g_autofree char *mix = itest_query(c,
    "SELECT (SELECT count(DISTINCT product_code) >= 5 FROM loans)"
    "   AND (SELECT count(*) > 0 FROM loans WHERE status = 'WRITTEN_OFF')"
    "   AND (SELECT count(*) > 0 FROM loans WHERE status = 'PAID_OFF')"
    "   AND (SELECT count(*) > 0 FROM users WHERE credit_balance_fen > 0)"
    "   AND (SELECT count(*) FILTER (WHERE dpd > 0) * 100 BETWEEN 2 * count(*) AND 8 * count(*)"
    "          FROM loan_snapshots WHERE snapshot_date = '" CUTOVER "' AND status = 'ACTIVE')");
  ITEST_ASSERT_STR_EQ(mix, "t");
  /* the calendar: the cut-over date CLOSED, the next night is the day after */
  g_autofree char *cal = itest_query(c, "SELECT string_agg(business_date || ' ' || status, ',') FROM business_calendar");
  ITEST_ASSERT_STR_EQ(cal, CUTOVER " CLOSED");
  /* one opening entry; GL = sub-ledgers per account */
  g_autofree char *entries = itest_query(c, "SELECT string_agg(entry_type, ',') FROM journal_entries");
  ITEST_ASSERT_STR_EQ(entries, "OPENING");
  g_autofree char *cb = itest_query(c,
    "SELECT (SELECT closing_fen FROM gl_daily_balances WHERE business_date = '" CUTOVER "' AND account_code = '2241')"
    "     = -(SELECT sum(credit_balance_fen) FROM users)"
    "   AND (SELECT sum(amount_fen) FROM credit_balance_movements) = (SELECT sum(credit_balance_fen) FROM users)");
  ITEST_ASSERT_STR_EQ(cb, "t");
  assert_audit_clean(c, CUTOVER);
  run_nights(config, out, 7);
  assert_audit_clean(c, "2026-03-07");
  /* the nights did grow the book here: orders were originated and repayments applied */
  g_autofree char *grown = itest_query(c,
    "SELECT (SELECT count(*) > 0 FROM loans WHERE origination_date > '" CUTOVER "')"
    "   AND (SELECT count(*) > 0 FROM allocations WHERE business_date > '" CUTOVER "')");
  ITEST_ASSERT_STR_EQ(grown, "t");
  g_autofree char *other = itest_query(c, "SELECT count(*) FROM recon_breaks WHERE check_id <> 'R7'");
  ITEST_ASSERT_STR_EQ(other, "0");
  /* rerun: a no-op */
  g_autofree char *before = itest_business_digest(db);
  g_autoptr(ItestRun) again = import(config, book, NULL);
  CU_ASSERT_EQUAL(again->status, 0);
  ITEST_ASSERT_CONTAINS(again->out, "already imported (cut-over " CUTOVER "): nothing to do");
  g_autofree char *after = itest_business_digest(db);
  ITEST_ASSERT_STR_EQ(after, before);
  PQfinish(c);
}

static char *
plus_one_fen(const char *yuan)
{
  g_auto(GStrv) parts = g_strsplit(yuan, ".", 2);
  gint64 fen = g_ascii_strtoll(parts[0], NULL, 10) * 100 + g_ascii_strtoll(parts[1], NULL, 10) + 1;
  return g_strdup_printf("%" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT, fen / 100, fen % 100);
}

static void
test_refusals(void)
{
  g_autofree char *out = gen_book_into("import-bad", "200", "0", NULL);
  g_autofree char *book = g_build_filename(out, "book", NULL);
  g_autofree char *config = NULL;
  g_autofree char *db = itest_catalogue_db("import_bad", NULL, &config);
  /* a bad date in one installment, a schedule that is not the engine's in another */
  int l1 = first_line_with(book, "installments.csv", 6, "UNBILLED");
  g_autofree char *order1 = field_of(book, "installments.csv", l1, 0);
  g_autofree char *due1 = field_of(book, "installments.csv", l1, 3);
  g_autofree char *bad1 = edited_copy(book, "import-bad-1", "installments.csv", l1, due1, "2026-02-30");
  int l2 = l1 + 40;
  g_autofree char *order2 = field_of(bad1, "installments.csv", l2, 0);
  g_autofree char *fee2 = field_of(bad1, "installments.csv", l2, 5);
  CU_ASSERT_TRUE(strcmp(order1, order2) != 0);
  /* one fen more fee (the control total is of principal: it still ties) */
  g_autofree char *fee2b = plus_one_fen(fee2);
  g_autofree char *line2 = field_of(bad1, "installments.csv", l2, 4);
  g_autofree char *from = g_strdup_printf(",%s,%s,", line2, fee2);
  g_autofree char *to = g_strdup_printf(",%s,%s,", line2, fee2b);
  g_autofree char *bad = edited_copy(bad1, "import-bad-2", "installments.csv", l2, from, to);
  g_autoptr(ItestRun) run = import(config, bad, NULL);
  if (run->status != 0)
    fprintf(stderr, "\n  import: %s\n", run->err);
  CU_ASSERT_EQUAL_FATAL(run->status, 0);
  g_autofree char *msg1 = g_strdup_printf("installments.csv:%d:due_date: loan %s refused: not a valid YYYY-MM-DD date",
                                          l1, order1);
  ITEST_ASSERT_CONTAINS(run->err, msg1);
  g_autofree char *msg2 = g_strdup_printf("installments.csv:%d:fee: loan %s refused: schedule mismatch: the schedule "
                                          "engine gives %s, the file %s", l2, order2, fee2, fee2b);
  ITEST_ASSERT_CONTAINS(run->err, msg2);
  PGconn *c = itest_connect(db, "baitiao_batch");
  /* the refused loans and their users are not booked; the refusals are stored */
  g_autofree char *q = g_strdup_printf(
    "SELECT (SELECT count(*) FROM loans WHERE order_id IN ('%s', '%s'))"
    " || ',' || (SELECT count(*) FROM loans l JOIN users u USING (user_id))"
    " || ',' || (SELECT count(*) FROM import_refusals WHERE field IN ('due_date', 'fee'))", order1, order2);
  g_autofree char *got = itest_query(c, q);
  g_autofree char *loans_total = field_of(book, "manifest.csv", 3, 2);
  g_autofree char *booked = itest_query(c, "SELECT count(*) FROM loans");
  g_autofree char *refused = itest_query(c, "SELECT loans_refused FROM import_runs");
  CU_ASSERT_EQUAL(g_ascii_strtoll(booked, NULL, 10) + g_ascii_strtoll(refused, NULL, 10),
                  g_ascii_strtoll(loans_total, NULL, 10));
  g_autofree char *want = g_strdup_printf("0,%s,2", booked);
  ITEST_ASSERT_STR_EQ(got, want);
  g_autofree char *users_gone = g_strdup_printf(
    "SELECT count(*) FROM users WHERE user_id IN (SELECT user_id FROM import_refusals)");
  g_autofree char *ug = itest_query(c, users_gone);
  ITEST_ASSERT_STR_EQ(ug, "0");
  assert_audit_clean(c, CUTOVER);
  PQfinish(c);
}

static void
test_whole_import_refused(void)
{
  g_autofree char *out = gen_book_into("import-ctl", "100", "0", NULL);
  g_autofree char *book = g_build_filename(out, "book", NULL);
  g_autofree char *config = NULL;
  g_autofree char *db = itest_catalogue_db("import_ctl", NULL, &config);
  g_autofree char *before = itest_business_digest(db);
  PGconn *c = itest_connect(db, "baitiao_batch");
  /* the loans' control total one fen off: nothing stored */
  g_autofree char *rows = field_of(book, "manifest.csv", 3, 2);
  g_autofree char *total = field_of(book, "manifest.csv", 3, 3);
  g_autofree char *wrong = plus_one_fen(total);
  g_autofree char *from = g_strdup_printf(",%s", total);
  g_autofree char *to = g_strdup_printf(",%s", wrong);
  g_autofree char *tampered = edited_copy(book, "import-ctl-1", "manifest.csv", 3, from, to);
  g_autoptr(ItestRun) run = import(config, tampered, NULL);
  CU_ASSERT_EQUAL(run->status, 1);
  g_autofree char *msg = g_strdup_printf("loans.csv: %s rows totalling %s, but manifest.csv:3 says %s rows totalling "
                                         "%s: the whole import is refused, nothing was stored", rows, total, rows, wrong);
  ITEST_ASSERT_CONTAINS(run->err, msg);
  g_autofree char *after = itest_business_digest(db);
  ITEST_ASSERT_STR_EQ(after, before);
  g_autofree char *none = itest_query(c, "SELECT (SELECT count(*) FROM import_runs) + (SELECT count(*) FROM job_runs)"
                                         " + (SELECT count(*) FROM business_calendar)");
  ITEST_ASSERT_STR_EQ(none, "0");
  /* killed in the middle of the COPY of the installments, then before the commit: nothing stored */
  const char *faults[] = { "kill:mid-copy:3", "kill:before-commit:import" };
  for (gsize k = 0; k < G_N_ELEMENTS(faults); k++) {
    g_autoptr(ItestRun) killed = import(config, book, faults[k]);
    CU_ASSERT_EQUAL(killed->status, 128 + 9);
    g_autofree char *d = itest_business_digest(db);
    ITEST_ASSERT_STR_EQ(d, before);
    g_autofree char *n = itest_query(c, "SELECT (SELECT count(*) FROM import_runs) + (SELECT count(*) FROM loans)"
                                        " + (SELECT count(*) FROM business_calendar)");
    ITEST_ASSERT_STR_EQ(n, "0");
  }
  /* the rerun books it */
  g_autoptr(ItestRun) ok = import(config, book, NULL);
  CU_ASSERT_EQUAL(ok->status, 0);
  ITEST_ASSERT_CONTAINS(ok->out, "imported as of " CUTOVER);
  /* another import set (another manifest: its users count with a leading zero) onto a
   * database that now has a business date: refused, nothing changed */
  g_autofree char *line2 = g_strdup_printf(CUTOVER ",users.csv,");
  g_autofree char *other = edited_copy(book, "import-ctl-2", "manifest.csv", 2, line2, CUTOVER ",users.csv,0");
  g_autofree char *digest = itest_business_digest(db);
  g_autoptr(ItestRun) refused = import(config, other, NULL);
  CU_ASSERT_EQUAL(refused->status, 1);
  ITEST_ASSERT_CONTAINS(refused->err, "this database already has 1 business date(s): a portfolio import books an "
                                      "opening book, before any night; nothing was stored");
  g_autofree char *digest2 = itest_business_digest(db);
  ITEST_ASSERT_STR_EQ(digest2, digest);
  PQfinish(c);
}

/* gen --book N --active M: users 1..M and their loans are those of the book of M users,
 * the others hold only loans whose every installment fell due before the cut-over (the
 * benchmark's books of any size with the same day files); such a book imports and
 * passes the full audit. */
static void
test_import_dormant_users(void)
{
  /* more active users than the book has: a usage error */
  g_autoptr(ItestRun) bad = itest_baitiao((const char *[]) { "gen", "--book", "10", "--active", "20", "--as-of",
                                                             CUTOVER, "--out", "/nonexistent", NULL }, NULL);
  CU_ASSERT_EQUAL(bad->status, 2);
  ITEST_ASSERT_CONTAINS(bad->err, "--active 0 to --book");
  g_autofree char *small = gen_book_into("import-act", "120", "0", NULL);
  g_autofree char *large = gen_book_into("import-dorm", "240", "0", "120");
  g_autofree char *small_book = g_build_filename(small, "book", NULL);
  g_autofree char *large_book = g_build_filename(large, "book", NULL);
  const char *files[] = { "users.csv", "loans.csv", "installments.csv" };
  for (gsize k = 0; k < G_N_ELEMENTS(files); k++) {
    g_autofree char *sp = g_build_filename(small_book, files[k], NULL);
    g_autofree char *lp = g_build_filename(large_book, files[k], NULL);
    g_autofree char *st = slurp(sp);
    g_autofree char *lt = slurp(lp);
    CU_ASSERT_TRUE(g_str_has_prefix(lt, st));
    CU_ASSERT_TRUE(strlen(lt) > strlen(st));
  }
  g_autofree char *config = NULL;
  g_autofree char *db = itest_catalogue_db("import_dorm", NULL, &config);
  g_autoptr(ItestRun) run = import(config, large_book, NULL);
  if (run->status != 0)
    fprintf(stderr, "\n  import: %s\n", run->err);
  CU_ASSERT_EQUAL_FATAL(run->status, 0);
  ITEST_ASSERT_CONTAINS(run->out, "users                240  (0 refused)");
  PGconn *c = itest_connect(db, "baitiao_batch");
  /* the dormant users have loans, all overdue, paid off or written off: nothing of
   * theirs is unbilled or falls due on or after the cut-over */
  g_autofree char *dormant = itest_query(c,
    "SELECT (count(DISTINCT l.user_id) > 0) || '|'"
    "       || count(*) FILTER (WHERE i.status = 'UNBILLED' OR i.due_date >= '" CUTOVER "') || '|'"
    "       || (count(DISTINCT l.loan_id) FILTER (WHERE l.status = 'ACTIVE') > 0)"
    "  FROM loans l JOIN installments i USING (loan_id) WHERE l.user_id > 'U0000120'");
  ITEST_ASSERT_STR_EQ(dormant, "true|0|true");
  assert_audit_clean(c, CUTOVER);
  PQfinish(c);
}

/* ---- installments.csv in any order ------------------------------------------------ */

/* A copy of the import set in SRC, its installments.csv given by LINES (header first),
 * its control line recomputed. */
static char *
book_with_installments(const char *src, const char *name, char **lines)
{
  char *dst = g_strdup_printf("%s/%s-%d", itest_tmpdir(), name, (int) getpid());
  g_mkdir_with_parents(dst, 0755);
  const char *files[] = { "users.csv", "loans.csv", "credit_balances.csv" };
  for (gsize k = 0; k < G_N_ELEMENTS(files); k++) {
    g_autofree char *sp = g_build_filename(src, files[k], NULL);
    g_autofree char *dp = g_build_filename(dst, files[k], NULL);
    g_autofree char *text = slurp(sp);
    spit(dp, text);
  }
  gint64 rows = 0, fen = 0;
  for (int k = 1; lines[k] && *lines[k]; k++) {
    g_auto(GStrv) fields = g_strsplit(lines[k], ",", -1);
    g_auto(GStrv) yuan = g_strsplit(fields[4], ".", 2);
    fen += g_ascii_strtoll(yuan[0], NULL, 10) * 100 + g_ascii_strtoll(yuan[1], NULL, 10);
    rows++;
  }
  g_autofree char *inst = g_strjoinv("\n", lines);
  g_autofree char *ip = g_build_filename(dst, "installments.csv", NULL);
  spit(ip, inst);
  g_autofree char *mp = g_build_filename(src, "manifest.csv", NULL);
  g_autofree char *manifest = slurp(mp);
  g_auto(GStrv) ml = g_strsplit(manifest, "\n", -1);
  for (int k = 1; ml[k]; k++)
    if (strstr(ml[k], ",installments.csv,")) {
      g_free(ml[k]);
      ml[k] = g_strdup_printf(CUTOVER ",installments.csv,%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT,
                              rows, fen / 100, fen % 100);
    }
  g_autofree char *mtext = g_strjoinv("\n", ml);
  g_autofree char *dm = g_build_filename(dst, "manifest.csv", NULL);
  spit(dm, mtext);
  return dst;
}

/* The lines of installments.csv of DIR (header first; a last empty one dropped). */
static char **
installment_lines(const char *dir)
{
  g_autofree char *path = g_build_filename(dir, "installments.csv", NULL);
  g_autofree char *text = slurp(path);
  char **lines = g_strsplit(text, "\n", -1);
  guint n = g_strv_length(lines);
  if (n > 0 && !*lines[n - 1]) {
    g_free(lines[n - 1]);
    lines[n - 1] = NULL;
  }
  return lines;
}

/* The data lines in an order of SEED's: no loan's rows together any more. */
static void
shuffle_lines(char **lines, guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
  guint n = g_strv_length(lines);
  for (guint k = n - 1; k > 1; k--) {
    guint j = (guint) g_rand_int_range(rand, 1, (gint32) k + 1);
    char *t = lines[k];
    lines[k] = lines[j];
    lines[j] = t;
  }
}

/* The line number (header = 1) of the COUNT-th line of LINES starting with PREFIX. */
static int
nth_line_with(char **lines, const char *prefix, int count)
{
  for (int k = 1; lines[k]; k++)
    if (g_str_has_prefix(lines[k], prefix) && --count == 0)
      return k + 1;
  return 0;
}

#define INSTALLMENTS_DIGEST_SQL \
  "SELECT count(*) || ':' || md5(string_agg(i::text, E'\\n' ORDER BY i::text)) FROM installments i"
#define LOANS_USERS_DIGEST_SQL \
  "SELECT (SELECT md5(string_agg((to_jsonb(l) - 'created_at' - 'updated_at')::text, E'\\n'" \
  "                              ORDER BY (to_jsonb(l) - 'created_at' - 'updated_at')::text)) FROM loans l)" \
  " || (SELECT md5(string_agg((to_jsonb(u) - 'created_at' - 'updated_at')::text, E'\\n'" \
  "                           ORDER BY (to_jsonb(u) - 'created_at' - 'updated_at')::text)) FROM users u)"

/* installments.csv need not be grouped by loan: a shuffled file books the same rows
 * (only their order in the heap is the file's), and passes the full audit. */
static void
test_import_shuffled(void)
{
  g_autofree char *out = gen_book_into("import-shuf", "150", "0", NULL);
  g_autofree char *book = g_build_filename(out, "book", NULL);
  g_auto(GStrv) lines = installment_lines(book);
  shuffle_lines(lines, 7);
  g_autofree char *shuffled = book_with_installments(book, "import-shuf-1", lines);
  /* the shuffle did scatter the loans: the file's first two rows are of two loans */
  g_auto(GStrv) first = g_strsplit(lines[1], ",", 2);
  CU_ASSERT_FALSE(g_str_has_prefix(lines[2], first[0]));
  char *dbs[2], *configs[2];
  char *digests[2][2];
  const char *dirs[] = { book, shuffled };
  for (int k = 0; k < 2; k++) {
    dbs[k] = itest_catalogue_db(k ? "import_shuf" : "import_grp", NULL, &configs[k]);
    g_autoptr(ItestRun) run = import(configs[k], dirs[k], NULL);
    if (run->status != 0)
      fprintf(stderr, "\n  import %s: %s\n", dirs[k], run->err);
    CU_ASSERT_EQUAL_FATAL(run->status, 0);
    ITEST_ASSERT_CONTAINS(run->out, "users                150  (0 refused)");
    CU_ASSERT_PTR_NULL(strstr(run->err, "refused"));
    digests[k][0] = itest_db_value(dbs[k], "baitiao_batch", INSTALLMENTS_DIGEST_SQL);
    digests[k][1] = itest_db_value(dbs[k], "baitiao_batch", LOANS_USERS_DIGEST_SQL);
  }
  g_autofree char *rows = field_of(book, "manifest.csv", 4, 2);
  CU_ASSERT_TRUE(g_str_has_prefix(digests[0][0], rows) && digests[0][0][strlen(rows)] == ':');
  ITEST_ASSERT_STR_EQ(digests[1][0], digests[0][0]);
  ITEST_ASSERT_STR_EQ(digests[1][1], digests[0][1]);
  PGconn *c = itest_connect(dbs[1], "baitiao_batch");
  assert_audit_clean(c, CUTOVER);
  PQfinish(c);
  for (int k = 0; k < 2; k++) {
    g_free(dbs[k]);
    g_free(configs[k]);
    g_free(digests[k][0]);
    g_free(digests[k][1]);
  }
}

/* An installment number given twice (installment 3's row a copy of installment 2's) is
 * refused with the same message whether the file is grouped by loan or shuffled: the
 * line it names is the later of the two rows of number 2 in either file. */
static void
test_import_duplicate_shuffled(void)
{
  g_autofree char *out = gen_book_into("import-dup", "60", "0", NULL);
  g_autofree char *book = g_build_filename(out, "book", NULL);
  g_auto(GStrv) lines = installment_lines(book);
  int l3 = 0;
  for (int k = 1; lines[k]; k++) {
    g_auto(GStrv) f = g_strsplit(lines[k], ",", 3);
    if (strcmp(f[1], "3") == 0) {
      l3 = k + 1;
      break;
    }
  }
  CU_ASSERT_TRUE_FATAL(l3 > 2);
  g_auto(GStrv) f3 = g_strsplit(lines[l3 - 1], ",", 3);
  g_autofree char *order = g_strdup(f3[0]);
  g_autofree char *no2 = g_strdup_printf("%s,2,", order);
  CU_ASSERT_TRUE_FATAL(g_str_has_prefix(lines[l3 - 2], no2));
  g_free(lines[l3 - 1]);
  lines[l3 - 1] = g_strdup(lines[l3 - 2]);
  g_autofree char *grouped = book_with_installments(book, "import-dup-1", lines);
  shuffle_lines(lines, 3);
  g_autofree char *shuffled = book_with_installments(book, "import-dup-2", lines);
  const char *dirs[] = { grouped, shuffled };
  int want_line[] = { l3, nth_line_with(lines, no2, 2) };
  CU_ASSERT_TRUE(want_line[1] > 0 && want_line[1] != l3);
  char *refused[2] = { NULL, NULL };
  for (int k = 0; k < 2; k++) {
    g_autofree char *config = NULL;
    g_autofree char *db = itest_catalogue_db(k ? "import_dup_shuf" : "import_dup", NULL, &config);
    g_autoptr(ItestRun) run = import(config, dirs[k], NULL);
    if (run->status != 0)
      fprintf(stderr, "\n  import %s: %s\n", dirs[k], run->err);
    CU_ASSERT_EQUAL_FATAL(run->status, 0);
    g_autofree char *msg = g_strdup_printf("installments.csv:%d:installment_no: loan %s refused: installment 3 "
                                           "expected, 2 found", want_line[k], order);
    ITEST_ASSERT_CONTAINS(run->err, msg);
    g_autofree char *q = g_strdup_printf("SELECT (SELECT count(*) FROM loans WHERE order_id = '%s') || ','"
                                         " || (SELECT loans_refused FROM import_runs)", order);
    refused[k] = itest_db_value(db, "baitiao_batch", q);
  }
  CU_ASSERT_TRUE(g_str_has_prefix(refused[0], "0,"));
  ITEST_ASSERT_STR_EQ(refused[1], refused[0]);
  g_free(refused[0]);
  g_free(refused[1]);
}

/* The bulk load's suspension cannot outlive its transaction: a commit with anything
 * suspended fails and rolls it back; a table that has rows is never suspended. */
static void
test_bulk_load_guard(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = itest_catalogue_db("import_guard", NULL, &config);
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *checks = itest_query(c, CHECKS_DIGEST_SQL);
  itest_exec(c, "BEGIN");
  g_autofree char *n = itest_query(c, "SELECT bulk_load_suspend(ARRAY['loans', 'installments'])");
  CU_ASSERT_TRUE(n && atoi(n) >= 10);
  g_autofree char *during = itest_query(c, "SELECT count(*) FROM pg_index WHERE indrelid = 'baitiao.installments'::regclass");
  ITEST_ASSERT_STR_EQ(during, "1");
  char state[6] = "";
  g_autofree char *commit = itest_sql(c, "COMMIT", state);
  CU_ASSERT_PTR_NULL(commit);
  ITEST_ASSERT_CONTAINS(PQerrorMessage(c), "is still suspended at commit; call bulk_load_restore() first");
  g_autofree char *after = itest_query(c, CHECKS_DIGEST_SQL);
  ITEST_ASSERT_STR_EQ(after, checks);
  /* restored in the same transaction: the commit goes through, nothing changed */
  itest_exec(c, "BEGIN");
  g_autofree char *n2 = itest_query(c, "SELECT bulk_load_suspend(ARRAY['users', 'loans', 'installments'])");
  g_autofree char *r2 = itest_query(c, "SELECT bulk_load_restore()");
  ITEST_ASSERT_STR_EQ(r2, n2);
  g_autofree char *c2 = itest_query(c, "COMMIT");
  ITEST_ASSERT_STR_EQ(c2, "");
  g_autofree char *after2 = itest_query(c, CHECKS_DIGEST_SQL);
  ITEST_ASSERT_STR_EQ(after2, checks);
  /* a table with rows loads with its checks in place */
  itest_exec(c, "INSERT INTO users (user_id, credit_limit_fen, statement_day, status,"
                                      " created_date, last_change_date) VALUES ('U1', 100, 5, 'ACTIVE', '2026-01-01',"
                                      " '2026-01-01')");
  itest_exec(c, "BEGIN");
  g_autofree char *n3 = itest_query(c, "SELECT bulk_load_suspend(ARRAY['users'])");
  ITEST_ASSERT_STR_EQ(n3, "0");
  itest_exec(c, "ROLLBACK");
  PQfinish(c);
}

CU_TestInfo itest_import_cases[] = {
  { "import, full audit, seven nights, full audit, rerun", test_import_audit_nights },
  { "bad rows refuse their loans", test_refusals },
  ITEST_FAULT_CASE("control total, kill, database with dates", test_whole_import_refused)
  { "gen --book --active: dormant users, same active users", test_import_dormant_users },
  { "installments.csv shuffled: the same rows booked", test_import_shuffled },
  { "a number given twice: the same refusal, grouped or shuffled", test_import_duplicate_shuffled },
  { "bulk load: no commit with checks suspended, tables with rows left alone", test_bulk_load_guard },
  CU_TEST_INFO_NULL,
};
