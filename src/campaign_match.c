/* Matching orders against live campaigns: the rules are in campaign_match.h. */
#include "campaign_match.h"

#include <string.h>

#include "money.h"

/* Campaigns applied to one order at most; past it (hundreds of stackable campaigns
 * eligible at once) the later ones by campaign id are not considered. */
#define MATCH_MAX_GRANTS 128

/* The names one kind of rule lists across the live campaigns (products, segments,
 * merchants, categories), as bits: a campaign's list is a mask and an order's value
 * one bit, so a rule costs an AND. Past 64 names the strings are compared instead. */
enum { DIM_PRODUCT, DIM_SEGMENT, DIM_MERCHANT, DIM_CATEGORY, N_DIMS };
typedef struct {
  GHashTable *bit;                 /* name → bit index + 1 */
  GPtrArray *names;                /* by bit index */
  gboolean too_many;
  guint64 *mask;                   /* per live campaign; its list NULL: no restriction */
} NameBits;

struct CampaignMatcher {
  CampaignLive *live;
  GHashTable *user_segments;       /* borrowed */
  GHashTable *uses;                /* user → (campaign index + 1 → grants so far), from the caller's and tonight's */
  GHashTable *seen_users;          /* users with an accepted order earlier this night */
  GHashTable *used_coupons;        /* coupons used earlier this night */
  CampaignDayStats *stats;
  guint n_live;
  guint32 *from_day, *to_day;      /* each campaign's order window, as Julian days */
  guint *group;                    /* each campaign's stacking group, as a small index */
  guint n_groups;
  NameBits dims[N_DIMS];
  guint8 *dims_used;               /* per campaign, bit d: it lists names of dimension d */
  guint *apply_rank;               /* per campaign, its place in the application order */
  guint64 order_bits[N_DIMS];      /* the order's product, segments, merchant, category */
  GHashTable *order_uses;          /* the order's user's row of uses, or NULL */
  /* per-order scratch */
  gboolean coupon_ok;              /* the order's coupon may be used */
  gint64 *alone;                   /* each campaign's discount alone on the product schedule, */
  gboolean *alone_known;           /* worked out only when a rule needs it */
  gboolean *eligible;
  int *group_pick;                 /* per exclusive group, its campaign so far (-1: none) */
  gint64 fee_total, fee_max;       /* of the order's product schedule */
  gint64 fee_prefix[SCHED_TERM_MAX + 1];  /* fee_prefix[k]: the first k fees */
  guint32 order_day;
  const CampaignOrder *order;
  const SchedInstallment *inst;
  gint64 remaining[SCHED_TERM_MAX];
  gint64 buf[MATCH_MAX_GRANTS][SCHED_TERM_MAX];
  CampaignGrant grants[MATCH_MAX_GRANTS];
};

const char *
coupon_outcome_to_string(CouponOutcome o)
{
  switch (o) {
  case COUPON_USED: return "USED";
  case COUPON_EXPIRED: return "COUPON_EXPIRED";
  case COUPON_NOT_OWNED: return "COUPON_NOT_OWNED";
  case COUPON_ALREADY_USED: return "COUPON_USED";
  case COUPON_NOT_APPLICABLE: return "COUPON_NOT_APPLICABLE";
  case COUPON_NONE:
  default: return NULL;
  }
}

static const Campaign *
live_campaign(const CampaignMatcher *m, guint i)
{
  return g_ptr_array_index(m->live->campaigns, i);
}

static gint64 *
budget_left(CampaignMatcher *m, guint i)
{
  return &g_array_index(m->live->budget_left_fen, gint64, i);
}

static gint64 *
uses_left(CampaignMatcher *m, guint i)
{
  return &g_array_index(m->live->uses_left, gint64, i);
}

static char **
campaign_list(const Campaign *c, int dim)
{
  switch (dim) {
  case DIM_PRODUCT: return c->products;
  case DIM_SEGMENT: return c->segments;
  case DIM_MERCHANT: return c->merchants;
  case DIM_CATEGORY:
  default: return c->categories;
  }
}

