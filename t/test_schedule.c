/* Tests for schedule: the worked examples of product rules §1–§3 with exact
 * fen, validation errors, and property tests over generated loans whose
 * expected values come from independent routes (GMP, plain integer maths). */
#include <CUnit/CUnit.h>
#include <gmp.h>
#include <string.h>

#include "money.h"
#include "prng.h"
#include "schedule.h"
#include "unit_suites.h"

#define D_PPM 1000000

static GDate
ymd(int y, int m, int d)
{
  GDate date;

  g_date_clear(&date, 1);
  g_date_set_dmy(&date, (GDateDay) d, (GDateMonth) m, (GDateYear) y);
  return date;
}

static gboolean
date_is(const GDate *d, int y, int m, int day)
{
  return g_date_valid(d) && (int) g_date_get_year(d) == y && (int) g_date_get_month(d) == m
         && (int) g_date_get_day(d) == day;
}

/* Purchase 2026-03-04, statement day 5, grace 9 unless a test says else. */
static gboolean
build(gint64 p, SchedMethod method, int n, gint64 rate, SchedInstallment *out)
{
  SchedTerms t = { method, n, rate, 9 };
  GDate purchase = ymd(2026, 3, 4);

  return sched_build(p, &t, &purchase, 5, out, NULL);
}

static gint64
sum_principal(const SchedInstallment *s, int n)
{
  gint64 total = 0;

  for (int k = 0; k < n; k++)
    total += s[k].principal_fen;
  return total;
}

static void
test_method_names(void)
{
  static const char *names[] = { "INTEREST_FREE", "FEE_PER_PERIOD", "EQUAL_PRINCIPAL", "ANNUITY" };
  static const SchedMethod values[] = { SCHED_INTEREST_FREE, SCHED_FEE_PER_PERIOD,
                                        SCHED_EQUAL_PRINCIPAL, SCHED_ANNUITY };
  static const char *bad[] = { "", "annuity", "Annuity", "ANNUITY ", "EQUAL", "FEE-PER-PERIOD" };

  for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
    SchedMethod m = (SchedMethod) 99;

    CU_ASSERT_TRUE(sched_method_from_string(names[i], &m, NULL));
    CU_ASSERT_EQUAL(m, values[i]);
    CU_ASSERT_STRING_EQUAL(sched_method_to_string(values[i]), names[i]);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    SchedMethod m;

    CU_ASSERT_FALSE(sched_method_from_string(bad[i], &m, &error));
    CU_ASSERT_TRUE(g_error_matches(error, SCHED_ERROR, SCHED_ERROR_METHOD));
  }
  CU_ASSERT_PTR_NULL(sched_method_to_string((SchedMethod) 4));
  CU_ASSERT_PTR_NULL(sched_method_to_string((SchedMethod) -1));
}

/* §2: FEE_PER_PERIOD, P = 100000, r = 5000 ppm, N = 12 / 3 / 24. */
static void
check_fpp_example(int n, gint64 each, gint64 last, gint64 apr_bp)
{
  SchedInstallment s[24];
  gint64 fee_total = 0, bp = 0, b = 100000;

  CU_ASSERT_TRUE_FATAL(build(100000, SCHED_FEE_PER_PERIOD, n, 5000, s));
  for (int k = 0; k < n; k++) {
    CU_ASSERT_EQUAL(s[k].no, k + 1);
    CU_ASSERT_EQUAL(s[k].principal_fen, k < n - 1 ? each : last);
    CU_ASSERT_EQUAL(s[k].fee_fen, 500);
    b -= k < n - 1 ? each : last;
    CU_ASSERT_EQUAL(s[k].remaining_principal_fen, b);
    fee_total += s[k].fee_fen;
  }
  CU_ASSERT_EQUAL(b, 0);
  CU_ASSERT_EQUAL(sum_principal(s, n), 100000);
  CU_ASSERT_EQUAL(fee_total, 500 * n);
  CU_ASSERT_TRUE(sched_apr_bp(100000, s, n, &bp, NULL));
  CU_ASSERT_EQUAL(bp, apr_bp);
}

static void
test_fpp_12(void)
{
  check_fpp_example(12, 8333, 8337, 1090);
}

static void
test_fpp_3(void)
{
  check_fpp_example(3, 33333, 33334, 898);
}

static void
test_fpp_24(void)
{
  check_fpp_example(24, 4166, 4182, 1113);
}

static void
test_fpp_total_fee(void)
{
  SchedInstallment s[12];
  gint64 total = 0;

  CU_ASSERT_TRUE_FATAL(build(100000, SCHED_FEE_PER_PERIOD, 12, 5000, s));
  for (int k = 0; k < 12; k++)
    total += s[k].fee_fen;
  CU_ASSERT_EQUAL(total, 6000);
}

