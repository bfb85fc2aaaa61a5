/* Journal posting: a step's lines, from its own query, posted by one SQL function
 * (journal_post_entry, its migration; the call is sql/queries/gl/10_post_entry.sql). */
#include "gl.h"

#include "db.h"
#include "stmt.h"

static gboolean
post_lines(EodContext *ctx, const GlEntry *entry, PGresult *lines, gint64 *posted_fen, GError **error)
{
  if (PQnfields(lines) != 3) {
    g_set_error(error, DB_ERROR, DB_ERROR_CONTRACT,
                "%s entry %s: its lines have %d columns, not (account_code, debit_fen, credit_fen)", entry->step,
                entry->posting_key, PQnfields(lines));
    return FALSE;
  }
  g_autofree char *run = g_strdup_printf("%" G_GINT64_FORMAT, ctx->run_id);
  g_autofree char *accounts = db_array_of_column(lines, 0);
  g_autofree char *debits = db_array_of_column(lines, 1);
  g_autofree char *credits = db_array_of_column(lines, 2);
  const char *params[] = { ctx->date_str, entry->entry_type, entry->step, run, entry->posting_key,
                           entry->description, accounts, debits, credits };
  g_autoptr(PGresult) res = stmt_query_one(ctx->conn, "queries/gl/10_post_entry", G_N_ELEMENTS(params), params,
                                           error);
  if (!res)
    return FALSE;
  *posted_fen = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  return TRUE;
}

gboolean
gl_post_stmt(EodContext *ctx, const char *entry_type, const char *step, const char *posting_key,
             const char *description, const char *lines_stmt, int nparams, const char *const *params,
             gint64 *posted_fen, GError **error)
{
  *posted_fen = 0;
  const GlEntry entry = { entry_type, step, posting_key, description };
  g_autoptr(PGresult) lines = stmt_query(ctx->conn, lines_stmt, (guint) nparams, params, error);
  return lines && post_lines(ctx, &entry, lines, posted_fen, error);
}

gboolean
gl_post_query(EodContext *ctx, const char *entry_type, const char *step, const char *posting_key,
              const char *description, const char *lines_sql, int nparams,
              const char *const *params, gint64 *posted_fen, GError **error)
{
  *posted_fen = 0;
  const GlEntry entry = { entry_type, step, posting_key, description };
  g_autoptr(PGresult) lines = db_query(ctx->conn, "gl_entry_lines", lines_sql, nparams, params, error);
  return lines && post_lines(ctx, &entry, lines, posted_fen, error);
}
