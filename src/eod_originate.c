/* Step originate (product-rules §2–§4, §11): the day's pending orders, in arrival
 * order per user, are accepted or rejected (unknown user, unknown product, frozen
 * user, over the limit: §11's order); accepted ones become loans with their schedules.
 *
 * The limit check is the one sequential rule: an order is accepted when it fits
 * into limit − used, where used grows with each order accepted before it (an order
 * equal to the available limit is accepted; limit freed on D serves orders from
 * D+1, since originate runs before refunds and repayments). So decisions are made
 * in C over the day's orders streamed in (user, arrival) order, and everything
 * else is set-based: decisions and schedules go back by COPY into temp tables,
 * and a few INSERT … SELECT statements write inbox, rejects, loans, installments,
 * users and the GL. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "eod_run.h"
#include "eod_steps.h"
#include "gl.h"
#include "schedule.h"

static const char sql_reject_stale[] =
  "WITH stale AS ("
  "  UPDATE inbox_orders SET status = 'REJECTED', reject_reason = 'DATE_CLOSED', processed_date = $1::date"
  "   WHERE status = 'PENDING' AND order_date < $1::date"
  "  RETURNING order_id, user_id, amount_fen, file_id, line_no, order_date)"
  " INSERT INTO rejects (file_id, file_name, line_no, source_kind, external_id, user_id, field, reason_code,"
  "                      detail, amount_fen, business_date)"
  " SELECT s.file_id, f.file_name, s.line_no, 'orders', s.order_id, s.user_id, 'order_date', 'DATE_CLOSED',"
  "        'order dated ' || s.order_date || ' was still pending when ' || $1::date || ' ran', s.amount_fen,"
  "        $1::date"
  "   FROM stale s LEFT JOIN load_files f ON f.file_id = s.file_id";

static const char sql_candidates[] =
  "SELECT o.order_id, o.user_id, o.amount_fen, o.product_code,"
  "       u.user_id IS NOT NULL, coalesce(u.status, ''), coalesce(u.credit_limit_fen, 0),"
  "       coalesce(u.used_limit_fen, 0), coalesce(u.statement_day, 1),"
  "       p.product_code IS NOT NULL, coalesce(p.method, ''), coalesce(p.term, 1),"
  "       coalesce(p.rate_ppm, 0), coalesce(p.grace_days, 0)"
  "  FROM inbox_orders o"
  "  LEFT JOIN users u ON u.user_id = o.user_id"
  "  LEFT JOIN products p ON p.product_code = o.product_code"
  " WHERE o.status = 'PENDING' AND o.order_date = $1::date"
  " ORDER BY o.user_id, o.arrival_seq";

enum { C_ORDER, C_USER, C_AMOUNT, C_PRODUCT, C_USER_KNOWN, C_USER_STATUS, C_LIMIT, C_USED, C_SDAY,
       C_PRODUCT_KNOWN, C_METHOD, C_TERM, C_RATE, C_GRACE };

static const char sql_temp_tables[] =
  "CREATE TEMP TABLE originate_decisions (order_id text PRIMARY KEY, reason text, detail text,"
  "                                       first_billing_date date) ON COMMIT DROP;"
  "CREATE TEMP TABLE originate_installments (order_id text, installment_no int, billing_date date,"
  "                                          due_date date, principal_fen bigint, fee_fen bigint,"
  "                                          apr_bp int)"
  " ON COMMIT DROP";

static const char sql_apply_decisions[] =
  "UPDATE inbox_orders o SET status = CASE WHEN d.reason IS NULL THEN 'ACCEPTED' ELSE 'REJECTED' END,"
  "       reject_reason = d.reason, processed_date = $1::date"
  "  FROM originate_decisions d WHERE o.order_id = d.order_id AND o.status = 'PENDING'";

static const char sql_record_rejects[] =
  "INSERT INTO rejects (file_id, file_name, line_no, source_kind, external_id, user_id, field, reason_code,"
  "                     detail, amount_fen, business_date)"
  " SELECT o.file_id, f.file_name, o.line_no, 'orders', o.order_id, o.user_id,"
  "        CASE d.reason WHEN 'UNKNOWN_PRODUCT' THEN 'product_code' WHEN 'OVER_LIMIT' THEN 'amount'"
  "                      WHEN 'BAD_FIELD' THEN 'amount'"
  "                      ELSE 'user_id' END,"
  "        d.reason, d.detail, o.amount_fen, $1::date"
  "   FROM originate_decisions d JOIN inbox_orders o USING (order_id)"
  "   LEFT JOIN load_files f ON f.file_id = o.file_id"
  "  WHERE d.reason IS NOT NULL";

/* The loan's APR is its own schedule's (§1, per purchase; carried on each staged
 * installment row); the product's apr_bp stays the reference of a 1000.00 purchase. */