/* §2: ANNUITY, P = 1000000, N = 12, r = 10000 ppm. */
static void
test_annuity_example(void)
{
  SchedInstallment s[12];
  gint64 a = 0;

  CU_ASSERT_TRUE(sched_annuity_payment(1000000, 10000, 12, &a, NULL));
  CU_ASSERT_EQUAL(a, 88849);
  CU_ASSERT_TRUE_FATAL(build(1000000, SCHED_ANNUITY, 12, 10000, s));
  CU_ASSERT_EQUAL(s[0].principal_fen, 78849);
  CU_ASSERT_EQUAL(s[0].fee_fen, 10000);
  CU_ASSERT_EQUAL(s[0].remaining_principal_fen, 921151);
  CU_ASSERT_EQUAL(s[1].principal_fen, 79637);
  CU_ASSERT_EQUAL(s[1].fee_fen, 9212);
  CU_ASSERT_EQUAL(s[11].principal_fen, 87967);
  CU_ASSERT_EQUAL(s[11].fee_fen, 880);
  CU_ASSERT_EQUAL(s[11].principal_fen + s[11].fee_fen, 88847);
  CU_ASSERT_EQUAL(s[11].remaining_principal_fen, 0);
  for (int k = 0; k < 11; k++)
    CU_ASSERT_EQUAL(s[k].principal_fen + s[k].fee_fen, 88849);
  CU_ASSERT_EQUAL(sum_principal(s, 12), 1000000);
}

/* Hand-computed: fees round_half_up (100000, 66667, 33334 × 0.5 %) =
 * 500, 333 (333.335), 167 (166.67). */
static void
test_equal_principal(void)
{
  SchedInstallment s[3];

  CU_ASSERT_TRUE_FATAL(build(100000, SCHED_EQUAL_PRINCIPAL, 3, 5000, s));
  CU_ASSERT_EQUAL(s[0].principal_fen, 33333);
  CU_ASSERT_EQUAL(s[1].principal_fen, 33333);
  CU_ASSERT_EQUAL(s[2].principal_fen, 33334);
  CU_ASSERT_EQUAL(s[0].fee_fen, 500);
  CU_ASSERT_EQUAL(s[1].fee_fen, 333);
  CU_ASSERT_EQUAL(s[2].fee_fen, 167);
}

/* §2: with r = 0, ANNUITY is EQUAL_PRINCIPAL with no fee. */
static void
test_annuity_zero_rate(void)
{
  SchedInstallment a[12], e[12];

  CU_ASSERT_TRUE_FATAL(build(100000, SCHED_ANNUITY, 12, 0, a));
  CU_ASSERT_TRUE_FATAL(build(100000, SCHED_EQUAL_PRINCIPAL, 12, 0, e));
  for (int k = 0; k < 12; k++) {
    CU_ASSERT_EQUAL(a[k].principal_fen, k < 11 ? 8333 : 8337);
    CU_ASSERT_EQUAL(a[k].fee_fen, 0);
    CU_ASSERT_EQUAL(a[k].principal_fen, e[k].principal_fen);
    CU_ASSERT_EQUAL(a[k].fee_fen, e[k].fee_fen);
  }
}

static void
test_interest_free(void)
{
  SchedInstallment s[3];
  SchedTerms t = { SCHED_INTEREST_FREE, 3, 0, 9 };
  GDate purchase = ymd(2026, 3, 4);
  g_autoptr(GError) error = NULL;
  gint64 bp = -1;

  CU_ASSERT_TRUE_FATAL(build(12345, SCHED_INTEREST_FREE, 1, 0, s));
  CU_ASSERT_EQUAL(s[0].principal_fen, 12345);
  CU_ASSERT_EQUAL(s[0].fee_fen, 0);
  CU_ASSERT_EQUAL(s[0].remaining_principal_fen, 0);
  CU_ASSERT_TRUE(date_is(&s[0].billing_date, 2026, 3, 5));
  CU_ASSERT_TRUE(date_is(&s[0].due_date, 2026, 3, 14));
  CU_ASSERT_TRUE(sched_apr_bp(12345, s, 1, &bp, NULL));
  CU_ASSERT_EQUAL(bp, 0);

  CU_ASSERT_FALSE(sched_build(12345, &t, &purchase, 5, s, &error));
  CU_ASSERT_TRUE(g_error_matches(error, SCHED_ERROR, SCHED_ERROR_TERM));
  g_clear_error(&error);
  t.term = 1;
  t.rate_ppm = 5000;
  CU_ASSERT_FALSE(sched_build(12345, &t, &purchase, 5, s, &error));
  CU_ASSERT_TRUE(g_error_matches(error, SCHED_ERROR, SCHED_ERROR_RATE));
}

/* P c exactly on a half fen: 5 × 1.1 = 5.5 -> 6.  1.1 has no exact binary
 * fixed-point form, so this is where the fast path must defer to GMP. */
static void
test_annuity_half_fen(void)
{
  SchedInstallment s[1];
  gint64 a = 0;

  CU_ASSERT_TRUE(sched_annuity_payment(5, 100000, 1, &a, NULL));
  CU_ASSERT_EQUAL(a, 6);
  CU_ASSERT_TRUE(sched_annuity_payment(1, 500000, 1, &a, NULL));
  CU_ASSERT_EQUAL(a, 2);
  CU_ASSERT_TRUE(sched_annuity_payment(3, 500000, 1, &a, NULL));
  CU_ASSERT_EQUAL(a, 5);
  CU_ASSERT_TRUE_FATAL(build(5, SCHED_ANNUITY, 1, 100000, s));
  CU_ASSERT_EQUAL(s[0].principal_fen, 5);
  CU_ASSERT_EQUAL(s[0].fee_fen, 1);
}

