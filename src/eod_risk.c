/* Step risk (issue 13 §5): the aggregates the risk reports read — vintage by
 * origination month, aging by status × bucket × class, roll rates by bucket then
 * × status and bucket now — brought to business date D, after aging and writeoff
 * have written D's loan_snapshots rows. The work is one call of the function of
 * sql/0044 (set-based, reviewed with the tables it fills; the statement is
 * sql/steps/risk/10_maintain.sql): it rewrites D's rows,
 * so a rerun of the same date is idempotent, and its cost is the day's changes
 * (aging by loan since the last night, sql/0058) except at a month end and on the
 * month's first night (month-end rows) and when aging has no base to start from.
 * recon --full recomputes the aggregates from the book (R16, recon_full.c). */
#include "db.h"
#include "eod_steps.h"
#include "stmt.h"

/* ctx->rows = aggregate rows written for D. */
gboolean
eod_step_risk(EodContext *ctx, GError **error)
{
  const char *d[] = { ctx->date_str };
  g_autoptr(PGresult) res = stmt_query_one(ctx->conn, "steps/risk/10_maintain", 1, d, error);
  if (!res)
    return FALSE;
  ctx->rows = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  ctx->amount_fen = 0;
  return TRUE;
}
