/* Journal posting: a step's lines, from its own query, posted by one SQL function
 * (journal_post_entry, its migration; the call is sql/queries/gl/10_post_entry.sql). */
#include "gl.h"

#include "db.h"
#include "stmt.h"

/* COLUMN of every row of LINES as a PostgreSQL array literal ("{a,b}"; NULL stays NULL). */
static char *
array_literal(PGresult *lines, int column)
{
  GString *out = g_string_new("{");
  for (int i = 0; i < PQntuples(lines); i++) {
    if (i > 0)
      g_string_append_c(out, ',');
    if (PQgetisnull(lines, i, column)) {
      g_string_append(out, "NULL");
      continue;
    }
    g_string_append_c(out, '"');
    for (const char *p = PQgetvalue(lines, i, column); *p; p++) {
      if (*p == '"' || *p == '\\')
        g_string_append_c(out, '\\');
      g_string_append_c(out, *p);
    }
    g_string_append_c(out, '"');
  }
  g_string_append_c(out, '}');
  return g_string_free(out, FALSE);
}

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
  g_autofree char *accounts = array_literal(lines, 0);
  g_autofree char *debits = array_literal(lines, 1);
  g_autofree char *credits = array_literal(lines, 2);
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
