/* The nightly run's framework: which date, the lock, the calendar, and running each
 * step exactly once in effect. A step's work and its SUCCEEDED record commit in one
 * transaction, so after a crash the rerun skips exactly the steps whose work is kept. */
#include "eod.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "db.h"
#include "eod_run.h"
#include "eod_steps.h"
#include "fault.h"
#include "log.h"
#include "money.h"
#include "recon.h"
#include "spool.h"
#include "stmt.h"

/* The night's own bookkeeping (calendar, runs, steps): sql/queries/eod/. */
#define E(name) "queries/eod/" name

G_DEFINE_QUARK(eod-error-quark, eod_error)

/* recon reads the whole night's result in one snapshot, the one standalone recon
 * promises: an online load (or any write) meanwhile is seen by all its checks or by
 * none. The other steps write what they read and run READ COMMITTED. */
static const EodStep steps[] = {
  { "originate", "orders of D become loans and schedules", eod_step_originate, DB_READ_COMMITTED, NULL },
  { "refunds", "refunds of D, in arrival order", eod_step_refunds, DB_READ_COMMITTED, NULL },
  { "repayments", "repayments of D: waterfall, prepayment, recovery, credit balance", eod_step_repayments,
    DB_READ_COMMITTED, NULL },
  { "billing", "installments billed on D, statements", eod_step_billing, DB_READ_COMMITTED, NULL },
  { "aging", "penalty accrual, DPD, bucket, class, loan snapshots", eod_step_aging, DB_READ_COMMITTED, NULL },
  { "writeoff", "write-off of loans past writeoff_dpd", eod_step_writeoff, DB_READ_COMMITTED, NULL },
  { "subsidies", "campaign subsidies earned, returned or reversed with their fees", eod_step_subsidies,
    DB_READ_COMMITTED, NULL },
  { "risk", "aggregates of vintage, aging and roll rates", eod_step_risk, DB_READ_COMMITTED, NULL },
  { "gl_close", "daily balances per GL account", eod_step_gl_close, DB_READ_COMMITTED, NULL },
  { "intake_close", "inbox rows of D still pending are rejected DATE_CLOSED", eod_step_intake_close,
    DB_READ_COMMITTED, NULL },
  { "recon", "reconciliation R1-R12, R18-R19: breaks are stored, the step does not fail on them", eod_step_recon,
    DB_REPEATABLE_READ, eod_step_recon_before },
};

const EodStep *
eod_steps(guint *n)
{
  *n = G_N_ELEMENTS(steps);
  return steps;
}

static void
format_date(const GDate *d, char out[11])
{
  g_date_strftime(out, 11, "%Y-%m-%d", d);
}

/* ---- which date ------------------------------------------------------- */

gboolean
eod_next_date(PGconn *conn, GDate *next, gboolean *found, GError **error)
{
  *found = FALSE;
  g_autoptr(PGresult) res = stmt_query_one(conn, E("10_calendar_state"), 0, NULL, error);
  if (!res)
    return FALSE;
  if (!PQgetisnull(res, 0, 0)) {
    *found = date_parse(PQgetvalue(res, 0, 0), next, NULL);
  } else if (!PQgetisnull(res, 0, 1)) {
    *found = date_parse(PQgetvalue(res, 0, 1), next, NULL);
    if (*found)
      g_date_add_days(next, 1);
  }
  return TRUE;
}

/* ---- the run ---------------------------------------------------------- */

typedef struct {
  PGconn *conn;
  const Config *config;
  EodContext ctx;
  char host[256];
  char pid[16];
  char run[24];
  gboolean dry_run;
  EodReport *report;
} Night;

static gboolean
start_step_row(Night *n, const EodStep *step, char *step_run_id, GError **error)
{
  const char *params[] = { n->run, step->name, n->ctx.date_str, n->host, n->pid };
  g_autoptr(PGresult) res = stmt_query_one(n->conn, E("31_step_start"), 5, params, error);
  if (!res)
    return FALSE;
  g_strlcpy(step_run_id, PQgetvalue(res, 0, 0), 24);
  return TRUE;
}

static gboolean
finish_step_row(Night *n, const char *step_run_id, GError **error)
{
  g_autofree char *rows = g_strdup_printf("%" G_GINT64_FORMAT, n->ctx.rows);
  g_autofree char *amount = g_strdup_printf("%" G_GINT64_FORMAT, n->ctx.amount_fen);
  const char *params[] = { step_run_id, rows, amount };
  return stmt_exec(n->conn, E("32_step_succeeded"), 3, params, error);
}

static void
record_step_failure(Night *n, const char *step_run_id, const GError *cause)
{
  if (PQstatus(n->conn) != CONNECTION_OK)
    return;
  const char *params[] = { step_run_id, cause ? cause->message : "unknown error" };
  stmt_exec(n->conn, E("33_step_failed"), 2, params, NULL);
}

