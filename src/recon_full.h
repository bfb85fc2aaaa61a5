/* What the reconciliation pass (recon.c) shares with the C part of its checks: a
 * check is a row of recon.c's table (statements under sql/queries/recon/), and the
 * one check whose compare needs C first — R13, whose expected side is the schedule
 * engine's (src/schedule.c) — gets the pass through its row's prepare function.
 *   R13  every loan's schedule recomputed by the schedule engine from the loan's own
 *        terms = its installments, installment by installment (recon --full) */
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
  const char *resolver;   /* who resolves a break automatically: "recon (automatic) user@host" */
} ReconPass;

typedef gboolean (*ReconPrepareFn)(ReconPass *pass, GError **error);

/* R13's prepare: every loan up to the pass's date through the schedule engine, into
 * pg_temp.recon_schedule (sql/queries/recon/r13_*), for the compare r13_schedules. */
gboolean recon_full_r13_schedules(ReconPass *pass, GError **error);

#endif