static const char sql_create_loans[] =
  "INSERT INTO loans (order_id, user_id, product_code, principal_fen, term, method, rate_ppm, grace_days,"
  "                   penalty_ppm, writeoff_dpd, prepay_fee_policy, apr_bp, statement_day,"
  "                   origination_date, first_billing_date, status, status_date)"
  " SELECT o.order_id, o.user_id, o.product_code, o.amount_fen, p.term, p.method, p.rate_ppm,"
  "        p.grace_days, p.penalty_ppm, p.writeoff_dpd, p.prepay_fee_policy, a.apr_bp, u.statement_day,"
  "        $1::date, d.first_billing_date, 'ACTIVE', $1::date"
  "   FROM originate_decisions d"
  "   JOIN inbox_orders o USING (order_id)"
  "   JOIN products p ON p.product_code = o.product_code"
  "   JOIN users u ON u.user_id = o.user_id"
  "   JOIN originate_installments a ON a.order_id = d.order_id AND a.installment_no = 1"
  "  WHERE d.reason IS NULL"
  "  ORDER BY o.arrival_seq";

static const char sql_create_installments[] =
  "INSERT INTO installments (loan_id, installment_no, user_id, order_id, billing_date, due_date,"
  "                          principal_fen, fee_fen)"
  " SELECT l.loan_id, i.installment_no, l.user_id, l.order_id, i.billing_date, i.due_date,"
  "        i.principal_fen, i.fee_fen"
  "   FROM originate_installments i JOIN loans l USING (order_id)";

static const char sql_use_limits[] =
  "UPDATE users u SET used_limit_fen = u.used_limit_fen + s.principal_fen, updated_at = now(),"
  "       last_change_date = $1::date"
  "  FROM (SELECT user_id, sum(principal_fen)::bigint AS principal_fen FROM loans"
  "         WHERE origination_date = $1::date GROUP BY user_id) s"
  " WHERE u.user_id = s.user_id";

static const char sql_gl_lines[] =
  "SELECT '1122' AS account_code, coalesce(sum(principal_fen), 0)::bigint AS debit_fen, 0::bigint AS credit_fen"
  "  FROM loans WHERE origination_date = $1::date"
  " UNION ALL "
  "SELECT '2202', 0, coalesce(sum(principal_fen), 0)::bigint FROM loans WHERE origination_date = $1::date";

typedef struct {
  char user[72];
  gint64 used;            /* running used limit of the current user */
  gint64 decided;
  gint64 accepted_fen;
  DbCopy *decisions;
  DbCopy *installments;
} Originator;

/* The reason code an order is refused for, or NULL; tracks the user's running use. */
static const char *
decide(Originator *o, PGresult *res, int row, char **detail)
{
  gint64 amount = g_ascii_strtoll(PQgetvalue(res, row, C_AMOUNT), NULL, 10);
  if (strcmp(o->user, PQgetvalue(res, row, C_USER)) != 0) {
    g_strlcpy(o->user, PQgetvalue(res, row, C_USER), sizeof o->user);
    o->used = g_ascii_strtoll(PQgetvalue(res, row, C_USED), NULL, 10);
  }
  /* §11: what intake could judge (unknown user, unknown product) before what only the
   * night judges (frozen, over the limit) */
  if (strcmp(PQgetvalue(res, row, C_USER_KNOWN), "t") != 0)
    return "UNKNOWN_USER";
  if (strcmp(PQgetvalue(res, row, C_PRODUCT_KNOWN), "t") != 0)
    return "UNKNOWN_PRODUCT";
  if (strcmp(PQgetvalue(res, row, C_USER_STATUS), "FROZEN") == 0)
    return "USER_FROZEN";
  gint64 limit = g_ascii_strtoll(PQgetvalue(res, row, C_LIMIT), NULL, 10);
  if (amount > limit - o->used) {
    *detail = g_strdup_printf("amount %" G_GINT64_FORMAT " fen exceeds the available limit %" G_GINT64_FORMAT
                              " fen (limit %" G_GINT64_FORMAT ", used %" G_GINT64_FORMAT ")",
                              amount, MAX(limit - o->used, 0), limit, o->used);
    return "OVER_LIMIT";
  }
  o->used += amount;
  return NULL;
}

