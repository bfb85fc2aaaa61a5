/* The risk aggregates (sql/0043, sql/0044; step risk, src/eod_risk.c): on a
 * generated book run across month ends, with write-offs (half the products at
 * writeoff_dpd 3) and recoveries, the vintage, aging and roll-rate reports read
 * from the aggregates give exactly the figures of their former queries over the
 * book (kept here verbatim as the independent recompute): vintage and roll rates
 * of every night, aging on each checkpoint night (its balances are the current
 * ones, so only the last closed date compares). The step is idempotent on a rerun,
 * the vintage curves sheet is the vintage sheet turned, and recon --full's R16
 * finds an aggregate row changed behind the program's back. A second book checks the
 * aging aggregate brought forward by loan (sql/0058) against R16 after every night,
 * with the risk step killed and rerun around a month end. */
#include <stdlib.h>

#include "eod_steps.h"
#include "itest.h"
#include "report.h"

#define START_DATE "2025-12-20"
#define LAST_DATE "2026-04-18"
#define DAYS 121
#define USERS 250
#define DATEOID 1082
#define TEXTOID 25

/* ---- the former queries, verbatim (the report specs before the aggregates), except the
 * vintage window: twelve whole origination months, where the former one also took the
 * days after the 1st of the month twelve months back ---- */

static const char old_vintage_0[] =
  "WITH v AS (\n"
  "        SELECT loan_id, principal_fen, date_trunc('month', origination_date)::date AS vm\n"
  "          FROM loans WHERE origination_date <= $1 AND origination_date >= date_trunc('month', $1) - interval '11 months'),\n"
  "      obs AS (\n"
  "        SELECT v.loan_id, v.vm, k.mob,\n"
  "               least((v.vm + (k.mob + 1) * interval '1 month')::date - 1, $1) AS at\n"
  "          FROM v CROSS JOIN generate_series(0, 12) AS k(mob)\n"
  "         WHERE v.vm + k.mob * interval '1 month' <= $1),\n"
  "      bad AS (\n"
  "        SELECT o.vm, o.mob,\n"
  "               coalesce(sum(CASE WHEN w.writeoff_date <= o.at THEN w.principal_fen\n"
  "                                 WHEN s.dpd >= 30 THEN s.outstanding_principal_fen ELSE 0 END), 0) AS fen\n"
  "          FROM obs o\n"
  "          LEFT JOIN writeoffs w ON w.loan_id = o.loan_id\n"
  "          LEFT JOIN LATERAL (SELECT dpd, outstanding_principal_fen FROM loan_snapshots x\n"
  "                              WHERE x.loan_id = o.loan_id AND x.snapshot_date <= o.at\n"
  "                              ORDER BY x.snapshot_date DESC LIMIT 1) s ON true\n"
  "         GROUP BY o.vm, o.mob),\n"
  "      tot AS (SELECT vm, count(*) AS n, sum(principal_fen) AS p FROM v GROUP BY vm)\n"
  "      SELECT to_char(t.vm, 'YYYY-MM'), t.n, t.p::bigint,\n"
  "             max(b.fen) FILTER (WHERE b.mob = 0) / t.p, max(b.fen) FILTER (WHERE b.mob = 1) / t.p,\n"
  "             max(b.fen) FILTER (WHERE b.mob = 2) / t.p, max(b.fen) FILTER (WHERE b.mob = 3) / t.p,\n"
  "             max(b.fen) FILTER (WHERE b.mob = 4) / t.p, max(b.fen) FILTER (WHERE b.mob = 5) / t.p,\n"
  "             max(b.fen) FILTER (WHERE b.mob = 6) / t.p, max(b.fen) FILTER (WHERE b.mob = 7) / t.p,\n"
  "             max(b.fen) FILTER (WHERE b.mob = 8) / t.p, max(b.fen) FILTER (WHERE b.mob = 9) / t.p,\n"
  "             max(b.fen) FILTER (WHERE b.mob = 10) / t.p, max(b.fen) FILTER (WHERE b.mob = 11) / t.p,\n"
  "             max(b.fen) FILTER (WHERE b.mob = 12) / t.p\n"
  "        FROM tot t LEFT JOIN bad b ON b.vm = t.vm\n"
  "       GROUP BY t.vm, t.n, t.p\n"
  "       ORDER BY t.vm";