static void
name_bits_init(NameBits *nb, GPtrArray *campaigns, int dim)
{
  nb->bit = g_hash_table_new(g_str_hash, g_str_equal);
  nb->names = g_ptr_array_new();
  nb->mask = g_new0(guint64, MAX(campaigns->len, 1));
  for (guint i = 0; i < campaigns->len; i++) {
    char **list = campaign_list(g_ptr_array_index(campaigns, i), dim);
    for (char **n = list; n && *n; n++) {
      guint b = GPOINTER_TO_UINT(g_hash_table_lookup(nb->bit, *n));
      if (b == 0) {
        g_ptr_array_add(nb->names, *n);
        b = nb->names->len;
        g_hash_table_insert(nb->bit, *n, GUINT_TO_POINTER(b));
      }
      if (b <= 64)
        nb->mask[i] |= G_GUINT64_CONSTANT(1) << (b - 1);
    }
  }
  nb->too_many = nb->names->len > 64;
}

static void
name_bits_clear(NameBits *nb)
{
  g_clear_pointer(&nb->bit, g_hash_table_unref);
  g_clear_pointer(&nb->names, g_ptr_array_unref);
  g_clear_pointer(&nb->mask, g_free);
}

/* The bit of NAME (0: NULL, or listed by no campaign). */
static guint64
name_bit(const NameBits *nb, const char *name)
{
  guint b = name ? GPOINTER_TO_UINT(g_hash_table_lookup(nb->bit, name)) : 0;
  return b >= 1 && b <= 64 ? G_GUINT64_CONSTANT(1) << (b - 1) : 0;
}

static void rank_for_application(CampaignMatcher *m);
static void take_uses(CampaignMatcher *m, GHashTable *uses);

CampaignMatcher *
campaign_matcher_new(CampaignLive *live, GHashTable *user_segments, GHashTable *uses)
{
  CampaignMatcher *m = g_new0(CampaignMatcher, 1);
  m->live = live;
  m->user_segments = user_segments;
  m->uses = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_hash_table_unref);
  m->seen_users = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  m->used_coupons = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  m->n_live = live->campaigns->len;
  m->stats = g_new0(CampaignDayStats, MAX(m->n_live, 1));
  m->alone = g_new0(gint64, MAX(m->n_live, 1));
  m->alone_known = g_new0(gboolean, MAX(m->n_live, 1));
  m->eligible = g_new0(gboolean, MAX(m->n_live, 1));
  m->group = g_new0(guint, MAX(m->n_live, 1));
  m->from_day = g_new0(guint32, MAX(m->n_live, 1));
  m->to_day = g_new0(guint32, MAX(m->n_live, 1));
  g_autoptr(GHashTable) groups = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < m->n_live; i++) {
    const char *name = ((const Campaign *) g_ptr_array_index(live->campaigns, i))->stack_group;
    gpointer at;
    if (!g_hash_table_lookup_extended(groups, name, NULL, &at)) {
      at = GUINT_TO_POINTER(m->n_groups++);
      g_hash_table_insert(groups, (gpointer) name, at);
    }
    m->group[i] = GPOINTER_TO_UINT(at);
    const Campaign *c = g_ptr_array_index(live->campaigns, i);
    m->from_day[i] = g_date_get_julian(&c->order_from);
    m->to_day[i] = g_date_get_julian(&c->order_to);
  }
  m->group_pick = g_new(int, MAX(m->n_groups, 1));
  for (int d = 0; d < N_DIMS; d++)
    name_bits_init(&m->dims[d], live->campaigns, d);
  m->dims_used = g_new0(guint8, MAX(m->n_live, 1));
  for (guint i = 0; i < m->n_live; i++)
    for (int d = 0; d < N_DIMS; d++)
      if (campaign_list(g_ptr_array_index(live->campaigns, i), d))
        m->dims_used[i] |= (guint8) (1u << d);
  rank_for_application(m);
  if (uses)
    take_uses(m, uses);
  return m;
}