static void
copy_date(DbCopy *copy, const GDate *d, gboolean last)
{
  char buf[11];
  g_date_strftime(buf, sizeof buf, "%Y-%m-%d", d);
  db_copy_field(copy, buf, last);
}

/* The schedule of the order in ROW, by its product's terms. */
static gboolean
build_schedule(EodContext *ctx, PGresult *res, int row, SchedTerms *t, SchedInstallment *inst, GError **error)
{
  memset(t, 0, sizeof *t);
  if (!sched_method_from_string(PQgetvalue(res, row, C_METHOD), &t->method, error))
    return FALSE;
  t->term = atoi(PQgetvalue(res, row, C_TERM));
  t->rate_ppm = g_ascii_strtoll(PQgetvalue(res, row, C_RATE), NULL, 10);
  t->grace_days = atoi(PQgetvalue(res, row, C_GRACE));
  gint64 amount = g_ascii_strtoll(PQgetvalue(res, row, C_AMOUNT), NULL, 10);
  int sday = atoi(PQgetvalue(res, row, C_SDAY));
  return sched_build(amount, t, &ctx->date, sday, inst, error);
}

static gboolean
write_schedule(Originator *o, EodContext *ctx, PGresult *res, int row, GError **error)
{
  SchedTerms t;
  SchedInstallment inst[SCHED_TERM_MAX];
  gint64 amount = g_ascii_strtoll(PQgetvalue(res, row, C_AMOUNT), NULL, 10);
  if (!build_schedule(ctx, res, row, &t, inst, error)) {
    g_prefix_error(error, "order %s: ", PQgetvalue(res, row, C_ORDER));
    return FALSE;
  }
  gint64 apr_bp = 0;
  if (!sched_apr_bp(amount, inst, t.term, &apr_bp, error)) {
    g_prefix_error(error, "order %s: APR: ", PQgetvalue(res, row, C_ORDER));
    return FALSE;
  }
  for (int k = 0; k < t.term; k++) {
    db_copy_field(o->installments, PQgetvalue(res, row, C_ORDER), FALSE);
    db_copy_field_int(o->installments, inst[k].no, FALSE);
    copy_date(o->installments, &inst[k].billing_date, FALSE);
    copy_date(o->installments, &inst[k].due_date, FALSE);
    db_copy_field_int(o->installments, inst[k].principal_fen, FALSE);
    db_copy_field_int(o->installments, inst[k].fee_fen, FALSE);
    db_copy_field_int(o->installments, apr_bp, TRUE);
  }
  o->accepted_fen += amount;
  return db_copy_flush_if_full(o->installments, error);
}

/* One decision row: the order, its reason (NULL: accepted) and first billing date. */
static gboolean
copy_decision(Originator *o, EodContext *ctx, PGresult *res, int row, GArray *accepted, GError **error)
{
  g_autofree char *detail = NULL;
  const char *reason = decide(o, res, row, &detail);
  /* an order whose schedule cannot be made (terms the engine refuses, an amount past
   * what it can compute) is rejected with the reason, never left to fail every rerun */
  SchedTerms t;
  SchedInstallment inst[SCHED_TERM_MAX];
  g_autoptr(GError) unschedulable = NULL;
  if (!reason && !build_schedule(ctx, res, row, &t, inst, &unschedulable)) {
    reason = "BAD_FIELD";
    detail = g_strdup_printf("cannot be originated: %s", unschedulable->message);
    o->used -= g_ascii_strtoll(PQgetvalue(res, row, C_AMOUNT), NULL, 10);
  }
  db_copy_field(o->decisions, PQgetvalue(res, row, C_ORDER), FALSE);
  db_copy_field(o->decisions, reason, FALSE);
  db_copy_field(o->decisions, detail, FALSE);
  if (reason) {
    db_copy_field(o->decisions, NULL, TRUE);
  } else {
    GDate first_billing;
    if (!sched_first_billing_date(&ctx->date, atoi(PQgetvalue(res, row, C_SDAY)), &first_billing, error))
      return FALSE;
    copy_date(o->decisions, &first_billing, TRUE);
    g_array_append_val(accepted, row);
  }
  return db_copy_flush_if_full(o->decisions, error);
}