/* P = 9, N = 6, r = 1 ppm: A = round (1.5000...) = 2 would repay 12 of 9
 * fen; principal is capped at the balance, the loan is paid off in period 5
 * and period 6 is 0 + 0.  No amount is ever negative. */
static void
test_annuity_degenerate(void)
{
  SchedInstallment s[6];
  static const gint64 prin[] = { 2, 2, 2, 2, 1, 0 };
  static const gint64 rem[] = { 7, 5, 3, 1, 0, 0 };
  gint64 a = 0;

  CU_ASSERT_TRUE(sched_annuity_payment(9, 1, 6, &a, NULL));
  CU_ASSERT_EQUAL(a, 2);
  CU_ASSERT_TRUE_FATAL(build(9, SCHED_ANNUITY, 6, 1, s));
  for (int k = 0; k < 6; k++) {
    CU_ASSERT_EQUAL(s[k].principal_fen, prin[k]);
    CU_ASSERT_EQUAL(s[k].fee_fen, 0);
    CU_ASSERT_EQUAL(s[k].remaining_principal_fen, rem[k]);
  }
}

/* The contract's own example (§2): 0.03 yuan ANNUITY over 6 periods at 1 %:
 * A = round(3 × 0.01 × 1.01^6 / (1.01^6 − 1)) = round(0.5177) = 1 fen, every fee
 * round(B × 0.01) = 0, so principal 1, 1, 1, 0, 0, 0: never negative. */
static void
test_annuity_contract_three_fen(void)
{
  SchedInstallment s[6];
  static const gint64 prin[] = { 1, 1, 1, 0, 0, 0 };
  gint64 a = 0;

  CU_ASSERT_TRUE(sched_annuity_payment(3, 10000, 6, &a, NULL));
  CU_ASSERT_EQUAL(a, 1);
  CU_ASSERT_TRUE_FATAL(build(3, SCHED_ANNUITY, 6, 10000, s));
  for (int k = 0; k < 6; k++) {
    CU_ASSERT_EQUAL(s[k].principal_fen, prin[k]);
    CU_ASSERT_EQUAL(s[k].fee_fen, 0);
  }
}

/* The largest loan at 100 %/month: A = 2P for N = 1; for N = 360 A rounds
 * to P itself (P / (2^360 - 1) is far below a fen), so every payment is
 * interest only and the last one repays P. */
static void
test_annuity_extremes(void)
{
  const gint64 p = SCHED_PRINCIPAL_MAX_FEN;
  SchedInstallment *s = g_new0(SchedInstallment, SCHED_TERM_MAX);
  gint64 a = 0;

  CU_ASSERT_TRUE(sched_annuity_payment(p, 1000000, 1, &a, NULL));
  CU_ASSERT_EQUAL(a, 2 * p);
  CU_ASSERT_TRUE(build(p, SCHED_ANNUITY, 1, 1000000, s));
  CU_ASSERT_EQUAL(s[0].principal_fen, p);
  CU_ASSERT_EQUAL(s[0].fee_fen, p);

  CU_ASSERT_TRUE(sched_annuity_payment(p, 1000000, 360, &a, NULL));
  CU_ASSERT_EQUAL(a, p);
  CU_ASSERT_TRUE(build(p, SCHED_ANNUITY, 360, 1000000, s));
  for (int k = 0; k < 359; k++) {
    CU_ASSERT_EQUAL(s[k].principal_fen, 0);
    CU_ASSERT_EQUAL(s[k].fee_fen, p);
  }
  CU_ASSERT_EQUAL(s[359].principal_fen, p);
  CU_ASSERT_EQUAL(s[359].fee_fen, p);
  CU_ASSERT_TRUE(date_is(&s[359].billing_date, 2056, 2, 5));
  g_free(s);
}

