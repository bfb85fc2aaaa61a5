/* Step aging (product-rules §7): for business date D, after repayments and billing,
 *   1. penalty (罚息) on every installment overdue at the end of D — D > due date and
 *      principal + fee not fully paid — one penalty_accruals row each, added to
 *      installments.penalty_accrued_fen and booked Dr 1124 / Cr 6012;
 *   2. DPD, bucket and five-tier class of the loans whose state may have changed, and
 *      a loan_snapshots change row for each loan whose status, bucket or class did
 *      change; at a month end a full row for every live loan.
 *
 * Cost is the day's activity: the overdue set comes from the partial index on billed
 * installments by due date, yesterday's overdue set (to see cures) from yesterday's
 * penalty accruals, today's status changes from loans by status / origination date.
 * Only a month end touches every live loan, as the contract asks.
 *
 * Decisions where the contract is silent (docs/decisions.md):
 *  - A day's accrual row is written even when it rounds to 0 fen (base × ppm < 0.5 fen
 *    or penalty_ppm = 0): penalty_accruals is then exactly the overdue set of each
 *    day, which the next night uses to find the loans cured today.
 *  - "Live" loans are ACTIVE ones and WRITTEN_OFF ones not fully recovered (§11:
 *    they stay in aging for collection). A loan gets its first row the night it is
 *    first seen: normally its origination night (origination_date = D); a loan closed
 *    (PAID_OFF, CANCELLED) gets a final row that night, and none after. A written-off
 *    loan's write-off night row is written by the write-off step (eod_writeoff.c);
 *    after that this step follows its off-balance DPD; the night it is fully
 *    recovered it gets its row with DPD 0, bucket C, and none after.
 *  - The DPD of a PAID_OFF or CANCELLED loan is 0; its class follows from status and
 *    DPD as in sql/0017.
 *  - Every row dated a month end has is_month_end = true, including the final row of
 *    a loan closed that day.
 *  - A loan's latest row is looked for from the previous month end on: a live loan
 *    always has a row there (month-end rows), so no older partition is read; a loan
 *    without a row in that window is treated as never seen and gets a row.
 *  - Balances in a row are those at the end of D: outstanding principal (billed and
 *    unbilled, net of refunds, payments and write-off), billed unpaid fee, unpaid
 *    penalty, and the unpaid principal of the overdue installments. */
#include "db.h"
#include "eod_steps.h"
#include "gl.h"

/* The change rows of D. $1 = D, $2 = D is a month end, $3 = the previous month end.
 * Candidates: loans overdue today, loans overdue yesterday (cured today?), loans
 * whose status changed or that were originated today, written-off loans that
 * recovered money today or whose off-balance DPD is on a bucket boundary today, and at
 * a month end every ACTIVE loan and every written-off loan not fully recovered. A
 * candidate gets a row when it has none yet, when its status, bucket or class
 * differs from its latest row, when it recovered money today (its off-balance
 * remainder changed), or at a month end. The two branches of "changed" and
 * the grouped balances let a month end (every live loan) be planned as one pass over
 * installments, and an ordinary day as a few index lookups per loan.
 *
 * A written-off loan (§11) stays in aging: its DPD is D − the earliest due date of
 * its written-off installments past due whose written-off principal + fee are not
 * fully recovered (recovery takes penalty, then fee, then principal, so that is
 * recovered_fen < written-off total and principal + fee written off > 0); class LOSS
 * (sql/0017); on-balance balances 0, the remainder in offbalance_fen. */
