/* Repayments of business date D (product-rules §5, §11) and the credit balance
 * (溢缴款). A repayment pays the user's billed items oldest first (penalty, fee,
 * principal), then written-off items as recovery (capped at what was written off),
 * and the rest becomes credit balance. A repayment naming a loan (prepayment) first
 * pays that loan off when it covers the payoff.
 *
 * Set-based by "rounds": round 1 holds every repayment of the users who sent no
 * prepayment (all of a user's repayments on one number line, in arrival order) and
 * the first repayment of each user who did; round k > 1 the k-th repayment of the
 * latter. A prepayment's payoff depends on what the user's earlier repayments of the
 * night paid, so those users go one repayment per round: sequential per user as the
 * rule is, set-based across users, and the number of rounds is the largest number of
 * repayments one prepaying user sent on D (usually 1).
 *
 * A channel transaction id is applied once, ever: inbox_repayments.txn_id is UNIQUE
 * (a replay never gets a row), the step takes only PENDING rows, locked, and marks
 * them APPLIED in its own transaction; a PENDING row whose txn_id already has money
 * booked stops the step rather than book it twice.
 *
 * The statements are sql/steps/repayments/ (this step) and sql/steps/waterfall/ (the
 * waterfall and the credit balance, shared with refunds and billing). */
#include "eod_steps.h"

#include "db.h"
#include "gl.h"
#include "stmt.h"
#include "waterfall.h"

#define REPAY(name) "steps/repayments/" name
#define WF(name) "steps/waterfall/" name

/* ---- prepayment (提前还款) ------------------------------------------------ */

/* One round's prepayment requests: evaluated, recorded, and those that cover the
 * payoff pay their loan off in a pass of their own (allocations kept from RETURNING). */
static gboolean
prepay_round(EodContext *ctx, const char *round, GError **error)
{
  const char *eval_params[] = { ctx->date_str, round };
  const char *d[] = { ctx->date_str };
  return stmt_temp_table(ctx->conn, "bt_prepay", REPAY("01_prepay_table"), error)
         && stmt_temp_table(ctx->conn, "bt_prepay_waived", REPAY("02_prepay_waived_table"), error)
         && waterfall_begin_pass(ctx, error)
         && stmt_exec(ctx->conn, REPAY("20_prepay_evaluate"), 2, eval_params, error)
         && stmt_exec(ctx->conn, REPAY("21_prepay_record_outcome"), 0, NULL, error)
         && stmt_exec(ctx->conn, REPAY("22_prepay_reject_short"), 1, d, error)
         && stmt_exec(ctx->conn, REPAY("30_prepay_allocate"), 1, d, error)
         && stmt_exec(ctx->conn, WF("35_analyze_pass"), 0, NULL, error)
         && stmt_exec(ctx->conn, REPAY("31_prepay_waive"), 1, d, error)
         && stmt_exec(ctx->conn, REPAY("35_prepay_settle"), 1, d, error)
         && waterfall_restore_limit(ctx, error)
         && waterfall_close_paid_off_loans(ctx, error);
}

/* ---- the ordinary waterfall ------------------------------------------------- */

static gboolean
ordinary_round(EodContext *ctx, const char *round, GError **error)
{
  const char *params[] = { round };
  return waterfall_begin_pass(ctx, error)
         && stmt_exec(ctx->conn, REPAY("40_fill_payers"), 1, params, error)
         && waterfall_allocate(ctx, WATERFALL_REPAYMENT, error);
}

/* ---- general ledger ------------------------------------------------------- */

static gboolean
post_query(EodContext *ctx, const char *entry_type, const char *key, const char *description,
           const char *name, int nparams, const char *const *params, GError **error)
{
  const char *sql = stmt_sql(name, error);
  gint64 posted = 0;
  return sql && gl_post_query(ctx, entry_type, "repayments", key, description, sql, nparams, params, &posted,
                              error);
}

static gboolean
post_channel(EodContext *ctx, const char *channel, GError **error)
{
  const char *ch[] = { channel };
  g_autoptr(PGresult) acct = stmt_query_one(ctx->conn, REPAY("57_ensure_channel"), 1, ch, error);
  if (!acct)
    return FALSE;
  g_autofree char *repay_key = g_strdup_printf("repayments:REPAYMENT:%s", channel);
  g_autofree char *recovery_key = g_strdup_printf("repayments:RECOVERY:%s", channel);
  return post_query(ctx, "REPAYMENT", repay_key, "repayments by channel", REPAY("54_gl_repayment"), 1, ch,
                    error)
         && post_query(ctx, "RECOVERY", recovery_key, "recovery of written-off items", REPAY("55_gl_recovery"), 1,
                       ch, error);
}

