/* The §5 waterfall, set-based: each user's owed items are laid end to end on a number
 * line in allocation order (cumulative sums, window functions), each payer's money on
 * another (cumulative sums in arrival order); an allocation is the overlap of two
 * intervals. One statement allocates all the payers of a pass
 * (sql/steps/waterfall/30_allocate.sql); the pass's allocations come back from its
 * INSERT … RETURNING into a work table that the settling statements read. */
#include "waterfall.h"

#include "stmt.h"

gboolean
waterfall_begin_pass(EodContext *ctx, GError **error)
{
  return stmt_temp_table(ctx->conn, "bt_wf_pay", "steps/waterfall/10_payers_table", error)
         && stmt_temp_table(ctx->conn, "bt_wf_alloc", "steps/waterfall/11_pass_table", error);
}

gboolean
waterfall_allocate(EodContext *ctx, WaterfallSource source, GError **error)
{
  const char *params[] = {
    ctx->date_str,
    source == WATERFALL_REPAYMENT ? "REPAYMENT" : "CREDIT_BALANCE",
    source == WATERFALL_REPAYMENT ? "true" : "false",
  };
  return stmt_exec(ctx->conn, "steps/waterfall/20_analyze_payers", 0, NULL, error)
         && stmt_exec(ctx->conn, "steps/waterfall/30_allocate", 3, params, error)
         && waterfall_settle(ctx, error);
}

gboolean
waterfall_restore_limit(EodContext *ctx, GError **error)
{
  return stmt_exec(ctx->conn, "steps/waterfall/60_restore_limit", 0, NULL, error);
}

gboolean
waterfall_close_paid_off_loans(EodContext *ctx, GError **error)
{
  const char *d[] = { ctx->date_str };
  return stmt_exec(ctx->conn, "steps/waterfall/70_close_paid_off_loans", 1, d, error);
}

gboolean
waterfall_settle(EodContext *ctx, GError **error)
{
  const char *d[] = { ctx->date_str };
  return stmt_exec(ctx->conn, "steps/waterfall/35_analyze_pass", 0, NULL, error)
         && stmt_exec(ctx->conn, "steps/waterfall/40_settle_installments", 1, d, error)
         && stmt_exec(ctx->conn, "steps/waterfall/50_settle_writeoffs", 1, d, error)
         && waterfall_restore_limit(ctx, error)
         && waterfall_close_paid_off_loans(ctx, error);
}