static const char sql_snapshots[] =
  "WITH overdue AS ("
  "  SELECT i.loan_id, min(i.due_date) AS first_due_date,"
  "         sum(i.principal_fen - i.principal_reduced_fen - i.paid_principal_fen"
  "             - i.writeoff_principal_fen) AS overdue_principal_fen"
  "    FROM installments i"
  "   WHERE i.status = 'BILLED' AND i.due_date < $1::date"
  "     AND (i.principal_fen - i.principal_reduced_fen - i.paid_principal_fen - i.writeoff_principal_fen)"
  "       + (i.fee_fen - i.fee_waived_fen - i.paid_fee_fen - i.writeoff_fee_fen) > 0"
  "   GROUP BY i.loan_id),"
  " boundary AS ("
  "  SELECT DISTINCT i.loan_id FROM installments i"
  "   WHERE i.status = 'WRITTEN_OFF'"
  "     AND i.due_date = ANY (ARRAY[$1::date - 1, $1::date - 31, $1::date - 61, $1::date - 91,"
  "                                 $1::date - 121, $1::date - 151, $1::date - 181])),"
  " recovered AS ("
  "  SELECT DISTINCT loan_id FROM allocations"
  "   WHERE business_date = $1::date AND component LIKE 'RECOVERY\\_%'),"
  " candidates AS ("
  "  SELECT loan_id FROM overdue"
  "  UNION SELECT loan_id FROM penalty_accruals WHERE accrual_date + (days - 1) = $1::date - 1"
  "  UNION SELECT loan_id FROM loans WHERE status_date = $1::date"
  "  UNION SELECT loan_id FROM loans WHERE origination_date = $1::date"
  "  UNION SELECT loan_id FROM boundary"
  "  UNION SELECT loan_id FROM recovered"
  "  UNION SELECT loan_id FROM writeoffs"
  "         WHERE $2::boolean AND recovered_fen < principal_fen + fee_fen + penalty_fen"
  "  UNION SELECT loan_id FROM loans WHERE $2::boolean AND status = 'ACTIVE'),"
  " state AS ("
  "  SELECT l.loan_id, l.user_id, l.status,"
  "         CASE l.status WHEN 'ACTIVE' THEN coalesce($1::date - o.first_due_date, 0)"
  "                       WHEN 'WRITTEN_OFF' THEN coalesce($1::date - w.first_due_date, 0) ELSE 0 END AS dpd,"
  "         CASE WHEN l.status = 'ACTIVE' THEN coalesce(o.overdue_principal_fen, 0) ELSE 0 END"
  "           AS overdue_principal_fen,"
  "         CASE WHEN l.status = 'WRITTEN_OFF' THEN coalesce(w.remainder_fen, 0) ELSE 0 END AS offbalance_fen,"
  "         r.loan_id IS NOT NULL AS recovered_today"
  "    FROM candidates c JOIN loans l ON l.loan_id = c.loan_id"
  "    LEFT JOIN recovered r ON r.loan_id = c.loan_id"
  "    LEFT JOIN overdue o ON o.loan_id = c.loan_id"
  "    LEFT JOIN LATERAL ("
  "      SELECT min(i.due_date) FILTER (WHERE i.due_date < $1::date"
  "                 AND i.writeoff_principal_fen + i.writeoff_fee_fen > 0"
  "                 AND i.recovered_fen < i.writeoff_principal_fen + i.writeoff_fee_fen"
  "                                       + i.writeoff_penalty_fen) AS first_due_date,"
  "             sum(i.writeoff_principal_fen + i.writeoff_fee_fen + i.writeoff_penalty_fen"
  "                 - i.recovered_fen)::bigint AS remainder_fen"
  "        FROM installments i"
  "       WHERE l.status = 'WRITTEN_OFF' AND i.loan_id = l.loan_id AND i.status = 'WRITTEN_OFF') w ON true"
  "   WHERE l.status IN ('ACTIVE', 'WRITTEN_OFF') OR l.status_date = $1::date),"
  " graded AS ("
  "  SELECT s.*,"
  "         CASE WHEN dpd = 0 THEN 'C' WHEN dpd <= 30 THEN 'M1' WHEN dpd <= 60 THEN 'M2'"
  "              WHEN dpd <= 90 THEN 'M3' WHEN dpd <= 120 THEN 'M4' WHEN dpd <= 150 THEN 'M5'"
  "              WHEN dpd <= 180 THEN 'M6' ELSE 'M7+' END AS bucket,"
  "         CASE WHEN status = 'WRITTEN_OFF' OR dpd > 360 THEN 'LOSS' WHEN dpd > 270 THEN 'DOUBTFUL'"
  "              WHEN dpd > 90 THEN 'SUBSTANDARD' WHEN dpd >= 1 THEN 'SPECIAL_MENTION'"
  "              ELSE 'NORMAL' END AS class"
  "    FROM state s),"
  " changed AS MATERIALIZED ("
  "  SELECT g.* FROM graded g WHERE $2::boolean"
  "  UNION ALL"
  "  SELECT g.* FROM graded g"
  "    LEFT JOIN LATERAL (SELECT p.status, p.bucket, p.class FROM loan_snapshots p"
  "                        WHERE p.loan_id = g.loan_id"
  "                          AND p.snapshot_date BETWEEN $3::date AND $1::date"
  "                        ORDER BY p.snapshot_date DESC LIMIT 1) prev ON true"
  "   WHERE NOT $2::boolean AND (prev.status IS NULL OR g.recovered_today"
  "      OR (prev.status, prev.bucket, prev.class) IS DISTINCT FROM (g.status, g.bucket, g.class))),"
  " balances AS ("
  "  SELECT i.loan_id,"
  "         sum(i.principal_fen - i.principal_reduced_fen - i.paid_principal_fen"
  "             - i.writeoff_principal_fen)::bigint AS principal_fen,"
  "         coalesce(sum(i.fee_fen - i.fee_waived_fen - i.paid_fee_fen - i.writeoff_fee_fen)"
  "                  FILTER (WHERE i.status = 'BILLED'), 0)::bigint AS fee_fen,"
  "         sum(installment_penalty_out_fen(i, $1::date))::bigint AS penalty_fen"
  "    FROM installments i WHERE i.loan_id IN (SELECT loan_id FROM changed)"
  "   GROUP BY i.loan_id),"
  " written AS ("
  "  INSERT INTO loan_snapshots (loan_id, snapshot_date, user_id, status, dpd, bucket, class,"
  "                              outstanding_principal_fen, outstanding_fee_fen, outstanding_penalty_fen,"
  "                              overdue_principal_fen, offbalance_fen, is_month_end)"
  "  SELECT c.loan_id, $1::date, c.user_id, c.status, c.dpd, c.bucket, c.class,"
  "         coalesce(b.principal_fen, 0), coalesce(b.fee_fen, 0), coalesce(b.penalty_fen, 0),"
  "         c.overdue_principal_fen, c.offbalance_fen, $2::boolean"
  "    FROM changed c LEFT JOIN balances b USING (loan_id)"
  "  ON CONFLICT (loan_id, snapshot_date) DO UPDATE SET"
  "     status = excluded.status, dpd = excluded.dpd, bucket = excluded.bucket, class = excluded.class,"
  "     outstanding_principal_fen = excluded.outstanding_principal_fen,"
  "     outstanding_fee_fen = excluded.outstanding_fee_fen,"
  "     outstanding_penalty_fen = excluded.outstanding_penalty_fen,"
  "     overdue_principal_fen = excluded.overdue_principal_fen, offbalance_fen = excluded.offbalance_fen,"
  "     is_month_end = excluded.is_month_end"
  "  RETURNING 1)"
  " SELECT count(*) FROM written";

