/* schedule: the installment schedule of one loan (product rules §2, §3) and
 * the APR shown to users (§1).  Amounts in fen, rates in ppm, no floats. */
#ifndef BAITIAO_SCHEDULE_H
#define BAITIAO_SCHEDULE_H

#include <glib.h>

#define SCHED_ERROR (sched_error_quark())
GQuark sched_error_quark(void);

typedef enum {
  SCHED_ERROR_METHOD,        /* unknown method name or enum value */
  SCHED_ERROR_PRINCIPAL,     /* P <= 0 or P > SCHED_PRINCIPAL_MAX_FEN */
  SCHED_ERROR_TERM,          /* term outside 1..SCHED_TERM_MAX; INTEREST_FREE with term != 1 */
  SCHED_ERROR_RATE,          /* rate outside 0..SCHED_RATE_MAX_PPM; INTEREST_FREE with rate != 0 */
  SCHED_ERROR_GRACE_DAYS,    /* grace_days outside 0..SCHED_GRACE_DAYS_MAX */
  SCHED_ERROR_STATEMENT_DAY, /* statement day outside 1..28 */
  SCHED_ERROR_DATE,          /* invalid purchase date, or year > SCHED_YEAR_MAX */
  SCHED_ERROR_INSTALLMENT,   /* APR: negative amount, or no payments */
  SCHED_ERROR_APR_RANGE,     /* APR: IRR too large to search for */
} SchedError;

typedef enum {
  SCHED_INTEREST_FREE,
  SCHED_FEE_PER_PERIOD,
  SCHED_EQUAL_PRINCIPAL,
  SCHED_ANNUITY,
} SchedMethod;

#define SCHED_TERM_MAX 360
#define SCHED_RATE_MAX_PPM G_GINT64_CONSTANT(1000000)
#define SCHED_GRACE_DAYS_MAX 365
#define SCHED_STATEMENT_DAY_MAX 28
#define SCHED_YEAR_MAX 9999
/* 10^13 yuan.  Keeps every amount of a schedule, and the sum of all of its
 * payments (at most 361 P), far inside gint64. */
#define SCHED_PRINCIPAL_MAX_FEN G_GINT64_CONSTANT(1000000000000000)

typedef struct {
  SchedMethod method;
  int term;        /* N, number of installments */
  gint64 rate_ppm; /* monthly */
  int grace_days;  /* due = billing + grace_days */
} SchedTerms;

typedef struct {
  int no; /* 1..N */
  GDate billing_date;
  GDate due_date;
  gint64 principal_fen;
  gint64 fee_fen;
  gint64 remaining_principal_fen; /* after this installment */
} SchedInstallment;

/* Exactly "INTEREST_FREE", "FEE_PER_PERIOD", "EQUAL_PRINCIPAL", "ANNUITY". */
gboolean sched_method_from_string(const char *s, SchedMethod *out, GError **error);
/* NULL for a value outside the enum. */
const char *sched_method_to_string(SchedMethod m);

gboolean sched_terms_validate(const SchedTerms *t, GError **error);

/* First date strictly after purchase whose day of month is statement_day. */
gboolean sched_first_billing_date(const GDate *purchase, int statement_day, GDate *out,
                                  GError **error);

/* A = round_half_up (P r (1+r)^N / ((1+r)^N - 1)), exact; r > 0. */
gboolean sched_annuity_payment(gint64 principal_fen, gint64 rate_ppm, int term, gint64 *out_fen,
                               GError **error);

/* Fills out[0 .. t->term-1]; leaves it untouched on error.  Thread-safe and
 * free of heap allocation in the common case: the annuity factor is
 * memoised per thread and (rate, term), and A is then exact by a 64.64
 * fixed-point bracket with a GMP fallback when the bracket straddles a
 * half fen.
 *
 * ANNUITY: principal_k = min (B_{k-1}, A - fee_k) for k < N, the last
 * installment takes B_{N-1}.  fee_k <= fee_1 <= A always holds, so A - fee_k
 * is never negative; the min only bites in degenerate loans of a few fen
 * (e.g. P = 9, N = 6, r = 1 ppm: A = 2 would overpay), which are then paid
 * off early and end with 0 + 0 installments. */
gboolean sched_build(gint64 principal_fen, const SchedTerms *t, const GDate *purchase_date,
                     int statement_day, SchedInstallment *out, GError **error);

/* The fees of schedule INST (N installments of a loan of PRINCIPAL_FEN made by
 * METHOD) recomputed at RATE_PPM on the same principal schedule, into FEES[0..N-1]:
 * FEE_PER_PERIOD round_half_up (P r'), EQUAL_PRINCIPAL and ANNUITY round_half_up
 * (B_{k-1} r') with B the schedule's own remaining principal, INTEREST_FREE 0. A
 * campaign's lower rate (issue 18) changes fees only, never the principal due. */
void sched_fees_at_rate(gint64 principal_fen, SchedMethod method, const SchedInstallment *inst, int n,
                        gint64 rate_ppm, gint64 *fees);

/* APR in basis points (hundredths of a percent) = floor (120000 i + 1/2),
 * i the monthly IRR of -P at month 0 and principal_k + fee_k at month k
 * (k = position in inst, 1-based).  Exact (GMP binary search, ~20 NPV
 * evaluations), display only.  Ties round up (toward +inf), which differs
 * from half-away-from-zero only for a negative APR; the result is always
 * >= -120000.  All payments zero (no IRR) and negative amounts are errors. */
gboolean sched_apr_bp(gint64 principal_fen, const SchedInstallment *inst, int n, gint64 *out_bp,
                      GError **error);

#endif