static const char old_aging_0[] =
  "WITH state AS (\n"
  "        SELECT DISTINCT ON (loan_id) loan_id, status, bucket, offbalance_fen\n"
  "          FROM loan_snapshots WHERE snapshot_date <= $1\n"
  "         ORDER BY loan_id, snapshot_date DESC),\n"
  "      balance AS (\n"
  "        SELECT i.loan_id,\n"
  "               sum(i.principal_fen - i.principal_reduced_fen - i.paid_principal_fen - i.writeoff_principal_fen) AS p,\n"
  "               coalesce(sum(i.fee_fen - i.fee_waived_fen - i.paid_fee_fen - i.writeoff_fee_fen)\n"
  "                        FILTER (WHERE i.status = 'BILLED'), 0) AS f,\n"
  "               sum(installment_penalty_out_fen(i, $1)) AS pen\n"
  "          FROM installments i JOIN state s USING (loan_id)\n"
  "         WHERE s.status = 'ACTIVE'\n"
  "         GROUP BY i.loan_id),\n"
  "      buckets (ord, bucket) AS (\n"
  "        VALUES (1, 'C'), (2, 'M1'), (3, 'M2'), (4, 'M3'), (5, 'M4'), (6, 'M5'), (7, 'M6'), (8, 'M7+'))\n"
  "      SELECT k.bucket, count(b.loan_id),\n"
  "             coalesce(sum(b.p), 0)::bigint, coalesce(sum(b.f), 0)::bigint, coalesce(sum(b.pen), 0)::bigint,\n"
  "             coalesce(sum(b.p + b.f + b.pen), 0)::bigint,\n"
  "             coalesce(sum(b.p), 0) / nullif(sum(sum(b.p)) OVER (), 0),\n"
  "             count(s.loan_id) FILTER (WHERE s.status = 'WRITTEN_OFF'),\n"
  "             coalesce(sum(s.offbalance_fen) FILTER (WHERE s.status = 'WRITTEN_OFF'), 0)::bigint\n"
  "        FROM buckets k\n"
  "        LEFT JOIN state s ON s.bucket = k.bucket\n"
  "                         AND (s.status = 'ACTIVE' OR (s.status = 'WRITTEN_OFF' AND s.offbalance_fen > 0))\n"
  "        LEFT JOIN balance b ON b.loan_id = s.loan_id\n"
  "       GROUP BY k.ord, k.bucket\n"
  "       ORDER BY k.ord";

static const char old_aging_1[] =
  "WITH state AS (\n"
  "        SELECT DISTINCT ON (loan_id) loan_id, status, class, offbalance_fen\n"
  "          FROM loan_snapshots WHERE snapshot_date <= $1\n"
  "         ORDER BY loan_id, snapshot_date DESC),\n"
  "      balance AS (\n"
  "        SELECT i.loan_id,\n"
  "               sum(i.principal_fen - i.principal_reduced_fen - i.paid_principal_fen - i.writeoff_principal_fen) AS p,\n"
  "               coalesce(sum(i.fee_fen - i.fee_waived_fen - i.paid_fee_fen - i.writeoff_fee_fen)\n"
  "                        FILTER (WHERE i.status = 'BILLED'), 0)\n"
  "               + sum(installment_penalty_out_fen(i, $1)) AS other\n"
  "          FROM installments i JOIN state s USING (loan_id)\n"
  "         WHERE s.status = 'ACTIVE'\n"
  "         GROUP BY i.loan_id),\n"
  "      classes (ord, class, zh, en) AS (\n"
  "        VALUES (1, 'NORMAL', '正常', 'Normal'), (2, 'SPECIAL_MENTION', '关注', 'Special mention'),\n"
  "               (3, 'SUBSTANDARD', '次级', 'Substandard'), (4, 'DOUBTFUL', '可疑', 'Doubtful'),\n"
  "               (5, 'LOSS', '损失', 'Loss'))\n"
  "      SELECT CASE WHEN $2 = 'en' THEN k.en ELSE k.zh END, count(b.loan_id),\n"
  "             coalesce(sum(b.p), 0)::bigint, coalesce(sum(b.p + b.other), 0)::bigint,\n"
  "             coalesce(sum(b.p), 0) / nullif(sum(sum(b.p)) OVER (), 0),\n"
  "             count(s.loan_id) FILTER (WHERE s.status = 'WRITTEN_OFF'),\n"
  "             coalesce(sum(s.offbalance_fen) FILTER (WHERE s.status = 'WRITTEN_OFF'), 0)::bigint\n"
  "        FROM classes k\n"
  "        LEFT JOIN state s ON s.class = k.class\n"
  "                         AND (s.status = 'ACTIVE' OR (s.status = 'WRITTEN_OFF' AND s.offbalance_fen > 0))\n"
  "        LEFT JOIN balance b ON b.loan_id = s.loan_id\n"
  "       GROUP BY k.ord, k.class, k.zh, k.en\n"
  "       ORDER BY k.ord";

