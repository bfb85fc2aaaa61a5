/* Step write-off (核销, product-rules §7, §11): on the night a loan's DPD first exceeds
 * its writeoff_dpd (a term copied from the product), after that night's penalty, its
 * receivables leave the balance sheet: all outstanding principal (billed and
 * unbilled), billed unpaid fees and unpaid penalty are written off
 * (Dr 6701 / Cr 1122, 1123, 1124); unbilled fees are never billed (waived, reason
 * WRITEOFF, no GL: they were never booked); the loan becomes WRITTEN_OFF, its class
 * LOSS; its principal leaves the user's used limit (which counts ACTIVE loans only).
 *
 * The writeoffs row is written first and every later statement works from the
 * writeoffs of D (indexed by date), so the installments, the loan, the user, the
 * snapshot and the GL entry are all derived from one set and tie by construction.
 * Penalty stops accruing: the loan's open penalty runs (eod_penalty.c) close through D
 * (that night's penalty is in them) and are materialised before the write-off.
 * The statements are the files of sql/steps/writeoff/, in the order below.
 * Cost: the overdue set (partial index on billed installments by due date).
 *
 * Decisions where the contract is silent (docs/decisions.md):
 *  - The write-off night's loan_snapshots row is written here (the aging step ran
 *    before, with the loan still ACTIVE, and may have written a row for D: it is
 *    replaced). It shows status WRITTEN_OFF, class LOSS, the DPD at write-off (so the
 *    bucket is that of the DPD, M7+ with the default writeoff_dpd), zero on-balance
 *    balances (nothing is left on the balance sheet) and the whole amount written off
 *    as offbalance_fen. From the next night the aging step follows the loan's
 *    off-balance DPD (§11) until everything written off is recovered.
 *  - A loan whose DPD already exceeds writeoff_dpd when first seen (e.g. migrated
 *    data) is written off that night. */
#include "eod_steps.h"
#include "gl.h"
#include "stmt.h"

/* One parameter, D; run in this order (each file says why). */
static const char *const statements[] = {
  "steps/writeoff/10_record_writeoffs",
  "steps/writeoff/20_waive_unbilled_fees",
  "steps/writeoff/30_close_penalty_runs",
  "steps/writeoff/40_write_off_installments",
  "steps/writeoff/50_write_off_loans",
  "steps/writeoff/60_release_used_limit",
};

/* ctx->rows = loans written off on D; ctx->amount_fen = principal + fee + penalty
 * written off (the unbilled fees waived are not in it: they were never receivable). */
gboolean
eod_step_writeoff(EodContext *ctx, GError **error)
{
  const char *d[] = { ctx->date_str };
  const char *d_month_end[] = { ctx->date_str, g_date_is_last_of_month(&ctx->date) ? "true" : "false" };
  for (gsize i = 0; i < G_N_ELEMENTS(statements); i++)
    if (!stmt_exec(ctx->conn, statements[i], 1, d, error))
      return FALSE;
  if (!stmt_exec(ctx->conn, "steps/writeoff/70_snapshots", 2, d_month_end, error))
    return FALSE;
  const char *lines = stmt_sql("steps/writeoff/80_gl_lines", error);
  gint64 posted = 0;
  if (!lines
      || !gl_post_query(ctx, "WRITEOFF", "writeoff", "writeoff:WRITEOFF",
                        "receivables written off: Dr 6701 / Cr 1122, 1123, 1124", lines, 1, d, &posted, error))
    return FALSE;
  g_autoptr(PGresult) totals = stmt_query_one(ctx->conn, "steps/writeoff/90_totals", 1, d, error);
  if (!totals)
    return FALSE;
  ctx->rows = g_ascii_strtoll(PQgetvalue(totals, 0, 0), NULL, 10);
  ctx->amount_fen = g_ascii_strtoll(PQgetvalue(totals, 0, 1), NULL, 10);
  return TRUE;
}
