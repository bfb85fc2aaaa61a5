/* General-ledger postings (product-rules §8): one balanced summary entry per step,
 * movement kind and day, built set-based from the sub-ledger rows the step wrote,
 * so entry and sub-ledger tie to the fen by construction. The posting itself is one
 * SQL function, journal_post_entry (migration journal_post_entry). */
#ifndef BAITIAO_GL_H
#define BAITIAO_GL_H

#include <glib.h>

#include "eod.h"

/* What an entry is: its journal_entries.entry_type, the step posting it, its posting
 * key (unique per date: makes the posting idempotent) and description. */
typedef struct {
  const char *entry_type;
  const char *step;
  const char *posting_key;
  const char *description;
} GlEntry;

/* Posts one journal entry for D from the compiled statement LINES_STMT (stmt.h), a
 * query returning rows (account_code text, debit_fen bigint, credit_fen bigint) —
 * typically sums over the rows the step just wrote. Lines are summed per account and
 * side; zero lines are dropped; when nothing is left no entry is posted
 * (*POSTED_FEN = 0). Fails, naming STEP, POSTING_KEY and both sums, when debits ≠
 * credits (SQLSTATE 23514) or a line is negative (22023): nothing is written. */
gboolean gl_post_stmt(EodContext *ctx, const char *entry_type, const char *step, const char *posting_key,
                      const char *description, const char *lines_stmt, int nparams,
                      const char *const *params, gint64 *posted_fen, GError **error);
/* The same with the lines' query as text (for steps whose SQL is not yet in files). */
gboolean gl_post_query(EodContext *ctx, const char *entry_type, const char *step,
                       const char *posting_key, const char *description, const char *lines_sql,
                       int nparams, const char *const *params, gint64 *posted_fen, GError **error);

#endif