/* §3 examples and calendar corners. */
static void
test_dates(void)
{
  static const struct {
    int py, pm, pd, s, by, bm, bd;
  } first[] = {
    { 2026, 3, 4, 5, 2026, 3, 5 }, /* §3 */
    { 2026, 3, 5, 5, 2026, 4, 5 }, /* §3: on S goes to next cycle */
    { 2026, 3, 6, 5, 2026, 4, 5 },    { 2026, 12, 5, 5, 2027, 1, 5 },
    { 2026, 12, 31, 1, 2027, 1, 1 },  { 2026, 12, 31, 28, 2027, 1, 28 },
    { 2024, 2, 28, 28, 2024, 3, 28 }, { 2024, 2, 29, 28, 2024, 3, 28 },
    { 2024, 2, 27, 28, 2024, 2, 28 }, { 2024, 1, 31, 28, 2024, 2, 28 },
    { 2023, 1, 31, 1, 2023, 2, 1 },   { 2024, 3, 1, 1, 2024, 4, 1 },
    { 2024, 2, 29, 1, 2024, 3, 1 },
  };
  SchedInstallment s[3];
  SchedTerms t = { SCHED_FEE_PER_PERIOD, 3, 5000, 9 };
  GDate purchase, out;

  for (gsize i = 0; i < G_N_ELEMENTS(first); i++) {
    purchase = ymd(first[i].py, first[i].pm, first[i].pd);
    CU_ASSERT_TRUE(sched_first_billing_date(&purchase, first[i].s, &out, NULL));
    CU_ASSERT_TRUE(date_is(&out, first[i].by, first[i].bm, first[i].bd));
  }

  CU_ASSERT_TRUE_FATAL(build(100000, SCHED_FEE_PER_PERIOD, 3, 5000, s));
  CU_ASSERT_TRUE(date_is(&s[0].billing_date, 2026, 3, 5));
  CU_ASSERT_TRUE(date_is(&s[0].due_date, 2026, 3, 14));
  CU_ASSERT_TRUE(date_is(&s[1].billing_date, 2026, 4, 5));
  CU_ASSERT_TRUE(date_is(&s[1].due_date, 2026, 4, 14));
  CU_ASSERT_TRUE(date_is(&s[2].billing_date, 2026, 5, 5));

  purchase = ymd(2026, 3, 5);
  CU_ASSERT_TRUE_FATAL(sched_build(100000, &t, &purchase, 5, s, NULL));
  CU_ASSERT_TRUE(date_is(&s[0].billing_date, 2026, 4, 5));
  CU_ASSERT_TRUE(date_is(&s[0].due_date, 2026, 4, 14));

  /* Across a year end, and due dates across month ends of leap Februaries. */
  purchase = ymd(2026, 11, 30);
  CU_ASSERT_TRUE_FATAL(sched_build(100000, &t, &purchase, 28, s, NULL));
  CU_ASSERT_TRUE(date_is(&s[0].billing_date, 2026, 12, 28));
  CU_ASSERT_TRUE(date_is(&s[0].due_date, 2027, 1, 6));
  CU_ASSERT_TRUE(date_is(&s[1].billing_date, 2027, 1, 28));
  CU_ASSERT_TRUE(date_is(&s[2].billing_date, 2027, 2, 28));
  CU_ASSERT_TRUE(date_is(&s[2].due_date, 2027, 3, 9));
  purchase = ymd(2024, 1, 20);
  CU_ASSERT_TRUE_FATAL(sched_build(100000, &t, &purchase, 25, s, NULL));
  CU_ASSERT_TRUE(date_is(&s[1].billing_date, 2024, 2, 25));
  CU_ASSERT_TRUE(date_is(&s[1].due_date, 2024, 3, 5));
  purchase = ymd(2023, 1, 20);
  CU_ASSERT_TRUE_FATAL(sched_build(100000, &t, &purchase, 25, s, NULL));
  CU_ASSERT_TRUE(date_is(&s[1].due_date, 2023, 3, 6));

  t.grace_days = 0;
  CU_ASSERT_TRUE_FATAL(sched_build(100000, &t, &purchase, 25, s, NULL));
  CU_ASSERT_TRUE(date_is(&s[0].due_date, 2023, 1, 25));
}

static void
test_validation(void)
{
  static const struct {
    gint64 p;
    SchedMethod method;
    int term;
    gint64 rate;
    int grace, s;
    int code;
  } cases[] = {
    { 0, SCHED_FEE_PER_PERIOD, 12, 5000, 9, 5, SCHED_ERROR_PRINCIPAL },
    { -100, SCHED_FEE_PER_PERIOD, 12, 5000, 9, 5, SCHED_ERROR_PRINCIPAL },
    { SCHED_PRINCIPAL_MAX_FEN + 1, SCHED_ANNUITY, 12, 5000, 9, 5, SCHED_ERROR_PRINCIPAL },
    { 100, SCHED_FEE_PER_PERIOD, 0, 5000, 9, 5, SCHED_ERROR_TERM },
    { 100, SCHED_FEE_PER_PERIOD, -3, 5000, 9, 5, SCHED_ERROR_TERM },
    { 100, SCHED_ANNUITY, SCHED_TERM_MAX + 1, 5000, 9, 5, SCHED_ERROR_TERM },
    { 100, SCHED_INTEREST_FREE, 2, 0, 9, 5, SCHED_ERROR_TERM },
    { 100, SCHED_EQUAL_PRINCIPAL, 12, -1, 9, 5, SCHED_ERROR_RATE },
    { 100, SCHED_ANNUITY, 12, 1000001, 9, 5, SCHED_ERROR_RATE },
    { 100, SCHED_INTEREST_FREE, 1, 1, 9, 5, SCHED_ERROR_RATE },
    { 100, SCHED_FEE_PER_PERIOD, 12, 5000, -1, 5, SCHED_ERROR_GRACE_DAYS },
    { 100, SCHED_FEE_PER_PERIOD, 12, 5000, 366, 5, SCHED_ERROR_GRACE_DAYS },
    { 100, SCHED_FEE_PER_PERIOD, 12, 5000, 9, 0, SCHED_ERROR_STATEMENT_DAY },
    { 100, SCHED_FEE_PER_PERIOD, 12, 5000, 9, 29, SCHED_ERROR_STATEMENT_DAY },
    { 100, SCHED_FEE_PER_PERIOD, 12, 5000, 9, 31, SCHED_ERROR_STATEMENT_DAY },
    { 100, (SchedMethod) 7, 12, 5000, 9, 5, SCHED_ERROR_METHOD },
  };
  SchedInstallment s[SCHED_TERM_MAX + 1];
  GDate purchase = ymd(2026, 3, 4), bad_date, far;

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    SchedTerms t = { cases[i].method, cases[i].term, cases[i].rate, cases[i].grace };
    g_autoptr(GError) error = NULL;

    CU_ASSERT_FALSE(sched_build(cases[i].p, &t, &purchase, cases[i].s, s, &error));
    CU_ASSERT_TRUE(g_error_matches(error, SCHED_ERROR, cases[i].code));
    if (!g_error_matches(error, SCHED_ERROR, cases[i].code))
      fprintf(stderr, "\n  validation case %zu: %s\n", (size_t) i,
              error ? error->message : "(no error)");
  }

  /* Boundaries that must be accepted. */
  {
    SchedTerms t = { SCHED_ANNUITY, SCHED_TERM_MAX, SCHED_RATE_MAX_PPM, SCHED_GRACE_DAYS_MAX };

    CU_ASSERT_TRUE(sched_build(1, &t, &purchase, 28, s, NULL));
    CU_ASSERT_TRUE(sched_build(SCHED_PRINCIPAL_MAX_FEN, &t, &purchase, 1, s, NULL));
  }

  {
    SchedTerms t = { SCHED_FEE_PER_PERIOD, 12, 5000, 9 };
    g_autoptr(GError) error = NULL;

    g_date_clear(&bad_date, 1);
    CU_ASSERT_FALSE(sched_build(100, &t, &bad_date, 5, s, &error));
    CU_ASSERT_TRUE(g_error_matches(error, SCHED_ERROR, SCHED_ERROR_DATE));
    g_clear_error(&error);
    far = ymd(SCHED_YEAR_MAX + 1, 1, 1);
    CU_ASSERT_FALSE(sched_build(100, &t, &far, 5, s, &error));
    CU_ASSERT_TRUE(g_error_matches(error, SCHED_ERROR, SCHED_ERROR_DATE));
    g_clear_error(&error);
    far = ymd(SCHED_YEAR_MAX, 12, 31);
    CU_ASSERT_TRUE(sched_build(100, &t, &far, 5, s, NULL));
    CU_ASSERT_FALSE(sched_build(0, &t, &purchase, 5, s, &error));
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "0.00"));
  }
}