static const char old_roll_rates_0[] =
  "WITH state_at AS (\n"
  "        SELECT DISTINCT ON (loan_id) loan_id, snapshot_date, status, bucket, outstanding_principal_fen AS p\n"
  "          FROM loan_snapshots WHERE snapshot_date <= $1\n"
  "         ORDER BY loan_id, snapshot_date DESC),\n"
  "      state_from AS (\n"
  "        SELECT DISTINCT ON (loan_id) loan_id, status, bucket, outstanding_principal_fen AS p\n"
  "          FROM loan_snapshots WHERE snapshot_date <= (date_trunc('month', $1)::date - 1)\n"
  "         ORDER BY loan_id, snapshot_date DESC),\n"
  "      buckets (ord, bucket) AS (\n"
  "        VALUES (1, 'C'), (2, 'M1'), (3, 'M2'), (4, 'M3'), (5, 'M4'), (6, 'M5'), (7, 'M6'), (8, 'M7+'))\n"
  "      SELECT k.bucket, count(f.loan_id), coalesce(sum(f.p), 0)::bigint,\n"
  "             sum(f.p) FILTER (WHERE t.status = 'ACTIVE' AND t.bucket = 'C') / nullif(sum(f.p), 0),\n"
  "             sum(f.p) FILTER (WHERE t.status = 'ACTIVE' AND t.bucket = 'M1') / nullif(sum(f.p), 0),\n"
  "             sum(f.p) FILTER (WHERE t.status = 'ACTIVE' AND t.bucket = 'M2') / nullif(sum(f.p), 0),\n"
  "             sum(f.p) FILTER (WHERE t.status = 'ACTIVE' AND t.bucket = 'M3') / nullif(sum(f.p), 0),\n"
  "             sum(f.p) FILTER (WHERE t.status = 'ACTIVE' AND t.bucket = 'M4') / nullif(sum(f.p), 0),\n"
  "             sum(f.p) FILTER (WHERE t.status = 'ACTIVE' AND t.bucket = 'M5') / nullif(sum(f.p), 0),\n"
  "             sum(f.p) FILTER (WHERE t.status = 'ACTIVE' AND t.bucket = 'M6') / nullif(sum(f.p), 0),\n"
  "             sum(f.p) FILTER (WHERE t.status = 'ACTIVE' AND t.bucket = 'M7+') / nullif(sum(f.p), 0),\n"
  "             sum(f.p) FILTER (WHERE t.status IN ('PAID_OFF', 'CANCELLED')) / nullif(sum(f.p), 0),\n"
  "             sum(f.p) FILTER (WHERE t.status = 'WRITTEN_OFF') / nullif(sum(f.p), 0)\n"
  "        FROM buckets k\n"
  "        LEFT JOIN state_from f ON f.bucket = k.bucket AND f.status = 'ACTIVE'\n"
  "        LEFT JOIN state_at t ON t.loan_id = f.loan_id\n"
  "       GROUP BY k.ord, k.bucket\n"
  "       ORDER BY k.ord";

static const char old_roll_rates_1[] =
  "WITH state_at AS (\n"
  "        SELECT DISTINCT ON (loan_id) loan_id, status, bucket, offbalance_fen AS ob\n"
  "          FROM loan_snapshots WHERE snapshot_date <= $1\n"
  "         ORDER BY loan_id, snapshot_date DESC),\n"
  "      state_from AS (\n"
  "        SELECT DISTINCT ON (loan_id) loan_id, status, bucket, offbalance_fen AS ob\n"
  "          FROM loan_snapshots WHERE snapshot_date <= (date_trunc('month', $1)::date - 1)\n"
  "         ORDER BY loan_id, snapshot_date DESC),\n"
  "      buckets (ord, bucket) AS (\n"
  "        VALUES (1, 'C'), (2, 'M1'), (3, 'M2'), (4, 'M3'), (5, 'M4'), (6, 'M5'), (7, 'M6'), (8, 'M7+'))\n"
  "      SELECT k.bucket, count(f.loan_id), coalesce(sum(f.ob), 0)::bigint,\n"
  "             sum(f.ob) FILTER (WHERE t.bucket = 'C') / nullif(sum(f.ob), 0),\n"
  "             sum(f.ob) FILTER (WHERE t.bucket = 'M1') / nullif(sum(f.ob), 0),\n"
  "             sum(f.ob) FILTER (WHERE t.bucket = 'M2') / nullif(sum(f.ob), 0),\n"
  "             sum(f.ob) FILTER (WHERE t.bucket = 'M3') / nullif(sum(f.ob), 0),\n"
  "             sum(f.ob) FILTER (WHERE t.bucket = 'M4') / nullif(sum(f.ob), 0),\n"
  "             sum(f.ob) FILTER (WHERE t.bucket = 'M5') / nullif(sum(f.ob), 0),\n"
  "             sum(f.ob) FILTER (WHERE t.bucket = 'M6') / nullif(sum(f.ob), 0),\n"
  "             sum(f.ob) FILTER (WHERE t.bucket = 'M7+') / nullif(sum(f.ob), 0),\n"
  "             (sum(f.ob) - sum(t.ob)) / nullif(sum(f.ob), 0)\n"
  "        FROM buckets k\n"
  "        LEFT JOIN state_from f ON f.bucket = k.bucket AND f.status = 'WRITTEN_OFF' AND f.ob > 0\n"
  "        LEFT JOIN state_at t ON t.loan_id = f.loan_id\n"
  "       GROUP BY k.ord, k.bucket\n"
  "       ORDER BY k.ord";

static struct {
  gboolean ready;
  char *db;
  char *config;
} fx;

