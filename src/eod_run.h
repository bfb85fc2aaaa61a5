/* Running nights: one business date, or every open date up to a limit (catch-up). */
#ifndef BAITIAO_EOD_RUN_H
#define BAITIAO_EOD_RUN_H

#include <glib.h>
#include <libpq-fe.h>

#include "config.h"
#include "eod.h"

#define EOD_ERROR (eod_error_quark())
GQuark eod_error_quark(void);

typedef enum {
  EOD_ERROR_DATE,       /* no date to run, or a date out of sequence */
  EOD_ERROR_INVARIANT,  /* a step's own cross-check failed: a bug, nothing was committed */
} EodError;

typedef struct {
  const char *name;
  gboolean skipped;
  gint64 rows;
  gint64 amount_fen;
  gint64 duration_us;
} EodStepReport;

typedef struct {
  char date_str[11];
  gint64 run_id;
  gboolean already_closed;
  gint64 open_breaks;   /* OPEN reconciliation breaks of the date after its recon step */
  gboolean kept_open;   /* not closed because of them ([recon] breaks_block_close) */
  GArray *steps;  /* EodStepReport */
} EodReport;

void eod_report_init(EodReport *report);
void eod_report_clear(EodReport *report);

/* The date the next night runs for: the OPEN date, else the day after the last
 * CLOSED one. *FOUND is FALSE for a database that never ran a night. */
gboolean eod_next_date(PGconn *conn, GDate *next, gboolean *found, GError **error);

/* Runs (or resumes) the night of DATE, which must be the next date to run.
 * The caller holds the night lock. */
gboolean eod_run_night(PGconn *conn, const Config *config, const GDate *date, gboolean dry_run,
                       EodReport *report, GError **error);

#endif