static gint64
int_value(PGresult *res, int col)
{
  return g_ascii_strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

static gboolean
write_snapshots(EodContext *ctx, gint64 *snapshot_rows, GError **error)
{
  GDate previous_month_end = ctx->date;
  g_date_set_day(&previous_month_end, 1);
  g_date_subtract_days(&previous_month_end, 1);
  char window_start[11];
  g_date_strftime(window_start, sizeof window_start, "%Y-%m-%d", &previous_month_end);
  const char *params[] = { ctx->date_str, g_date_is_last_of_month(&ctx->date) ? "true" : "false",
                           window_start };
  g_autoptr(PGresult) res = db_query_one(ctx->conn, "loan_snapshots", sql_snapshots, 3, params, error);
  if (!res)
    return FALSE;
  *snapshot_rows = int_value(res, 0);
  return TRUE;
}

/* ctx->rows = penalty_accruals rows inserted + loan_snapshots rows written;
 * ctx->amount_fen = penalty accrued on D. */
gboolean
eod_step_aging(EodContext *ctx, GError **error)
{
  gint64 accrued_rows = 0, penalty_fen = 0, snapshot_rows = 0;
  if (!eod_penalty_accrue(ctx, &accrued_rows, &penalty_fen, error)
      || !write_snapshots(ctx, &snapshot_rows, error))
    return FALSE;
  ctx->rows = accrued_rows + snapshot_rows;
  ctx->amount_fen = penalty_fen;
  return TRUE;
}