/* Exact IRR corner cases, expected values worked by hand:
 * 100500 for 100000 after a month is i = 0.5 % -> 600 bp; i = 1/240000 is
 * exactly half a basis point and rounds up; ... */
static void
test_apr_cases(void)
{
  static const struct {
    gint64 p;
    gint64 pay[2];
    int n;
    gint64 bp;
  } cases[] = {
    { 100000, { 100500 }, 1, 600 },
    { 100000, { 101000 }, 1, 1200 },
    { 100000, { 100000 }, 1, 0 },
    { 240000, { 240001 }, 1, 1 },        /* 120000 i = 0.5 -> 1 */
    { 240000, { 239999 }, 1, 0 },        /* -0.5 -> 0 (half up) */
    { 100000, { 50000 }, 1, -60000 },    /* i = -50 % */
    { 100, { 200 }, 1, 120000 },         /* i = 100 % */
    { 100, { 100100 }, 1, 120000000 },   /* i = 1000 */
    { 240000, { 1 }, 1, -119999 },       /* 120000 i = -119999.5 */
    { 100000, { 0, 1 }, 2, -119621 },    /* (1+i)^2 = 1e-5 */
    { 100000, { 0, 121000 }, 2, 12000 }, /* (1+i)^2 = 1.21 */
    { SCHED_PRINCIPAL_MAX_FEN, { 1 }, 1, -120000 },
  };
  SchedInstallment s[2];
  g_autoptr(GError) error = NULL;
  gint64 bp;

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    memset(s, 0, sizeof s);
    for (int k = 0; k < cases[i].n; k++)
      s[k].principal_fen = cases[i].pay[k];
    bp = G_MININT64;
    CU_ASSERT_TRUE(sched_apr_bp(cases[i].p, s, cases[i].n, &bp, NULL));
    CU_ASSERT_EQUAL(bp, cases[i].bp);
    if (bp != cases[i].bp)
      fprintf(stderr, "\n  apr case %zu: %" G_GINT64_FORMAT "\n", (size_t) i, bp);
  }

  memset(s, 0, sizeof s);
  CU_ASSERT_FALSE(sched_apr_bp(100, s, 2, &bp, &error));
  CU_ASSERT_TRUE(g_error_matches(error, SCHED_ERROR, SCHED_ERROR_INSTALLMENT));
  g_clear_error(&error);
  s[0].principal_fen = 200;
  s[1].fee_fen = -1;
  CU_ASSERT_FALSE(sched_apr_bp(100, s, 2, &bp, &error));
  CU_ASSERT_TRUE(g_error_matches(error, SCHED_ERROR, SCHED_ERROR_INSTALLMENT));
  g_clear_error(&error);
  CU_ASSERT_FALSE(sched_apr_bp(100, s, 0, &bp, &error));
  CU_ASSERT_TRUE(g_error_matches(error, SCHED_ERROR, SCHED_ERROR_TERM));
}

/* ---- property tests ------------------------------------------------- */

typedef struct {
  guint index;
  gint64 p;
  SchedTerms t;
  int s;
  GDate purchase;
} Case;

/* Amounts spread over all magnitudes 0.01 .. 1 000 000.00 yuan; dates
 * 2023-01-01 .. 2029-12-31 with month ends (and 29 February) overweighted. */