void
campaign_matcher_free(CampaignMatcher *m)
{
  if (!m)
    return;
  g_hash_table_unref(m->uses);
  g_hash_table_unref(m->seen_users);
  g_hash_table_unref(m->used_coupons);
  g_free(m->stats);
  g_free(m->alone);
  g_free(m->alone_known);
  g_free(m->eligible);
  g_free(m->group);
  g_free(m->from_day);
  g_free(m->to_day);
  g_free(m->group_pick);
  g_free(m->dims_used);
  g_free(m->apply_rank);
  for (int d = 0; d < N_DIMS; d++)
    name_bits_clear(&m->dims[d]);
  g_free(m);
}

const CampaignDayStats *
campaign_matcher_stats(const CampaignMatcher *m, guint i)
{
  return &m->stats[i];
}

/* ---- eligibility ------------------------------------------------------- */

static gboolean
in_list(char **list, const char *s)
{
  return list == NULL || (s != NULL && g_strv_contains((const char *const *) list, s));
}

/* "A\037B" into BUF (ids are at most 64 bytes: they always fit). */
#define PAIR_KEY_MAX 160
static const char *
pair_key(char *buf, const char *a, const char *b)
{
  gsize la = strlen(a), lb = strlen(b);
  if (la + lb + 2 > PAIR_KEY_MAX) {      /* never, for ids the loaders accepted */
    g_snprintf(buf, PAIR_KEY_MAX, "%s\037%s", a, b);
    return buf;
  }
  memcpy(buf, a, la);
  buf[la] = '\037';
  memcpy(buf + la + 1, b, lb + 1);
  return buf;
}

static gboolean
in_segments(const CampaignMatcher *m, char **segments, const char *user)
{
  char key[PAIR_KEY_MAX];
  if (segments == NULL)
    return TRUE;
  if (m->user_segments == NULL)
    return FALSE;
  for (char **s = segments; *s; s++)
    if (g_hash_table_contains(m->user_segments, pair_key(key, *s, user)))
      return TRUE;
  return FALSE;
}

/* How many loans of the order's user campaign I granted before (earlier nights and tonight). */
static int
user_uses(const CampaignMatcher *m, guint i)
{
  return m->order_uses ? GPOINTER_TO_INT(g_hash_table_lookup(m->order_uses, GUINT_TO_POINTER(i + 1))) : 0;
}

static void
count_use(CampaignMatcher *m, const char *user, guint i, int uses)
{
  GHashTable *row = g_hash_table_lookup(m->uses, user);
  if (!row) {
    row = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_hash_table_insert(m->uses, g_strdup(user), row);
  }
  g_hash_table_insert(row, GUINT_TO_POINTER(i + 1), GINT_TO_POINTER(uses));
}

/* The caller's "campaign\037user" → count, for the live campaigns, by user. */
static void
take_uses(CampaignMatcher *m, GHashTable *uses)
{
  g_autoptr(GHashTable) index = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < m->n_live; i++)
    g_hash_table_insert(index, live_campaign(m, i)->id, GUINT_TO_POINTER(i + 1));
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, uses);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    const char *sep = strchr(k, '\037');
    if (!sep)
      continue;
    g_autofree char *id = g_strndup(k, (gsize) (sep - (const char *) k));
    guint i = GPOINTER_TO_UINT(g_hash_table_lookup(index, id));
    if (i > 0)
      count_use(m, sep + 1, i - 1, GPOINTER_TO_INT(v));
  }
}

static gboolean
term_allowed(const Campaign *c, int term)
{
  if (c->n_terms == 0)
    return TRUE;
  for (guint i = 0; i < c->n_terms; i++)
    if (c->terms[i] == term)
      return TRUE;
  return FALSE;
}

/* Does the coupon O presents belong to C and hold on O's date (ownership and use
 * are judged before: see judge_coupon)? */
static gboolean
coupon_for(const CampaignOrder *o, const Campaign *c)
{
  return o->coupon.coupon_id != NULL && o->coupon.known && g_strcmp0(o->coupon.campaign_id, c->id) == 0;
}

/* The order presents a usable coupon of C. */
static gboolean
coupon_usable_for(const CampaignMatcher *m, const CampaignOrder *o, const Campaign *c)
{
  return m->coupon_ok && coupon_for(o, c);
}

