/* The penalty part of step aging (product-rules §7, §8), in runs: an overdue
 * installment accrues round_half_up(base × penalty_ppm / 10^6) a day, and as long as
 * its base (unpaid principal + fee) does not change that is the same amount every day,
 * so a run — first day, base, fen per day — stands for all of them. The open run lives
 * on the installment row (sql migration penalty_runs); the night writes nothing for an
 * installment that nothing touched. For business date D, in the aging step:
 *   1. the runs of the installments touched on D (allocations, waivers, refund
 *      applications of D) close through D − 1: materialised into penalty_accrued_fen,
 *      one penalty_accruals row each (sql/steps/aging/10_penalty_close_runs.sql);
 *   2. every billed installment overdue at the end of D without a run gets one from D
 *      (11_penalty_open_runs.sql): first overdue tonight, or reopened at its new base;
 *   3. D's penalty, the Σ fen per day of the runs open on D, is booked Dr 1124 / Cr 6012
 *      (12_penalty_gl_lines.sql).
 * Cost: the day's touched installments, the installments first overdue tonight (their
 * own partial index), and one index-only sum over the open runs. Write-off closes the
 * runs of the loans it writes off (eod_writeoff.c). Outstanding penalty at any date is
 * installment_penalty_out_fen(i, date), the one spelling (sql migration
 * outstanding_functions). */
#include "eod_steps.h"
#include "gl.h"
#include "stmt.h"

static gboolean
count_of(EodContext *ctx, const char *name, gint64 *out, GError **error)
{
  const char *d[] = { ctx->date_str };
  g_autoptr(PGresult) res = stmt_query_one(ctx->conn, name, 1, d, error);
  if (!res)
    return FALSE;
  *out = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  return TRUE;
}

gboolean
eod_penalty_accrue(EodContext *ctx, gint64 *runs_written, gint64 *penalty_fen, GError **error)
{
  const char *d[] = { ctx->date_str };
  gint64 closed = 0, opened = 0;
  if (!count_of(ctx, "steps/aging/10_penalty_close_runs", &closed, error)
      || !count_of(ctx, "steps/aging/11_penalty_open_runs", &opened, error))
    return FALSE;
  const char *lines = stmt_sql("steps/aging/12_penalty_gl_lines", error);
  if (!lines)
    return FALSE;
  *runs_written = closed + opened;
  *penalty_fen = 0;
  return gl_post_query(ctx, "PENALTY", "aging", "aging:PENALTY", "penalty accrued: Dr 1124 / Cr 6012", lines, 1,
                       d, penalty_fen, error);
}
