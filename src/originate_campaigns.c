/* Originate's campaign pass: see originate_campaigns.h. */
#include "originate_campaigns.h"

#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "campaign_match.h"
#include "db.h"
#include "eod_run.h"
#include "stmt.h"

#define ORIGINATE_SQL(what) ("steps/originate/" what)

enum { F_ORDER, F_MERCHANT, F_CATEGORY, F_COUPON, F_COUPON_KNOWN, F_OWNER, F_CAMPAIGN, F_VALID_FROM, F_VALID_TO,
       F_LIVE_USE, F_FIRST_LOAN };

/* One campaign's part of one order. */
typedef struct {
  guint campaign;
  gint64 total_fen;
  gint64 *by_installment;
  gboolean coupon;            /* this grant used the order's coupon */
} KeptGrant;

/* What one order was granted, kept until the loans exist. */
typedef struct {
  char *order_id;
  char *user_id;
  char *coupon_id;
  int term;
  GDate *billing;             /* term dates: the fee_subsidies rows carry them */
  guint n;
  KeptGrant *grants;
} KeptOrder;

struct OriginateCampaigns {
  CampaignLive *live;
  CampaignMatcher *matcher;
  PGresult *facts;
  GHashTable *fact_rows;      /* order id → row of facts + 1 */
  GHashTable *segments;       /* "segment\037user" */
  GHashTable *uses;           /* "campaign\037user" → count */
  GHashTable *kept;           /* order id → KeptOrder*, the orders granted something */
  GPtrArray *kept_order;      /* KeptOrder*, in arrival order */
};

static void
kept_order_free(gpointer p)
{
  KeptOrder *k = p;
  for (guint i = 0; i < k->n; i++)
    g_free(k->grants[i].by_installment);
  g_free(k->grants);
  g_free(k->billing);
  g_free(k->order_id);
  g_free(k->user_id);
  g_free(k->coupon_id);
  g_free(k);
}

void
originate_campaigns_free(OriginateCampaigns *oc)
{
  if (!oc)
    return;
  campaign_matcher_free(oc->matcher);
  campaign_live_free(oc->live);
  PQclear(oc->facts);
  g_clear_pointer(&oc->fact_rows, g_hash_table_unref);
  g_clear_pointer(&oc->segments, g_hash_table_unref);
  g_clear_pointer(&oc->uses, g_hash_table_unref);
  g_clear_pointer(&oc->kept, g_hash_table_unref);
  g_clear_pointer(&oc->kept_order, g_ptr_array_unref);
  g_free(oc);
}

/* "a\037b" for the two columns of each row of RES, into a new set (or map to column 2's count). */
static GHashTable *
pair_keys(PGresult *res, gboolean with_count)
{
  GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (int i = 0; i < PQntuples(res); i++) {
    char *key = g_strconcat(PQgetvalue(res, i, 0), "\037", PQgetvalue(res, i, 1), NULL);
    g_hash_table_insert(t, key, GINT_TO_POINTER(with_count ? atoi(PQgetvalue(res, i, 2)) : 1));
  }
  return t;
}

static gboolean
read_night(OriginateCampaigns *oc, PGconn *conn, const char *date, GError **error)
{
  const char *d[] = { date };
  oc->facts = stmt_query(conn, ORIGINATE_SQL("21_campaign_orders"), 1, d, error);
  if (!oc->facts)
    return FALSE;
  oc->fact_rows = g_hash_table_new(g_str_hash, g_str_equal);
  for (int i = 0; i < PQntuples(oc->facts); i++)
    g_hash_table_insert(oc->fact_rows, PQgetvalue(oc->facts, i, F_ORDER), GINT_TO_POINTER(i + 1));
  g_autoptr(PGresult) seg = stmt_query(conn, ORIGINATE_SQL("22_campaign_segments"), 1, d, error);
  if (!seg)
    return FALSE;
  oc->segments = pair_keys(seg, FALSE);
  g_autoptr(PGresult) uses = stmt_query(conn, ORIGINATE_SQL("23_campaign_uses"), 1, d, error);
  if (!uses)
    return FALSE;
  oc->uses = pair_keys(uses, TRUE);
  return TRUE;
}

gboolean
originate_campaigns_open(PGconn *conn, const char *date, OriginateCampaigns **out, GError **error)
{
  *out = NULL;
  g_autoptr(CampaignLive) live = campaign_live_read(conn, date, error);
  if (!live)
    return FALSE;
  if (live->campaigns->len == 0)
    return TRUE;
  OriginateCampaigns *oc = g_new0(OriginateCampaigns, 1);
  oc->live = g_steal_pointer(&live);
  if (!read_night(oc, conn, date, error)) {
    originate_campaigns_free(oc);
    return FALSE;
  }
  oc->matcher = campaign_matcher_new(oc->live, oc->segments, oc->uses);
  oc->kept = g_hash_table_new(g_str_hash, g_str_equal);
  oc->kept_order = g_ptr_array_new_with_free_func(kept_order_free);
  *out = oc;
  return TRUE;
}

