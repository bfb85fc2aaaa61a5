/* Reconciliation (对账, product-rules §9): checks R1–R20, each recomputing a total
 * from other tables than the code that wrote it, as set-based SQL. Every
 * difference is stored as a break (check, key, expected, actual, diff, severity)
 * that is explained or resolved, never deleted. A rerun over the same data finds
 * the same breaks: recon_breaks is UNIQUE on (date, check, type, key). */
#ifndef BAITIAO_RECON_H
#define BAITIAO_RECON_H

#include <glib.h>
#include <libpq-fe.h>

#include "config.h"
#include "eod.h"

#define RECON_ERROR (recon_error_quark())
GQuark recon_error_quark(void);

typedef enum {
  RECON_ERROR_BREAKS,     /* the pass found breaks: main exits 3 (BT_EXIT_BREAKS) */
  RECON_ERROR_DATE,       /* no date to reconcile, or its GL is not closed yet */
  RECON_ERROR_BREAK_ID,   /* explain/resolve: no such break, or already resolved */
} ReconError;

#define RECON_N_CHECKS 20

/* The nightly incremental pass, or the full audit (recon --full) that recomputes
 * every user, loan, journal day and GL day and reruns the day checks for every
 * earlier closed date. */
typedef enum {
  RECON_NIGHTLY,
  RECON_FULL,
} ReconMode;

typedef struct {
  const char *check_id;   /* "R1" … "R20" */
  const char *title;
  gboolean skipped;       /* not run by this pass: see skipped_why */
  const char *skipped_why;
  gint64 rows;            /* rows compared */
  gint64 total_fen;       /* total compared (the expected side) */
  gint64 breaks;          /* breaks this pass found (new or found again) */
  gint64 resolved;        /* earlier breaks the data now matches, resolved by this pass (R7's late lines) */
  char detail[112];       /* printed after the title when set (R12: the chain head) */
} ReconCheckSummary;

typedef struct {
  gint64 recon_run_id;
  ReconMode mode;
  char date_str[11];
  ReconCheckSummary checks[RECON_N_CHECKS];
  gint64 breaks;          /* all checks */
  gint64 diff_fen;        /* Σ |diff| of the breaks */
  gint64 new_breaks;      /* breaks stored for the first time by this pass */
  gint64 late_matches;    /* Σ resolved: earlier R7 breaks resolved by a settlement line that came late */
} ReconSummary;

/* Runs the nightly checks (R1–R12) for DATE in its own REPEATABLE READ transaction as the connection's
 * (batch) role, stores recon_runs + recon_breaks, fills SUMMARY. JOB_RUN_ID is 0
 * when standalone. DATE's gl_close step must have succeeded. A transaction that
 * fails on a concurrent one (SQLSTATE 40001, 40P01) is run again, up to
 * DB_CONFLICT_ATTEMPTS times. */
gboolean recon_run(PGconn *conn, const Config *config, const GDate *date, gint64 job_run_id,
                   ReconSummary *summary, GError **error);

/* recon_run in MODE: RECON_FULL is the full audit (docs/operations.md). */
gboolean recon_run_mode(PGconn *conn, const Config *config, const GDate *date, gint64 job_run_id,
                        ReconMode mode, ReconSummary *summary, GError **error);

/* The same pass inside a transaction the caller opened (the night's step, whose
 * framework opens it REPEATABLE READ; the import's cut-over). */
gboolean recon_run_in_transaction(PGconn *conn, const Config *config, const GDate *date, gint64 job_run_id,
                                  ReconSummary *summary, GError **error);

/* R11's reading of the statistics counters (migration recon_bypass_by_row_versions):
 * the connection's pending counts flushed, then read in a transaction of their own.
 * Must run outside a transaction block, just before the pass's transaction. */
gboolean recon_read_row_versions(PGconn *conn, GError **error);

/* Before step "recon", outside its transaction: recon_read_row_versions. */
gboolean eod_step_recon_before(EodContext *ctx, GError **error);

/* Step "recon" of the night, after gl_close: ctx->rows = breaks found,
 * ctx->amount_fen = Σ |diff|. Breaks do not fail the step. */
gboolean eod_step_recon(EodContext *ctx, GError **error);

/* The date recon reconciles by default: the latest one whose gl_close succeeded. */
gboolean recon_default_date(PGconn *conn, GDate *date, GError **error);

/* OPEN breaks of DATE (what keeps a date from closing under breaks_block_close). */
gboolean recon_open_breaks(PGconn *conn, const char *date_str, gint64 *count, GError **error);

/* R12 "journal hash chain" over the sealed dates FROM..TO ("YYYY-MM-DD"; FROM NULL:
 * every date, as recon --full does; the nightly pass verifies the last week). Must run
 * inside recon_run_in_transaction's transaction: each chain break (an entry CHANGED,
 * MISSING or UNEXPECTED, a date UNSEALED, a chain whose HEAD or LINK does not
 * recompute) goes into its pg_temp.recon_found with check R12 and the key
 * "DATE POSTING_KEY PROBLEM". Adds the entries and debits verified to OUT and sets
 * OUT->detail to TO's head. */
gboolean recon_verify_journal_chain(PGconn *conn, const char *from, const char *to, ReconCheckSummary *out,
                                    GError **error);

/* Workflow of a break: OPEN → EXPLAINED (NOTE required) → RESOLVED. WHO is
 * "user@host" (recon_who). Resolving keeps an earlier explanation and appends NOTE. */
gboolean recon_explain(PGconn *conn, gint64 break_id, const char *note, const char *who, GError **error);
gboolean recon_resolve(PGconn *conn, gint64 break_id, const char *note, const char *who, GError **error);
char *recon_who(void);

#endif
