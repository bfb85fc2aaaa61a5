/* Step intake_close: the intake of D ends with the night. The night cut D's inbox
 * when it opened D (eod.c, under DB_LOCK_INTAKE_CUT): a file loaded after the cut has
 * its rows of D rejected at load (DATE_CLOSED), so every row of D in the inbox was
 * there when the steps took theirs. Whatever is still PENDING on or before D now (a
 * row inserted behind the loader's back after its step, a leftover of an older
 * version) is rejected here with the reason, so that no row of a closed date is left
 * waiting for ever. Recon R10 proves it. */
#include "db.h"
#include "eod_steps.h"

/* One kind: the PENDING rows dated D or earlier become REJECTED DATE_CLOSED, each with
 * its rejects row (file, line, field, reason, detail); returns (rows, amount). */
#define SWEEP(table, kind, id_col, date_col)                                                        \
  "WITH swept AS ("                                                                                 \
  "  UPDATE " table " SET status = 'REJECTED', reject_reason = 'DATE_CLOSED', processed_date = $1::date" \
  "   WHERE status = 'PENDING' AND " date_col " <= $1::date"                                         \
  "  RETURNING " id_col " AS external_id, user_id, amount_fen, file_id, line_no, " date_col " AS d),"  \
  " ins AS ("                                                                                       \
  "  INSERT INTO rejects (file_id, file_name, line_no, source_kind, external_id, user_id, field, reason_code," \
  "                       detail, amount_fen, business_date)"                                       \
  "  SELECT s.file_id, f.file_name, s.line_no, '" kind "', s.external_id, s.user_id, '" date_col "',"  \
  "         'DATE_CLOSED', '" kind " dated ' || s.d || ' still pending at the end of the night of '"   \
  "         || $1::date || ': it reached the inbox after its step', s.amount_fen, $1::date"           \
  "    FROM swept s LEFT JOIN load_files f ON f.file_id = s.file_id)"                                \
  " SELECT count(*), coalesce(sum(amount_fen), 0)::bigint FROM swept"

static const struct {
  const char *name;
  const char *sql;
} sweeps[] = {
  { "intake_close_orders", SWEEP("inbox_orders", "orders", "order_id", "order_date") },
  { "intake_close_repayments", SWEEP("inbox_repayments", "repayments", "txn_id", "pay_date") },
  { "intake_close_refunds", SWEEP("inbox_refunds", "refunds", "refund_id", "refund_date") },
};

gboolean
eod_step_intake_close(EodContext *ctx, GError **error)
{
  const char *params[] = { ctx->date_str };
  for (gsize i = 0; i < G_N_ELEMENTS(sweeps); i++) {
    g_autoptr(PGresult) res = db_query_one(ctx->conn, sweeps[i].name, sweeps[i].sql, 1, params, error);
    if (!res)
      return FALSE;
    ctx->rows += g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    ctx->amount_fen += g_ascii_strtoll(PQgetvalue(res, 0, 1), NULL, 10);
  }
  return TRUE;
}