static void
report_step(Night *n, const EodStep *step, gint64 started_us, gboolean skipped)
{
  EodStepReport r = { .name = step->name, .skipped = skipped, .rows = n->ctx.rows,
                      .amount_fen = n->ctx.amount_fen,
                      .duration_us = g_get_monotonic_time() - started_us };
  g_array_append_val(n->report->steps, r);
  if (skipped) {
    log_info("%s: already done, skipped", n->ctx.date_str);
    return;
  }
  g_autofree char *amount = money_format_fen_grouped(n->ctx.amount_fen);
  double s = r.duration_us / 1e6;
  log_progress_done();
  log_info("%s: %" G_GINT64_FORMAT " rows, %s yuan, %.2f s, %.0f rows/s", n->ctx.date_str,
           n->ctx.rows, amount, s, s > 0 ? n->ctx.rows / s : 0.0);
}

/* The step's work and its SUCCEEDED record, committed together, in the step's
 * isolation. *CONFLICT: it failed on a concurrent transaction (40001, 40P01). */
static gboolean
run_step_transaction(Night *n, const EodStep *step, gboolean *conflict, GError **error)
{
  char step_run_id[24];
  *conflict = FALSE;
  if (!start_step_row(n, step, step_run_id, error))
    return FALSE;
  gboolean ok = (!step->before || step->before(&n->ctx, error)) && db_begin_isolated(n->conn, step->isolation, error)
                && step->fn(&n->ctx, error);
  if (ok)
    fault_reached_in("before-commit");
  ok = ok && finish_step_row(n, step_run_id, error) && db_commit(n->conn, error);
  if (!ok) {
    db_rollback(n->conn);
    *conflict = db_error_is_conflict(error ? *error : NULL);
    g_prefix_error(error, "step %s failed for %s: ", step->name, n->ctx.date_str);
    record_step_failure(n, step_run_id, error ? *error : NULL);
  }
  return ok;
}

/* The step's transaction, run again while it fails on a concurrent one. */
static gboolean
run_step_with_retries(Night *n, const EodStep *step, GError **error)
{
  for (int attempt = 1;; attempt++) {
    g_autoptr(GError) local = NULL;
    gboolean conflict = FALSE;
    n->ctx.rows = 0;
    n->ctx.amount_fen = 0;
    if (run_step_transaction(n, step, &conflict, &local))
      return TRUE;
    if (!conflict || attempt >= DB_CONFLICT_ATTEMPTS) {
      g_propagate_error(error, g_steal_pointer(&local));
      return FALSE;
    }
    log_warning("%s (attempt %d of %d), running the step again", local->message, attempt, DB_CONFLICT_ATTEMPTS);
  }
}

/* Statistics kept current for the next step: the step's counts flushed, then the
 * tables it changed analyzed (sql/queries/stats/). */
static gboolean
refresh_statistics(Night *n, GError **error)
{
  g_autoptr(PGresult) flushed = stmt_query_one(n->conn, "queries/stats/10_flush", 0, NULL, error);
  if (!flushed)
    return FALSE;
  g_autoptr(PGresult) res = stmt_query_one(n->conn, "queries/stats/20_refresh", 0, NULL, error);
  return res != NULL;
}

/* One step in its own transaction (or, in a dry run, inside the run's one transaction). */
static gboolean
run_step(Night *n, const EodStep *step, GError **error)
{
  gint64 started = g_get_monotonic_time();
  n->ctx.rows = 0;
  n->ctx.amount_fen = 0;
  log_set_context(step->name);
  log_progress("%s %s …", n->ctx.date_str, step->name);
  if (n->dry_run) {
    gboolean ok = step->fn(&n->ctx, error);
    if (ok)
      report_step(n, step, started, FALSE);
    return ok;
  }
  const char *done_params[] = { n->ctx.date_str, step->name };
  g_autoptr(PGresult) done = stmt_query(n->conn, E("30_step_done"), 2, done_params, error);
  if (!done)
    return FALSE;
  if (PQntuples(done) > 0) {
    const char *params[] = { n->run, step->name, n->ctx.date_str, n->host, n->pid };
    report_step(n, step, started, TRUE);
    return stmt_exec(n->conn, E("34_step_skipped"), 5, params, error) && refresh_statistics(n, error);
  }
  /* the crash tests' points (fault.h) inside a step are named after it */
  fault_set_scope(step->name);
  fault_reached_in("step-start");
  gboolean ok = run_step_with_retries(n, step, error);
  fault_set_scope("eod");
  if (ok)
    report_step(n, step, started, FALSE);
  return ok && refresh_statistics(n, error);
}

static gboolean
open_date(Night *n, GError **error)
{
  const char *params[] = { n->ctx.date_str };
  g_autoptr(PGresult) st = stmt_query(n->conn, E("12_date_status"), 1, params, error);
  if (!st)
    return FALSE;
  if (PQntuples(st) == 1) {
    n->report->already_closed = strcmp(PQgetvalue(st, 0, 0), "CLOSED") == 0;
    return TRUE;
  }
  return stmt_exec(n->conn, E("11_open_date"), 1, params, error);
}

/* The night's first act: D is opened (or found open) under the intake cut's lock,
 * taken exclusively, which every load holds shared for its whole transaction. A load
 * that committed before holds rows the steps will take; one that starts after sees D
 * in the calendar and rejects its rows of D as DATE_CLOSED (intake.c). */