static void
gen_case(guint64 *seed, guint index, gint64 max_p, int max_term, gint64 max_rate, Case *c)
{
  int digits = (int) prng_uniform(seed, 1, 18);
  gint64 cap = 1;

  for (int i = 0; i < digits && cap <= max_p / 10; i++)
    cap *= 10;
  c->index = index;
  c->p = prng_uniform(seed, 1, MIN(cap, max_p));
  c->t.method = (SchedMethod) prng_uniform(seed, 0, 3);
  c->t.term = (int) prng_uniform(seed, 1, max_term);
  c->t.rate_ppm = prng_uniform(seed, 0, 19) == 0 ? 0 : prng_uniform(seed, 1, max_rate);
  c->t.grace_days = (int) prng_uniform(seed, 0, 3) == 0 ? 9 : (int) prng_uniform(seed, 0, 40);
  if (c->t.method == SCHED_INTEREST_FREE) {
    c->t.term = 1;
    c->t.rate_ppm = 0;
  }
  c->s = (int) prng_uniform(seed, 1, 28);
  g_date_clear(&c->purchase, 1);
  if (prng_uniform(seed, 0, 9) < 3) {
    int y = (int) prng_uniform(seed, 2023, 2029), m = (int) prng_uniform(seed, 1, 12);
    int dim = g_date_get_days_in_month((GDateMonth) m, (GDateYear) y);

    g_date_set_dmy(&c->purchase, (GDateDay) (dim - prng_uniform(seed, 0, 3)), (GDateMonth) m,
                   (GDateYear) y);
  } else {
    GDate lo = ymd(2023, 1, 1), hi = ymd(2029, 12, 31);

    g_date_set_julian(&c->purchase,
                      (guint32) prng_uniform(seed, g_date_get_julian(&lo), g_date_get_julian(&hi)));
  }
}

static void
report(const Case *c, int line, const char *what)
{
  g_autofree char *msg =
      g_strdup_printf("case %u: P=%" G_GINT64_FORMAT " %s N=%d r=%" G_GINT64_FORMAT
                      " grace=%d S=%d purchase=%04d-%02d-%02d: %s",
                      c->index, c->p, sched_method_to_string(c->t.method), c->t.term, c->t.rate_ppm,
                      c->t.grace_days, c->s, g_date_get_year(&c->purchase),
                      g_date_get_month(&c->purchase), g_date_get_day(&c->purchase), what);

  CU_assertImplementation(CU_FALSE, (unsigned) line, msg, __FILE__, "", CU_FALSE);
}

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      report(c, __LINE__, #cond);                                                                  \
      return FALSE;                                                                                \
    }                                                                                              \
  } while (0)

static gint64
half_up_ppm(gint64 amount, gint64 ppm)
{
  /* amount, ppm >= 0 and amount * ppm < 2^63 in the generated range */
  return (2 * amount * ppm + D_PPM) / (2 * D_PPM);
}

/* Independent route to A: A_exact = P / sum_{k=1..N} (1+r)^-k
 * = P u^N / T with T = sum_k D^k u^(N-k), u = D + q.  Also returns
 * L = sum_{j=0..N-1} u^j D^(N-1-j), for the bound on the last payment. */
static gint64
independent_annuity(gint64 p, gint64 q, int n, mpz_t l)
{
  mpz_t t, dk, un, x;
  gint64 a;

  mpz_inits(t, dk, un, x, NULL);
  mpz_set_ui(dk, 1);
  mpz_set_ui(un, 1);
  mpz_set_ui(l, 0);
  for (int k = 1; k <= n; k++) {
    /* Horner over k: t = t u + D^k gives sum_k D^k u^(n-k). */
    mpz_mul_ui(dk, dk, D_PPM);
    mpz_mul_ui(t, t, (unsigned long) (D_PPM + q));
    mpz_add(t, t, dk);
    mpz_mul_ui(l, l, D_PPM);
    mpz_add(l, l, un);
    mpz_mul_ui(un, un, (unsigned long) (D_PPM + q));
  }
  /* floor ((2 P u^N + T) / 2T) */
  mpz_mul_si(x, un, (long) p);
  mpz_mul_2exp(x, x, 1);
  mpz_add(x, x, t);
  mpz_mul_2exp(t, t, 1);
  mpz_fdiv_q(x, x, t);
  a = (gint64) mpz_get_si(x);
  mpz_clears(t, dk, un, x, NULL);
  return a;
}

static int
month_index(const GDate *d)
{
  return (int) g_date_get_year(d) * 12 + (int) g_date_get_month(d) - 1;
}

