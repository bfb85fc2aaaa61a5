/* Step aging (product-rules §7): for business date D, after repayments and billing,
 *   1. penalty (罚息) on every installment overdue at the end of D — D > due date and
 *      principal + fee not fully paid — in runs of days at one daily amount
 *      (src/eod_penalty.c: a run opens, or closes and reopens, only when its base
 *      changes) and booked Dr 1124 / Cr 6012;
 *   2. DPD, bucket and five-tier class of the loans whose state may have changed, and
 *      a loan_snapshots change row for each loan whose status, bucket or class did
 *      change; at a month end a full row for every live loan.
 *
 * Cost is the day's activity. The snapshot part (sql/steps/aging/2x_*.sql)
 * never scans the overdue stock: DPD is derived from the earliest overdue due date,
 * and a loan's bucket or class can change only on the days its DPD reaches a §7
 * boundary (dpd_grade_boundaries(), the one definition's own), found by date
 * arithmetic — its earliest overdue installment is due on D − t — over the partial
 * index of billed (or written-off) installments by due date; or on a day money moved
 * on it (allocations, refund applications, waivers of D) or its status changed.
 * Only a month end touches every live loan, as the contract asks.
 *
 * Decisions where the contract is silent (docs/decisions.md):
 *  - "Live" loans are ACTIVE ones and WRITTEN_OFF ones not fully recovered (§11:
 *    they stay in aging for collection). A loan gets its first row the night it is
 *    first seen: normally its origination night (origination_date = D); a loan closed
 *    (PAID_OFF, CANCELLED) gets a final row that night, and none after. A written-off
 *    loan's write-off night row is written by the write-off step (eod_writeoff.c);
 *    after that this step follows its off-balance DPD; the night it is fully
 *    recovered it gets its row with DPD 0, bucket C, and none after.
 *  - The DPD of a PAID_OFF or CANCELLED loan is 0; its class follows from status and
 *    DPD as in sql/0017.
 *  - Every row dated a month end has is_month_end = true, including the final row of
 *    a loan closed that day.
 *  - A loan's latest row is looked for from the previous month end on: a live loan
 *    always has a row there (month-end rows), so no older partition is read; a loan
 *    without a row in that window is treated as never seen and gets a row.
 *  - Balances in a row are those at the end of D: outstanding principal (billed and
 *    unbilled, net of refunds, payments and write-off), billed unpaid fee, unpaid
 *    penalty, and the unpaid principal of the overdue installments. */
#include "db.h"
#include "eod_steps.h"
#include "gl.h"
#include "stmt.h"

static gint64
int_value(PGresult *res, int col)
{
  return g_ascii_strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

/* D's loan_snapshots rows (sql/steps/aging/2x_*.sql): the previous pass the date
 * arithmetic starts from, the change rows (or a month end's full rows), and D's pass
 * recorded for the next night. */
static gboolean
write_snapshots(EodContext *ctx, gint64 *snapshot_rows, GError **error)
{
  GDate previous_month_end = ctx->date;
  g_date_set_day(&previous_month_end, 1);
  g_date_subtract_days(&previous_month_end, 1);
  char window_start[11];
  g_date_strftime(window_start, sizeof window_start, "%Y-%m-%d", &previous_month_end);
  const char *pass_params[] = { ctx->date_str, window_start };
  g_autoptr(PGresult) pass = stmt_query_one(ctx->conn, "steps/aging/20_previous_pass", 2, pass_params, error);
  if (!pass)
    return FALSE;
  const char *previous = PQgetisnull(pass, 0, 0) ? NULL : PQgetvalue(pass, 0, 0);
  gboolean month_end = g_date_is_last_of_month(&ctx->date);
  gboolean no_previous = PQgetvalue(pass, 0, 2)[0] == 't';
  const char *params[] = { ctx->date_str, month_end ? "true" : "false", window_start, PQgetvalue(pass, 0, 1),
                           no_previous ? "true" : "false" };
  g_autoptr(PGresult) res = stmt_query_one(ctx->conn, "steps/aging/21_snapshots", 5, params, error);
  if (!res)
    return FALSE;
  *snapshot_rows = int_value(res, 0);
  char rows[24];
  g_snprintf(rows, sizeof rows, "%" G_GINT64_FORMAT, *snapshot_rows);
  const char *record[] = { ctx->date_str, previous, no_previous ? "true" : "false", rows };
  return stmt_exec(ctx->conn, "steps/aging/22_record_pass", 4, record, error);
}

/* ctx->rows = penalty_accruals rows inserted + loan_snapshots rows written;
 * ctx->amount_fen = penalty accrued on D. */
gboolean
eod_step_aging(EodContext *ctx, GError **error)
{
  gint64 accrued_rows = 0, penalty_fen = 0, snapshot_rows = 0;
  if (!eod_penalty_accrue(ctx, &accrued_rows, &penalty_fen, error)
      || !write_snapshots(ctx, &snapshot_rows, error))
    return FALSE;
  ctx->rows = accrued_rows + snapshot_rows;
  ctx->amount_fen = penalty_fen;
  return TRUE;
}