/* Nights are run to each checkpoint in turn; aging is compared on each. */
static const char *const checkpoints[] = { "2025-12-31", "2026-01-01", "2026-01-30", "2026-01-31", "2026-02-01", "2026-02-15", "2026-02-28",
                                           "2026-03-01", "2026-03-18", "2026-03-31", "2026-04-01", LAST_DATE };

/* The rows of SQL for DATE (lang zh) as text, one line per row, NULL as "-". */
static char *
rows_text(PGconn *c, const char *sql, const char *date)
{
  const char *params[] = { date, "zh" };
  const unsigned int types[] = { DATEOID, TEXTOID };
  PGresult *res = PQexecParams(c, sql, 2, types, params, NULL, NULL, 0);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    fprintf(stderr, "\n  query for %s failed: %s\n", date, PQresultErrorMessage(res));
    PQclear(res);
    return NULL;
  }
  GString *out = g_string_new(NULL);
  for (int r = 0; r < PQntuples(res); r++) {
    for (int f = 0; f < PQnfields(res); f++)
      g_string_append_printf(out, "%s%s", f ? "\t" : "", PQgetisnull(res, r, f) ? "-" : PQgetvalue(res, r, f));
    g_string_append_c(out, '\n');
  }
  PQclear(res);
  return g_string_free(out, FALSE);
}

static ReportSpec *
spec(const char *name)
{
  g_autofree char *file = g_strdup_printf("%s.report", name);
  g_autofree char *path = itest_top_file("reports", file);
  g_autoptr(GError) error = NULL;
  ReportSpec *s = report_spec_load(path, &error);
  if (!s)
    fprintf(stderr, "\n  %s: %s\n", path, error->message);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  return s;
}

static const char *
sheet_sql(const ReportSpec *s, guint i)
{
  CU_ASSERT_FATAL(i < s->sheets->len);
  return ((const ReportSheet *) s->sheets->pdata[i])->sql;
}

/* The spec's sheet I on DATE = the former query OLD: the number of dates that differ. */
static guint
compare(PGconn *c, const ReportSpec *s, guint i, const char *old, const char *date)
{
  g_autofree char *want = rows_text(c, old, date);
  g_autofree char *got = rows_text(c, sheet_sql(s, i), date);
  if (want && got && strcmp(want, got) == 0)
    return 0;
  fprintf(stderr, "\n  %s sheet %u on %s differs:\n  former query:\n%s  from the aggregates:\n%s", s->name, i, date,
          want ? want : "(failed)\n", got ? got : "(failed)\n");
  return 1;
}

static void
run_nights(const char *from, const char *until)
{
  g_autoptr(ItestRun) run = itest_baitiao_config(fx.config, (const char *[]) { "eod", "--date", from, "--catch-up",
                                                 "--until", until, "--quiet", NULL }, NULL);
  if (run->status != 0 && run->status != 3)
    fprintf(stderr, "\n  nights %s..%s exited %d: %s\n", from, until, run->status, run->err);
  CU_ASSERT_FATAL(run->status == 0 || run->status == 3);
}

static char *
next_day(const char *date)
{
  GDate d;
  g_date_clear(&d, 1);
  g_date_set_parse(&d, date);
  g_date_add_days(&d, 1);
  char text[11];
  g_date_strftime(text, sizeof text, "%Y-%m-%d", &d);
  return g_strdup(text);
}

static guint aging_differences;

static void
setup(void)
{
  if (fx.ready)
    return;
  gint64 started = g_get_monotonic_time();
  g_autofree char *products = itest_write_products("risk", 3, 2);
  g_autofree char *portfolio = itest_gen_portfolio("risk-portfolio", USERS, DAYS, 13, START_DATE, products);
  fx.db = itest_create_db("risk", TRUE);
  fx.config = itest_write_config(fx.db, NULL);
  itest_load_portfolio(fx.config, portfolio, products);
  g_autoptr(ReportSpec) aging = spec("aging");
  g_autofree char *from = g_strdup(START_DATE);
  for (gsize k = 0; k < G_N_ELEMENTS(checkpoints); k++) {
    run_nights(from, checkpoints[k]);
    PGconn *c = itest_connect(fx.db, "baitiao_report");
    aging_differences += compare(c, aging, 0, old_aging_0, checkpoints[k]);
    aging_differences += compare(c, aging, 1, old_aging_1, checkpoints[k]);
    PQfinish(c);
    g_free(from);
    from = next_day(checkpoints[k]);
  }
  fx.ready = TRUE;
  printf("\n  risk fixture: %u users, %s..%s (%.0f s)\n", USERS, START_DATE, LAST_DATE,
         (g_get_monotonic_time() - started) / 1e6);
}

/* The book has what the reports must get right: write-offs, recoveries, 30+ loans
 * not written off, loans closed, over three month ends. */
