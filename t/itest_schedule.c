/* Schedules and products through the real binary and the real database, and an
 * independent oracle: every schedule recomputed in PostgreSQL numeric (exact). */
#include <stdio.h>
#include <string.h>

#include "itest.h"
#include "schedule.h"

/* The oracle: product-rules §2 and §3 in plain SQL numeric, written from the
 * contract and not from src/schedule.c. Integers only: (d+q)^n by repeated
 * multiplication, round_half_up(x/y) as div(2x + y, 2y). ANNUITY principal is
 * LEAST(B, A − fee): the documented reading for loans of a few fen, where A − fee
 * would pay more than the balance (docs/decisions.md). */
static const char sql_oracle[] =
  "CREATE FUNCTION pg_temp.oracle_schedule(p bigint, n int, q bigint, method text, purchase date,"
  "                                        s int, grace int)\n"
  "RETURNS TABLE (k int, billing date, due date, principal bigint, fee bigint)\n"
  "LANGUAGE plpgsql AS $$\n"
  "DECLARE\n"
  "  d numeric := 1000000; b numeric := p; a numeric; u numeric := 1; dn numeric := 1;\n"
  "  first date; pk numeric; fk numeric;\n"
  "BEGIN\n"
  "  first := make_date(extract(year FROM purchase)::int, extract(month FROM purchase)::int, s);\n"
  "  IF first <= purchase THEN first := (first + interval '1 month')::date; END IF;\n"
  "  IF method = 'ANNUITY' AND q > 0 THEN\n"
  "    FOR i IN 1..n LOOP u := u * (d + q); dn := dn * d; END LOOP;\n"
  "    a := div(2 * p * q * u + d * (u - dn), 2 * d * (u - dn));\n"
  "  END IF;\n"
  "  FOR i IN 1..n LOOP\n"
  "    k := i;\n"
  "    billing := (first + make_interval(months => i - 1))::date;\n"
  "    due := billing + grace;\n"
  "    IF method = 'INTEREST_FREE' THEN pk := p; fk := 0;\n"
  "    ELSIF method = 'FEE_PER_PERIOD' THEN\n"
  "      fk := div(2 * p * q + d, 2 * d);\n"
  "      pk := CASE WHEN i < n THEN div(p, n) ELSE p - (n - 1) * div(p, n) END;\n"
  "    ELSIF method = 'EQUAL_PRINCIPAL' OR q = 0 THEN\n"
  "      fk := CASE WHEN method = 'ANNUITY' THEN 0 ELSE div(2 * b * q + d, 2 * d) END;\n"
  "      pk := CASE WHEN i < n THEN div(p, n) ELSE p - (n - 1) * div(p, n) END;\n"
  "    ELSE\n"
  "      fk := div(2 * b * q + d, 2 * d);\n"
  "      pk := CASE WHEN i < n THEN least(b, a - fk) ELSE b END;\n"
  "    END IF;\n"
  "    b := b - pk;\n"
  "    principal := pk; fee := fk;\n"
  "    RETURN NEXT;\n"
  "  END LOOP;\n"
  "END $$";

static const char sql_run_oracle[] =
  "SELECT c.id, o.k, o.billing::text, o.due::text, o.principal, o.fee"
  "  FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::text[], $5::date[], $6::int[], $7::int[])"
  "       WITH ORDINALITY AS c(p, n, q, method, purchase, s, grace, id),"
  "       LATERAL pg_temp.oracle_schedule(c.p, c.n, c.q, c.method, c.purchase, c.s, c.grace) o"
  " ORDER BY c.id, o.k";

#define ORACLE_CASES 10000
#define ORACLE_MAX_TERM 36

typedef struct {
  gint64 p;
  SchedTerms t;
  GDate purchase;
  int s;
  SchedInstallment inst[ORACLE_MAX_TERM];
} OracleCase;

