/* Refunds (退货退款) of business date D (product-rules §6, §11). A refund R names an
 * order: R ≤ principal not yet refunded. A full refund (cumulative = principal)
 * cancels the loan: open rows cancelled, unpaid fee and penalty waived, everything
 * paid on the loan returned to the credit balance. A partial refund reduces unbilled
 * principal from the last installment backwards (a row reaching 0 is cancelled and
 * its fee waived), then billed unpaid principal oldest first; what is left of R was
 * principal already paid and goes to the credit balance. Then credit balances are
 * applied (§5 point 4).
 *
 * Set-based by rounds: round k holds the k-th refund of each order of the night, in
 * arrival order; a second refund of the same order depends on what the first left
 * (it may become the full one, or exceed what is refundable), so it waits a round.
 *
 * Decisions: a partial refund of a PAID_OFF loan only credits the user and the loan
 * stays PAID_OFF (its full refund cancels it, as loans_cancelled_iff_fully_refunded
 * requires); a partial refund that leaves an ACTIVE loan nothing open makes it
 * PAID_OFF; the fee of a billed row is never waived by a partial refund (it was
 * billed for a period that ran), only that of an unbilled row reaching 0. */
#include "eod_steps.h"

#include "db.h"
#include "gl.h"
#include "waterfall.h"

#define PRIN_OUT(a) WATERFALL_PRINCIPAL_OUT(a)
#define FEE_OUT(a) WATERFALL_FEE_OUT(a)
#define PEN_OUT(a, through) WATERFALL_PENALTY_OUT(a, through)

static const char sql_create_refund_today[] =
  "CREATE TEMP TABLE pg_temp.bt_refund_today ("
  "  refund_id text PRIMARY KEY,"
  "  order_id text NOT NULL,"
  "  amount_fen bigint NOT NULL,"
  "  arrival_seq bigint NOT NULL,"
  "  round integer NOT NULL"
  ") ON COMMIT DROP";
static const char sql_clear_refund_today[] = "TRUNCATE pg_temp.bt_refund_today";

static const char sql_create_refund_eval[] =
  "CREATE TEMP TABLE pg_temp.bt_refund_eval ("
  "  refund_id text PRIMARY KEY,"
  "  order_id text NOT NULL,"
  "  loan_id bigint,"
  "  user_id text,"
  "  loan_status text,"
  "  amount_fen bigint NOT NULL,"
  "  refundable_fen bigint,"
  "  reason text,"            /* NULL: applied */
  "  is_full boolean"
  ") ON COMMIT DROP";
static const char sql_clear_refund_eval[] = "TRUNCATE pg_temp.bt_refund_eval";

static const char sql_create_refund_split[] =
  "CREATE TEMP TABLE pg_temp.bt_refund_split ("
  "  refund_id text NOT NULL,"
  "  user_id text NOT NULL,"
  "  loan_id bigint NOT NULL,"
  "  installment_no integer NOT NULL,"
  "  was_billed boolean NOT NULL,"
  "  principal_reduced_fen bigint NOT NULL,"
  "  fee_waived_fen bigint NOT NULL,"
  "  penalty_waived_fen bigint NOT NULL,"
  "  new_status text,"
  "  PRIMARY KEY (loan_id, installment_no)"
  ") ON COMMIT DROP";
static const char sql_clear_refund_split[] = "TRUNCATE pg_temp.bt_refund_split";

/* Taken once and locked; statements below read this table, not "PENDING" again. */
static const char sql_take_batch[] =
  "INSERT INTO pg_temp.bt_refund_today (refund_id, order_id, amount_fen, arrival_seq, round)"
  " WITH pending AS ("
  "   SELECT refund_id, order_id, amount_fen, arrival_seq"
  "     FROM inbox_refunds"
  "    WHERE refund_date = $1::date AND status = 'PENDING'"
  "      FOR UPDATE)"
  " SELECT refund_id, order_id, amount_fen, arrival_seq,"
  "        row_number() OVER (PARTITION BY order_id ORDER BY arrival_seq)"
  "   FROM pending";

static const char sql_batch_totals[] =
  "SELECT count(*), coalesce(sum(amount_fen), 0), coalesce(max(round), 0) FROM pg_temp.bt_refund_today";