static gboolean
check_schedule(const Case *c, const SchedInstallment *s)
{
  const int n = c->t.term;
  const gint64 p = c->p, q = c->t.rate_ppm;
  gint64 b = p, total = 0, a = 0;
  GDate before;
  mpz_t l, dev;

  /* Dates. */
  CHECK(g_date_compare(&s[0].billing_date, &c->purchase) > 0);
  CHECK(g_date_days_between(&c->purchase, &s[0].billing_date) <= 31);
  before = s[0].billing_date;
  g_date_subtract_months(&before, 1);
  CHECK(g_date_compare(&before, &c->purchase) <= 0);
  for (int k = 0; k < n; k++) {
    CHECK(s[k].no == k + 1);
    CHECK((int) g_date_get_day(&s[k].billing_date) == c->s);
    CHECK(month_index(&s[k].billing_date) == month_index(&s[0].billing_date) + k);
    CHECK(g_date_days_between(&s[k].billing_date, &s[k].due_date) == c->t.grace_days);
  }

  /* Amounts common to every method. */
  for (int k = 0; k < n; k++) {
    CHECK(s[k].principal_fen >= 0);
    CHECK(s[k].fee_fen >= 0);
    b -= s[k].principal_fen;
    total += s[k].principal_fen;
    CHECK(s[k].remaining_principal_fen == b);
  }
  CHECK(total == p);
  CHECK(b == 0);

  b = p;
  switch (c->t.method) {
  case SCHED_INTEREST_FREE:
    CHECK(n == 1 && s[0].principal_fen == p && s[0].fee_fen == 0);
    break;
  case SCHED_FEE_PER_PERIOD:
    for (int k = 0; k < n; k++) {
      CHECK(s[k].fee_fen == half_up_ppm(p, q));
      CHECK(k == n - 1 || s[k].principal_fen == p / n);
    }
    break;
  case SCHED_EQUAL_PRINCIPAL:
    for (int k = 0; k < n; k++) {
      CHECK(s[k].fee_fen == half_up_ppm(b, q));
      CHECK(k == 0 || s[k].fee_fen <= s[k - 1].fee_fen);
      CHECK(k == n - 1 || s[k].principal_fen == p / n);
      b -= s[k].principal_fen;
    }
    break;
  case SCHED_ANNUITY:
    if (q == 0) {
      for (int k = 0; k < n; k++)
        CHECK(s[k].fee_fen == 0 && (k == n - 1 || s[k].principal_fen == p / n));
      break;
    }
    mpz_inits(l, dev, NULL);
    a = independent_annuity(p, q, n, l);
    {
      gint64 a_impl = -1;

      if (!sched_annuity_payment(p, q, n, &a_impl, NULL) || a_impl != a) {
        mpz_clears(l, dev, NULL);
        report(c, __LINE__, "sched_annuity_payment != independent A");
        return FALSE;
      }
    }
    for (int k = 0; k < n; k++) {
      gint64 pay = s[k].principal_fen + s[k].fee_fen;
      gboolean ok =
          s[k].fee_fen == half_up_ppm(b, q) && (k == 0 || s[k].fee_fen <= s[k - 1].fee_fen);

      if (k == 0)
        ok = ok && pay == a;
      if (k < n - 1) {
        /* A every period, except a degenerate loan paid off early
         * (then principal = the balance, and 0 + 0 after it). */
        if (a - s[k].fee_fen <= b)
          ok = ok && pay == a;
        else
          ok = ok && s[k].principal_fen == b && pay < a;
      } else if (b > 0) {
        /* |last - A| <= 1 + sum_{j=1..N-1} (1+r)^j: the half-fen
         * roundings of A and of each fee, compounded at the loan
         * rate.  In D^(N-1) units: |last - A| D^(N-1) <= L. */
        mpz_ui_pow_ui(dev, D_PPM, (unsigned long) (n - 1));
        mpz_mul_si(dev, dev, (long) ABS(pay - a));
        ok = ok && mpz_cmp(dev, l) <= 0;
      } else {
        ok = ok && pay == 0; /* paid off early */
      }
      b -= s[k].principal_fen;
      if (!ok) {
        g_autofree char *what = g_strdup_printf("annuity period %d: %" G_GINT64_FORMAT
                                                " + %" G_GINT64_FORMAT ", A = %" G_GINT64_FORMAT,
                                                k + 1, s[k].principal_fen, s[k].fee_fen, a);

        mpz_clears(l, dev, NULL);
        report(c, __LINE__, what);
        return FALSE;
      }
    }
    mpz_clears(l, dev, NULL);
    break;
  }
  return TRUE;
}

#define N_PROPERTY_CASES 100000

static void
test_property_schedules(void)
{
  guint64 seed = 0xBA17140;
  SchedInstallment s[36];
  int failures = 0, cases = 0, per_method[4] = { 0 };

  for (guint i = 0; i < N_PROPERTY_CASES && failures < 5; i++) {
    Case c;
    g_autoptr(GError) error = NULL;

    gen_case(&seed, i, 100000000, 36, 30000, &c);
    cases++;
    per_method[c.t.method]++;
    if (!sched_build(c.p, &c.t, &c.purchase, c.s, s, &error)) {
      report(&c, __LINE__, error->message);
      failures++;
      continue;
    }
    if (!check_schedule(&c, s))
      failures++;
  }
  CU_ASSERT_EQUAL(failures, 0);
  CU_ASSERT_EQUAL(cases, N_PROPERTY_CASES);
  for (int m = 0; m < 4; m++)
    CU_ASSERT_TRUE(per_method[m] > N_PROPERTY_CASES / 5);
}