/* Pass 1: decisions, in (user, arrival) order for the running limit. */
static gboolean
copy_decisions(Originator *o, EodContext *ctx, PGresult *res, GArray *accepted, GError **error)
{
  o->decisions = db_copy_start(ctx->conn, "copy_originate_decisions",
                               "COPY originate_decisions (order_id, reason, detail, first_billing_date)"
                               " FROM STDIN", error);
  if (!o->decisions)
    return FALSE;
  for (int row = 0; row < PQntuples(res); row++) {
    if (!copy_decision(o, ctx, res, row, accepted, error)) {
      db_copy_abort(o->decisions);
      return FALSE;
    }
  }
  o->decided = PQntuples(res);
  return db_copy_finish(o->decisions, NULL, error);
}

/* Pass 2: the schedules of the accepted orders (one COPY stream at a time). */
static gboolean
copy_schedules(Originator *o, EodContext *ctx, PGresult *res, GArray *accepted, GError **error)
{
  o->installments = db_copy_start(ctx->conn, "copy_originate_installments",
                                  "COPY originate_installments FROM STDIN", error);
  if (!o->installments)
    return FALSE;
  for (guint i = 0; i < accepted->len; i++) {
    if (!write_schedule(o, ctx, res, g_array_index(accepted, int, i), error)) {
      db_copy_abort(o->installments);
      return FALSE;
    }
  }
  return db_copy_finish(o->installments, NULL, error);
}

gboolean
eod_step_originate(EodContext *ctx, GError **error)
{
  const char *d[] = { ctx->date_str };
  if (!db_exec(ctx->conn, "reject_stale_orders", sql_reject_stale, 1, d, error)
      || !db_exec_script(ctx->conn, "originate_temp_tables", sql_temp_tables, NULL, error))
    return FALSE;
  g_autoptr(PGresult) res = db_query(ctx->conn, "originate_candidates", sql_candidates, 1, d, error);
  if (!res)
    return FALSE;
  Originator o = { 0 };
  g_autoptr(GArray) accepted = g_array_new(FALSE, FALSE, sizeof(int));
  if (!copy_decisions(&o, ctx, res, accepted, error) || !copy_schedules(&o, ctx, res, accepted, error))
    return FALSE;
  gint64 posted = 0;
  if (!db_exec(ctx->conn, "apply_order_decisions", sql_apply_decisions, 1, d, error)
      || !db_exec(ctx->conn, "record_order_rejects", sql_record_rejects, 1, d, error)
      || !db_exec(ctx->conn, "create_loans", sql_create_loans, 1, d, error)
      || !db_exec(ctx->conn, "create_installments", sql_create_installments, 0, NULL, error)
      || !db_exec(ctx->conn, "use_limits", sql_use_limits, 1, d, error)
      || !gl_post_query(ctx, "ORIGINATION", "originate", "originate:ORIGINATION",
                        "loans originated: Dr 1122 / Cr 2202", sql_gl_lines, 1, d, &posted, error))
    return FALSE;
  if (posted != o.accepted_fen) {
    g_set_error(error, EOD_ERROR, EOD_ERROR_INVARIANT,
                "originated principal %" G_GINT64_FORMAT " fen does not tie to the %" G_GINT64_FORMAT
                " fen posted", o.accepted_fen, posted);
    return FALSE;
  }
  ctx->rows = o.decided;
  ctx->amount_fen = o.accepted_fen;
  return TRUE;
}
