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
 * and the GL. The statements are sql/steps/originate/.
 *
 * Campaigns (issue 18) come between deciding and writing: the accepted orders are
 * matched in arrival order (budgets are consumed in it), the discounts lower the
 * installments' fees, the loan's APR is its discounted schedule's, and what was
 * granted is written by originate_campaigns.c and posted here. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "eod_run.h"
#include "eod_steps.h"
#include "gl.h"
#include "originate_campaigns.h"
#include "schedule.h"
#include "stmt.h"

#define ORIGINATE_SQL(what) ("steps/originate/" what)

enum { C_ORDER, C_USER, C_AMOUNT, C_PRODUCT, C_USER_KNOWN, C_USER_STATUS, C_LIMIT, C_USED, C_SDAY,
       C_PRODUCT_KNOWN, C_METHOD, C_TERM, C_RATE, C_GRACE, C_ARRIVAL };

/* What became of one candidate. */
typedef struct {
  const char *reason;     /* NULL: accepted */
  char *detail;
  gint64 apr_bp;
  const char *coupon;     /* inbox_orders.coupon_outcome */
} Decision;

typedef struct {
  char user[72];
  gint64 used;            /* running used limit of the current user */
  gint64 decided;
  gint64 accepted_fen;
  PGresult *res;          /* the candidates */
  Decision *decisions;    /* one per candidate */
  GArray *accepted;       /* rows of the accepted candidates, in arrival order */
  OriginateCampaigns *campaigns;  /* NULL: no campaign live on D */
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

/* The schedule of the order in ROW, by its product's terms, and its APR (APR_BP NULL:
 * the schedule only, for an order whose APR is already known). */
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
  if (apr_bp && !sched_apr_bp(amount, inst, t->term, apr_bp, error)) {
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
  if (!build_schedule(ctx, res, row, &t, inst, NULL, error)) {
    g_prefix_error(error, "order %s: ", PQgetvalue(res, row, C_ORDER));
    return FALSE;
  }
  originate_campaigns_apply(o->campaigns, PQgetvalue(res, row, C_ORDER), inst, t.term);
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

/* Decides the candidate in ROW: its reason (NULL: accepted) and its product schedule's APR. */
static void
decide_row(Originator *o, EodContext *ctx, int row)
{
  PGresult *res = o->res;
  Decision *d = &o->decisions[row];
  d->reason = decide(o, res, row, &d->detail);
  /* an order whose schedule cannot be made (terms the engine refuses, an amount past
   * what it can compute) is rejected with the reason, never left to fail every rerun */
  SchedTerms t;
  SchedInstallment inst[SCHED_TERM_MAX];
  g_autoptr(GError) unschedulable = NULL;
  if (!d->reason && !build_schedule(ctx, res, row, &t, inst, &d->apr_bp, &unschedulable)) {
    d->reason = "BAD_FIELD";
    d->detail = g_strdup_printf("cannot be originated: %s", unschedulable->message);
    o->used -= g_ascii_strtoll(PQgetvalue(res, row, C_AMOUNT), NULL, 10);
  }
  if (!d->reason)
    g_array_append_val(o->accepted, row);
}

static gint64
arrival(const Originator *o, int row)
{
  return g_ascii_strtoll(PQgetvalue(o->res, row, C_ARRIVAL), NULL, 10);
}

static int
by_arrival(gconstpointer a, gconstpointer b, gpointer originator)
{
  gint64 x = arrival(originator, *(const int *) a), y = arrival(originator, *(const int *) b);
  return x < y ? -1 : x > y;
}

/* The accepted orders, in arrival order, against the live campaigns: each order's
 * coupon outcome, and the APR of its discounted schedule. */
static gboolean
match_campaigns(Originator *o, EodContext *ctx, GError **error)
{
  g_array_sort_with_data(o->accepted, by_arrival, o);
  PGresult *res = o->res;
  for (guint i = 0; i < o->accepted->len; i++) {
    int row = g_array_index(o->accepted, int, i);
    SchedTerms t;
    SchedInstallment inst[SCHED_TERM_MAX];
    if (!build_schedule(ctx, res, row, &t, inst, NULL, error))
      return FALSE;
    OriginateOrder order = { .order_id = PQgetvalue(res, row, C_ORDER), .user_id = PQgetvalue(res, row, C_USER),
                             .product_code = PQgetvalue(res, row, C_PRODUCT),
                             .amount_fen = g_ascii_strtoll(PQgetvalue(res, row, C_AMOUNT), NULL, 10),
                             .terms = &t, .date = &ctx->date, .statement_day = atoi(PQgetvalue(res, row, C_SDAY)) };
    gboolean discounted = FALSE;
    o->decisions[row].coupon = originate_campaigns_match(o->campaigns, &order, inst, &discounted);
    /* an order no campaign took anything from keeps the APR decide_row worked out */
    if (discounted && !sched_apr_bp(order.amount_fen, inst, t.term, &o->decisions[row].apr_bp, error)) {
      g_prefix_error(error, "order %s: APR of its discounted schedule: ", order.order_id);
      return FALSE;
    }
  }
  return TRUE;
}

/* One decision row: the order, its reason (NULL: accepted), first billing date, APR
 * and coupon outcome. */
static gboolean
copy_decision(Originator *o, EodContext *ctx, DbCopy *copy, int row, GError **error)
{
  PGresult *res = o->res;
  const Decision *d = &o->decisions[row];
  db_copy_field(copy, PQgetvalue(res, row, C_ORDER), FALSE);
  db_copy_field(copy, d->reason, FALSE);
  db_copy_field(copy, d->detail, FALSE);
  if (d->reason) {
    db_copy_field(copy, NULL, FALSE);
    db_copy_field(copy, NULL, FALSE);
  } else {
    GDate first_billing;
    if (!sched_first_billing_date(&ctx->date, atoi(PQgetvalue(res, row, C_SDAY)), &first_billing, error))
      return FALSE;
    copy_date(copy, &first_billing, FALSE);
    db_copy_field_int(copy, d->apr_bp, FALSE);
  }
  db_copy_field(copy, d->coupon, TRUE);
  return db_copy_flush_if_full(copy, error);
}

/* Pass 1: decisions, in (user, arrival) order for the running limit; then the
 * campaigns, in arrival order; then the decisions COPYed in. */
static gboolean
copy_decisions(Originator *o, EodContext *ctx, GError **error)
{
  int n = PQntuples(o->res);
  for (int row = 0; row < n; row++)
    decide_row(o, ctx, row);
  o->decided = n;
  if (o->campaigns && !match_campaigns(o, ctx, error))
    return FALSE;
  DbCopy *copy = stmt_copy_start(ctx->conn, ORIGINATE_SQL("40_copy_decisions"), error);
  if (!copy)
    return FALSE;
  for (int row = 0; row < n; row++) {
    if (!copy_decision(o, ctx, copy, row, error)) {
      db_copy_abort(copy);
      return FALSE;
    }
  }
  return db_copy_finish(copy, NULL, error);
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
copy_schedules(Originator *o, EodContext *ctx, GHashTable *ids, PGresult *loans, GError **error)
{
  PGresult *res = o->res;
  GArray *accepted = o->accepted;
  if (accepted->len != (guint) PQntuples(loans)) {
    g_set_error(error, EOD_ERROR, EOD_ERROR_INVARIANT, "%u orders accepted but %d loans made", accepted->len,
                PQntuples(loans));
    return FALSE;
  }
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

/* Decisions, inbox, rejects, loans and installments of the candidates; what the
 * campaigns granted (*GRANTED_FEN). */
static gboolean
originate_orders(Originator *o, EodContext *ctx, gint64 *granted_fen, GError **error)
{
  const char *d[] = { ctx->date_str };
  if (!copy_decisions(o, ctx, error)
      || !stmt_exec(ctx->conn, ORIGINATE_SQL("50_apply_decisions"), 1, d, error)
      || !stmt_exec(ctx->conn, ORIGINATE_SQL("60_record_rejects"), 1, d, error))
    return FALSE;
  g_autoptr(PGresult) loans = stmt_query(ctx->conn, ORIGINATE_SQL("70_create_loans"), 1, d, error);
  if (!loans)
    return FALSE;
  g_autoptr(GHashTable) ids = loan_ids(loans);
  *granted_fen = 0;
  return copy_schedules(o, ctx, ids, loans, error)
         && (!o->campaigns || originate_campaigns_write(o->campaigns, ctx->conn, ctx->date_str, ids, granted_fen, error));
}

static gboolean
check_posted(const char *what, gint64 booked, gint64 posted, GError **error)
{
  if (posted == booked)
    return TRUE;
  g_set_error(error, EOD_ERROR, EOD_ERROR_INVARIANT,
              "%s %" G_GINT64_FORMAT " fen does not tie to the %" G_GINT64_FORMAT " fen posted", what, booked, posted);
  return FALSE;
}

static void
originator_clear(Originator *o)
{
  if (o->decisions)
    for (int row = 0; row < PQntuples(o->res); row++)
      g_free(o->decisions[row].detail);
  g_free(o->decisions);
  g_clear_pointer(&o->accepted, g_array_unref);
  g_clear_pointer(&o->campaigns, originate_campaigns_free);
}

static gboolean
originate(Originator *o, EodContext *ctx, GError **error)
{
  const char *d[] = { ctx->date_str };
  gint64 posted = 0, granted = 0, subsidy_posted = 0;
  if (!originate_campaigns_open(ctx->conn, ctx->date_str, &o->campaigns, error)
      || !originate_orders(o, ctx, &granted, error)
      || !stmt_exec(ctx->conn, ORIGINATE_SQL("90_use_limits"), 1, d, error)
      || !gl_post_stmt(ctx, "ORIGINATION", "originate", "originate:ORIGINATION",
                       "loans originated: Dr 1122 / Cr 2202", ORIGINATE_SQL("95_gl_lines"), 1, d, &posted, error)
      || !check_posted("originated principal", o->accepted_fen, posted, error))
    return FALSE;
  return !o->campaigns
         || (gl_post_stmt(ctx, "SUBSIDY", "originate", "originate:SUBSIDY_GRANT",
                          "campaign discounts granted: Dr 6601 / Dr 2202 / Cr 2203", ORIGINATE_SQL("96_gl_subsidy_lines"),
                          1, d, &subsidy_posted, error)
             && check_posted("campaign discounts granted", granted, subsidy_posted, error));
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
  Originator o = { .res = res, .accepted = g_array_new(FALSE, FALSE, sizeof(int)) };
  o.decisions = g_new0(Decision, MAX(PQntuples(res), 1));
  gboolean ok = originate(&o, ctx, error);
  ctx->rows = o.decided;
  ctx->amount_fen = o.accepted_fen;
  originator_clear(&o);
  return ok;
}