/* $1 round. The loan as earlier rounds left it. */
static const char sql_evaluate[] =
  "INSERT INTO pg_temp.bt_refund_eval (refund_id, order_id, loan_id, user_id, loan_status, amount_fen,"
  "                                    refundable_fen, reason, is_full)"
  " SELECT t.refund_id, t.order_id, l.loan_id, l.user_id, l.status, t.amount_fen,"
  "        l.principal_fen - l.refunded_principal_fen,"
  "        CASE WHEN l.loan_id IS NULL THEN 'UNKNOWN_ORDER'"
  "             WHEN l.status NOT IN ('ACTIVE', 'PAID_OFF') THEN 'REFUND_LOAN_NOT_REFUNDABLE'"
  "             WHEN t.amount_fen > l.principal_fen - l.refunded_principal_fen"
  "                  THEN 'REFUND_EXCEEDS_PRINCIPAL' END,"
  "        t.amount_fen = l.principal_fen - l.refunded_principal_fen"
  "   FROM pg_temp.bt_refund_today t"
  "   LEFT JOIN loans l ON l.order_id = t.order_id"
  "  WHERE t.round = $1::int";

static const char sql_reject[] =
  "WITH rej AS ("
  "  UPDATE inbox_refunds r"
  "     SET status = 'REJECTED', reject_reason = e.reason, processed_date = $1::date,"
  "         user_id = coalesce(e.user_id, r.user_id)"
  "    FROM pg_temp.bt_refund_eval e"
  "   WHERE r.refund_id = e.refund_id AND e.reason IS NOT NULL"
  "  RETURNING r.refund_id, r.file_id, r.line_no, r.user_id, r.arrival_seq, e.order_id, e.amount_fen,"
  "            e.reason, e.loan_status, e.refundable_fen)"
  " INSERT INTO rejects (file_id, file_name, line_no, source_kind, external_id, user_id, field, reason_code,"
  "                      detail, amount_fen, business_date)"
  " SELECT file_id, f.file_name, line_no, 'refunds', refund_id, user_id,"
  "        CASE reason WHEN 'REFUND_EXCEEDS_PRINCIPAL' THEN 'amount' ELSE 'order_id' END, reason,"
  "        CASE reason"
  "          WHEN 'UNKNOWN_ORDER' THEN 'no loan for order ' || order_id"
  "          WHEN 'REFUND_LOAN_NOT_REFUNDABLE' THEN 'loan of order ' || order_id || ' is ' || loan_status"
  "          ELSE 'principal of order ' || order_id || ' not yet refunded is ' || refundable_fen || ' fen'"
  "        END,"
  "        amount_fen, $1::date"
  "   FROM rej LEFT JOIN load_files f USING (file_id) ORDER BY arrival_seq";

/* How each applied refund splits over its loan's open rows: one number line per loan,
 * unbilled rows from the last backwards, then billed rows oldest first; a row takes
 * the overlap of its outstanding principal with [0, R). A full refund covers every
 * open row (R ≥ their principal) and waives every unpaid fee and penalty.
 * $1 date (penalty through D − 1). */
static const char sql_split[] =
  "INSERT INTO pg_temp.bt_refund_split (refund_id, user_id, loan_id, installment_no, was_billed,"
  "                                     principal_reduced_fen, fee_waived_fen, penalty_waived_fen,"
  "                                     new_status)"
  " WITH open_rows AS ("
  "   SELECT e.refund_id, e.amount_fen AS refund_fen, e.is_full, i.user_id, i.loan_id,"
  "          i.installment_no, i.status, i.due_date,"
  "          " PRIN_OUT("i") " AS principal, " FEE_OUT("i") " AS fee, " PEN_OUT("i", "$1::date - 1") " AS penalty"
  "     FROM pg_temp.bt_refund_eval e"
  "     JOIN installments i ON i.loan_id = e.loan_id AND i.status IN ('UNBILLED', 'BILLED')"
  "    WHERE e.reason IS NULL),"
  " line AS ("
  "   SELECT o.*, sum(o.principal) OVER (PARTITION BY o.loan_id"
  "                                      ORDER BY o.status = 'BILLED',"
  "                                               CASE WHEN o.status = 'UNBILLED' THEN -o.installment_no END,"
  "                                               o.due_date, o.installment_no) AS hi"
  "     FROM open_rows o),"
  " cut AS ("
  "   SELECT l.*, greatest(least(l.hi, l.refund_fen) - (l.hi - l.principal), 0)::bigint AS reduced"
  "     FROM line l),"
  " decided AS ("
  "   SELECT c.*, c.is_full OR (c.status = 'UNBILLED' AND c.reduced > 0 AND c.reduced = c.principal)"
  "               AS cancels"
  "     FROM cut c)"
  " SELECT refund_id, user_id, loan_id, installment_no, status = 'BILLED', reduced,"
  "        CASE WHEN cancels THEN fee ELSE 0 END,"
  "        CASE WHEN is_full THEN penalty ELSE 0 END,"
  "        CASE WHEN cancels THEN 'CANCELLED'"
  "             WHEN status = 'BILLED' AND reduced > 0 AND reduced = principal AND fee = 0 AND penalty = 0"
  "                  THEN 'PAID' END"
  "   FROM decided"
  "  WHERE reduced > 0 OR cancels";

