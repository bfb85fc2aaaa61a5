/* Step billing (product-rules §3): the installments whose billing date is D are
 * billed (fee income recognised: Dr 1123 / Cr 6011), the credit balance is applied
 * to what is now billed (§5), and every user with something billed today, or whose
 * statement day is D and who still owes, gets a statement: new charges + carried
 * balances − credit balance applied = total due.
 *
 * Set-based over the day's rows: the partial index on unbilled installments by
 * billing date finds today's, and the one on billed installments by user finds the
 * carried balances of the users concerned. */
#include "db.h"
#include "eod_steps.h"
#include "gl.h"

static const char sql_bill[] =
  "WITH billed AS ("
  "  UPDATE installments SET status = 'BILLED', billed_date = $1::date"
  "   WHERE status = 'UNBILLED' AND billing_date = $1::date"
  "  RETURNING principal_fen - principal_reduced_fen AS principal_fen, fee_fen - fee_waived_fen AS fee_fen)"
  " SELECT count(*), coalesce(sum(principal_fen + fee_fen), 0)::bigint FROM billed";

/* An installment billed with nothing left to pay (refunded and waived before it
 * was billed) is settled at once. */
static const char sql_settle_empty[] =
  "UPDATE installments SET status = 'PAID', paid_date = $1::date"
  " WHERE status = 'BILLED' AND billed_date = $1::date"
  "   AND principal_reduced_fen + paid_principal_fen = principal_fen"
  "   AND fee_waived_fen + paid_fee_fen = fee_fen"
  "   AND installment_penalty_out_fen(installments, $1::date - 1) = 0";

static const char sql_gl_fee[] =
  "SELECT '1123' AS account_code, coalesce(sum(fee_fen - fee_waived_fen), 0)::bigint AS debit_fen,"
  "       0::bigint AS credit_fen"
  "  FROM installments WHERE billed_date = $1::date AND billing_date = $1::date"
  " UNION ALL "
  "SELECT '6011', 0, coalesce(sum(fee_fen - fee_waived_fen), 0)::bigint"
  "  FROM installments WHERE billed_date = $1::date AND billing_date = $1::date";

/* Who gets a statement: users billed today, and users whose statement day is today
 * and who still owe something billed earlier. Their lines are taken before the
 * credit balance is applied, with each user's credit balance at that moment. */
static const char sql_statement_base[] =
  "CREATE TEMP TABLE statement_base ON COMMIT DROP AS"
  " WITH users_due AS ("
  "   SELECT DISTINCT user_id FROM installments WHERE billed_date = $1::date AND billing_date = $1::date"
  "   UNION"
  "   SELECT u.user_id FROM users u"
  "    WHERE u.statement_day = extract(day FROM $1::date)"
  "      AND EXISTS (SELECT 1 FROM installments i WHERE i.user_id = u.user_id AND i.status = 'BILLED'))"
  " SELECT i.user_id, i.loan_id, i.installment_no,"
  "        CASE WHEN i.billing_date = $1::date THEN 'NEW' ELSE 'CARRIED' END AS line_kind,"
  "        i.principal_fen - i.principal_reduced_fen - i.paid_principal_fen AS principal_fen,"
  "        i.fee_fen - i.fee_waived_fen - i.paid_fee_fen AS fee_fen,"
  "        installment_penalty_out_fen(i, $1::date - 1) AS penalty_fen,"
  "        i.due_date"
  "   FROM users_due d JOIN installments i ON i.user_id = d.user_id AND i.status = 'BILLED'";

static const char sql_credit_before[] =
  "CREATE TEMP TABLE statement_credit ON COMMIT DROP AS"
  " SELECT u.user_id, u.credit_balance_fen AS before_fen"
  "   FROM users u WHERE u.user_id IN (SELECT user_id FROM statement_base)";

/* Due date of a statement: the earliest due date of its new charges, else of its
 * carried items (all of them are already due or past due). */