/* Does live campaign I's list of DIM allow VALUE (NULL: the order has none)? */
static gboolean
listed(const CampaignMatcher *m, guint i, int dim, const char *value)
{
  if (!(m->dims_used[i] & (1u << dim)))
    return TRUE;
  if (m->dims[dim].too_many)
    return in_list(campaign_list(live_campaign(m, i), dim), value);
  return (m->dims[dim].mask[i] & m->order_bits[dim]) != 0;
}

/* The order's bits: its product, merchant and category, and the segments its user is in. */
static void
order_bits(CampaignMatcher *m, const CampaignOrder *o)
{
  char key[PAIR_KEY_MAX];
  m->order_bits[DIM_PRODUCT] = name_bit(&m->dims[DIM_PRODUCT], o->product_code);
  m->order_bits[DIM_MERCHANT] = name_bit(&m->dims[DIM_MERCHANT], o->merchant_id);
  m->order_bits[DIM_CATEGORY] = name_bit(&m->dims[DIM_CATEGORY], o->category);
  m->order_bits[DIM_SEGMENT] = 0;
  const NameBits *seg = &m->dims[DIM_SEGMENT];
  for (guint b = 0; m->user_segments && !seg->too_many && b < seg->names->len; b++)
    if (g_hash_table_contains(m->user_segments, pair_key(key, g_ptr_array_index(seg->names, b), o->user_id)))
      m->order_bits[DIM_SEGMENT] |= G_GUINT64_CONSTANT(1) << b;
}

/* Every rule C (live campaign I) states about O, except budget and usage (which turn an
 * eligible order away). */
static gboolean
rules_hold(const CampaignMatcher *m, guint i, const CampaignOrder *o)
{
  const Campaign *c = live_campaign(m, i);
  if (m->order_day < m->from_day[i] || m->order_day > m->to_day[i])
    return FALSE;
  if (!listed(m, i, DIM_PRODUCT, o->product_code) || !term_allowed(c, o->terms->term))
    return FALSE;
  if ((c->amount_min_fen > 0 && o->amount_fen < c->amount_min_fen)
      || (c->amount_max_fen > 0 && o->amount_fen > c->amount_max_fen))
    return FALSE;
  if (c->new_users_only && (!o->first_loan || g_hash_table_contains(m->seen_users, o->user_id)))
    return FALSE;
  if (c->statement_days != 0 && !(c->statement_days & (1u << o->statement_day)))
    return FALSE;
  if (!listed(m, i, DIM_MERCHANT, o->merchant_id) || !listed(m, i, DIM_CATEGORY, o->category))
    return FALSE;
  if (c->segments && !(m->dims[DIM_SEGMENT].too_many ? in_segments(m, c->segments, o->user_id)
                                                      : (m->dims[DIM_SEGMENT].mask[i] & m->order_bits[DIM_SEGMENT]) != 0))
    return FALSE;
  if (c->coupon_required && !coupon_usable_for(m, o, c))
    return FALSE;
  return c->per_user_limit == 0 || user_uses(m, i) < c->per_user_limit;
}

/* ---- discounts --------------------------------------------------------- */

/* What C takes off the fees in REMAINING (the fees still owed after the campaigns
 * applied before it), into D; returns the total. */
static gint64
discount_of(const Campaign *c, const CampaignOrder *o, const SchedInstallment *inst, int n,
            const gint64 *remaining, gint64 *d)
{
  gint64 total = 0, left = c->amount_off_fen;
  gint64 at_rate[SCHED_TERM_MAX];
  if (c->kind == CAMPAIGN_RATE)
    sched_fees_at_rate(o->amount_fen, o->terms->method, inst, n, c->rate_ppm, at_rate);
  for (int k = 0; k < n; k++) {
    switch (c->kind) {
    case CAMPAIGN_FREE_PERIODS:
      d[k] = k < c->free_periods ? remaining[k] : 0;
      break;
    case CAMPAIGN_RATE:
      /* what the product's rate charges above the campaign's, of what is still owed */
      d[k] = CLAMP(inst[k].fee_fen - at_rate[k], 0, remaining[k]);
      break;
    case CAMPAIGN_PERCENT:
      d[k] = money_mul_ppm_round(remaining[k], c->percent_ppm);
      break;
    case CAMPAIGN_WAIVE_ALL:
      d[k] = remaining[k];
      break;
    case CAMPAIGN_AMOUNT_OFF:
    default:
      d[k] = MIN(left, remaining[k]);
      left -= d[k];
      break;
    }
    total += d[k];
  }
  return total;
}

