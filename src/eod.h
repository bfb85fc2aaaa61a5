/* The nightly run (日终批处理) for business date D: the steps of product-rules §10,
 * each in its own transaction, each recorded in job_step_runs, so that a rerun after
 * a crash skips what is done and finishes the rest. */
#ifndef BAITIAO_EOD_H
#define BAITIAO_EOD_H

#include <glib.h>
#include <libpq-fe.h>

#include "config.h"
#include "db.h"

/* What a step sees. The framework opens the step's transaction before calling it
 * and commits it together with the step's SUCCEEDED record: a step never commits
 * or rolls back itself, and anything it writes is kept exactly when it is marked
 * done. */
typedef struct {
  PGconn *conn;
  const Config *config;
  GDate date;              /* business date D */
  char date_str[11];       /* D as "YYYY-MM-DD", the usual first statement parameter */
  gint64 run_id;           /* job_runs.run_id of this run */
  /* The step reports what it did (job_step_runs.rows_processed / amount_fen). */
  gint64 rows;
  gint64 amount_fen;
} EodContext;

typedef gboolean (*EodStepFn)(EodContext *ctx, GError **error);

/* A step declares the isolation of its transaction. The framework opens it so and,
 * when it fails on a concurrent transaction (serialization failure 40001 in
 * REPEATABLE READ, a deadlock 40P01 in any), rolls it back and runs the step again
 * from the start, up to DB_CONFLICT_ATTEMPTS times: a step's transaction is its
 * whole effect, so a rerun changes nothing already done. */
typedef struct {
  const char *name;        /* job_step_runs.step_name: ^[a-z][a-z0-9_]*$ */
  const char *summary;
  EodStepFn fn;
  DbIsolation isolation;
  EodStepFn before;        /* NULL, or run before each attempt outside its transaction (not in a dry run):
                            * what must be read before the step's snapshot is taken */
} EodStep;

/* The steps, in the order of product-rules §10 (defined in eod.c). */
const EodStep *eod_steps(guint *n);

#endif
