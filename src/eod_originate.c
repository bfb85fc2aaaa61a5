/* Step originate (product-rules §2–§4, §11): the day's pending orders, in arrival
 * order per user, are accepted or rejected (unknown user, unknown product, frozen
 * user, over the limit: §11's order); accepted ones become loans with their schedules.
 *
 * The limit check is the one sequential rule: an order is accepted when it fits
 * into limit − used, where used grows with each order accepted before it (an order
 * equal to the available limit is accepted; limit freed on D serves orders from
 * D+1, since originate runs before refunds and repayments). So decisions are made
 * in C over the day's orders streamed in (user, arrival) order and COPYed back into
 * a temporary table, from which a few statements write inbox, rejects and loans. The
 * loans' INSERT returns their ids, and the schedules are COPYed straight into
 * installments with them (issue 15: no staging table, no join); then users' limits
 * and the GL. The statements are sql/steps/originate/. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "eod_run.h"
#include "eod_steps.h"
#include "gl.h"
#include "schedule.h"
#include "stmt.h"

#define ORIGINATE_SQL(what) ("steps/originate/" what)

enum { C_ORDER, C_USER, C_AMOUNT, C_PRODUCT, C_USER_KNOWN, C_USER_STATUS, C_LIMIT, C_USED, C_SDAY,
       C_PRODUCT_KNOWN, C_METHOD, C_TERM, C_RATE, C_GRACE };

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

/* The schedule of the order in ROW, by its product's terms, and its APR. */
static gboolean
build_schedule(EodContext *ctx, PGresult *res, int row, SchedTerms *t, SchedInstallment *inst, gint64 *apr_bp,
               GError **error)
{
  memset(t, 0, sizeof *t);
  if (!sched_method_from_string(PQgetvalue(res, row, C_METHOD), &t->method, error))
    return FALSE;
  t->term = atoi(PQgetvalue(res, row, C_TERM));
  t->rate_ppm = g_ascii_strtoll(PQgetvalue(res, row, C_RATE), NULL, 10);
  t->grace_days = atoi(PQgetvalue(res, row, C_GRACE));
  gint64 amount = g_ascii_strtoll(PQgetvalue(res, row, C_AMOUNT), NULL, 10);
  int sday = atoi(PQgetvalue(res, row, C_SDAY));
  if (!sched_build(amount, t, &ctx->date, sday, inst, error))
    return FALSE;
  if (!sched_apr_bp(amount, inst, t->term, apr_bp, error)) {
    g_prefix_error(error, "APR: ");
    return FALSE;
  }
  return TRUE;
}

/* The installment rows of the accepted order in ROW, as loan LOAN_ID. */
static gboolean
write_schedule(Originator *o, EodContext *ctx, PGresult *res, int row, const char *loan_id, GError **error)
{
  SchedTerms t;
  SchedInstallment inst[SCHED_TERM_MAX];
  gint64 apr_bp = 0;
  if (!build_schedule(ctx, res, row, &t, inst, &apr_bp, error)) {
    g_prefix_error(error, "order %s: ", PQgetvalue(res, row, C_ORDER));
    return FALSE;
  }
  for (int k = 0; k < t.term; k++) {
    db_copy_field(o->installments, loan_id, FALSE);
    db_copy_field_int(o->installments, inst[k].no, FALSE);
    db_copy_field(o->installments, PQgetvalue(res, row, C_USER), FALSE);
    db_copy_field(o->installments, PQgetvalue(res, row, C_ORDER), FALSE);
    copy_date(o->installments, &inst[k].billing_date, FALSE);
    copy_date(o->installments, &inst[k].due_date, FALSE);
    db_copy_field_int(o->installments, inst[k].principal_fen, FALSE);
    db_copy_field_int(o->installments, inst[k].fee_fen, TRUE);
  }
  o->accepted_fen += g_ascii_strtoll(PQgetvalue(res, row, C_AMOUNT), NULL, 10);
  return db_copy_flush_if_full(o->installments, error);
}

/* One decision row: the order, its reason (NULL: accepted), first billing date and APR. */
static gboolean
copy_decision(Originator *o, EodContext *ctx, PGresult *res, int row, GArray *accepted, GError **error)
{
  g_autofree char *detail = NULL;
  const char *reason = decide(o, res, row, &detail);
  /* an order whose schedule cannot be made (terms the engine refuses, an amount past
   * what it can compute) is rejected with the reason, never left to fail every rerun */
  SchedTerms t;
  SchedInstallment inst[SCHED_TERM_MAX];
  gint64 apr_bp = 0;
  g_autoptr(GError) unschedulable = NULL;
  if (!reason && !build_schedule(ctx, res, row, &t, inst, &apr_bp, &unschedulable)) {
    reason = "BAD_FIELD";
    detail = g_strdup_printf("cannot be originated: %s", unschedulable->message);
    o->used -= g_ascii_strtoll(PQgetvalue(res, row, C_AMOUNT), NULL, 10);
  }
  db_copy_field(o->decisions, PQgetvalue(res, row, C_ORDER), FALSE);
  db_copy_field(o->decisions, reason, FALSE);
  db_copy_field(o->decisions, detail, FALSE);
  if (reason) {
    db_copy_field(o->decisions, NULL, FALSE);
    db_copy_field(o->decisions, NULL, TRUE);
  } else {
    GDate first_billing;
    if (!sched_first_billing_date(&ctx->date, atoi(PQgetvalue(res, row, C_SDAY)), &first_billing, error))
      return FALSE;
    copy_date(o->decisions, &first_billing, FALSE);
    db_copy_field_int(o->decisions, apr_bp, TRUE);
    g_array_append_val(accepted, row);
  }
  return db_copy_flush_if_full(o->decisions, error);
}