static void
test_book_has_the_cases(void)
{
  setup();
  PGconn *c = itest_connect(fx.db, "baitiao_report");
  g_autofree char *facts = itest_query(c,
    "SELECT (SELECT count(*) > 3 FROM writeoffs) || ' ' || (SELECT count(*) > 0 FROM writeoffs WHERE recovered_fen > 0)"
    " || ' ' || (SELECT count(*) > 0 FROM loan_snapshots WHERE dpd >= 30 AND status = 'ACTIVE')"
    " || ' ' || (SELECT count(*) > 3 FROM loans WHERE status = 'PAID_OFF')"
    " || ' ' || (SELECT count(DISTINCT cohort_month) FROM risk_vintage WHERE obs_date = '" LAST_DATE "')"
    " || ' ' || (SELECT count(*) > 0 FROM risk_roll WHERE book = 'OFF' AND business_date = '" LAST_DATE "')"
    " || ' ' || (SELECT count(*) > 0 FROM risk_vintage WHERE bad_fen > 0 AND obs_date < '2026-03-01')");
  ITEST_ASSERT_STR_EQ(facts, "true true true true 5 true true");
  PQfinish(c);
}

static void
test_aging_equals_former_query(void)
{
  setup();
  CU_ASSERT_EQUAL(aging_differences, 0);
}

/* Vintage and roll rates read only snapshots and write-offs, which a later night
 * never changes: every night of the book compares at the end. */
static void
test_vintage_and_roll_rates_equal_former_queries_every_night(void)
{
  setup();
  g_autoptr(ReportSpec) vintage = spec("vintage");
  g_autoptr(ReportSpec) roll = spec("roll_rates");
  PGconn *c = itest_connect(fx.db, "baitiao_report");
  guint differences = 0, nights = 0;
  g_autofree char *d = g_strdup(START_DATE);
  for (; strcmp(d, LAST_DATE) <= 0; nights++) {
    differences += compare(c, vintage, 0, old_vintage_0, d);
    differences += compare(c, roll, 0, old_roll_rates_0, d);
    differences += compare(c, roll, 1, old_roll_rates_1, d);
    char *next = next_day(d);
    g_free(d);
    d = next;
  }
  CU_ASSERT_EQUAL(nights, DAYS - 1);   /* START_DATE … LAST_DATE */
  CU_ASSERT_EQUAL(differences, 0);
  PQfinish(c);
}

/* The curves sheet (x = MOB, one column per cohort) holds the vintage sheet's
 * figures turned: cohort month m at MOB k is column "m months before" of row k. */
static void
test_vintage_curves_are_the_table_turned(void)
{
  setup();
  g_autoptr(ReportSpec) vintage = spec("vintage");
  PGconn *c = itest_connect(fx.db, "baitiao_report");
  g_autofree char *table = rows_text(c, sheet_sql(vintage, 0), LAST_DATE);
  g_autofree char *curves = rows_text(c, sheet_sql(vintage, 1), LAST_DATE);
  PQfinish(c);
  CU_ASSERT_PTR_NOT_NULL_FATAL(table);
  CU_ASSERT_PTR_NOT_NULL_FATAL(curves);
  g_auto(GStrv) t = g_strsplit(table, "\n", -1);
  g_auto(GStrv) k = g_strsplit(curves, "\n", -1);
  CU_ASSERT_EQUAL_FATAL(g_strv_length(k), 12 + 1);
  guint cells = 0, filled = 0;
  for (guint r = 0; t[r] && *t[r]; r++) {
    g_auto(GStrv) row = g_strsplit(t[r], "\t", -1);
    int ago = (2026 - atoi(row[0])) * 12 + 4 - atoi(row[0] + 5);   /* LAST_DATE is in 2026-04 */
    CU_ASSERT_FATAL(ago >= 0 && ago < 12);
    for (int mob = 0; mob < 12; mob++) {
      g_auto(GStrv) curve = g_strsplit(k[mob], "\t", -1);
      ITEST_ASSERT_STR_EQ(curve[1 + (11 - ago)], row[3 + mob]);
      cells++;
      filled += strcmp(row[3 + mob], "-") != 0;
    }
  }
  CU_ASSERT_EQUAL(cells, 5 * 12);
  CU_ASSERT_EQUAL(filled, 5 + 4 + 3 + 2 + 1);   /* cohorts 2025-12 … 2026-04: MOB 0..4 … 0 */
}

static const char sql_digest[] =
  "SELECT (SELECT md5(string_agg(v::text, ',' ORDER BY v::text)) FROM risk_vintage v WHERE obs_date = $1::date)"
  " || (SELECT md5(string_agg(a::text, ',' ORDER BY a::text)) FROM risk_aging a WHERE business_date = $1::date)"
  " || (SELECT md5(string_agg(r::text, ',' ORDER BY r::text)) FROM risk_roll r WHERE business_date = $1::date)";