/* Up to the limits: P to 10^15 fen, N to 360, rate to 100 %. */
static void
test_property_wide(void)
{
  guint64 seed = 77;
  SchedInstallment *s = g_new(SchedInstallment, SCHED_TERM_MAX);
  int failures = 0;

  for (guint i = 0; i < 3000 && failures < 5; i++) {
    Case c;
    gboolean ok = TRUE;

    gen_case(&seed, i, SCHED_PRINCIPAL_MAX_FEN, i % 4 ? 60 : SCHED_TERM_MAX, SCHED_RATE_MAX_PPM,
             &c);
    if (!sched_build(c.p, &c.t, &c.purchase, c.s, s, NULL)) {
      report(&c, __LINE__, "sched_build failed");
      failures++;
      continue;
    }
    for (int k = 0; k < c.t.term; k++)
      ok = ok && s[k].principal_fen >= 0 && s[k].fee_fen >= 0 && s[k].fee_fen <= c.p;
    if (!ok || s[c.t.term - 1].remaining_principal_fen != 0) {
      report(&c, __LINE__, "negative amount or principal does not tie");
      failures++;
    }
    if (c.t.method == SCHED_ANNUITY && c.t.rate_ppm > 0) {
      mpz_t l;
      gint64 a = -1, want;

      mpz_init(l);
      want = independent_annuity(c.p, c.t.rate_ppm, c.t.term, l);
      mpz_clear(l);
      if (!sched_annuity_payment(c.p, c.t.rate_ppm, c.t.term, &a, NULL) || a != want
          || s[0].principal_fen + s[0].fee_fen != want) {
        report(&c, __LINE__, "A differs from the independent route");
        failures++;
      }
    }
  }
  g_free(s);
  CU_ASSERT_EQUAL(failures, 0);
}

/* NPV (j) = sum c_k / (1+j)^k - P as a plain rational sum, a different
 * route from the library's integer Horner form. */
static int
npv_sign(gint64 p, const SchedInstallment *s, int n, gint64 two_bp_pm1)
{
  mpq_t one_plus_j, disc, sum, term;
  int sign;

  mpq_inits(one_plus_j, disc, sum, term, NULL);
  mpq_set_si(one_plus_j, 240000 + two_bp_pm1, 240000);
  mpq_canonicalize(one_plus_j);
  mpq_set_ui(disc, 1, 1);
  mpq_set_si(sum, -p, 1);
  for (int k = 0; k < n; k++) {
    mpq_div(disc, disc, one_plus_j);
    mpq_set_si(term, s[k].principal_fen + s[k].fee_fen, 1);
    mpq_mul(term, term, disc);
    mpq_add(sum, sum, term);
  }
  sign = mpq_sgn(sum);
  mpq_clears(one_plus_j, disc, sum, term, NULL);
  return sign;
}

static void
test_property_apr(void)
{
  guint64 seed = 1090;
  SchedInstallment s[36];
  int failures = 0;

  for (guint i = 0; i < 2000 && failures < 5; i++) {
    Case c;
    gint64 bp = G_MININT64, fees;
    gboolean ok;

    gen_case(&seed, i, 100000000, 36, 30000, &c);
    if (!sched_build(c.p, &c.t, &c.purchase, c.s, s, NULL)
        || !sched_apr_bp(c.p, s, c.t.term, &bp, NULL)) {
      report(&c, __LINE__, "build or APR failed");
      failures++;
      continue;
    }
    /* bp is the rounded 120000 i: NPV >= 0 half a bp below, < 0 above. */
    ok = npv_sign(c.p, s, c.t.term, 2 * bp - 1) >= 0 && npv_sign(c.p, s, c.t.term, 2 * bp + 1) < 0;
    /* No fee: APR 0; any fee: the IRR is positive (bp >= 0 after
     * rounding). */
    fees = 0;
    for (int k = 0; k < c.t.term; k++)
      fees += s[k].fee_fen;
    ok = ok && (fees == 0 ? bp == 0 : bp >= 0);
    if (!ok) {
      g_autofree char *what = g_strdup_printf("APR %" G_GINT64_FORMAT " bp not bracketed", bp);

      report(&c, __LINE__, what);
      failures++;
    }
  }
  CU_ASSERT_EQUAL(failures, 0);
}

CU_TestInfo test_schedule_cases[] = {
  { "method names", test_method_names },
  { "FEE_PER_PERIOD N=12 example (§2)", test_fpp_12 },
  { "FEE_PER_PERIOD N=3 example (§2)", test_fpp_3 },
  { "FEE_PER_PERIOD N=24 example (§2)", test_fpp_24 },
  { "FEE_PER_PERIOD total fee 6000 (§2)", test_fpp_total_fee },
  { "ANNUITY example (§2)", test_annuity_example },
  { "EQUAL_PRINCIPAL fees", test_equal_principal },
  { "ANNUITY r=0 is EQUAL_PRINCIPAL without fee", test_annuity_zero_rate },
  { "INTEREST_FREE", test_interest_free },
  { "ANNUITY A on a half fen", test_annuity_half_fen },
  { "ANNUITY degenerate tiny loan", test_annuity_degenerate },
  { "ANNUITY 0.03 yuan over 6 at 1 %: 1, 1, 1, 0, 0, 0 (§2)", test_annuity_contract_three_fen },
  { "ANNUITY at the limits", test_annuity_extremes },
  { "billing and due dates (§3)", test_dates },
  { "validation errors", test_validation },
  { "APR exact cases", test_apr_cases },
  CU_TEST_INFO_NULL,
};

CU_TestInfo test_schedule_property_cases[] = {
  { "100000 generated schedules", test_property_schedules },
  { "3000 schedules up to the limits", test_property_wide },
  { "2000 APRs bracketed by NPV", test_property_apr },
  CU_TEST_INFO_NULL,
};