static const char sql_statements[] =
  "INSERT INTO statements (user_id, statement_date, due_date, new_principal_fen, new_fee_fen,"
  "                        carried_principal_fen, carried_fee_fen, carried_penalty_fen,"
  "                        credit_applied_fen, total_due_fen)"
  " SELECT b.user_id, $1::date,"
  "        greatest($1::date, coalesce(min(b.due_date) FILTER (WHERE b.line_kind = 'NEW'), min(b.due_date))),"
  "        coalesce(sum(b.principal_fen) FILTER (WHERE b.line_kind = 'NEW'), 0),"
  "        coalesce(sum(b.fee_fen) FILTER (WHERE b.line_kind = 'NEW'), 0),"
  "        coalesce(sum(b.principal_fen) FILTER (WHERE b.line_kind = 'CARRIED'), 0),"
  "        coalesce(sum(b.fee_fen) FILTER (WHERE b.line_kind = 'CARRIED'), 0),"
  "        coalesce(sum(b.penalty_fen) FILTER (WHERE b.line_kind = 'CARRIED'), 0),"
  "        c.before_fen - u.credit_balance_fen,"
  "        sum(b.principal_fen + b.fee_fen + b.penalty_fen) - (c.before_fen - u.credit_balance_fen)"
  "   FROM statement_base b JOIN statement_credit c USING (user_id) JOIN users u USING (user_id)"
  "  GROUP BY b.user_id, c.before_fen, u.credit_balance_fen";

static const char sql_statement_lines[] =
  "INSERT INTO statement_lines (statement_id, loan_id, installment_no, user_id, line_kind,"
  "                             principal_fen, fee_fen, penalty_fen)"
  " SELECT s.statement_id, b.loan_id, b.installment_no, b.user_id, b.line_kind, b.principal_fen,"
  "        b.fee_fen, CASE WHEN b.line_kind = 'NEW' THEN 0 ELSE b.penalty_fen END"
  "   FROM statement_base b JOIN statements s ON s.user_id = b.user_id AND s.statement_date = $1::date";

/* A statement-day change takes effect from the next cycle: after the statement on
 * the old day, the new day applies. */
static const char sql_switch_statement_day[] =
  "UPDATE users SET statement_day = next_statement_day, next_statement_day = NULL,"
  "       statement_day_changed_date = NULL, updated_at = now(), last_change_date = $1::date"
  " WHERE next_statement_day IS NOT NULL AND statement_day = extract(day FROM $1::date)";

gboolean
eod_step_billing(EodContext *ctx, GError **error)
{
  const char *d[] = { ctx->date_str };
  g_autoptr(PGresult) billed = db_query_one(ctx->conn, "bill_installments", sql_bill, 1, d, error);
  if (!billed)
    return FALSE;
  gint64 posted = 0;
  if (!db_exec(ctx->conn, "settle_empty_installments", sql_settle_empty, 1, d, error)
      || !gl_post_query(ctx, "BILLING", "billing", "billing:BILLING", "fees billed: Dr 1123 / Cr 6011",
                        sql_gl_fee, 1, d, &posted, error)
      || !db_exec(ctx->conn, "statement_base", sql_statement_base, 1, d, error)
      || !db_exec(ctx->conn, "statement_credit", sql_credit_before, 0, NULL, error)
      || !eod_apply_credit_balances(ctx, error)
      || !db_exec(ctx->conn, "create_statements", sql_statements, 1, d, error)
      || !db_exec(ctx->conn, "statement_lines", sql_statement_lines, 1, d, error)
      || !db_exec(ctx->conn, "switch_statement_day", sql_switch_statement_day, 1, d, error))
    return FALSE;
  ctx->rows = g_ascii_strtoll(PQgetvalue(billed, 0, 0), NULL, 10);
  ctx->amount_fen = g_ascii_strtoll(PQgetvalue(billed, 0, 1), NULL, 10);
  return TRUE;
}