static char *
digest(PGconn *c, const char *date)
{
  g_autofree char *sql = g_strdup_printf("%s", sql_digest);
  const char *params[] = { date };
  PGresult *res = PQexecParams(c, sql, 1, NULL, params, NULL, NULL, 0);
  char *out = PQresultStatus(res) == PGRES_TUPLES_OK && !PQgetisnull(res, 0, 0)
    ? g_strdup(PQgetvalue(res, 0, 0)) : NULL;
  PQclear(res);
  return out;
}

/* A rerun of the step for the same date rewrites the same rows. */
static void
test_rerun_is_idempotent(void)
{
  setup();
  g_autofree char *db = itest_clone_db("risk_rerun", fx.db);
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *before = digest(c, LAST_DATE);
  CU_ASSERT_PTR_NOT_NULL_FATAL(before);
  gint64 rows = 0;
  CU_ASSERT_TRUE(itest_run_step(c, LAST_DATE, eod_step_risk, &rows, NULL));
  g_autofree char *count = itest_query(c, "SELECT (SELECT count(*) FROM risk_vintage WHERE obs_date = '" LAST_DATE "')"
                                          " + (SELECT count(*) FROM risk_aging WHERE business_date = '" LAST_DATE "')"
                                          " + (SELECT count(*) FROM risk_roll WHERE business_date = '" LAST_DATE "')");
  CU_ASSERT_EQUAL(rows, g_ascii_strtoll(count, NULL, 10));
  CU_ASSERT_TRUE(rows > 10);
  g_autofree char *after = digest(c, LAST_DATE);
  ITEST_ASSERT_STR_EQ(after, before);
  PQfinish(c);
}

static char *
r16_breaks(PGconn *c)
{
  return itest_query(c, "SELECT coalesce(string_agg(business_date || ' ' || break_key || ' ' || expected_fen || ' '"
                        "       || actual_fen, '; ' ORDER BY break_key), '')"
                        "  FROM recon_breaks WHERE check_id = 'R16'");
}

/* recon --full: R16 clean on the book as the night left it; then a vintage row of
 * a month end, an aging cell and a roll-rate cell changed behind the program's
 * back are each found, by key. */
static void
test_r16_finds_aggregates_changed_behind_the_back(void)
{
  setup();
  g_autofree char *db = itest_clone_db("risk_tamper", fx.db);
  PGconn *batch = itest_connect(db, "baitiao_batch");
  ReconSummary s = { 0 };
  CU_ASSERT_FATAL(itest_recon(batch, LAST_DATE, RECON_FULL, &s));
  if (s.checks[15].rows <= 100)
    fprintf(stderr, "\n  R16 compared %" G_GINT64_FORMAT " figures\n", s.checks[15].rows);
  CU_ASSERT_TRUE(s.checks[15].rows > 100);
  CU_ASSERT_STRING_EQUAL(s.checks[15].check_id, "R16");
  g_autofree char *clean = r16_breaks(batch);
  ITEST_ASSERT_STR_EQ(clean, "");
  PGconn *su = itest_connect(db, "postgres");
  g_free(itest_query(su, "UPDATE baitiao.risk_vintage SET bad_fen = bad_fen + 100"
                         " WHERE obs_date = '2026-02-28' AND cohort_month = '2026-01-01'"));
  g_free(itest_query(su, "UPDATE baitiao.risk_aging SET principal_fen = principal_fen + 7"
                         " WHERE business_date = '" LAST_DATE "' AND status = 'ACTIVE' AND bucket = 'C'"
                         "   AND class = 'NORMAL'"));
  g_free(itest_query(su, "DELETE FROM baitiao.risk_roll WHERE business_date = '" LAST_DATE "' AND book = 'ON'"
                         "   AND from_bucket = 'C' AND to_status = 'PAID_OFF'"));
  PQfinish(su);
  g_autofree char *want = itest_query(batch,
    "SELECT '" LAST_DATE " aging:ACTIVE:C:NORMAL:principal ' || a.principal_fen - 7 || ' ' || a.principal_fen"
    "       || '; " LAST_DATE " roll:ON:C:PAID_OFF:C:from ' || f.from_fen || ' 0'"
    "       || '; " LAST_DATE " roll:ON:C:PAID_OFF:C:loans ' || f.loans || ' 0'"
    "       || '; " LAST_DATE " vintage:2026-02-28:2026-01:bad ' || v.bad_fen - 100 || ' ' || v.bad_fen"
    "  FROM risk_aging a, risk_roll_compute('" LAST_DATE "', '-infinity') f, risk_vintage v"
    " WHERE a.business_date = '" LAST_DATE "' AND a.status = 'ACTIVE' AND a.bucket = 'C' AND a.class = 'NORMAL'"
    "   AND f.book = 'ON' AND f.from_bucket = 'C' AND f.to_status = 'PAID_OFF' AND f.to_bucket = 'C'"
    "   AND v.obs_date = '2026-02-28' AND v.cohort_month = '2026-01-01'");
  ReconSummary t = { 0 };
  CU_ASSERT_FATAL(itest_recon(batch, LAST_DATE, RECON_FULL, &t));
  g_autofree char *found = r16_breaks(batch);
  CU_ASSERT_PTR_NOT_NULL_FATAL(want);
  ITEST_ASSERT_STR_EQ(found, want);
  PQfinish(batch);
}