static gboolean
post_repayments(EodContext *ctx, GError **error)
{
  const char *params[] = { ctx->date_str };
  if (!stmt_temp_table(ctx->conn, "bt_repay_channels", REPAY("03_channel_sums_table"), error))
    return FALSE;
  g_autoptr(PGresult) channels = stmt_query(ctx->conn, REPAY("53_channel_sums"), 1, params, error);
  if (!channels)
    return FALSE;
  for (int i = 0; i < PQntuples(channels); i++)
    if (!post_channel(ctx, PQgetvalue(channels, i, 0), error))
      return FALSE;
  return post_query(ctx, "BILLING", "repayments:PREPAY_FEE", "unbilled fee charged by prepayments (CHARGE_ALL)",
                    REPAY("56_gl_prepay_fee"), 1, params, error);
}

/* ---- the step --------------------------------------------------------------- */

static gboolean
refuse_booked_txn(EodContext *ctx, GError **error)
{
  const char *params[] = { ctx->date_str };
  g_autoptr(PGresult) res = stmt_query(ctx->conn, REPAY("06_already_booked"), 1, params, error);
  if (!res)
    return FALSE;
  if (PQntuples(res) == 0)
    return TRUE;
  g_set_error(error, DB_ERROR, DB_ERROR_CONTRACT,
              "repayment %s is PENDING but money is already booked for it: a channel transaction is "
              "applied once, ever; find who reset it before rerunning the night",
              PQgetvalue(res, 0, 0));
  return FALSE;
}

static gboolean
run_rounds(EodContext *ctx, gint64 rounds, gboolean prepayments, GError **error)
{
  for (gint64 k = 1; k <= rounds; k++) {
    g_autofree char *round = g_strdup_printf("%" G_GINT64_FORMAT, k);
    if ((prepayments && !prepay_round(ctx, round, error)) || !ordinary_round(ctx, round, error))
      return FALSE;
  }
  return TRUE;
}

gboolean
eod_step_repayments(EodContext *ctx, GError **error)
{
  const char *params[] = { ctx->date_str };
  g_autoptr(PGresult) rejected = stmt_query_one(ctx->conn, REPAY("05_reject_unknown_users"), 1, params, error);
  if (!rejected || !refuse_booked_txn(ctx, error))
    return FALSE;
  if (!stmt_temp_table(ctx->conn, "bt_repay_today", REPAY("00_batch_table"), error)
      || !stmt_exec(ctx->conn, REPAY("10_take_batch"), 1, params, error)
      || !stmt_exec(ctx->conn, REPAY("11_analyze_batch"), 0, NULL, error))
    return FALSE;
  g_autoptr(PGresult) totals = stmt_query_one(ctx->conn, REPAY("12_batch_totals"), 0, NULL, error);
  if (!totals)
    return FALSE;
  gint64 rounds = g_ascii_strtoll(PQgetvalue(totals, 0, 2), NULL, 10);
  gboolean prepayments = g_ascii_strtoll(PQgetvalue(totals, 0, 3), NULL, 10) > 0;
  if (!run_rounds(ctx, rounds, prepayments, error)
      || !stmt_exec(ctx->conn, REPAY("50_overpayments"), 1, params, error)
      || !stmt_exec(ctx->conn, REPAY("51_overpaid_balances"), 1, params, error)
      || !stmt_exec(ctx->conn, REPAY("52_mark_applied"), 1, params, error)
      || !post_repayments(ctx, error)
      || !eod_apply_credit_balances(ctx, error))
    return FALSE;
  ctx->rows = g_ascii_strtoll(PQgetvalue(totals, 0, 0), NULL, 10)
              + g_ascii_strtoll(PQgetvalue(rejected, 0, 0), NULL, 10);
  ctx->amount_fen = g_ascii_strtoll(PQgetvalue(totals, 0, 1), NULL, 10)
                    + g_ascii_strtoll(PQgetvalue(rejected, 0, 1), NULL, 10);
  return TRUE;
}

/* ---- credit balance (溢缴款) applied by the waterfall ------------------------- */

/* Called inside other steps (refunds, repayments, billing), possibly several times a
 * night: each call posts its own entry (83_balance_use_key). It leaves ctx->rows and
 * ctx->amount_fen to the calling step. */
gboolean
eod_apply_credit_balances(EodContext *ctx, GError **error)
{
  const char *d[] = { ctx->date_str };
  if (!waterfall_begin_pass(ctx, error)
      || !stmt_exec(ctx->conn, WF("80_balance_payers"), 0, NULL, error)
      || !waterfall_allocate(ctx, WATERFALL_CREDIT_BALANCE, error)
      || !stmt_exec(ctx->conn, WF("81_balance_applied"), 1, d, error)
      || !stmt_exec(ctx->conn, WF("82_balance_reduce"), 0, NULL, error))
    return FALSE;
  g_autoptr(PGresult) key = stmt_query_one(ctx->conn, WF("83_balance_use_key"), 1, d, error);
  const char *sql = key ? stmt_sql(WF("84_gl_balance_use"), error) : NULL;
  if (!sql)
    return FALSE;
  gint64 posted = 0;
  return gl_post_query(ctx, "CREDIT_BALANCE_USE", "apply_credit_balances", PQgetvalue(key, 0, 0),
                       "credit balance applied to billed items", sql, 0, NULL, &posted, error);
}