/* Cuts D (n entries, summing to TOTAL) down to LIMIT, from the last installment back. */
static gint64
cut_to(gint64 *d, int n, gint64 total, gint64 limit)
{
  for (int k = n - 1; k >= 0 && total > limit; k--) {
    gint64 take = MIN(d[k], total - limit);
    d[k] -= take;
    total -= take;
  }
  return total;
}

/* C's discount alone on the order's product schedule, worked out once per order. */
static gint64
alone_of(CampaignMatcher *m, guint i)
{
  if (!m->alone_known[i]) {
    gint64 fees[SCHED_TERM_MAX], scratch[SCHED_TERM_MAX];
    int n = m->order->terms->term;
    for (int k = 0; k < n; k++)
      fees[k] = m->inst[k].fee_fen;
    m->alone[i] = discount_of(live_campaign(m, i), m->order, m->inst, n, fees, scratch);
    m->alone_known[i] = TRUE;
  }
  return m->alone[i];
}

/* Does C give the order anything? Exact, and without the schedule loop where the
 * schedule's fee total, its largest fee or a prefix answer it. */
static gboolean
gives_something(CampaignMatcher *m, guint i)
{
  const Campaign *c = live_campaign(m, i);
  switch (c->kind) {
  case CAMPAIGN_WAIVE_ALL:
  case CAMPAIGN_AMOUNT_OFF:
    return m->fee_total > 0;
  case CAMPAIGN_PERCENT:
    /* round_half_up (fee × p / 10^6) >= 1 exactly when fee × p >= 500000 */
    return (MoneyInt128) m->fee_max * c->percent_ppm >= 500000;
  case CAMPAIGN_FREE_PERIODS:
    return m->fee_prefix[MIN(c->free_periods, m->order->terms->term)] > 0;
  case CAMPAIGN_RATE:
  default:
    /* the first installment's fee is charged on the whole principal: when the lower rate
     * already gives less there, it gives something; only otherwise is every fee worked out */
    if (m->order->terms->method != SCHED_INTEREST_FREE
        && money_mul_ppm_round(m->order->amount_fen, c->rate_ppm) < m->inst[0].fee_fen)
      return TRUE;
    return alone_of(m, i) > 0;
  }
}

/* ---- choosing ---------------------------------------------------------- */

/* Before B in an exclusive group (negative: A wins). */
static int
rank(CampaignMatcher *m, const CampaignOrder *o, guint a, guint b)
{
  const Campaign *ca = live_campaign(m, a), *cb = live_campaign(m, b);
  gboolean ka = coupon_usable_for(m, o, ca), kb = coupon_usable_for(m, o, cb);
  if (ka != kb)
    return ka ? -1 : 1;
  if (ca->priority != cb->priority)
    return ca->priority > cb->priority ? -1 : 1;
  if (alone_of(m, a) != alone_of(m, b))
    return alone_of(m, a) > alone_of(m, b) ? -1 : 1;
  return strcmp(ca->id, cb->id);
}

/* Can C's budget and usage limit take the order at all (its discount alone ALONE)? */
static gboolean
can_pay(CampaignMatcher *m, guint i)
{
  const Campaign *c = live_campaign(m, i);
  if (*uses_left(m, i) == 0 || *budget_left(m, i) <= 0)
    return FALSE;
  return c->budget_partial || alone_of(m, i) <= *budget_left(m, i);
}