/* ---- aging brought forward by loan (sql/0058): the property over many nights ----
 * A second book, one night at a time: after every night recon --full's R16 (the
 * aggregates = their definition recomputed from the whole book) is clean, while the
 * step carried most loans' contributions from the night before (rows computed on an
 * earlier night) and moved cells' penalty by their open runs' fen per day. The crash
 * case replays a window around a month end from a copy of the book before it, killing
 * the risk step each night before its commit or with its COMMIT sent, then rerunning
 * the night: R16 stays clean and the risk tables end as in the clean run. */

#define FW_START "2026-01-10"
#define FW_LAST "2026-03-16"
#define FW_DAYS 66
#define FW_USERS 160
#define FW_WINDOW_FIRST "2026-02-25"   /* the crash case's nights: the month end 02-28 inside */
#define FW_WINDOW_LAST "2026-03-03"

static struct {
  gboolean ready;
  char *db;
  char *config;
  char *before_window;   /* the book after the night before FW_WINDOW_FIRST */
  char *window_digest;   /* the risk tables after FW_WINDOW_LAST, clean run */
  guint nights, r16_dirty, carried, drifting;
} fw;

/* The risk tables (the aggregates of every date, the per-loan state, its cells and
 * base), loans by their order id. */
static const char sql_risk_state_digest[] =
  "SELECT md5(coalesce((SELECT string_agg(v::text, ',' ORDER BY v::text) FROM risk_vintage v), ''))"
  " || md5(coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM risk_aging a), ''))"
  " || md5(coalesce((SELECT string_agg(r::text, ',' ORDER BY r::text) FROM risk_roll r), ''))"
  " || md5(coalesce((SELECT string_agg(l.order_id || (to_jsonb(a) - 'loan_id')::text, ',' ORDER BY l.order_id)"
  "                    FROM risk_aging_loans a JOIN loans l USING (loan_id)), ''))"
  " || md5(coalesce((SELECT string_agg(c::text, ',' ORDER BY c::text) FROM risk_aging_cells c), ''))"
  " || (SELECT coalesce(string_agg(as_of::text, ','), '-') FROM risk_aging_base)";

static void
fw_night(const char *config, const char *date, const char *fault)
{
  const char *args[] = { "eod", "--date", date, "--quiet", NULL };
  if (fault) {
    g_autofree char *env_fault = g_strdup_printf("BAITIAO_FAULT=%s", fault);
    g_autoptr(ItestRun) killed = itest_baitiao_config(config, args, (const char *[]) { env_fault, NULL });
    if (killed->status != 137)
      fprintf(stderr, "\n  night %s with %s exited %d: %s\n", date, fault, killed->status, killed->err);
    CU_ASSERT_EQUAL_FATAL(killed->status, 137);
  }
  g_autoptr(ItestRun) run = itest_baitiao_config(config, args, NULL);
  if (run->status != 0 && run->status != 3)
    fprintf(stderr, "\n  night %s exited %d: %s\n", date, run->status, run->err);
  CU_ASSERT_FATAL(run->status == 0 || run->status == 3);
}

/* recon --full of DATE (the newest): the number of R16 breaks, each printed. */
static guint
fw_r16(PGconn *c, const char *date)
{
  ReconSummary s = { 0 };
  CU_ASSERT_FATAL(itest_recon(c, date, RECON_FULL, &s));
  CU_ASSERT_STRING_EQUAL_FATAL(s.checks[15].check_id, "R16");
  if (s.checks[15].breaks == 0)
    return 0;
  g_autofree char *sql = g_strdup_printf(
    "SELECT string_agg(break_key || ' ' || expected_fen || ' ' || actual_fen, '; ' ORDER BY break_key)"
    "  FROM recon_breaks WHERE check_id = 'R16' AND business_date = '%s'", date);
  g_autofree char *found = itest_query(c, sql);
  fprintf(stderr, "\n  R16 of %s: %s\n", date, found ? found : "?");
  return (guint) s.checks[15].breaks;
}

