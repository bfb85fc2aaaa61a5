/* Journal posting from set-based queries. */
#include "gl.h"

#include "db.h"

G_DEFINE_QUARK(gl-error-quark, gl_error)

/* Checks the lines before anything is written: the sums, and each line's shape. */
static const char sql_check_fmt[] =
  "WITH l AS (%s),"
  " a AS (SELECT account_code, sum(debit_fen) AS d, sum(credit_fen) AS c FROM l GROUP BY account_code)"
  " SELECT coalesce(sum(d), 0), coalesce(sum(c), 0),"
  "        count(*) FILTER (WHERE d < 0 OR c < 0),"
  "        count(*) FILTER (WHERE d <> 0 OR c <> 0)"
  "   FROM a";

/* One statement: the header, then its lines numbered per account and side. */
static const char sql_post_fmt[] =
  "WITH l AS (%s),"
  " a AS (SELECT account_code, sum(debit_fen)::bigint AS d, sum(credit_fen)::bigint AS c"
  "         FROM l GROUP BY account_code),"
  " sides AS (SELECT account_code, d AS debit_fen, 0::bigint AS credit_fen FROM a WHERE d > 0"
  "           UNION ALL SELECT account_code, 0, c FROM a WHERE c > 0),"
  " e AS (INSERT INTO journal_entries (business_date, entry_type, step_name, job_run_id,"
  "                                    posting_key, description)"
  "       VALUES ($%d::date, $%d, $%d, $%d::bigint, $%d, $%d) RETURNING entry_id, business_date)"
  " INSERT INTO journal_lines (entry_id, line_no, business_date, account_code, debit_fen, credit_fen)"
  " SELECT e.entry_id, row_number() OVER (ORDER BY s.credit_fen > 0, s.account_code),"
  "        e.business_date, s.account_code, s.debit_fen, s.credit_fen"
  "   FROM sides s CROSS JOIN e";

gboolean
gl_post_query(EodContext *ctx, const char *entry_type, const char *step, const char *posting_key,
              const char *description, const char *lines_sql, int nparams,
              const char *const *params, gint64 *posted_fen, GError **error)
{
  *posted_fen = 0;
  g_autofree char *check_sql = g_strdup_printf(sql_check_fmt, lines_sql);
  g_autoptr(PGresult) sums = db_query_one(ctx->conn, "gl_check_lines", check_sql, nparams, params, error);
  if (!sums)
    return FALSE;
  gint64 debit = g_ascii_strtoll(PQgetvalue(sums, 0, 0), NULL, 10);
  gint64 credit = g_ascii_strtoll(PQgetvalue(sums, 0, 1), NULL, 10);
  if (g_ascii_strtoll(PQgetvalue(sums, 0, 2), NULL, 10) > 0) {
    g_set_error(error, GL_ERROR, GL_ERROR_BAD_LINE, "%s entry %s: a negative line amount", step, posting_key);
    return FALSE;
  }
  if (debit != credit) {
    g_set_error(error, GL_ERROR, GL_ERROR_UNBALANCED,
                "%s entry %s is unbalanced: debits %" G_GINT64_FORMAT " fen, credits %" G_GINT64_FORMAT " fen",
                step, posting_key, debit, credit);
    return FALSE;
  }
  if (g_ascii_strtoll(PQgetvalue(sums, 0, 3), NULL, 10) == 0)
    return TRUE;

  /* The step's own parameters come first; ours follow them. */
  g_autofree char *post_sql = g_strdup_printf(sql_post_fmt, lines_sql, nparams + 1, nparams + 2,
                                              nparams + 3, nparams + 4, nparams + 5, nparams + 6);
  g_autofree char *run = g_strdup_printf("%" G_GINT64_FORMAT, ctx->run_id);
  g_autofree const char **all = g_new0(const char *, nparams + 6);
  for (int i = 0; i < nparams; i++)
    all[i] = params[i];
  all[nparams] = ctx->date_str;
  all[nparams + 1] = entry_type;
  all[nparams + 2] = step;
  all[nparams + 3] = run;
  all[nparams + 4] = posting_key;
  all[nparams + 5] = description;
  if (!db_exec(ctx->conn, "gl_post_entry", post_sql, nparams + 6, all, error))
    return FALSE;
  *posted_fen = debit;
  return TRUE;
}
