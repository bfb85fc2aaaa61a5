/* Step gl_close (product-rules §8): the day's balance of every postable account —
 * opening (the previous closing), debits, credits, closing — so that a trial
 * balance for any date is one query on gl_daily_balances; then the day's journal
 * hash chain is sealed (migration journal_hash_chain), after its last posting. */
#include "db.h"
#include "eod_run.h"
#include "eod_steps.h"
#include "stmt.h"

gboolean
eod_step_gl_close(EodContext *ctx, GError **error)
{
  const char *d[] = { ctx->date_str };
  g_autoptr(PGresult) res = stmt_query_one(ctx->conn, "steps/gl_close/10_daily_balances", 1, d, error);
  if (!res)
    return FALSE;
  gint64 debit = g_ascii_strtoll(PQgetvalue(res, 0, 1), NULL, 10);
  gint64 credit = g_ascii_strtoll(PQgetvalue(res, 0, 2), NULL, 10);
  if (debit != credit) {
    /* Cannot happen while every entry balances; a trial balance that does not is
     * a reason to stop the night. */
    g_set_error(error, EOD_ERROR, EOD_ERROR_INVARIANT,
                "trial balance for %s does not balance: debits %" G_GINT64_FORMAT ", credits %" G_GINT64_FORMAT,
                ctx->date_str, debit, credit);
    return FALSE;
  }
  g_autoptr(PGresult) sealed = stmt_query_one(ctx->conn, "steps/gl_close/20_seal_journal_chain", 1, d, error);
  if (!sealed)
    return FALSE;
  ctx->rows = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  ctx->amount_fen = debit;
  return TRUE;
}
