/* Step write-off (核销, product-rules §7, §11): on the night a loan's DPD first exceeds
 * its writeoff_dpd (a term copied from the product), after that night's penalty, its
 * receivables leave the balance sheet: all outstanding principal (billed and
 * unbilled), billed unpaid fees and unpaid penalty are written off
 * (Dr 6701 / Cr 1122, 1123, 1124); unbilled fees are never billed (waived, reason
 * WRITEOFF, no GL: they were never booked); the loan becomes WRITTEN_OFF, its class
 * LOSS; its principal leaves the user's used limit (which counts ACTIVE loans only).
 *
 * The writeoffs row is written first and every later statement works from the
 * writeoffs of D (indexed by date), so the installments, the loan, the user, the
 * snapshot and the GL entry are all derived from one set and tie by construction.
 * Cost: the overdue set (partial index on billed installments by due date).
 *
 * Decisions where the contract is silent (docs/decisions.md):
 *  - The write-off night's loan_snapshots row is written here (the aging step ran
 *    before, with the loan still ACTIVE, and may have written a row for D: it is
 *    replaced). It shows status WRITTEN_OFF, class LOSS, the DPD at write-off (so the
 *    bucket is that of the DPD, M7+ with the default writeoff_dpd), zero on-balance
 *    balances (nothing is left on the balance sheet) and the whole amount written off
 *    as offbalance_fen. From the next night the aging step follows the loan's
 *    off-balance DPD (§11) until everything written off is recovered.
 *  - A loan whose DPD already exceeds writeoff_dpd when first seen (e.g. migrated
 *    data) is written off that night. */
#include "db.h"
#include "eod_steps.h"
#include "gl.h"

/* DPD = D − earliest due date of the loan's overdue installments (billed, past due,
 * principal + fee unpaid). Live installments carry nothing written off yet (CHECK
 * installments_live_not_written_off), so outstanding = original − reduced/waived − paid. */
static const char sql_record_writeoffs[] =
  "INSERT INTO writeoffs (loan_id, user_id, writeoff_date, dpd_at_writeoff, principal_fen, fee_fen,"
  "                       penalty_fen)"
  " SELECT l.loan_id, l.user_id, $1::date, o.dpd, b.principal_fen, b.fee_fen, b.penalty_fen"
  "   FROM (SELECT i.loan_id, $1::date - min(i.due_date) AS dpd"
  "           FROM installments i"
  "          WHERE i.status = 'BILLED' AND i.due_date < $1::date"
  "            AND (i.principal_fen - i.principal_reduced_fen - i.paid_principal_fen)"
  "              + (i.fee_fen - i.fee_waived_fen - i.paid_fee_fen) > 0"
  "          GROUP BY i.loan_id) o"
  "   JOIN loans l ON l.loan_id = o.loan_id AND l.status = 'ACTIVE' AND o.dpd > l.writeoff_dpd"
  "   CROSS JOIN LATERAL ("
  "     SELECT coalesce(sum(i.principal_fen - i.principal_reduced_fen - i.paid_principal_fen), 0)::bigint"
  "              AS principal_fen,"
  "            coalesce(sum(i.fee_fen - i.fee_waived_fen - i.paid_fee_fen)"
  "                     FILTER (WHERE i.status = 'BILLED'), 0)::bigint AS fee_fen,"
  "            coalesce(sum(i.penalty_accrued_fen - i.penalty_waived_fen - i.paid_penalty_fen), 0)::bigint"
  "              AS penalty_fen"
  "       FROM installments i WHERE i.loan_id = l.loan_id AND i.status IN ('UNBILLED', 'BILLED')) b";

/* Before the installments change: what is left of each unbilled fee is waived. */
static const char sql_waive_unbilled_fees[] =
  "INSERT INTO waivers (business_date, user_id, loan_id, installment_no, component, amount_fen,"
  "                     reason, was_billed)"
  " SELECT $1::date, i.user_id, i.loan_id, i.installment_no, 'FEE',"
  "        i.fee_fen - i.fee_waived_fen - i.paid_fee_fen, 'WRITEOFF', false"
  "   FROM writeoffs w JOIN installments i ON i.loan_id = w.loan_id"
  "  WHERE w.writeoff_date = $1::date AND i.status = 'UNBILLED'"
  "    AND i.fee_fen - i.fee_waived_fen - i.paid_fee_fen > 0";

/* Right-hand sides see the row before the update. */
static const char sql_write_off_installments[] =
  "UPDATE installments i SET"
  "       writeoff_principal_fen = i.principal_fen - i.principal_reduced_fen - i.paid_principal_fen,"
  "       writeoff_fee_fen = CASE WHEN i.status = 'BILLED'"
  "                               THEN i.fee_fen - i.fee_waived_fen - i.paid_fee_fen ELSE 0 END,"
  "       fee_waived_fen = CASE WHEN i.status = 'UNBILLED'"
  "                             THEN i.fee_fen - i.paid_fee_fen ELSE i.fee_waived_fen END,"
  "       writeoff_penalty_fen = i.penalty_accrued_fen - i.penalty_waived_fen - i.paid_penalty_fen,"
  "       status = 'WRITTEN_OFF', written_off_date = $1::date"
  "  FROM writeoffs w"
  " WHERE w.writeoff_date = $1::date AND i.loan_id = w.loan_id AND i.status IN ('UNBILLED', 'BILLED')";