/* The chosen campaigns, in application order, into CHOSEN; returns how many. */
static guint
choose(CampaignMatcher *m, const CampaignOrder *o, guint *chosen)
{
  guint n = 0;
  for (guint g = 0; g < m->n_groups; g++)
    m->group_pick[g] = -1;
  for (guint i = 0; i < m->n_live; i++) {
    if (!m->eligible[i])
      continue;
    if (!can_pay(m, i)) {
      m->stats[i].budget_refused++;
      continue;
    }
    const Campaign *c = live_campaign(m, i);
    if (c->stack_mode == CAMPAIGN_STACK_EXCLUSIVE) {
      /* the group's best replaces an earlier pick of the same group */
      int *pick = &m->group_pick[m->group[i]];
      if (*pick >= 0) {
        if (rank(m, o, i, chosen[*pick]) < 0)
          chosen[*pick] = i;
        continue;
      }
      if (n < MATCH_MAX_GRANTS)
        *pick = (int) n;
    }
    if (n < MATCH_MAX_GRANTS)
      chosen[n++] = i;
  }
  return n;
}

/* Application order: the RATE campaign first, then priority descending, campaign id. */
static int
apply_order(const CampaignMatcher *m, guint a, guint b)
{
  const Campaign *ca = live_campaign(m, a), *cb = live_campaign(m, b);
  gboolean ra = ca->kind == CAMPAIGN_RATE, rb = cb->kind == CAMPAIGN_RATE;
  if (ra != rb)
    return ra ? -1 : 1;
  if (ra && ca->rate_ppm != cb->rate_ppm)
    return ca->rate_ppm < cb->rate_ppm ? -1 : 1;
  if (ca->priority != cb->priority)
    return ca->priority > cb->priority ? -1 : 1;
  return strcmp(ca->id, cb->id);
}

static void
sort_for_application(const CampaignMatcher *m, guint *chosen, guint n)
{
  for (guint i = 1; i < n; i++)
    for (guint j = i; j > 0 && m->apply_rank[chosen[j]] < m->apply_rank[chosen[j - 1]]; j--) {
      guint t = chosen[j];
      chosen[j] = chosen[j - 1];
      chosen[j - 1] = t;
    }
}

static int
by_application(gconstpointer a, gconstpointer b, gpointer matcher)
{
  return apply_order(matcher, *(const guint *) a, *(const guint *) b);
}

/* Each live campaign's place in the application order, worked out once: the order's
 * chosen are then sorted by an integer. */
static void
rank_for_application(CampaignMatcher *m)
{
  g_autoptr(GArray) order = g_array_sized_new(FALSE, FALSE, sizeof(guint), m->n_live);
  for (guint i = 0; i < m->n_live; i++)
    g_array_append_val(order, i);
  g_array_sort_with_data(order, by_application, m);
  m->apply_rank = g_new0(guint, MAX(m->n_live, 1));
  for (guint r = 0; r < m->n_live; r++)
    m->apply_rank[g_array_index(order, guint, r)] = r;
}

/* ---- coupons ----------------------------------------------------------- */

/* The coupon's fate before matching: COUPON_NONE when it may be used. */
static CouponOutcome
judge_coupon(const CampaignMatcher *m, const CampaignOrder *o)
{
  const CampaignCoupon *k = &o->coupon;
  if (!k->known || g_strcmp0(k->owner, o->user_id) != 0)
    return COUPON_NOT_OWNED;
  if (k->live_use || g_hash_table_contains(m->used_coupons, k->coupon_id))
    return COUPON_ALREADY_USED;
  if (g_date_compare(&o->order_date, &k->valid_to) > 0)
    return COUPON_EXPIRED;
  if (g_date_compare(&o->order_date, &k->valid_from) < 0)
    return COUPON_NOT_APPLICABLE;
  return COUPON_NONE;
}

/* ---- the match ---------------------------------------------------------- */