static void
generate(GRand *rng, OracleCase *c)
{
  /* amounts spread over every order of magnitude from 0.01 to 1 000 000.00 yuan */
  int digits = g_rand_int_range(rng, 1, 11);
  gint64 cap = 1;
  for (int i = 0; i < digits; i++)
    cap *= 10;
  c->p = MIN(g_rand_int_range(rng, 1, G_MAXINT32) % cap + 1, G_GINT64_CONSTANT(100000000));
  c->t.method = (SchedMethod) g_rand_int_range(rng, 0, 4);
  c->t.term = c->t.method == SCHED_INTEREST_FREE ? 1 : g_rand_int_range(rng, 1, ORACLE_MAX_TERM + 1);
  c->t.rate_ppm = c->t.method == SCHED_INTEREST_FREE ? 0 : g_rand_int_range(rng, 0, 30001);
  if (c->t.method != SCHED_INTEREST_FREE && g_rand_int_range(rng, 0, 20) == 0)
    c->t.rate_ppm = 0;
  c->t.grace_days = g_rand_int_range(rng, 0, 16);
  c->s = g_rand_int_range(rng, 1, 29);
  g_date_clear(&c->purchase, 1);
  g_date_set_dmy(&c->purchase, 1, G_DATE_JANUARY, 2023);
  g_date_add_days(&c->purchase, g_rand_int_range(rng, 0, 7 * 366));
}

static char *
join(OracleCase *cases, char *(*field)(const OracleCase *))
{
  GString *s = g_string_new("{");
  for (int i = 0; i < ORACLE_CASES; i++) {
    g_autofree char *v = field(&cases[i]);
    g_string_append_printf(s, "%s%s", i ? "," : "", v);
  }
  g_string_append_c(s, '}');
  return g_string_free(s, FALSE);
}

static char *f_p(const OracleCase *c) { return g_strdup_printf("%" G_GINT64_FORMAT, c->p); }
static char *f_n(const OracleCase *c) { return g_strdup_printf("%d", c->t.term); }
static char *f_q(const OracleCase *c) { return g_strdup_printf("%" G_GINT64_FORMAT, c->t.rate_ppm); }
static char *f_m(const OracleCase *c) { return g_strdup(sched_method_to_string(c->t.method)); }
static char *f_s(const OracleCase *c) { return g_strdup_printf("%d", c->s); }
static char *f_g(const OracleCase *c) { return g_strdup_printf("%d", c->t.grace_days); }
static char *
f_d(const OracleCase *c)
{
  char buf[16];
  g_date_strftime(buf, sizeof buf, "%Y-%m-%d", &c->purchase);
  return g_strdup(buf);
}

static int
compare_row(OracleCase *cases, PGresult *res, int row)
{
  int id = atoi(PQgetvalue(res, row, 0)) - 1;
  int k = atoi(PQgetvalue(res, row, 1)) - 1;
  const SchedInstallment *in = &cases[id].inst[k];
  char billing[16], due[16];
  g_date_strftime(billing, sizeof billing, "%Y-%m-%d", &in->billing_date);
  g_date_strftime(due, sizeof due, "%Y-%m-%d", &in->due_date);
  gint64 principal = g_ascii_strtoll(PQgetvalue(res, row, 4), NULL, 10);
  gint64 fee = g_ascii_strtoll(PQgetvalue(res, row, 5), NULL, 10);
  if (strcmp(billing, PQgetvalue(res, row, 2)) == 0 && strcmp(due, PQgetvalue(res, row, 3)) == 0
      && principal == in->principal_fen && fee == in->fee_fen)
    return 0;
  fprintf(stderr, "\n  case %d (P=%" G_GINT64_FORMAT " %s N=%d q=%" G_GINT64_FORMAT ") period %d: "
                  "C %s %s %" G_GINT64_FORMAT "+%" G_GINT64_FORMAT ", numeric %s %s %" G_GINT64_FORMAT
                  "+%" G_GINT64_FORMAT "\n",
          id + 1, cases[id].p, sched_method_to_string(cases[id].t.method), cases[id].t.term,
          cases[id].t.rate_ppm, k + 1, billing, due, in->principal_fen, in->fee_fen,
          PQgetvalue(res, row, 2), PQgetvalue(res, row, 3), principal, fee);
  return 1;
}