static gboolean
cut_intake(Night *n, GError **error)
{
  if (!db_begin(n->conn, error))
    return FALSE;
  gboolean ok = db_xact_lock(n->conn, DB_LOCK_INTAKE_CUT, FALSE, error) && open_date(n, error);
  if (!ok || !db_commit(n->conn, error)) {
    db_rollback(n->conn);
    return FALSE;
  }
  return TRUE;
}

static gboolean
start_run(Night *n, GError **error)
{
  const char *params[] = { "eod", n->ctx.date_str, n->host, n->pid };
  g_autoptr(PGresult) res = stmt_query_one(n->conn, E("20_start_run"), 4, params, error);
  if (!res)
    return FALSE;
  g_strlcpy(n->run, PQgetvalue(res, 0, 0), sizeof n->run);
  n->ctx.run_id = g_ascii_strtoll(n->run, NULL, 10);
  n->report->run_id = n->ctx.run_id;
  fault_reached("run-start");
  const char *date[] = { n->ctx.date_str };
  g_autoptr(PGresult) parts = NULL;
  return stmt_exec(n->conn, E("22_abandon_steps"), 1, date, error)
         && spool_record_overrides(n->conn, n->config, n->ctx.date_str, n->run, error)
         && (parts = stmt_query_one(n->conn, E("24_partitions"), 1, date, error));
}

static void
end_run(Night *n, const GError *failure)
{
  if (!n->run[0] || PQstatus(n->conn) != CONNECTION_OK)
    return;
  const char *exit_code = failure ? "1" : n->report->open_breaks > 0 ? "3" : "0";
  const char *params[] = { n->run, failure ? "FAILED" : "SUCCEEDED", exit_code,
                           failure ? failure->message : NULL };
  stmt_exec(n->conn, E("21_end_run"), 4, params, NULL);
}

static gboolean
run_all_steps(Night *n, GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS(steps); i++)
    if (!run_step(n, &steps[i], error))
      return FALSE;
  return TRUE;
}


static gboolean
close_date(Night *n, GError **error)
{
  const char *params[] = { n->ctx.date_str, n->run };
  fault_reached("before-close");
  gboolean ok = stmt_exec(n->conn, E("40_close_date"), 2, params, error);
  if (ok)
    fault_reached("after-close");
  return ok && refresh_statistics(n, error);
}

/* Breaks of the recon step (also when it was done by an earlier, crashed run) are
 * the date's OPEN breaks. By default the date closes anyway and the caller exits 3;
 * with [recon] breaks_block_close=true it stays open until they are explained or
 * resolved and the night is run again. */
static gboolean
close_unless_blocked(Night *n, GError **error)
{
  if (!recon_open_breaks(n->conn, n->ctx.date_str, &n->report->open_breaks, error))
    return FALSE;
  if (n->report->open_breaks > 0 && n->config->recon_breaks_block_close) {
    n->report->kept_open = TRUE;
    log_warning("%s stays open: %" G_GINT64_FORMAT " open reconciliation break(s) and breaks_block_close=true",
                n->ctx.date_str, n->report->open_breaks);
    return TRUE;
  }
  return close_date(n, error);
}

/* A dry run: every step in one transaction that is rolled back at the end. */
static gboolean
dry_run_night(Night *n, GError **error)
{
  if (!db_begin(n->conn, error))
    return FALSE;
  gboolean ok = open_date(n, error);
  if (ok && n->report->already_closed) {
    db_rollback(n->conn);
    return TRUE;
  }
  ok = ok && start_run(n, error) && run_all_steps(n, error);
  db_rollback(n->conn);
  return ok;
}

gboolean
eod_run_night(PGconn *conn, const Config *config, const GDate *date, gboolean dry_run,
              EodReport *report, GError **error)
{
  Night n = { .conn = conn, .config = config, .dry_run = dry_run, .report = report };
  n.ctx.conn = conn;
  n.ctx.config = config;
  n.ctx.date = *date;
  format_date(date, n.ctx.date_str);
  g_strlcpy(n.host, g_get_host_name(), sizeof n.host);
  g_snprintf(n.pid, sizeof n.pid, "%d", (int) getpid());
  g_strlcpy(report->date_str, n.ctx.date_str, sizeof report->date_str);
  if (dry_run)
    return dry_run_night(&n, error);
  if (!cut_intake(&n, error) || !stmt_exec(conn, E("23_abandon_runs"), 0, NULL, error))
    return FALSE;
  if (report->already_closed) {
    log_info("%s is already closed: nothing to do", n.ctx.date_str);
    return TRUE;
  }
  gboolean ok = start_run(&n, error) && run_all_steps(&n, error) && close_unless_blocked(&n, error);
  log_set_context("eod");
  end_run(&n, ok ? NULL : (error ? *error : NULL));
  return ok;
}

void
eod_report_clear(EodReport *r)
{
  if (r->steps)
    g_array_unref(r->steps);
  memset(r, 0, sizeof *r);
}

void
eod_report_init(EodReport *r)
{
  memset(r, 0, sizeof *r);
  r->steps = g_array_new(FALSE, TRUE, sizeof(EodStepReport));
}
