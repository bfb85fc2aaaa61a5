/* Step subsidies (issue 18): what the campaigns pay of the fees follows the fees.
 * A subsidy (a fee_subsidies row, granted at origination and deferred in 2203) is
 *  - earned when its installment is billed, or its fee charged by a CHARGE_ALL
 *    prepayment: Dr 2203 / Cr 6011, income like the fee the user pays;
 *  - returned to its funder when the installment will never be billed (cancelled by
 *    a refund, written off, its fee waived by a prepayment): Dr 2203 / Cr 6601 for
 *    the platform, Cr 2202 for the merchant;
 *  - reversed when its loan is fully refunded after it was earned: Dr 6011 / Cr 6601
 *    or Cr 2202, as the user's own fees are returned (product-rules §6).
 * A coupon used by a loan fully refunded within its campaign's coupon_return_days is
 * returned to its user. The step runs after billing, refunds, prepayments and
 * write-offs, so it sees every way an installment left UNBILLED on D; it reads only
 * the subsidies due for billing by D and the loans those events touched.
 * The statements are the files of sql/steps/subsidies/, in the order below. */
#include "eod_steps.h"
#include "gl.h"
#include "stmt.h"

#define SUBSIDY_SQL(what) ("steps/subsidies/" what)

static const char *const statements[] = {
  SUBSIDY_SQL("11_touched_loans"),
  SUBSIDY_SQL("20_earn_billed"),
  SUBSIDY_SQL("21_earn_charged"),
  SUBSIDY_SQL("30_return_unbilled"),
  SUBSIDY_SQL("40_reverse_refunded"),
  SUBSIDY_SQL("50_return_coupons"),
};

static const GlEntry entries[] = {
  { "SUBSIDY", "subsidies", "subsidies:EARNED", "campaign subsidies earned as billed: Dr 2203 / Cr 6011" },
  { "SUBSIDY", "subsidies", "subsidies:RETURNED", "campaign subsidies never billed, back to the funder: Dr 2203 / Cr 6601, 2202" },
  { "SUBSIDY", "subsidies", "subsidies:REVERSED", "campaign subsidies of fully refunded loans: Dr 6011 / Cr 6601, 2202" },
};

static const char *const entry_lines[] = {
  SUBSIDY_SQL("60_gl_earned"),
  SUBSIDY_SQL("61_gl_returned"),
  SUBSIDY_SQL("62_gl_reversed"),
};

/* ctx->rows = subsidy rows earned, returned or reversed on D; ctx->amount_fen their sum. */
gboolean
eod_step_subsidies(EodContext *ctx, GError **error)
{
  const char *d[] = { ctx->date_str };
  if (!stmt_exec(ctx->conn, SUBSIDY_SQL("10_touched_table"), 0, NULL, error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS(statements); i++)
    if (!stmt_exec(ctx->conn, statements[i], 1, d, error))
      return FALSE;
  gint64 posted = 0;
  for (gsize i = 0; i < G_N_ELEMENTS(entries); i++)
    if (!gl_post_stmt(ctx, entries[i].entry_type, entries[i].step, entries[i].posting_key, entries[i].description,
                      entry_lines[i], 1, d, &posted, error))
      return FALSE;
  g_autoptr(PGresult) totals = stmt_query_one(ctx->conn, SUBSIDY_SQL("70_totals"), 1, d, error);
  if (!totals)
    return FALSE;
  ctx->rows = g_ascii_strtoll(PQgetvalue(totals, 0, 0), NULL, 10);
  ctx->amount_fen = g_ascii_strtoll(PQgetvalue(totals, 0, 1), NULL, 10);
  return TRUE;
}