static void
test_schedules_match_numeric_oracle(void)
{
  g_autofree OracleCase *cases = g_new0(OracleCase, ORACLE_CASES);
  g_autoptr(GRand) rng = g_rand_new_with_seed(20260305);
  int expected_rows = 0;
  for (int i = 0; i < ORACLE_CASES; i++) {
    generate(rng, &cases[i]);
    g_autoptr(GError) error = NULL;
    gboolean ok = sched_build(cases[i].p, &cases[i].t, &cases[i].purchase, cases[i].s, cases[i].inst, &error);
    if (!ok)
      fprintf(stderr, "\n  case %d: %s\n", i + 1, error->message);
    CU_ASSERT_FATAL(ok);
    expected_rows += cases[i].t.term;
  }
  PGconn *c = itest_connect("baitiao", "baitiao_batch");
  g_autofree char *fn = itest_sql(c, sql_oracle, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(fn);
  char *(*fields[])(const OracleCase *) = { f_p, f_n, f_q, f_m, f_d, f_s, f_g };
  char *arrays[G_N_ELEMENTS(fields)];
  for (gsize i = 0; i < G_N_ELEMENTS(fields); i++)
    arrays[i] = join(cases, fields[i]);
  PGresult *res = PQexecParams(c, sql_run_oracle, 7, NULL, (const char *const *) arrays, NULL, NULL, 0);
  for (gsize i = 0; i < G_N_ELEMENTS(fields); i++)
    g_free(arrays[i]);
  if (PQresultStatus(res) != PGRES_TUPLES_OK)
    fprintf(stderr, "\n  oracle failed: %s\n", PQresultErrorMessage(res));
  CU_ASSERT_EQUAL_FATAL(PQresultStatus(res), PGRES_TUPLES_OK);
  CU_ASSERT_EQUAL(PQntuples(res), expected_rows);
  int mismatches = 0;
  for (int row = 0; row < PQntuples(res) && mismatches < 10; row++)
    mismatches += compare_row(cases, res, row);
  CU_ASSERT_EQUAL(mismatches, 0);
  PQclear(res);
  PQfinish(c);
}

static void
test_schedule_command_csv(void)
{
  /* product-rules §2 and §3: P = 1000.00, N = 3, 5000 ppm; S = 5, purchase 2026-03-05 */
  g_autoptr(ItestRun) run = itest_baitiao((const char *[]) {
    "schedule", "--amount", "1000.00", "--term", "3", "--method", "FEE_PER_PERIOD", "--rate-ppm", "5000",
    "--date", "2026-03-05", "--statement-day", "5", "--format", "csv", NULL }, NULL);
  CU_ASSERT_EQUAL(run->status, 0);
  ITEST_ASSERT_STR_EQ(run->out,
    "period,billing_date,due_date,principal,fee,payment,remaining\n"
    "1,2026-04-05,2026-04-14,333.33,5.00,338.33,666.67\n"
    "2,2026-05-05,2026-05-14,333.33,5.00,338.33,333.34\n"
    "3,2026-06-05,2026-06-14,333.34,5.00,338.34,0.00\n");

  /* §2 ANNUITY: A = 888.49; period 1 = 788.49 + 100.00, period 12 = 879.67 + 8.80 */
  g_autoptr(ItestRun) ann = itest_baitiao((const char *[]) {
    "schedule", "-a", "10000.00", "-t", "12", "-m", "ANNUITY", "-r", "10000", "-d", "2026-03-04", "-s", "5",
    NULL }, NULL);
  CU_ASSERT_EQUAL(ann->status, 0);
  ITEST_ASSERT_CONTAINS(ann->out, "     1  2026-03-05  2026-03-14          788.49        100.00          888.49");
  ITEST_ASSERT_CONTAINS(ann->out, "    12  2027-02-05  2027-02-14          879.67          8.80          888.47            0.00");
  ITEST_ASSERT_CONTAINS(ann->out, "APR 年化利率: 12.00 %");

  g_autoptr(ItestRun) bad = itest_baitiao((const char *[]) {
    "schedule", "--amount", "10.001", "--term", "3", "--method", "ANNUITY", "--date", "2026-03-05",
    "--statement-day", "5", NULL }, NULL);
  CU_ASSERT_EQUAL(bad->status, 2);
  ITEST_ASSERT_CONTAINS(bad->err, "10.001");
  g_autoptr(ItestRun) day = itest_baitiao((const char *[]) {
    "schedule", "--amount", "10.00", "--method", "INTEREST_FREE", "--date", "2026-02-30",
    "--statement-day", "5", NULL }, NULL);
  CU_ASSERT_EQUAL(day->status, 2);
  ITEST_ASSERT_CONTAINS(day->err, "--date");
}

static char *
products_file(const char *name, const char *text)
{
  char *path = g_strdup_printf("%s/%s", itest_tmpdir(), name);
  CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static void
test_products_load(void)
{
  g_autofree char *db = itest_create_db("products", TRUE);
  g_autofree char *config = itest_write_config(db, NULL);
  const char *top = g_getenv("top_srcdir");
  g_autofree char *catalogue = g_build_filename(top, "etc", "products.conf", NULL);
  g_autoptr(ItestRun) load = itest_baitiao((const char *[]) { "products", "load", catalogue, "--config", config, NULL }, NULL);
  CU_ASSERT_EQUAL(load->status, 0);
  ITEST_ASSERT_CONTAINS(load->err, "8 products, 8 added or changed");
  PGconn *c = itest_connect(db, "baitiao_report");
  g_autofree char *fpp12 = itest_sql(c, "SELECT concat_ws(',', term, method, rate_ppm, grace_days, penalty_ppm,"
                                        " writeoff_dpd, prepay_fee_policy, apr_bp) FROM products WHERE product_code = 'FPP12'", NULL);
  ITEST_ASSERT_STR_EQ(fpp12, "12,FEE_PER_PERIOD,5000,9,500,180,WAIVE_UNBILLED,1090");

  g_autoptr(ItestRun) again = itest_baitiao((const char *[]) { "products", "load", catalogue, "--config", config, NULL }, NULL);
  CU_ASSERT_EQUAL(again->status, 0);
  ITEST_ASSERT_CONTAINS(again->err, "8 products, 0 added or changed");

  g_autofree char *changed = products_file("changed.conf", "[product FPP12]\nterm=12\nmethod=FEE_PER_PERIOD\nrate_ppm=6000\n");
  g_autoptr(ItestRun) edit = itest_baitiao((const char *[]) { "products", "load", changed, "--config", config, NULL }, NULL);
  CU_ASSERT_EQUAL(edit->status, 0);
  ITEST_ASSERT_CONTAINS(edit->err, "1 products, 1 added or changed");
  g_autofree char *rate = itest_sql(c, "SELECT rate_ppm || ',' || apr_bp || ',' || source_file_name FROM products WHERE product_code = 'FPP12'", NULL);
  /* 11 x 89.33 + 89.37 for 1000.00: monthly IRR 1.08615 %, APR 13.03 % (computed with exact fractions) */
  ITEST_ASSERT_STR_EQ(rate, "6000,1303,changed.conf");

  /* a refused catalogue changes nothing, and says where and why */
  g_autofree char *bad = products_file("bad.conf", "[product FPP12]\nterm=12\nmethod=FEE_PER_PERIOD\nrate_ppm=5000\n"
                                                   "[product HOT]\nterm=12\nmethod=FEE_PER_PERIOD\nrate_ppm=30000\n");
  g_autoptr(ItestRun) refused = itest_baitiao((const char *[]) { "products", "load", bad, "--config", config, NULL }, NULL);
  CU_ASSERT_EQUAL(refused->status, 2);
  g_autofree char *where = g_strdup_printf("%s:8: key \"rate_ppm\" in group [product HOT]", bad);
  ITEST_ASSERT_CONTAINS(refused->err, where);
  ITEST_ASSERT_CONTAINS(refused->err, "above the cap of 24.00 %");
  g_autofree char *still = itest_sql(c, "SELECT rate_ppm FROM products WHERE product_code = 'FPP12'", NULL);
  ITEST_ASSERT_STR_EQ(still, "6000");
  g_autofree char *hot = itest_sql(c, "SELECT count(*) FROM products WHERE product_code = 'HOT'", NULL);
  ITEST_ASSERT_STR_EQ(hot, "0");
  PQfinish(c);
}

CU_TestInfo itest_schedule_cases[] = {
  { "schedule command csv", test_schedule_command_csv },
  { "products load", test_products_load },
  { "schedules match numeric oracle", test_schedules_match_numeric_oracle },
  CU_TEST_INFO_NULL,
};
