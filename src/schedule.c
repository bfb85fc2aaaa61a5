/* schedule: builds the N installments of a loan (principal, fee, billing and
 * due dates) per product rules §2 and §3, and computes the display APR of
 * §1 exactly.  Called once per originated loan, so sched_build allocates
 * nothing in the common case. */
#include "schedule.h"

#include <gmp.h>
#include <string.h>

#include "money.h"

G_DEFINE_QUARK(sched-error-quark, sched_error)

#define PPM 1000000

/* Amounts go to GMP through mpz_*_si. */
G_STATIC_ASSERT(sizeof(long) >= sizeof(gint64));

static const char *const method_names[] = {
  [SCHED_INTEREST_FREE] = "INTEREST_FREE",
  [SCHED_FEE_PER_PERIOD] = "FEE_PER_PERIOD",
  [SCHED_EQUAL_PRINCIPAL] = "EQUAL_PRINCIPAL",
  [SCHED_ANNUITY] = "ANNUITY",
};

gboolean
sched_method_from_string(const char *s, SchedMethod *out, GError **error)
{
  g_return_val_if_fail(s != NULL, FALSE);

  for (gsize i = 0; i < G_N_ELEMENTS(method_names); i++)
    if (g_str_equal(s, method_names[i])) {
      *out = (SchedMethod) i;
      return TRUE;
    }
  g_set_error(error, SCHED_ERROR, SCHED_ERROR_METHOD,
              "unknown installment method \"%s\" (expected INTEREST_FREE, "
              "FEE_PER_PERIOD, EQUAL_PRINCIPAL or ANNUITY)",
              s);
  return FALSE;
}

const char *
sched_method_to_string(SchedMethod m)
{
  if ((unsigned) m >= G_N_ELEMENTS(method_names))
    return NULL;
  return method_names[m];
}