static const char sql_allocate[] =
  "INSERT INTO allocations (business_date, user_id, source, refund_id, loan_id, installment_no,"
  "                         component, amount_fen)"
  " SELECT $1::date, user_id, 'REFUND', refund_id, loan_id, installment_no, 'PRINCIPAL',"
  "        principal_reduced_fen"
  "   FROM pg_temp.bt_refund_split"
  "  WHERE principal_reduced_fen > 0"
  "  ORDER BY refund_id, installment_no DESC";

/* An unbilled fee was never recognised (was_billed false, no GL); a billed fee and
 * every accrued penalty were, and their waiver reverses income. */
static const char sql_waive[] =
  "INSERT INTO waivers (business_date, user_id, loan_id, installment_no, component, amount_fen,"
  "                     reason, was_billed, refund_id)"
  " SELECT $1::date, s.user_id, s.loan_id, s.installment_no, w.component, w.amount, 'REFUND',"
  "        w.was_billed, s.refund_id"
  "   FROM pg_temp.bt_refund_split s"
  "   CROSS JOIN LATERAL (VALUES (1, 'FEE', s.fee_waived_fen, s.was_billed),"
  "                              (2, 'PENALTY', s.penalty_waived_fen, true))"
  "          AS w(ord, component, amount, was_billed)"
  "  WHERE w.amount > 0"
  "  ORDER BY s.refund_id, s.installment_no, w.ord";

static const char sql_settle_installments[] =
  "UPDATE installments i"
  "   SET principal_reduced_fen = i.principal_reduced_fen + s.principal_reduced_fen,"
  "       fee_waived_fen = i.fee_waived_fen + s.fee_waived_fen,"
  "       penalty_waived_fen = i.penalty_waived_fen + s.penalty_waived_fen,"
  "       status = coalesce(s.new_status, i.status),"
  "       cancelled_date = CASE WHEN s.new_status = 'CANCELLED' THEN $1::date ELSE i.cancelled_date END,"
  "       paid_date = CASE WHEN s.new_status = 'PAID' THEN $1::date ELSE i.paid_date END"
  "  FROM pg_temp.bt_refund_split s"
  " WHERE i.loan_id = s.loan_id AND i.installment_no = s.installment_no";

/* R = unbilled reduced + billed reduced + principal already paid (to credit balance);
 * a full refund also returns every fee and penalty paid on the loan (§11). */
static const char sql_record[] =
  "INSERT INTO refund_applications (refund_id, user_id, loan_id, business_date, amount_fen,"
  "                                 is_full_refund, unbilled_principal_reduced_fen,"
  "                                 billed_principal_reduced_fen, paid_principal_to_credit_fen,"
  "                                 billed_fee_waived_fen, unbilled_fee_waived_fen, penalty_waived_fen,"
  "                                 paid_fee_returned_fen, paid_penalty_returned_fen)"
  " SELECT e.refund_id, e.user_id, e.loan_id, $1::date, e.amount_fen, e.is_full,"
  "        coalesce(s.unbilled_reduced, 0), coalesce(s.billed_reduced, 0),"
  "        e.amount_fen - coalesce(s.unbilled_reduced, 0) - coalesce(s.billed_reduced, 0),"
  "        coalesce(s.billed_fee, 0), coalesce(s.unbilled_fee, 0), coalesce(s.penalty, 0),"
  "        CASE WHEN e.is_full THEN p.fee ELSE 0 END, CASE WHEN e.is_full THEN p.penalty ELSE 0 END"
  "   FROM pg_temp.bt_refund_eval e"
  "   LEFT JOIN (SELECT refund_id,"
  "                     sum(principal_reduced_fen) FILTER (WHERE NOT was_billed) AS unbilled_reduced,"
  "                     sum(principal_reduced_fen) FILTER (WHERE was_billed) AS billed_reduced,"
  "                     sum(fee_waived_fen) FILTER (WHERE was_billed) AS billed_fee,"
  "                     sum(fee_waived_fen) FILTER (WHERE NOT was_billed) AS unbilled_fee,"
  "                     sum(penalty_waived_fen) AS penalty"
  "                FROM pg_temp.bt_refund_split GROUP BY refund_id) s ON s.refund_id = e.refund_id"
  "   CROSS JOIN LATERAL (SELECT coalesce(sum(paid_fee_fen), 0) AS fee,"
  "                              coalesce(sum(paid_penalty_fen), 0) AS penalty"
  "                         FROM installments WHERE loan_id = e.loan_id) p"
  "  WHERE e.reason IS NULL"
  "  ORDER BY e.refund_id";

