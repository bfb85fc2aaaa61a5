/* Refunds (退货退款) of business date D (product-rules §6, §11). A refund R names an
 * order: R ≤ principal not yet refunded. A full refund (cumulative = principal)
 * cancels the loan: open rows cancelled, unpaid fee and penalty waived, everything
 * paid on the loan returned to the credit balance. A partial refund reduces unbilled
 * principal from the last installment backwards (a row reaching 0 is cancelled and
 * its fee waived), then billed unpaid principal oldest first; what is left of R was
 * principal already paid and goes to the credit balance. Then credit balances are
 * applied (§5 point 4).
 *
 * Set-based by rounds: round k holds the k-th refund of each order of the night, in
 * arrival order; a second refund of the same order depends on what the first left
 * (it may become the full one, or exceed what is refundable), so it waits a round.
 *
 * Decisions: a partial refund of a PAID_OFF loan only credits the user and the loan
 * stays PAID_OFF (its full refund cancels it, as loans_cancelled_iff_fully_refunded
 * requires); a partial refund that leaves an ACTIVE loan nothing open makes it
 * PAID_OFF; the fee of a billed row is never waived by a partial refund (it was
 * billed for a period that ran), only that of an unbilled row reaching 0.
 *
 * The statements are sql/steps/refunds/. */
#include "eod_steps.h"

#include "db.h"
#include "gl.h"
#include "stmt.h"

#define REFUND(name) "steps/refunds/" name

/* ---- general ledger: from the day's refund_applications and waivers ---------- */

static gboolean
post_query(EodContext *ctx, const char *entry_type, const char *key, const char *description,
           const char *name, GError **error)
{
  const char *params[] = { ctx->date_str };
  const char *sql = stmt_sql(name, error);
  gint64 posted = 0;
  return sql && gl_post_query(ctx, entry_type, "refunds", key, description, sql, 1, params, &posted, error);
}

static gboolean
post_refunds(EodContext *ctx, GError **error)
{
  return post_query(ctx, "REFUND", "refunds:REFUND", "refunded principal", REFUND("70_gl_refund"), error)
         && post_query(ctx, "WAIVER", "refunds:WAIVER", "billed fee and penalty waived by refunds",
                       REFUND("71_gl_waiver"), error)
         && post_query(ctx, "REFUND", "refunds:REFUND_RETURN", "fee and penalty paid, returned on full refunds",
                       REFUND("72_gl_return"), error);
}

static gboolean
refund_round(EodContext *ctx, const char *round, GError **error)
{
  const char *round_param[] = { round };
  const char *d[] = { ctx->date_str };
  return stmt_temp_table(ctx->conn, "bt_refund_eval", REFUND("01_eval_table"), error)
         && stmt_temp_table(ctx->conn, "bt_refund_split", REFUND("02_split_table"), error)
         && stmt_exec(ctx->conn, REFUND("20_evaluate"), 1, round_param, error)
         && stmt_exec(ctx->conn, REFUND("25_reject"), 1, d, error)
         && stmt_exec(ctx->conn, REFUND("30_split"), 1, d, error)
         && stmt_exec(ctx->conn, REFUND("35_allocate"), 1, d, error)
         && stmt_exec(ctx->conn, REFUND("40_waive"), 1, d, error)
         && stmt_exec(ctx->conn, REFUND("45_settle_installments"), 1, d, error)
         && stmt_exec(ctx->conn, REFUND("50_record"), 1, d, error)
         && stmt_exec(ctx->conn, REFUND("55_credit"), 1, d, error)
         && stmt_exec(ctx->conn, REFUND("60_users"), 0, NULL, error)
         && stmt_exec(ctx->conn, REFUND("65_loans"), 1, d, error)
         && stmt_exec(ctx->conn, REFUND("66_mark_applied"), 1, d, error);
}

gboolean
eod_step_refunds(EodContext *ctx, GError **error)
{
  const char *params[] = { ctx->date_str };
  if (!stmt_temp_table(ctx->conn, "bt_refund_today", REFUND("00_batch_table"), error)
      || !stmt_exec(ctx->conn, REFUND("10_take_batch"), 1, params, error))
    return FALSE;
  g_autoptr(PGresult) totals = stmt_query_one(ctx->conn, REFUND("11_batch_totals"), 0, NULL, error);
  if (!totals)
    return FALSE;
  gint64 rounds = g_ascii_strtoll(PQgetvalue(totals, 0, 2), NULL, 10);
  for (gint64 k = 1; k <= rounds; k++) {
    g_autofree char *round = g_strdup_printf("%" G_GINT64_FORMAT, k);
    if (!refund_round(ctx, round, error))
      return FALSE;
  }
  if (!post_refunds(ctx, error) || !eod_apply_credit_balances(ctx, error))
    return FALSE;
  ctx->rows = g_ascii_strtoll(PQgetvalue(totals, 0, 0), NULL, 10);
  ctx->amount_fen = g_ascii_strtoll(PQgetvalue(totals, 0, 1), NULL, 10);
  return TRUE;
}
