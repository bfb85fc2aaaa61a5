/* The repayment waterfall of product-rules §5, shared by repayments, prepayments and
 * the credit balance: money laid on a number line against each user's owed items,
 * set-based, one pass for all the payers of a round. Its statements are
 * sql/steps/waterfall/; "outstanding" is spelled by the SQL functions
 * installment_*_out_fen (the migration outstanding_functions). */
#ifndef BAITIAO_WATERFALL_H
#define BAITIAO_WATERFALL_H

#include <glib.h>

#include "eod.h"

/* Starts a pass: the payers, pg_temp.bt_wf_pay (txn_id NULL for the credit balance),
 * and the pass's allocations, pg_temp.bt_wf_alloc, exist and are empty. The caller
 * fills the payers (or, for a prepayment, the allocations). */
gboolean waterfall_begin_pass(EodContext *ctx, GError **error);

typedef enum {
  WATERFALL_REPAYMENT,        /* steps 1 and 3: billed items, then written-off ones as recovery */
  WATERFALL_CREDIT_BALANCE,   /* step 1 only: billed items */
} WaterfallSource;

/* Allocates every payer of the pass (amounts in seq order per user) to the user's owed
 * items by the §5 order, writes the allocations rows (kept in pg_temp.bt_wf_alloc, from
 * RETURNING) and settles them on the sub-ledger (waterfall_settle). What no item takes
 * is left to the caller (overpayment, or balance kept). */
gboolean waterfall_allocate(EodContext *ctx, WaterfallSource source, GError **error);

/* Books the pass's allocations on the sub-ledger: installments paid_* / recovered_fen
 * (BILLED rows settled to 0 become PAID), writeoffs.recovered_fen, then
 * waterfall_restore_limit and waterfall_close_paid_off_loans. */
gboolean waterfall_settle(EodContext *ctx, GError **error);

/* The parts of waterfall_settle that do not touch installments, for callers that
 * settle installment rows themselves (prepayment): principal the pass repaid restores
 * users.used_limit_fen; loans whose rows are all settled become PAID_OFF. */
gboolean waterfall_restore_limit(EodContext *ctx, GError **error);
gboolean waterfall_close_paid_off_loans(EodContext *ctx, GError **error);

#endif