gboolean
sched_terms_validate(const SchedTerms *t, GError **error)
{
  const char *name = sched_method_to_string(t->method);

  if (name == NULL) {
    g_set_error(error, SCHED_ERROR, SCHED_ERROR_METHOD,
                "installment method %d is not a known method", (int) t->method);
    return FALSE;
  }
  if (t->term < 1 || t->term > SCHED_TERM_MAX) {
    g_set_error(error, SCHED_ERROR, SCHED_ERROR_TERM, "term %d is outside 1..%d", t->term,
                SCHED_TERM_MAX);
    return FALSE;
  }
  if (t->rate_ppm < 0 || t->rate_ppm > SCHED_RATE_MAX_PPM) {
    g_set_error(error, SCHED_ERROR, SCHED_ERROR_RATE,
                "rate_ppm %" G_GINT64_FORMAT " is outside 0..%" G_GINT64_FORMAT, t->rate_ppm,
                SCHED_RATE_MAX_PPM);
    return FALSE;
  }
  if (t->method == SCHED_INTEREST_FREE && t->term != 1) {
    g_set_error(error, SCHED_ERROR, SCHED_ERROR_TERM, "INTEREST_FREE requires term 1, got %d",
                t->term);
    return FALSE;
  }
  /* A fee rate on an interest-free product is a configuration mistake;
   * silently ignoring it would hide the mistake from finance. */
  if (t->method == SCHED_INTEREST_FREE && t->rate_ppm != 0) {
    g_set_error(error, SCHED_ERROR, SCHED_ERROR_RATE,
                "INTEREST_FREE requires rate_ppm 0, got %" G_GINT64_FORMAT, t->rate_ppm);
    return FALSE;
  }
  if (t->grace_days < 0 || t->grace_days > SCHED_GRACE_DAYS_MAX) {
    g_set_error(error, SCHED_ERROR, SCHED_ERROR_GRACE_DAYS, "grace_days %d is outside 0..%d",
                t->grace_days, SCHED_GRACE_DAYS_MAX);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_principal(gint64 p, GError **error)
{
  if (p <= 0 || p > SCHED_PRINCIPAL_MAX_FEN) {
    g_autofree char *yuan = money_format_fen(p);

    g_set_error(error, SCHED_ERROR, SCHED_ERROR_PRINCIPAL,
                "principal %s is outside 0.01..%" G_GINT64_FORMAT ".00", yuan,
                SCHED_PRINCIPAL_MAX_FEN / 100);
    return FALSE;
  }
  return TRUE;
}

gboolean
sched_first_billing_date(const GDate *purchase, int statement_day, GDate *out, GError **error)
{
  int y, m;

  if (statement_day < 1 || statement_day > SCHED_STATEMENT_DAY_MAX) {
    g_set_error(error, SCHED_ERROR, SCHED_ERROR_STATEMENT_DAY, "statement day %d is outside 1..%d",
                statement_day, SCHED_STATEMENT_DAY_MAX);
    return FALSE;
  }
  if (purchase == NULL || !g_date_valid(purchase)) {
    g_set_error(error, SCHED_ERROR, SCHED_ERROR_DATE, "purchase date is not a valid date");
    return FALSE;
  }
  y = g_date_get_year(purchase);
  m = g_date_get_month(purchase);
  if (y > SCHED_YEAR_MAX) {
    g_set_error(error, SCHED_ERROR, SCHED_ERROR_DATE, "purchase year %d is after %d", y,
                SCHED_YEAR_MAX);
    return FALSE;
  }
  /* S <= 28 exists in every month, so "strictly after" is this month or
   * the next. */
  if (g_date_get_day(purchase) >= statement_day && ++m > 12) {
    m = 1;
    y++;
  }
  g_date_clear(out, 1);
  g_date_set_dmy(out, (GDateDay) statement_day, (GDateMonth) m, (GDateYear) y);
  return TRUE;
}

/* A = round_half_up (P q u^N / (D (u^N - D^N))) with D = 10^6, u = D + q,
 * which is P r (1+r)^N / ((1+r)^N - 1) for r = q / D. */
static void
annuity_ratio(mpz_t num, mpz_t den, gint64 rate_ppm, int term)
{
  mpz_t dn;

  mpz_init(dn);
  mpz_ui_pow_ui(num, (unsigned long) (PPM + rate_ppm), (unsigned long) term);
  mpz_ui_pow_ui(dn, PPM, (unsigned long) term);
  mpz_sub(den, num, dn);
  mpz_mul_ui(den, den, PPM);
  mpz_mul_ui(num, num, (unsigned long) rate_ppm);
  mpz_clear(dn);
}

static gint64
annuity_exact(gint64 principal, gint64 rate_ppm, int term)
{
  mpz_t num, den, p;
  gint64 a;

  mpz_inits(num, den, p, NULL);
  annuity_ratio(num, den, rate_ppm, term);
  /* floor ((2 P num + den) / (2 den)) */
  mpz_set_si(p, (long) principal);
  mpz_mul(num, num, p);
  mpz_mul_2exp(num, num, 1);
  mpz_add(num, num, den);
  mpz_mul_2exp(den, den, 1);
  mpz_fdiv_q(num, num, den);
  a = (gint64) mpz_get_si(num);
  mpz_clears(num, den, p, NULL);
  return a;
}

/* c_lo = floor (2^64 q u^N / (D (u^N - D^N))), the annuity factor c in 64.64
 * fixed point.  c <= 1 + r <= 2, so c_lo <= 2^65. */
static MoneyUInt128
annuity_factor_lo(gint64 rate_ppm, int term)
{
  mpz_t num, den;
  guint64 limbs[2] = { 0, 0 };
  size_t count = 0;

  mpz_inits(num, den, NULL);
  annuity_ratio(num, den, rate_ppm, term);
  mpz_mul_2exp(num, num, 64);
  mpz_fdiv_q(num, num, den);
  g_assert(mpz_sizeinbase(num, 2) <= 128);
  mpz_export(limbs, &count, -1, sizeof limbs[0], 0, 0, num);
  mpz_clears(num, den, NULL);
  return ((MoneyUInt128) limbs[1] << 64) | limbs[0];
}

/* Per-thread memo of c_lo by (rate, term): a product catalogue has a few
 * dozen pairs, and the GMP work is then done once per pair instead of once
 * per loan.  Linear probing; emptied when half full. */
#define MEMO_SLOTS 512

typedef struct {
  gint32 rate_ppm; /* 0 = empty slot; rate 0 never needs a factor */
  gint32 term;
  guint64 c_lo[2];
} FactorSlot;

static _Thread_local FactorSlot factor_memo[MEMO_SLOTS];
static _Thread_local int factor_memo_used;

static MoneyUInt128
annuity_factor(gint64 rate_ppm, int term)
{
  const guint h0 = ((guint) rate_ppm * 2654435761u ^ (guint) term * 40503u) >> 23;
  guint h;
  FactorSlot *s;
  MoneyUInt128 c;

  for (h = h0;; h++) {
    s = &factor_memo[h % MEMO_SLOTS];
    if (s->rate_ppm == 0)
      break;
    if (s->rate_ppm == rate_ppm && s->term == term)
      return ((MoneyUInt128) s->c_lo[1] << 64) | s->c_lo[0];
  }
  c = annuity_factor_lo(rate_ppm, term);
  if (factor_memo_used >= MEMO_SLOTS / 2) {
    memset(factor_memo, 0, sizeof factor_memo);
    factor_memo_used = 0;
    s = &factor_memo[h0 % MEMO_SLOTS];
  }
  s->rate_ppm = (gint32) rate_ppm;
  s->term = term;
  s->c_lo[0] = (guint64) c;
  s->c_lo[1] = (guint64) (c >> 64);
  factor_memo_used++;
  return c;
}

/* P c_lo / 2^64 <= P c < P (c_lo + 1) / 2^64 and x -> floor (x + 1/2) is
 * monotone, so when both bounds round to the same fen that is A.  They
 * differ only when P c lies within P / 2^64 (< 2^-14 fen) of a half fen;
 * then the exact rational decides. */
static gint64
annuity_payment_fast(gint64 principal, gint64 rate_ppm, int term)
{
  MoneyUInt128 c_lo = annuity_factor(rate_ppm, term);
  MoneyUInt128 half = (MoneyUInt128) 1 << 63;
  MoneyUInt128 p = (MoneyUInt128) principal;
  MoneyUInt128 lo = (p * c_lo + half) >> 64;
  MoneyUInt128 hi = (p * (c_lo + 1) + half) >> 64;

  if (lo == hi)
    return (gint64) lo;
  return annuity_exact(principal, rate_ppm, term);
}

gboolean
sched_annuity_payment(gint64 principal_fen, gint64 rate_ppm, int term, gint64 *out_fen,
                      GError **error)
{
  if (!check_principal(principal_fen, error))
    return FALSE;
  if (term < 1 || term > SCHED_TERM_MAX) {
    g_set_error(error, SCHED_ERROR, SCHED_ERROR_TERM, "term %d is outside 1..%d", term,
                SCHED_TERM_MAX);
    return FALSE;
  }
  if (rate_ppm < 1 || rate_ppm > SCHED_RATE_MAX_PPM) {
    g_set_error(error, SCHED_ERROR, SCHED_ERROR_RATE,
                "annuity rate_ppm %" G_GINT64_FORMAT " is outside 1..%" G_GINT64_FORMAT, rate_ppm,
                SCHED_RATE_MAX_PPM);
    return FALSE;
  }
  *out_fen = annuity_payment_fast(principal_fen, rate_ppm, term);
  return TRUE;
}

gboolean
sched_build(gint64 principal_fen, const SchedTerms *t, const GDate *purchase_date,
            int statement_day, SchedInstallment *out, GError **error)
{
  GDate first;
  int n, y, m;
  gint64 r, base, flat_fee = 0, a = 0, b = principal_fen;

  g_return_val_if_fail(t != NULL && out != NULL, FALSE);

  if (!sched_terms_validate(t, error) || !check_principal(principal_fen, error)
      || !sched_first_billing_date(purchase_date, statement_day, &first, error))
    return FALSE;

  n = t->term;
  r = t->rate_ppm;
  base = principal_fen / n;

  if (t->method == SCHED_FEE_PER_PERIOD)
    flat_fee = money_mul_ppm_round(principal_fen, r);
  if (t->method == SCHED_ANNUITY && r > 0)
    a = annuity_payment_fast(principal_fen, r, n);

  y = g_date_get_year(&first);
  m = g_date_get_month(&first);
  for (int k = 1; k <= n; k++) {
    SchedInstallment *it = &out[k - 1];
    gint64 prin, fee;

    switch (t->method) {
    case SCHED_INTEREST_FREE:
      prin = b;
      fee = 0;
      break;
    case SCHED_FEE_PER_PERIOD:
      prin = k < n ? base : b;
      fee = flat_fee;
      break;
    case SCHED_EQUAL_PRINCIPAL:
      prin = k < n ? base : b;
      fee = money_mul_ppm_round(b, r);
      break;
    case SCHED_ANNUITY:
    default:
      if (r == 0) {
        prin = k < n ? base : b;
        fee = 0;
      } else {
        /* fee <= fee_1 <= A (B only falls and A > P r), so the
         * lower clamp never bites; the upper one stops a degenerate
         * loan from paying more than it owes. */
        fee = money_mul_ppm_round(b, r);
        prin = k < n ? CLAMP(a - fee, 0, b) : b;
      }
      break;
    }
    b -= prin;

    it->no = k;
    g_date_clear(&it->billing_date, 1);
    g_date_set_dmy(&it->billing_date, (GDateDay) statement_day, (GDateMonth) m, (GDateYear) y);
    it->due_date = it->billing_date;
    g_date_add_days(&it->due_date, (guint) t->grace_days);
    it->principal_fen = prin;
    it->fee_fen = fee;
    it->remaining_principal_fen = b;
    if (++m > 12) {
      m = 1;
      y++;
    }
  }
  return TRUE;
}

void
sched_fees_at_rate(gint64 principal_fen, SchedMethod method, const SchedInstallment *inst, int n,
                   gint64 rate_ppm, gint64 *fees)
{
  gint64 flat = money_mul_ppm_round(principal_fen, rate_ppm);
  for (int k = 0; k < n; k++) {
    gint64 before = k == 0 ? principal_fen : inst[k - 1].remaining_principal_fen;
    switch (method) {
    case SCHED_INTEREST_FREE:
      fees[k] = 0;
      break;
    case SCHED_FEE_PER_PERIOD:
      fees[k] = flat;
      break;
    case SCHED_EQUAL_PRINCIPAL:
    case SCHED_ANNUITY:
    default:
      fees[k] = money_mul_ppm_round(before, rate_ppm);
      break;
    }
  }
}

/* NPV (j) >= 0 at j = a / 240000, i.e. (with w = 240000 + a, d = 240000)
 * sum_k c_k d^k w^(n-k) >= P w^n, all in integers. */
static gboolean
npv_nonnegative(gint64 principal, const SchedInstallment *inst, int n, gint64 a)
{
  mpz_t w, dk, sum, rhs, c;
  gboolean res;

  mpz_inits(w, dk, sum, rhs, c, NULL);
  mpz_set_si(w, (long) (240000 + a));
  mpz_set_ui(dk, 1);
  for (int k = 0; k < n; k++) {
    mpz_mul_ui(dk, dk, 240000);
    mpz_mul(sum, sum, w);
    mpz_set_si(c, (long) (inst[k].principal_fen + inst[k].fee_fen));
    mpz_addmul(sum, c, dk);
  }
  mpz_pow_ui(rhs, w, (unsigned long) n);
  mpz_mul_si(rhs, rhs, (long) principal);
  res = mpz_cmp(sum, rhs) >= 0;
  mpz_clears(w, dk, sum, rhs, c, NULL);
  return res;
}

/* round_half_up (120000 i) = m  <=>  (m - 1/2) / 120000 <= i < (m + 1/2) /
 * 120000, and NPV decreases in the rate, so the answer is the largest m with
 * NPV ((2m - 1) / 240000) >= 0.  i > -1 gives m >= -120000. */
#define APR_BP_MIN G_GINT64_CONSTANT(-120000)
#define APR_BP_SEARCH_MAX (G_GINT64_CONSTANT(1) << 40)

gboolean
sched_apr_bp(gint64 principal_fen, const SchedInstallment *inst, int n, gint64 *out_bp,
             GError **error)
{
  gint64 lo, hi;
  gboolean any = FALSE;

  g_return_val_if_fail(inst != NULL || n == 0, FALSE);

  if (!check_principal(principal_fen, error))
    return FALSE;
  if (n < 1 || n > SCHED_TERM_MAX) {
    g_set_error(error, SCHED_ERROR, SCHED_ERROR_TERM, "APR needs 1..%d installments, got %d",
                SCHED_TERM_MAX, n);
    return FALSE;
  }
  for (int k = 0; k < n; k++) {
    gint64 pay;

    if (inst[k].principal_fen < 0 || inst[k].fee_fen < 0
        || !money_add(inst[k].principal_fen, inst[k].fee_fen, &pay)) {
      g_set_error(error, SCHED_ERROR, SCHED_ERROR_INSTALLMENT,
                  "installment %d has a negative or out-of-range amount", k + 1);
      return FALSE;
    }
    any |= pay > 0;
  }
  if (!any) {
    g_set_error(error, SCHED_ERROR, SCHED_ERROR_INSTALLMENT,
                "no payments: the return is -100 %% and there is no APR");
    return FALSE;
  }

  /* Invariant: lo is APR_BP_MIN or passes, hi fails. */
  lo = APR_BP_MIN;
  hi = 0;
  if (npv_nonnegative(principal_fen, inst, n, -1)) {
    lo = 0;
    hi = 1;
    while (npv_nonnegative(principal_fen, inst, n, 2 * hi - 1)) {
      lo = hi;
      hi *= 2;
      if (hi > APR_BP_SEARCH_MAX) {
        g_set_error(error, SCHED_ERROR, SCHED_ERROR_APR_RANGE,
                    "APR exceeds %" G_GINT64_FORMAT " basis points", APR_BP_SEARCH_MAX);
        return FALSE;
      }
    }
  }
  while (hi - lo > 1) {
    gint64 mid = lo + (hi - lo) / 2;

    if (npv_nonnegative(principal_fen, inst, n, 2 * mid - 1))
      lo = mid;
    else
      hi = mid;
  }
  *out_bp = lo;
  return TRUE;
}
