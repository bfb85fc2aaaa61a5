/* Step gl_close (product-rules §8): the day's balance of every postable account —
 * opening (the previous closing), debits, credits, closing — so that a trial
 * balance for any date is one query on gl_daily_balances; then the day's journal
 * hash chain is sealed (migration journal_hash_chain), after its last posting. */
#include "db.h"
#include "eod_run.h"
#include "eod_steps.h"

/* Every postable account gets a row every day (a few dozen rows), so the latest
 * row of an account is always the day before. */
static const char sql_close[] =
  "WITH moves AS ("
  "  SELECT account_code, sum(debit_fen)::bigint AS debit_fen, sum(credit_fen)::bigint AS credit_fen"
  "    FROM journal_lines WHERE business_date = $1::date GROUP BY account_code),"
  " opening AS ("
  "  SELECT DISTINCT ON (account_code) account_code, closing_fen"
  "    FROM gl_daily_balances WHERE business_date < $1::date"
  "   ORDER BY account_code, business_date DESC),"
  " ins AS ("
  "  INSERT INTO gl_daily_balances (business_date, account_code, opening_fen, debit_fen, credit_fen, closing_fen)"
  "  SELECT $1::date, a.account_code, coalesce(o.closing_fen, 0), coalesce(m.debit_fen, 0),"
  "         coalesce(m.credit_fen, 0),"
  "         coalesce(o.closing_fen, 0) + coalesce(m.debit_fen, 0) - coalesce(m.credit_fen, 0)"
  "    FROM gl_accounts a"
  "    LEFT JOIN opening o USING (account_code)"
  "    LEFT JOIN moves m USING (account_code)"
  "   WHERE a.is_postable"
  "  RETURNING debit_fen, credit_fen)"
  " SELECT count(*), coalesce(sum(debit_fen), 0)::bigint, coalesce(sum(credit_fen), 0)::bigint FROM ins";

/* The hashes are the database's (one definition, shared with recon R12). */
static const char sql_seal_chain[] = "SELECT entries, encode(head_hash, 'hex') FROM journal_chain_seal($1::date)";

gboolean
eod_step_gl_close(EodContext *ctx, GError **error)
{
  const char *d[] = { ctx->date_str };
  g_autoptr(PGresult) res = db_query_one(ctx->conn, "gl_daily_balances", sql_close, 1, d, error);
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
  g_autoptr(PGresult) sealed = db_query_one(ctx->conn, "journal_chain_seal", sql_seal_chain, 1, d, error);
  if (!sealed)
    return FALSE;
  ctx->rows = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  ctx->amount_fen = debit;
  return TRUE;
}
