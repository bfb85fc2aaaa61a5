/* The full audit's checks (recon --full, issue 12 §3) and what recon.c shares with
 * them: a check gets the pass and adds to its summary row; differences go into the
 * transaction's pg_temp.recon_found like every check's.
 *   R13  every loan's schedule recomputed by the schedule engine (src/schedule.c)
 *        from the loan's own terms = its installments, installment by installment
 *   R14  every date's journal lines, per account = gl_daily_balances' debits/credits
 *   R15  every account's GL opening of a closed date = its closing of the previous one
 *   R16  the risk reports' aggregates (vintage, roll rates, aging) = a recompute from the book */
#ifndef BAITIAO_RECON_FULL_H
#define BAITIAO_RECON_FULL_H

#include "recon.h"

typedef struct {
  PGconn *conn;
  const Config *config;
  const char *date;       /* the date under check, "YYYY-MM-DD" */
  const char *run;        /* recon_run_id, as text */
  gboolean newest;        /* DATE is the newest business date: balances are its closing */
  ReconMode mode;
  ReconSummary *summary;
} ReconPass;

typedef gboolean (*ReconCheckFn)(ReconPass *pass, ReconCheckSummary *out, GError **error);

/* Runs SQL (one row: rows compared, total compared) and adds the row to OUT. */
gboolean recon_check_sql(ReconPass *pass, const char *name, const char *sql, int nparams,
                         const char *const *params, ReconCheckSummary *out, GError **error);

gboolean recon_full_r13(ReconPass *pass, ReconCheckSummary *out, GError **error);
gboolean recon_full_r14(ReconPass *pass, ReconCheckSummary *out, GError **error);
gboolean recon_full_r15(ReconPass *pass, ReconCheckSummary *out, GError **error);
gboolean recon_full_r16(ReconPass *pass, ReconCheckSummary *out, GError **error);

#endif