static const char *
fact(const OriginateCampaigns *oc, int row, int col)
{
  return row < 0 || PQgetisnull(oc->facts, row, col) ? NULL : PQgetvalue(oc->facts, row, col);
}

static void
parse_date(const char *s, GDate *out)
{
  g_date_clear(out, 1);
  if (s)
    g_date_set_parse(out, s);
}

/* The matcher's view of O, from its facts row. */
static void
campaign_order_of(const OriginateCampaigns *oc, const OriginateOrder *o, CampaignOrder *co)
{
  int row = GPOINTER_TO_INT(g_hash_table_lookup(oc->fact_rows, o->order_id)) - 1;
  memset(co, 0, sizeof *co);
  co->order_id = o->order_id;
  co->user_id = o->user_id;
  co->amount_fen = o->amount_fen;
  co->product_code = o->product_code;
  co->terms = o->terms;
  co->order_date = *o->date;
  co->statement_day = o->statement_day;
  co->first_loan = g_strcmp0(fact(oc, row, F_FIRST_LOAN), "t") == 0;
  co->merchant_id = fact(oc, row, F_MERCHANT);
  co->category = fact(oc, row, F_CATEGORY);
  co->coupon.coupon_id = fact(oc, row, F_COUPON);
  co->coupon.known = g_strcmp0(fact(oc, row, F_COUPON_KNOWN), "t") == 0;
  co->coupon.owner = fact(oc, row, F_OWNER);
  co->coupon.campaign_id = fact(oc, row, F_CAMPAIGN);
  parse_date(fact(oc, row, F_VALID_FROM), &co->coupon.valid_from);
  parse_date(fact(oc, row, F_VALID_TO), &co->coupon.valid_to);
  co->coupon.live_use = g_strcmp0(fact(oc, row, F_LIVE_USE), "t") == 0;
}

static void
keep(OriginateCampaigns *oc, const CampaignOrder *co, const SchedInstallment *inst, const CampaignGrant *g, guint n,
     CouponOutcome coupon)
{
  KeptOrder *k = g_new0(KeptOrder, 1);
  k->order_id = g_strdup(co->order_id);
  k->user_id = g_strdup(co->user_id);
  k->term = co->terms->term;
  k->billing = g_new(GDate, k->term);
  for (int i = 0; i < k->term; i++)
    k->billing[i] = inst[i].billing_date;
  k->n = n;
  k->grants = g_new0(KeptGrant, n);
  for (guint i = 0; i < n; i++) {
    const Campaign *c = g_ptr_array_index(oc->live->campaigns, g[i].campaign);
    k->grants[i].campaign = g[i].campaign;
    k->grants[i].total_fen = g[i].total_fen;
    k->grants[i].by_installment = g_memdup2(g[i].by_installment, sizeof(gint64) * (gsize) k->term);
    k->grants[i].coupon = coupon == COUPON_USED && g_strcmp0(c->id, co->coupon.campaign_id) == 0;
  }
  if (coupon == COUPON_USED)
    k->coupon_id = g_strdup(co->coupon.coupon_id);
  g_hash_table_insert(oc->kept, k->order_id, k);
  g_ptr_array_add(oc->kept_order, k);
}

const char *
originate_campaigns_match(OriginateCampaigns *oc, const OriginateOrder *o, SchedInstallment *inst,
                          gboolean *discounted)
{
  CampaignOrder co;
  campaign_order_of(oc, o, &co);
  const CampaignGrant *grants = NULL;
  guint n = 0;
  CouponOutcome coupon = COUPON_NONE;
  campaign_match(oc->matcher, &co, inst, &grants, &n, &coupon);
  if (n > 0)
    keep(oc, &co, inst, grants, n, coupon);
  *discounted = n > 0;
  return coupon_outcome_to_string(coupon);
}

void
originate_campaigns_apply(const OriginateCampaigns *oc, const char *order_id, SchedInstallment *inst, int n)
{
  const KeptOrder *k = oc ? g_hash_table_lookup(oc->kept, order_id) : NULL;
  if (!k)
    return;
  for (guint i = 0; i < k->n; i++)
    for (int j = 0; j < n && j < k->term; j++)
      inst[j].fee_fen -= k->grants[i].by_installment[j];
}

/* ---- writing ------------------------------------------------------------ */

static const Campaign *
campaign_of(const OriginateCampaigns *oc, const KeptGrant *g)
{
  return g_ptr_array_index(oc->live->campaigns, g->campaign);
}

static const char *
loan_of(GHashTable *loan_ids, const KeptOrder *k, GError **error)
{
  const char *loan = g_hash_table_lookup(loan_ids, k->order_id);
  if (!loan)
    g_set_error(error, EOD_ERROR, EOD_ERROR_INVARIANT, "order %s was granted a discount but no loan was made",
                k->order_id);
  return loan;
}