static void
fw_setup(void)
{
  if (fw.ready)
    return;
  gint64 started = g_get_monotonic_time();
  g_autofree char *products = itest_write_products("riskfw", 3, 2);
  g_autofree char *portfolio = itest_gen_portfolio("riskfw-portfolio", FW_USERS, FW_DAYS, 29, FW_START, products);
  fw.db = itest_create_db("riskfw", TRUE);
  fw.config = itest_write_config(fw.db, NULL);
  itest_load_portfolio(fw.config, portfolio, products);
  g_autofree char *d = g_strdup(FW_START);
  for (; strcmp(d, FW_LAST) <= 0; fw.nights++) {
    fw_night(fw.config, d, NULL);
    PGconn *c = itest_connect(fw.db, "baitiao_batch");
    fw.r16_dirty += fw_r16(c, d);
    g_autofree char *state = itest_query(c,
      "SELECT (SELECT count(*) FILTER (WHERE computed_date < b.as_of) > count(*) / 2"
      "          FROM risk_aging_loans) || ' '"
      "    || (SELECT coalesce(sum(penalty_fen_per_day), 0) > 0 FROM risk_aging_cells)"
      "  FROM risk_aging_base b");
    CU_ASSERT_PTR_NOT_NULL_FATAL(state);
    fw.carried += g_str_has_prefix(state, "true");
    fw.drifting += g_str_has_suffix(state, "true");
    g_autofree char *next = next_day(d);
    if (strcmp(next, FW_WINDOW_FIRST) == 0) {
      PQfinish(c);
      c = NULL;
      fw.before_window = itest_clone_db("riskfw_window", fw.db);
    }
    if (strcmp(d, FW_WINDOW_LAST) == 0) {
      if (!c)
        c = itest_connect(fw.db, "baitiao_batch");
      fw.window_digest = itest_query(c, sql_risk_state_digest);
    }
    if (c)
      PQfinish(c);
    g_free(d);
    d = g_steal_pointer(&next);
  }
  fw.ready = TRUE;
  printf("\n  forward fixture: %u users, %u nights (%.0f s)\n", FW_USERS, fw.nights,
         (g_get_monotonic_time() - started) / 1e6);
}

static void
test_aging_forward_equals_recompute_every_night(void)
{
  fw_setup();
  CU_ASSERT_EQUAL(fw.nights, FW_DAYS);
  CU_ASSERT_EQUAL(fw.r16_dirty, 0);
  /* most loans carried from an earlier night on most nights; penalty moved by arithmetic */
  if (fw.carried < fw.nights / 2 || fw.drifting < fw.nights / 3)
    fprintf(stderr, "\n  nights carried %u, with open runs %u of %u\n", fw.carried, fw.drifting, fw.nights);
  CU_ASSERT_TRUE(fw.carried >= fw.nights / 2);
  CU_ASSERT_TRUE(fw.drifting >= fw.nights / 3);
  /* the book has what the forward path must get right */
  PGconn *c = itest_connect(fw.db, "baitiao_batch");
  g_autofree char *facts = itest_query(c,
    "SELECT (SELECT count(*) > 3 FROM writeoffs) || ' ' || (SELECT count(*) > 0 FROM writeoffs WHERE recovered_fen > 0)"
    " || ' ' || (SELECT count(*) > 10 FROM penalty_accruals)"
    " || ' ' || (SELECT count(*) > 3 FROM loans WHERE status = 'PAID_OFF')"
    " || ' ' || (SELECT count(*) > 0 FROM refund_applications)");
  ITEST_ASSERT_STR_EQ(facts, "true true true true true");
  PQfinish(c);
}

static void
test_aging_forward_killed_and_rerun(void)
{
  fw_setup();
  CU_ASSERT_PTR_NOT_NULL_FATAL(fw.before_window);
  CU_ASSERT_PTR_NOT_NULL_FATAL(fw.window_digest);
  g_autofree char *db = itest_clone_db("riskfw_kill", fw.before_window);
  g_autofree char *config = itest_write_config(db, NULL);
  static const char *const faults[] = { "kill:before-commit:risk", "kill:after-commit-sent:risk" };
  guint dirty = 0, k = 0;
  g_autofree char *d = g_strdup(FW_WINDOW_FIRST);
  for (; strcmp(d, FW_WINDOW_LAST) <= 0; k++) {
    fw_night(config, d, faults[k % G_N_ELEMENTS(faults)]);
    PGconn *c = itest_connect(db, "baitiao_batch");
    dirty += fw_r16(c, d);
    PQfinish(c);
    char *next = next_day(d);
    g_free(d);
    d = next;
  }
  CU_ASSERT_EQUAL(k, 7);
  CU_ASSERT_EQUAL(dirty, 0);
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *digest_after = itest_query(c, sql_risk_state_digest);
  ITEST_ASSERT_STR_EQ(digest_after, fw.window_digest);
  PQfinish(c);
}

CU_TestInfo itest_risk_cases[] = {
  { "book has write-offs, recoveries, 30+ loans, closures", test_book_has_the_cases },
  { "aging from the aggregates = former query", test_aging_equals_former_query },
  { "vintage and roll rates = former queries every night", test_vintage_and_roll_rates_equal_former_queries_every_night },
  { "vintage curves sheet = the table turned", test_vintage_curves_are_the_table_turned },
  { "step rerun is idempotent", test_rerun_is_idempotent },
  { "R16 finds aggregates changed behind the back", test_r16_finds_aggregates_changed_behind_the_back },
  { "aging brought forward = recompute (R16) every night", test_aging_forward_equals_recompute_every_night },
  ITEST_FAULT_CASE("aging brought forward: risk killed and rerun", test_aging_forward_killed_and_rerun)
  CU_TEST_INFO_NULL,
};
