/* schedule_bench: single-core throughput of sched_build over a million
 * generated loans (fixed seed), as the nightly origination step would call
 * it.  Prints installments/s, loans/s and a checksum of every amount so the
 * work cannot be optimised away.
 *
 * --random-rates gives every loan its own (rate, term) pair, the worst case
 * for the annuity-factor memo; the default draws from a product catalogue. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "prng.h"
#include "schedule.h"

typedef struct {
  gint64 principal_fen;
  SchedTerms terms;
  GDate purchase;
  int statement_day;
} Loan;

static const SchedTerms catalogue[] = {
  { SCHED_INTEREST_FREE, 1, 0, 9 },      { SCHED_FEE_PER_PERIOD, 3, 5000, 9 },
  { SCHED_FEE_PER_PERIOD, 6, 5000, 9 },  { SCHED_FEE_PER_PERIOD, 12, 5000, 9 },
  { SCHED_FEE_PER_PERIOD, 24, 6000, 9 }, { SCHED_EQUAL_PRINCIPAL, 3, 6000, 9 },
  { SCHED_EQUAL_PRINCIPAL, 6, 6000, 9 }, { SCHED_EQUAL_PRINCIPAL, 12, 6000, 9 },
  { SCHED_ANNUITY, 3, 10000, 9 },        { SCHED_ANNUITY, 6, 10000, 9 },
  { SCHED_ANNUITY, 12, 10000, 9 },       { SCHED_ANNUITY, 12, 12000, 9 },
  { SCHED_ANNUITY, 24, 12000, 9 },       { SCHED_ANNUITY, 24, 15000, 9 },
  { SCHED_ANNUITY, 36, 15000, 9 },
};

static void
generate(Loan *loans, gint64 n, gboolean random_rates)
{
  guint64 seed = 20260304;
  GDate first;

  g_date_clear(&first, 1);
  g_date_set_dmy(&first, 1, G_DATE_JANUARY, 2026);
  for (gint64 i = 0; i < n; i++) {
    Loan *l = &loans[i];
    gint64 cap = 100;

    /* 1.00 .. 50 000.00 yuan, spread over the magnitudes */
    for (int d = (int) prng_uniform(&seed, 0, 4); d > 0; d--)
      cap *= 10;
    l->principal_fen = prng_uniform(&seed, 100, MIN(cap * 5, 5000000));
    l->terms = catalogue[prng_uniform(&seed, 0, G_N_ELEMENTS(catalogue) - 1)];
    if (random_rates && l->terms.method != SCHED_INTEREST_FREE) {
      l->terms.term = (int) prng_uniform(&seed, 1, 36);
      l->terms.rate_ppm = prng_uniform(&seed, 1, 30000);
    }
    l->purchase = first;
    g_date_add_days(&l->purchase, (guint) prng_uniform(&seed, 0, 364));
    l->statement_day = (int) prng_uniform(&seed, 1, 28);
  }
}

int
main(int argc, char **argv)
{
  gint64 n_loans = 1000000;
  gboolean random_rates = FALSE;
  GOptionEntry entries[] = {
    { "loans", 'n', 0, G_OPTION_ARG_INT64, &n_loans, "number of loans", "N" },
    { "random-rates", 0, 0, G_OPTION_ARG_NONE, &random_rates, "a distinct (rate, term) per loan",
      NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- sched_build benchmark");
  g_autoptr(GError) error = NULL;
  g_autofree Loan *loans = NULL;
  SchedInstallment out[SCHED_TERM_MAX];
  guint64 checksum = 0;
  gint64 installments = 0, t0, t1, us;

  g_option_context_add_main_entries(ctx, entries, NULL);
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    fprintf(stderr, "schedule_bench: %s\n", error->message);
    return 2;
  }
  if (n_loans < 1) {
    fprintf(stderr, "schedule_bench: --loans must be positive\n");
    return 2;
  }

  loans = g_new(Loan, n_loans);
  generate(loans, n_loans, random_rates);

  t0 = g_get_monotonic_time();
  for (gint64 i = 0; i < n_loans; i++) {
    const Loan *l = &loans[i];

    if (!sched_build(l->principal_fen, &l->terms, &l->purchase, l->statement_day, out, &error)) {
      fprintf(stderr, "schedule_bench: loan %" G_GINT64_FORMAT ": %s\n", i, error->message);
      return 1;
    }
    for (int k = 0; k < l->terms.term; k++)
      checksum = checksum * 31 + (guint64) out[k].principal_fen + ((guint64) out[k].fee_fen << 20)
                 + g_date_get_julian(&out[k].due_date);
    installments += l->terms.term;
  }
  t1 = g_get_monotonic_time();

  us = MAX(t1 - t0, 1);
  printf("loans            %" G_GINT64_FORMAT " (%s)\n", n_loans,
         random_rates ? "random rates" : "product catalogue");
  printf("installments     %" G_GINT64_FORMAT "\n", installments);
  printf("elapsed          %" G_GINT64_FORMAT ".%03" G_GINT64_FORMAT " s\n", us / 1000000,
         us / 1000 % 1000);
  printf("installments/s   %" G_GINT64_FORMAT "\n", installments * 1000000 / us);
  printf("loans/s          %" G_GINT64_FORMAT "\n", n_loans * 1000000 / us);
  printf("checksum         %016" G_GINT64_MODIFIER "x\n", checksum);
  return 0;
}
