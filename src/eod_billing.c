/* Step billing (product-rules §3): the installments whose billing date is D are
 * billed (fee income recognised: Dr 1123 / Cr 6011), the credit balance is applied
 * to what is now billed (§5), and every user with something billed today, or whose
 * statement day is D and who still owes, gets a statement: new charges + carried
 * balances − credit balance applied = total due.
 *
 * The day's rows only (issue 15 §2): the partial index on unbilled installments by
 * billing date finds today's, the day's statement users are found from them and
 * from the users of today's statement day, and their carried balances through the
 * index on billed installments by user. The statements are sql/steps/billing/. */
#include "db.h"
#include "eod_steps.h"
#include "gl.h"
#include "stmt.h"

#define BILLING_SQL(what) ("steps/billing/" what)

/* The statements of D, in order, each taking D; the credit balance is applied
 * between the statement users' balances taken and the statements written. */
static const char *const before_credit[] = {
  BILLING_SQL("40_statement_users"),
  BILLING_SQL("45_analyze_statement_users"),
  BILLING_SQL("50_statement_base"),
};
static const char *const after_credit[] = {
  BILLING_SQL("60_statements"),
  BILLING_SQL("70_statement_lines"),
  BILLING_SQL("80_switch_statement_day"),
};

static gboolean
run_all(EodContext *ctx, const char *const *names, gsize n, GError **error)
{
  const char *d[] = { ctx->date_str };
  for (gsize i = 0; i < n; i++) {
    const Stmt *stmt = stmt_get(names[i], error);
    if (!stmt || !stmt_exec(ctx->conn, names[i], stmt->nparams, stmt->nparams ? d : NULL, error))
      return FALSE;
  }
  return TRUE;
}

gboolean
eod_step_billing(EodContext *ctx, GError **error)
{
  const char *d[] = { ctx->date_str };
  g_autoptr(PGresult) billed = stmt_query_one(ctx->conn, BILLING_SQL("10_bill"), 1, d, error);
  if (!billed)
    return FALSE;
  gint64 posted = 0;
  if (!stmt_exec(ctx->conn, BILLING_SQL("20_settle_empty"), 1, d, error)
      || !gl_post_stmt(ctx, "BILLING", "billing", "billing:BILLING", "fees billed: Dr 1123 / Cr 6011",
                       BILLING_SQL("30_gl_lines"), 1, d, &posted, error)
      || !run_all(ctx, before_credit, G_N_ELEMENTS(before_credit), error)
      || !eod_apply_credit_balances(ctx, error)
      || !run_all(ctx, after_credit, G_N_ELEMENTS(after_credit), error))
    return FALSE;
  ctx->rows = g_ascii_strtoll(PQgetvalue(billed, 0, 0), NULL, 10);
  ctx->amount_fen = g_ascii_strtoll(PQgetvalue(billed, 0, 1), NULL, 10);
  return TRUE;
}
