/* Step intake_close: the intake of D ends with the night. The night cut D's inbox
 * when it opened D (eod.c, under DB_LOCK_INTAKE_CUT): a file loaded after the cut has
 * its rows of D rejected at load (DATE_CLOSED), so every row of D in the inbox was
 * there when the steps took theirs. Whatever is still PENDING on or before D now (a
 * row inserted behind the loader's back after its step, a leftover of an older
 * version) is rejected here with the reason, so that no row of a closed date is left
 * waiting for ever. Recon R10 proves it. */
#include "db.h"
#include "eod_steps.h"
#include "stmt.h"

/* One statement a kind (sql/steps/intake_close/): the PENDING rows dated D or earlier
 * become REJECTED DATE_CLOSED, each with its rejects row; each returns (rows, amount). */
static const char *const sweeps[] = {
  "steps/intake_close/10_sweep_orders",
  "steps/intake_close/20_sweep_repayments",
  "steps/intake_close/30_sweep_refunds",
};

gboolean
eod_step_intake_close(EodContext *ctx, GError **error)
{
  const char *params[] = { ctx->date_str };
  for (gsize i = 0; i < G_N_ELEMENTS(sweeps); i++) {
    g_autoptr(PGresult) res = stmt_query_one(ctx->conn, sweeps[i], 1, params, error);
    if (!res)
      return FALSE;
    ctx->rows += g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    ctx->amount_fen += g_ascii_strtoll(PQgetvalue(res, 0, 1), NULL, 10);
  }
  return TRUE;
}
