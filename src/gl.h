/* General-ledger postings (product-rules §8): one balanced summary entry per step,
 * movement kind and day, built set-based from the sub-ledger rows the step wrote,
 * so entry and sub-ledger tie to the fen by construction. */
#ifndef BAITIAO_GL_H
#define BAITIAO_GL_H

#include <glib.h>

#include "eod.h"

#define GL_ERROR (gl_error_quark())
GQuark gl_error_quark(void);

typedef enum {
  GL_ERROR_UNBALANCED,   /* the lines do not balance: a bug in the step, never booked */
  GL_ERROR_BAD_LINE,     /* a negative amount, or both sides on one line */
} GlError;

/* Posts one journal entry for D from LINES_SQL, a query returning rows
 * (account_code text, debit_fen bigint, credit_fen bigint) — typically sums over
 * the rows the step just wrote. Lines are summed per account and side; zero lines
 * are dropped; when nothing is left no entry is posted (*POSTED_FEN = 0).
 * ENTRY_TYPE is a journal_entries.entry_type; POSTING_KEY (unique per date) makes
 * the posting idempotent. Fails with GL_ERROR_UNBALANCED naming the sums when
 * debits ≠ credits (the database would refuse it at COMMIT anyway). */
gboolean gl_post_query(EodContext *ctx, const char *entry_type, const char *step,
                       const char *posting_key, const char *description, const char *lines_sql,
                       int nparams, const char *const *params, gint64 *posted_fen, GError **error);

#endif