static const char sql_credit[] =
  "INSERT INTO credit_balance_movements (user_id, business_date, amount_fen, reason, refund_id)"
  " SELECT a.user_id, $1::date, c.amount, c.reason, a.refund_id"
  "   FROM refund_applications a"
  "   JOIN pg_temp.bt_refund_eval e ON e.refund_id = a.refund_id"
  "   CROSS JOIN LATERAL (VALUES (1, 'REFUND', a.paid_principal_to_credit_fen),"
  "                              (2, 'REFUND_RETURN', a.paid_fee_returned_fen + a.paid_penalty_returned_fen))"
  "          AS c(ord, reason, amount)"
  "  WHERE c.amount > 0"
  "  ORDER BY a.refund_id, c.ord";

/* Principal reduced on an ACTIVE loan leaves the used limit (§4); a PAID_OFF loan's
 * refund reduces nothing (it owes nothing). */
static const char sql_users[] =
  "UPDATE users u"
  "   SET credit_balance_fen = u.credit_balance_fen + s.credit,"
  "       used_limit_fen = u.used_limit_fen - s.freed, updated_at = now()"
  "  FROM (SELECT a.user_id,"
  "               sum(a.paid_principal_to_credit_fen + a.paid_fee_returned_fen"
  "                   + a.paid_penalty_returned_fen) AS credit,"
  "               sum(CASE WHEN e.loan_status = 'ACTIVE'"
  "                        THEN a.unbilled_principal_reduced_fen + a.billed_principal_reduced_fen"
  "                        ELSE 0 END) AS freed"
  "          FROM refund_applications a JOIN pg_temp.bt_refund_eval e ON e.refund_id = a.refund_id"
  "         GROUP BY a.user_id) s"
  " WHERE u.user_id = s.user_id";

static const char sql_loans[] =
  "UPDATE loans l"
  "   SET refunded_principal_fen = l.refunded_principal_fen + s.amount_fen,"
  "       status = s.new_status,"
  "       status_date = CASE WHEN s.new_status <> l.status THEN $1::date ELSE l.status_date END,"
  "       updated_at = now()"
  "  FROM (SELECT e.loan_id, e.amount_fen,"
  "               CASE WHEN e.is_full THEN 'CANCELLED'"
  "                    WHEN e.loan_status = 'ACTIVE'"
  "                         AND NOT EXISTS (SELECT 1 FROM installments i WHERE i.loan_id = e.loan_id"
  "                                            AND i.status IN ('UNBILLED', 'BILLED')) THEN 'PAID_OFF'"
  "                    ELSE e.loan_status END AS new_status"
  "          FROM pg_temp.bt_refund_eval e WHERE e.reason IS NULL) s"
  " WHERE l.loan_id = s.loan_id";

static const char sql_mark_applied[] =
  "UPDATE inbox_refunds r"
  "   SET status = 'APPLIED', processed_date = $1::date, user_id = e.user_id"
  "  FROM pg_temp.bt_refund_eval e"
  " WHERE r.refund_id = e.refund_id AND e.reason IS NULL";

/* ---- general ledger: from the day's refund_applications and waivers ---------- */

/* Dr 2202 R / Cr 1122 principal reduced, Cr 2241 principal already paid. */
static const char sql_gl_refund[] =
  "SELECT v.account_code, v.debit_fen, v.credit_fen"
  "  FROM (SELECT coalesce(sum(amount_fen), 0) AS refunded,"
  "               coalesce(sum(unbilled_principal_reduced_fen + billed_principal_reduced_fen), 0) AS reduced,"
  "               coalesce(sum(paid_principal_to_credit_fen), 0) AS to_credit"
  "          FROM refund_applications WHERE business_date = $1::date) s,"
  "       LATERAL (VALUES ('2202', s.refunded, 0), ('1122', 0, s.reduced), ('2241', 0, s.to_credit))"
  "         AS v(account_code, debit_fen, credit_fen)";