/* What each kept order's rows of one table are, for loan LOAN on DATE; *GRANTED sums. */
typedef void (*KeptRowsFn)(DbCopy *copy, const OriginateCampaigns *oc, const KeptOrder *k, const char *loan,
                           const char *date, gint64 *granted);

static void
loan_campaign_rows(DbCopy *copy, const OriginateCampaigns *oc, const KeptOrder *k, const char *loan, const char *date,
                   gint64 *granted)
{
  for (guint j = 0; j < k->n; j++) {
    const Campaign *c = campaign_of(oc, &k->grants[j]);
    db_copy_field(copy, loan, FALSE);
    db_copy_field(copy, c->id, FALSE);
    db_copy_field_int(copy, c->version, FALSE);
    db_copy_field(copy, k->user_id, FALSE);
    db_copy_field(copy, date, FALSE);
    db_copy_field(copy, campaign_funder_to_string(c->funder), FALSE);
    db_copy_field(copy, k->grants[j].coupon ? k->coupon_id : NULL, FALSE);
    db_copy_field_int(copy, k->grants[j].total_fen, TRUE);
    *granted += k->grants[j].total_fen;
  }
}

static void
subsidy_rows(DbCopy *copy, const OriginateCampaigns *oc, const KeptOrder *k, const char *loan, const char *date,
             gint64 *granted)
{
  (void) date;
  (void) granted;
  for (guint j = 0; j < k->n; j++) {
    const Campaign *c = campaign_of(oc, &k->grants[j]);
    for (int i = 0; i < k->term; i++) {
      if (k->grants[j].by_installment[i] == 0)
        continue;
      char billing[11];
      g_date_strftime(billing, sizeof billing, "%Y-%m-%d", &k->billing[i]);
      db_copy_field(copy, loan, FALSE);
      db_copy_field_int(copy, i + 1, FALSE);
      db_copy_field(copy, c->id, FALSE);
      db_copy_field(copy, campaign_funder_to_string(c->funder), FALSE);
      db_copy_field_int(copy, k->grants[j].by_installment[i], FALSE);
      db_copy_field(copy, billing, TRUE);
    }
  }
}

/* COPY STMT with ROWS of every kept order, in arrival order, under its loan's id. */
static gboolean
copy_kept(const OriginateCampaigns *oc, PGconn *conn, const char *stmt, GHashTable *loan_ids, KeptRowsFn rows,
          const char *date, gint64 *granted, GError **error)
{
  DbCopy *copy = stmt_copy_start(conn, stmt, error);
  if (!copy)
    return FALSE;
  for (guint i = 0; i < oc->kept_order->len; i++) {
    const KeptOrder *k = g_ptr_array_index(oc->kept_order, i);
    const char *loan = loan_of(loan_ids, k, error);
    if (!loan) {
      db_copy_abort(copy);
      return FALSE;
    }
    rows(copy, oc, k, loan, date, granted);
    if (!db_copy_flush_if_full(copy, error)) {
      db_copy_abort(copy);
      return FALSE;
    }
  }
  return db_copy_finish(copy, NULL, error);
}

/* Every live campaign that saw an eligible order tonight gets its day's row. */
static gboolean
copy_campaign_days(OriginateCampaigns *oc, PGconn *conn, const char *date, GError **error)
{
  DbCopy *copy = stmt_copy_start(conn, ORIGINATE_SQL("84_copy_campaign_days"), error);
  if (!copy)
    return FALSE;
  for (guint i = 0; i < oc->live->campaigns->len; i++) {
    const CampaignDayStats *s = campaign_matcher_stats(oc->matcher, i);
    if (s->eligible_orders == 0)
      continue;
    const Campaign *c = g_ptr_array_index(oc->live->campaigns, i);
    db_copy_field(copy, c->id, FALSE);
    db_copy_field(copy, date, FALSE);
    db_copy_field_int(copy, s->eligible_orders, FALSE);
    db_copy_field_int(copy, s->matched_orders, FALSE);
    db_copy_field_int(copy, s->budget_refused, FALSE);
    db_copy_field_int(copy, s->discount_fen, TRUE);
  }
  return db_copy_finish(copy, NULL, error);
}

gboolean
originate_campaigns_write(OriginateCampaigns *oc, PGconn *conn, const char *date, GHashTable *loan_ids,
                          gint64 *granted_fen, GError **error)
{
  const char *d[] = { date };
  *granted_fen = 0;
  return copy_kept(oc, conn, ORIGINATE_SQL("82_copy_loan_campaigns"), loan_ids, loan_campaign_rows, date, granted_fen,
                   error)
         && copy_kept(oc, conn, ORIGINATE_SQL("83_copy_fee_subsidies"), loan_ids, subsidy_rows, date, granted_fen, error)
         && copy_campaign_days(oc, conn, date, error)
         && stmt_exec(conn, ORIGINATE_SQL("85_campaign_counters"), 1, d, error)
         && stmt_exec(conn, ORIGINATE_SQL("86_coupon_uses"), 1, d, error);
}
