/* The repayment waterfall of product-rules §5, shared by repayments, prepayments and
 * the credit balance: money laid on a number line against each user's owed items,
 * set-based, one pass per batch of payers. Also the SQL spellings of "outstanding"
 * that every money step must agree on. */
#ifndef BAITIAO_WATERFALL_H
#define BAITIAO_WATERFALL_H

#include <glib.h>

#include "eod.h"

/* Outstanding amounts of an installment row aliased A (sql/0010). */
#define WATERFALL_PRINCIPAL_OUT(a) \
  "(" a ".principal_fen - " a ".principal_reduced_fen - " a ".paid_principal_fen - " a ".writeoff_principal_fen)"
#define WATERFALL_FEE_OUT(a) \
  "(" a ".fee_fen - " a ".fee_waived_fen - " a ".paid_fee_fen - " a ".writeoff_fee_fen)"
/* Penalty through THROUGH, an SQL date expression: the steps of the night of D run
 * before its aging, so they pass D − 1 (the open penalty runs count the days up to it). */
#define WATERFALL_PENALTY_OUT(a, through) "installment_penalty_out_fen(" a ", " through ")"

/* Makes sure temporary table NAME exists, empty, for this transaction: CREATE_SQL
 * (a CREATE TEMP TABLE pg_temp.NAME ... ON COMMIT DROP) when it does not exist yet,
 * CLEAR_SQL (a TRUNCATE) when an earlier call in the same transaction made it. */
gboolean waterfall_temp_table(EodContext *ctx, const char *name, const char *create_sql,
                              const char *clear_sql, GError **error);

/* The payers of one pass, pg_temp.bt_wf_pay (txn_id NULL for the credit balance):
 * created and emptied by waterfall_begin_pass, filled by the caller. */
gboolean waterfall_begin_pass(EodContext *ctx, GError **error);

/* The highest allocation_id / waiver_id so far (0 when none): rows a pass writes are
 * the ones above it. Only the night writes these tables, under its lock. */
gboolean waterfall_allocation_mark(EodContext *ctx, gint64 *mark, GError **error);
gboolean waterfall_waiver_mark(EodContext *ctx, gint64 *mark, GError **error);

typedef enum {
  WATERFALL_REPAYMENT,        /* steps 1 and 3: billed items, then written-off ones as recovery */
  WATERFALL_CREDIT_BALANCE,   /* step 1 only: billed items */
} WaterfallSource;

/* Allocates every payer of pg_temp.bt_wf_pay (amounts in seq order per user) to the
 * user's owed items by the §5 order, writes the allocations rows and settles them on
 * the sub-ledger (waterfall_settle_since). What no item takes is left to the caller
 * (overpayment, or balance kept). *MARK receives the allocation mark before the pass. */
gboolean waterfall_allocate(EodContext *ctx, WaterfallSource source, gint64 *mark, GError **error);

/* Books the REPAYMENT / CREDIT_BALANCE allocations above MARK on the sub-ledger:
 * installments paid_* / recovered_fen (BILLED rows settled to 0 become PAID),
 * writeoffs.recovered_fen, users.used_limit_fen (principal repaid restores the limit),
 * and loans whose installments are all settled become PAID_OFF. */
gboolean waterfall_settle_since(EodContext *ctx, gint64 mark, GError **error);

/* The parts of waterfall_settle_since that do not touch installments, for callers
 * that settle installment rows themselves (prepayment). */
gboolean waterfall_restore_limit_since(EodContext *ctx, gint64 mark, GError **error);
gboolean waterfall_close_paid_off_loans_since(EodContext *ctx, gint64 mark, GError **error);

/* Integer of a one-row, one-column result (a count, a sum, a mark). */
gboolean waterfall_query_int(EodContext *ctx, const char *name, const char *sql, int nparams,
                             const char *const *params, gint64 *out, GError **error);

#endif