static void
find_eligible(CampaignMatcher *m, const CampaignOrder *o, const SchedInstallment *inst, int n)
{
  m->order = o;
  m->inst = inst;
  m->order_day = g_date_get_julian(&o->order_date);
  m->order_uses = g_hash_table_lookup(m->uses, o->user_id);
  order_bits(m, o);
  m->fee_total = m->fee_max = 0;
  m->fee_prefix[0] = 0;
  for (int k = 0; k < n; k++) {
    m->fee_total += inst[k].fee_fen;
    m->fee_max = MAX(m->fee_max, inst[k].fee_fen);
    m->fee_prefix[k + 1] = m->fee_total;
  }
  for (guint i = 0; i < m->n_live; i++) {
    const Campaign *c = live_campaign(m, i);
    m->eligible[i] = FALSE;
    m->alone_known[i] = FALSE;
    if (c->kind == CAMPAIGN_RATE && c->rate_ppm >= o->terms->rate_ppm)
      continue;
    if (!rules_hold(m, i, o) || !gives_something(m, i))
      continue;
    m->eligible[i] = TRUE;
    m->stats[i].eligible_orders++;
  }
}

/* Applies the campaign of CHOSEN in turn; returns how many were granted. */
static guint
apply(CampaignMatcher *m, const CampaignOrder *o, SchedInstallment *inst, int n, const guint *chosen, guint n_chosen)
{
  gint64 cap_left = m->live->max_order_discount_fen > 0 ? m->live->max_order_discount_fen : G_MAXINT64;
  gboolean rate_done = FALSE;
  guint granted = 0;
  gint64 left = 0;
  for (int k = 0; k < n; k++)
    left += m->remaining[k] = inst[k].fee_fen;
  /* once every fee is taken or the cap is reached, the rest have nothing to give */
  for (guint j = 0; j < n_chosen && left > 0 && cap_left > 0; j++) {
    guint i = chosen[j];
    const Campaign *c = live_campaign(m, i);
    if (c->kind == CAMPAIGN_RATE && rate_done)
      continue;                              /* one rate per order: the lowest came first */
    gint64 *d = m->buf[granted];
    gint64 total = discount_of(c, o, inst, n, m->remaining, d);
    if (total > *budget_left(m, i) && *budget_left(m, i) <= cap_left)
      m->stats[i].budget_refused++;          /* PARTIAL: cut to what its budget has left */
    total = cut_to(d, n, total, MIN(*budget_left(m, i), cap_left));
    if (total <= 0)
      continue;
    rate_done = rate_done || c->kind == CAMPAIGN_RATE;
    for (int k = 0; k < n; k++)
      m->remaining[k] -= d[k];
    left -= total;
    cap_left -= total;
    *budget_left(m, i) -= total;
    if (*uses_left(m, i) > 0)
      (*uses_left(m, i))--;
    count_use(m, o->user_id, i, user_uses(m, i) + 1);
    m->order_uses = g_hash_table_lookup(m->uses, o->user_id);
    m->stats[i].matched_orders++;
    m->stats[i].discount_fen += total;
    m->grants[granted] = (CampaignGrant) { .campaign = i, .total_fen = total, .by_installment = d };
    granted++;
  }
  for (int k = 0; k < n; k++)
    inst[k].fee_fen = m->remaining[k];
  return granted;
}

void
campaign_match(CampaignMatcher *m, const CampaignOrder *o, SchedInstallment *inst, const CampaignGrant **grants,
               guint *n_grants, CouponOutcome *coupon)
{
  int n = o->terms->term;
  guint chosen[MATCH_MAX_GRANTS];
  CouponOutcome judged = o->coupon.coupon_id ? judge_coupon(m, o) : COUPON_NONE;
  m->coupon_ok = o->coupon.coupon_id != NULL && judged == COUPON_NONE;

  find_eligible(m, o, inst, n);
  guint n_chosen = choose(m, o, chosen);
  sort_for_application(m, chosen, n_chosen);
  *n_grants = apply(m, o, inst, n, chosen, n_chosen);
  *grants = m->grants;

  *coupon = judged;
  if (m->coupon_ok) {
    *coupon = COUPON_NOT_APPLICABLE;
    for (guint g = 0; g < *n_grants; g++)
      if (coupon_usable_for(m, o, live_campaign(m, m->grants[g].campaign))) {
        *coupon = COUPON_USED;
        g_hash_table_add(m->used_coupons, g_strdup(o->coupon.coupon_id));
      }
  }
  g_hash_table_add(m->seen_users, g_strdup(o->user_id));
}
