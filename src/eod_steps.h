/* The steps of the nightly run (product-rules §10), one module each. Every step
 * runs inside the transaction the framework opened (see eod.h) and reports
 * ctx->rows and ctx->amount_fen. */
#ifndef BAITIAO_EOD_STEPS_H
#define BAITIAO_EOD_STEPS_H

#include "eod.h"

/* eod_originate.c: accepted orders of D become loans + installments (§2–§4). */
gboolean eod_step_originate(EodContext *ctx, GError **error);
/* eod_refund.c: refunds of D (§6), in arrival order. */
gboolean eod_step_refunds(EodContext *ctx, GError **error);
/* eod_repay.c: repayments of D (§5): waterfall, prepayment, recovery, credit balance. */
gboolean eod_step_repayments(EodContext *ctx, GError **error);
/* eod_repay.c: applies every credit balance to billed unpaid items by the §5
 * waterfall (right after it arises, and at each billing). Used by other steps. */
gboolean eod_apply_credit_balances(EodContext *ctx, GError **error);
/* eod_billing.c: installments billed on D, statements of the users whose day is D (§3). */
gboolean eod_step_billing(EodContext *ctx, GError **error);
/* eod_aging.c: penalty accrual, DPD, bucket, class, loan snapshots (§7). */
gboolean eod_step_aging(EodContext *ctx, GError **error);
/* eod_penalty.c: the penalty part of aging (§7): closes the penalty runs of the
 * installments touched on D, opens runs on those overdue without one, books D's
 * penalty Dr 1124 / Cr 6012. *RUNS_WRITTEN = runs closed + opened, *PENALTY_FEN = D's
 * penalty. */
gboolean eod_penalty_accrue(EodContext *ctx, gint64 *runs_written, gint64 *penalty_fen, GError **error);
/* eod_writeoff.c: write-off at DPD > writeoff_dpd (§7, §11). */
gboolean eod_step_writeoff(EodContext *ctx, GError **error);
/* eod_subsidies.c: campaign subsidies earned, returned or reversed as their fees go (issue 18). */
gboolean eod_step_subsidies(EodContext *ctx, GError **error);
/* eod_risk.c: the risk reports' aggregates of D (vintage, aging, roll rates; sql/0044). */
gboolean eod_step_risk(EodContext *ctx, GError **error);
/* eod_glclose.c: daily balances per account (§8). */
gboolean eod_step_gl_close(EodContext *ctx, GError **error);
/* eod_cutoff.c: every inbox row dated D or earlier still PENDING is rejected DATE_CLOSED. */
gboolean eod_step_intake_close(EodContext *ctx, GError **error);

#endif