/* Billed fee and penalty waived: Dr 6011 / Cr 1123, Dr 6012 / Cr 1124. */
static const char sql_gl_waiver[] =
  "SELECT v.account_code, v.debit_fen, v.credit_fen"
  "  FROM (SELECT coalesce(sum(amount_fen) FILTER (WHERE component = 'FEE'), 0) AS fee,"
  "               coalesce(sum(amount_fen) FILTER (WHERE component = 'PENALTY'), 0) AS penalty"
  "          FROM waivers"
  "         WHERE business_date = $1::date AND was_billed AND reason = 'REFUND') s,"
  "       LATERAL (VALUES ('6011', s.fee, 0), ('1123', 0, s.fee), ('6012', s.penalty, 0), ('1124', 0, s.penalty))"
  "         AS v(account_code, debit_fen, credit_fen)";

/* Fee and penalty already paid, returned on a full refund: Dr 6011 / 6012, Cr 2241. */
static const char sql_gl_return[] =
  "SELECT v.account_code, v.debit_fen, v.credit_fen"
  "  FROM (SELECT coalesce(sum(paid_fee_returned_fen), 0) AS fee,"
  "               coalesce(sum(paid_penalty_returned_fen), 0) AS penalty"
  "          FROM refund_applications WHERE business_date = $1::date) s,"
  "       LATERAL (VALUES ('6011', s.fee, 0), ('6012', s.penalty, 0), ('2241', 0, s.fee + s.penalty))"
  "         AS v(account_code, debit_fen, credit_fen)";

static gboolean
post_refunds(EodContext *ctx, GError **error)
{
  const char *params[] = { ctx->date_str };
  gint64 posted = 0;
  return gl_post_query(ctx, "REFUND", "refunds", "refunds:REFUND", "refunded principal",
                       sql_gl_refund, 1, params, &posted, error)
         && gl_post_query(ctx, "WAIVER", "refunds", "refunds:WAIVER", "billed fee and penalty waived by refunds",
                          sql_gl_waiver, 1, params, &posted, error)
         && gl_post_query(ctx, "REFUND", "refunds", "refunds:REFUND_RETURN",
                          "fee and penalty paid, returned on full refunds", sql_gl_return, 1, params,
                          &posted, error);
}

static gboolean
refund_round(EodContext *ctx, const char *round, GError **error)
{
  const char *round_param[] = { round };
  const char *date_param[] = { ctx->date_str };
  return waterfall_temp_table(ctx, "bt_refund_eval", sql_create_refund_eval, sql_clear_refund_eval, error)
         && waterfall_temp_table(ctx, "bt_refund_split", sql_create_refund_split, sql_clear_refund_split, error)
         && db_exec(ctx->conn, "refund_evaluate", sql_evaluate, 1, round_param, error)
         && db_exec(ctx->conn, "refund_reject", sql_reject, 1, date_param, error)
         && db_exec(ctx->conn, "refund_split", sql_split, 1, date_param, error)
         && db_exec(ctx->conn, "refund_allocate", sql_allocate, 1, date_param, error)
         && db_exec(ctx->conn, "refund_waive", sql_waive, 1, date_param, error)
         && db_exec(ctx->conn, "refund_settle_installments", sql_settle_installments, 1, date_param, error)
         && db_exec(ctx->conn, "refund_record", sql_record, 1, date_param, error)
         && db_exec(ctx->conn, "refund_credit", sql_credit, 1, date_param, error)
         && db_exec(ctx->conn, "refund_users", sql_users, 0, NULL, error)
         && db_exec(ctx->conn, "refund_loans", sql_loans, 1, date_param, error)
         && db_exec(ctx->conn, "refund_mark_applied", sql_mark_applied, 1, date_param, error);
}

gboolean
eod_step_refunds(EodContext *ctx, GError **error)
{
  const char *params[] = { ctx->date_str };
  if (!waterfall_temp_table(ctx, "bt_refund_today", sql_create_refund_today, sql_clear_refund_today, error)
      || !db_exec(ctx->conn, "refund_take_batch", sql_take_batch, 1, params, error))
    return FALSE;
  g_autoptr(PGresult) totals = db_query_one(ctx->conn, "refund_batch_totals", sql_batch_totals, 0, NULL, error);
  if (!totals)
    return FALSE;
  gint64 rounds = g_ascii_strtoll(PQgetvalue(totals, 0, 2), NULL, 10);
  for (gint64 k = 1; k <= rounds; k++) {
    g_autofree char *round = g_strdup_printf("%" G_GINT64_FORMAT, k);
    if (!refund_round(ctx, round, error))
      return FALSE;
  }
  if (!post_refunds(ctx, error) || !eod_apply_credit_balances(ctx, error))
    return FALSE;
  ctx->rows = g_ascii_strtoll(PQgetvalue(totals, 0, 0), NULL, 10);
  ctx->amount_fen = g_ascii_strtoll(PQgetvalue(totals, 0, 1), NULL, 10);
  return TRUE;
}