static const char sql_write_off_loans[] =
  "UPDATE loans l SET status = 'WRITTEN_OFF', written_off_date = $1::date, status_date = $1::date,"
  "       updated_at = now()"
  "  FROM writeoffs w"
  " WHERE w.writeoff_date = $1::date AND l.loan_id = w.loan_id";

static const char sql_release_limit[] =
  "UPDATE users u SET used_limit_fen = u.used_limit_fen - s.principal_fen, updated_at = now()"
  "  FROM (SELECT user_id, sum(principal_fen)::bigint AS principal_fen"
  "          FROM writeoffs WHERE writeoff_date = $1::date GROUP BY user_id) s"
  " WHERE u.user_id = s.user_id AND s.principal_fen > 0";

/* $2 = D is a month end (see eod_aging.c: every row dated a month end is marked). */
static const char sql_snapshot[] =
  "INSERT INTO loan_snapshots (loan_id, snapshot_date, user_id, status, dpd, bucket, class,"
  "                            outstanding_principal_fen, outstanding_fee_fen, outstanding_penalty_fen,"
  "                            overdue_principal_fen, offbalance_fen, is_month_end)"
  " SELECT w.loan_id, $1::date, w.user_id, 'WRITTEN_OFF', w.dpd_at_writeoff,"
  "        dpd_bucket(w.dpd_at_writeoff), loan_class('WRITTEN_OFF', w.dpd_at_writeoff),"
  "        0, 0, 0, 0, w.principal_fen + w.fee_fen + w.penalty_fen, $2::boolean"
  "   FROM writeoffs w WHERE w.writeoff_date = $1::date"
  " ON CONFLICT (loan_id, snapshot_date) DO UPDATE SET"
  "    status = excluded.status, dpd = excluded.dpd, bucket = excluded.bucket, class = excluded.class,"
  "    outstanding_principal_fen = 0, outstanding_fee_fen = 0, outstanding_penalty_fen = 0,"
  "    overdue_principal_fen = 0, offbalance_fen = excluded.offbalance_fen,"
  "    is_month_end = excluded.is_month_end";

static const char sql_gl_writeoff[] =
  "SELECT '6701' AS account_code, coalesce(sum(principal_fen + fee_fen + penalty_fen), 0)::bigint AS debit_fen,"
  "       0::bigint AS credit_fen FROM writeoffs WHERE writeoff_date = $1::date"
  " UNION ALL SELECT '1122', 0, coalesce(sum(principal_fen), 0)::bigint"
  "             FROM writeoffs WHERE writeoff_date = $1::date"
  " UNION ALL SELECT '1123', 0, coalesce(sum(fee_fen), 0)::bigint"
  "             FROM writeoffs WHERE writeoff_date = $1::date"
  " UNION ALL SELECT '1124', 0, coalesce(sum(penalty_fen), 0)::bigint"
  "             FROM writeoffs WHERE writeoff_date = $1::date";

static const char sql_totals[] =
  "SELECT count(*), coalesce(sum(principal_fen + fee_fen + penalty_fen), 0)::bigint"
  "  FROM writeoffs WHERE writeoff_date = $1::date";

/* ctx->rows = loans written off on D; ctx->amount_fen = principal + fee + penalty
 * written off (the unbilled fees waived are not in it: they were never receivable). */
gboolean
eod_step_writeoff(EodContext *ctx, GError **error)
{
  const char *d[] = { ctx->date_str };
  const char *d_month_end[] = { ctx->date_str, g_date_is_last_of_month(&ctx->date) ? "true" : "false" };
  gint64 posted = 0;
  if (!db_exec(ctx->conn, "record_writeoffs", sql_record_writeoffs, 1, d, error)
      || !db_exec(ctx->conn, "waive_unbilled_fees", sql_waive_unbilled_fees, 1, d, error)
      || !db_exec(ctx->conn, "write_off_installments", sql_write_off_installments, 1, d, error)
      || !db_exec(ctx->conn, "write_off_loans", sql_write_off_loans, 1, d, error)
      || !db_exec(ctx->conn, "release_used_limit", sql_release_limit, 1, d, error)
      || !db_exec(ctx->conn, "writeoff_snapshots", sql_snapshot, 2, d_month_end, error)
      || !gl_post_query(ctx, "WRITEOFF", "writeoff", "writeoff:WRITEOFF",
                        "receivables written off: Dr 6701 / Cr 1122, 1123, 1124", sql_gl_writeoff, 1, d,
                        &posted, error))
    return FALSE;
  g_autoptr(PGresult) totals = db_query_one(ctx->conn, "writeoff_totals", sql_totals, 1, d, error);
  if (!totals)
    return FALSE;
  ctx->rows = g_ascii_strtoll(PQgetvalue(totals, 0, 0), NULL, 10);
  ctx->amount_fen = g_ascii_strtoll(PQgetvalue(totals, 0, 1), NULL, 10);
  return TRUE;
}