/* Pass 1: decisions, in (user, arrival) order for the running limit. */
static gboolean
copy_decisions(Originator *o, EodContext *ctx, PGresult *res, GArray *accepted, GError **error)
{
  o->decisions = stmt_copy_start(ctx->conn, ORIGINATE_SQL("40_copy_decisions"), error);
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

/* order_id → loan_id of the loans just made (the strings live in LOANS). */
static GHashTable *
loan_ids(PGresult *loans)
{
  GHashTable *ids = g_hash_table_new(g_str_hash, g_str_equal);
  for (int i = 0; i < PQntuples(loans); i++)
    g_hash_table_insert(ids, PQgetvalue(loans, i, 0), PQgetvalue(loans, i, 1));
  return ids;
}

/* Pass 2: the accepted orders' schedules, straight into installments. */
static gboolean
copy_schedules(Originator *o, EodContext *ctx, PGresult *res, GArray *accepted, PGresult *loans,
               GError **error)
{
  if (accepted->len != (guint) PQntuples(loans)) {
    g_set_error(error, EOD_ERROR, EOD_ERROR_INVARIANT, "%u orders accepted but %d loans made", accepted->len,
                PQntuples(loans));
    return FALSE;
  }
  g_autoptr(GHashTable) ids = loan_ids(loans);
  o->installments = stmt_copy_start(ctx->conn, ORIGINATE_SQL("80_copy_installments"), error);
  if (!o->installments)
    return FALSE;
  for (guint i = 0; i < accepted->len; i++) {
    int row = g_array_index(accepted, int, i);
    const char *loan_id = g_hash_table_lookup(ids, PQgetvalue(res, row, C_ORDER));
    if (!loan_id) {
      g_set_error(error, EOD_ERROR, EOD_ERROR_INVARIANT, "order %s was accepted but no loan was made",
                  PQgetvalue(res, row, C_ORDER));
      db_copy_abort(o->installments);
      return FALSE;
    }
    if (!write_schedule(o, ctx, res, row, loan_id, error)) {
      db_copy_abort(o->installments);
      return FALSE;
    }
  }
  return db_copy_finish(o->installments, NULL, error);
}

/* Decisions, inbox, rejects, loans and installments of the candidates in RES. */
static gboolean
originate_orders(Originator *o, EodContext *ctx, PGresult *res, GError **error)
{
  const char *d[] = { ctx->date_str };
  g_autoptr(GArray) accepted = g_array_new(FALSE, FALSE, sizeof(int));
  if (!copy_decisions(o, ctx, res, accepted, error)
      || !stmt_exec(ctx->conn, ORIGINATE_SQL("50_apply_decisions"), 1, d, error)
      || !stmt_exec(ctx->conn, ORIGINATE_SQL("60_record_rejects"), 1, d, error))
    return FALSE;
  g_autoptr(PGresult) loans = stmt_query(ctx->conn, ORIGINATE_SQL("70_create_loans"), 1, d, error);
  return loans && copy_schedules(o, ctx, res, accepted, loans, error);
}

gboolean
eod_step_originate(EodContext *ctx, GError **error)
{
  const char *d[] = { ctx->date_str };
  if (!stmt_exec(ctx->conn, ORIGINATE_SQL("10_reject_stale"), 1, d, error)
      || !stmt_exec(ctx->conn, ORIGINATE_SQL("30_decisions_table"), 0, NULL, error))
    return FALSE;
  g_autoptr(PGresult) res = stmt_query(ctx->conn, ORIGINATE_SQL("20_candidates"), 1, d, error);
  if (!res)
    return FALSE;
  Originator o = { 0 };
  gint64 posted = 0;
  if (!originate_orders(&o, ctx, res, error)
      || !stmt_exec(ctx->conn, ORIGINATE_SQL("90_use_limits"), 1, d, error)
      || !gl_post_stmt(ctx, "ORIGINATION", "originate", "originate:ORIGINATION",
                       "loans originated: Dr 1122 / Cr 2202", ORIGINATE_SQL("95_gl_lines"), 1, d, &posted, error))
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
