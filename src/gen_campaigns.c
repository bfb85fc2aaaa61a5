/* Synthetic campaigns (gen --campaigns N). The catalogue is valid by construction for
 * `baitiao campaigns check`: every RATE campaign is in the one exclusive group RATE
 * (two rates never stack), every WAIVE_ALL in exclusive groups only (never stacked
 * with "everything waived"), every group has a mode. The first dozen are a fixed,
 * realistic set (new users, merchant-funded periods, category and segment offers,
 * coupons, a small budget that runs out); beyond them campaigns are drawn, cycling
 * through every kind and both funders. No floating point; one seeded stream. */
#include "gen_campaigns.h"

#include <errno.h>
#include <string.h>

#include "gen.h"
#include "money.h"
#include "prng.h"

#define N_MERCHANTS 40
#define COUPON_SHARE_PCT 8       /* of users, per coupon campaign */

typedef struct {
  char id[33];
  char name[96];
  const char *kind;
  int free_periods;
  int rate_ppm;
  int percent_cents;            /* PERCENT: 30.00 % is 3000 */
  gint64 amount_off_fen;
  const char *funder;
  const char *products;         /* wanted codes; only those the catalogue has are written */
  const char *terms;
  gint64 amount_min_fen, amount_max_fen;
  int from_day, to_day;         /* days after the portfolio's start (may be negative) */
  gboolean new_users_only;
  const char *statement_days, *segments, *merchants, *categories;
  char merchant[8];             /* a drawn campaign's one merchant (merchants= when set) */
  gboolean coupon;
  int coupon_return_days;
  int per_user_limit, usage_limit;
  gint64 budget_fen;
  gboolean overflow_none;
  const char *group;
  int priority;
} GenCampaign;

typedef struct {
  char id[16];
  int user;
  int campaign;
  int from_day, to_day;
} GenCoupon;

struct GenCampaigns {
  guint64 rng;
  int users, days;
  GDate start;
  const ProductSet *products;
  GArray *campaigns;            /* GenCampaign */
  GArray *coupons;              /* GenCoupon */
  GPtrArray *by_user;           /* user → GArray of coupon indices, or NULL */
  guint8 *segment;              /* user → 0 none, 1 VIP, 2 STUDENT */
  gint64 segment_rows, coupon_orders;
};

static const char *const categories[] = { "DIGITAL", "HOME", "APPAREL", "TRAVEL", "EDU", "FOOD" };

/* The fixed dozen: what a marketing team runs in a season. Days relative to the start;
 * DAYS_END (−1) means "to the end of the portfolio and a month beyond". */
#define DAYS_END (-9999)
static const GenCampaign dozen[] = {
  { "NU3FREE", "新客三期免息", "FREE_PERIODS", .free_periods = 3, .funder = "PLATFORM", .from_day = -30,
    .to_day = DAYS_END, .new_users_only = TRUE, .per_user_limit = 1, .budget_fen = 30000000, .group = "NEWUSER",
    .priority = 100, .products = "FPP3,FPP6,FPP12,FPP24" },
  { "M1FREE6", "品牌旗舰店六期免息", "FREE_PERIODS", .free_periods = 6, .funder = "MERCHANT", .from_day = -10,
    .to_day = DAYS_END, .merchants = "M0001", .products = "FPP6,FPP12,FPP24", .terms = "6,12,24",
    .budget_fen = 20000000, .group = "MERCHANT", .priority = 50 },
  { "BIG12", "大额十二期商户贴息", "FREE_PERIODS", .free_periods = 12, .funder = "MERCHANT", .from_day = 0,
    .to_day = DAYS_END, .merchants = "M0002,M0003", .products = "FPP12", .amount_min_fen = 300000,
    .budget_fen = 10000000, .group = "MERCHANT", .priority = 40 },
  { "DIGI30", "数码分期手续费七折", "PERCENT", .percent_cents = 3000, .funder = "PLATFORM", .from_day = 0,
    .to_day = DAYS_END, .categories = "DIGITAL", .budget_fen = 5000000, .group = "STACK", .priority = 20 },
  { "HOME20", "家居分期手续费八折", "PERCENT", .percent_cents = 2000, .funder = "MERCHANT", .from_day = 5,
    .to_day = DAYS_END, .categories = "HOME", .budget_fen = 3000000, .group = "STACK", .priority = 15 },
  { "RATE3", "十二期以上低费率", "RATE", .rate_ppm = 3000, .funder = "PLATFORM", .from_day = -5,
    .to_day = DAYS_END, .products = "FPP12,FPP24", .amount_min_fen = 50000, .budget_fen = 8000000,
    .group = "RATE", .priority = 30 },
  { "STUDENT25", "学生专享费率", "RATE", .rate_ppm = 2500, .funder = "PLATFORM", .from_day = 0,
    .to_day = DAYS_END, .segments = "STUDENT", .products = "FPP3,FPP6,FPP12", .budget_fen = 2000000,
    .group = "RATE", .priority = 35 },
  { "VIPWAIVE", "VIP 会员免手续费", "WAIVE_ALL", .funder = "PLATFORM", .from_day = 0, .to_day = DAYS_END,
    .segments = "VIP", .amount_max_fen = 500000, .per_user_limit = 2, .budget_fen = 4000000, .group = "VIP",
    .priority = 90 },
  { "CPN10", "手续费立减十元券", "AMOUNT_OFF", .amount_off_fen = 1000, .funder = "PLATFORM", .from_day = 0,
    .to_day = DAYS_END, .coupon = TRUE, .coupon_return_days = 7, .budget_fen = 1500000, .group = "COUPON",
    .priority = 60 },
  { "CPN50P", "手续费五折券", "PERCENT", .percent_cents = 5000, .funder = "PLATFORM", .from_day = 10,
    .to_day = DAYS_END, .coupon = TRUE, .coupon_return_days = 15, .budget_fen = 1000000, .group = "COUPON",
    .priority = 55 },
  { "DAY5OFF", "五号账单日立减", "AMOUNT_OFF", .amount_off_fen = 300, .funder = "PLATFORM", .from_day = 0,
    .to_day = DAYS_END, .statement_days = "5,10", .budget_fen = 1000000, .group = "STACK", .priority = 5 },
  { "FLASH5", "限时立减（预算用尽即止）", "AMOUNT_OFF", .amount_off_fen = 500, .funder = "PLATFORM", .from_day = 3,
    .to_day = 20, .usage_limit = 400, .per_user_limit = 1, .budget_fen = 80000, .overflow_none = TRUE,
    .group = "FLASH", .priority = 70 },
};

static const struct { const char *name; const char *mode; } groups[] = {
  { "NEWUSER", "exclusive" }, { "MERCHANT", "exclusive" }, { "STACK", "stackable" }, { "RATE", "exclusive" },
  { "VIP", "exclusive" }, { "COUPON", "exclusive" }, { "FLASH", "exclusive" }, { "PROMO", "exclusive" },
};

static const char *const kinds[] = { "FREE_PERIODS", "RATE", "PERCENT", "WAIVE_ALL", "AMOUNT_OFF" };

/* Campaign I (≥ the dozen), drawn: every kind in turn, both funders, windows over the
 * portfolio, a few small budgets and limits. */
static GenCampaign
draw_campaign(GenCampaigns *c, int i)
{
  GenCampaign k = { .funder = prng_uniform(&c->rng, 0, 2) == 0 ? "MERCHANT" : "PLATFORM" };
  k.kind = kinds[i % G_N_ELEMENTS(kinds)];
  g_snprintf(k.id, sizeof k.id, "G%04d", i + 1);
  static const char *const what[] = { "免息", "低费率", "折扣", "免手续费", "立减" };
  g_snprintf(k.name, sizeof k.name, "活动%04d·%s", i + 1, what[i % G_N_ELEMENTS(kinds)]);
  k.from_day = (int) prng_uniform(&c->rng, -20, MAX(c->days * 2 / 3, 1));
  k.to_day = k.from_day + (int) prng_uniform(&c->rng, 7, 90);
  k.budget_fen = prng_uniform(&c->rng, 1, 200) * 10000;
  k.priority = (int) prng_uniform(&c->rng, 0, 50);
  k.overflow_none = prng_uniform(&c->rng, 0, 4) == 0;
  if (prng_uniform(&c->rng, 0, 3) == 0)
    k.per_user_limit = (int) prng_uniform(&c->rng, 1, 3);
  if (prng_uniform(&c->rng, 0, 4) == 0)
    k.usage_limit = (int) prng_uniform(&c->rng, 50, 2000);
  switch (i % G_N_ELEMENTS(kinds)) {
  case 0: k.free_periods = (int) prng_uniform(&c->rng, 1, 6); k.group = "PROMO"; break;
  case 1: k.rate_ppm = (int) prng_uniform(&c->rng, 10, 45) * 100; k.group = "RATE"; break;
  case 2: k.percent_cents = (int) prng_uniform(&c->rng, 5, 50) * 100; k.group = "STACK"; break;
  case 3: k.group = "VIP"; k.amount_max_fen = 200000; k.per_user_limit = 1; break;
  default: k.amount_off_fen = prng_uniform(&c->rng, 1, 20) * 100; k.group = "STACK"; break;
  }
  /* one rule each, over the columns and attributes a campaign can match */
  switch (prng_uniform(&c->rng, 0, 5)) {
  case 0: g_snprintf(k.merchant, sizeof k.merchant, "M%04d", (int) prng_uniform(&c->rng, 1, N_MERCHANTS)); break;
  case 1: k.categories = categories[prng_uniform(&c->rng, 0, G_N_ELEMENTS(categories) - 1)]; break;
  case 2: k.segments = prng_uniform(&c->rng, 0, 1) ? "VIP" : "STUDENT"; break;
  case 3: k.products = "FPP6,FPP12"; break;
  case 4: k.amount_min_fen = prng_uniform(&c->rng, 1, 20) * 10000; break;
  default:
    if (strcmp(k.group, "STACK") != 0) {   /* a coupon campaign is its own exclusive group */
      k.coupon = TRUE;
      k.coupon_return_days = (int) prng_uniform(&c->rng, 0, 14);
      k.group = strcmp(k.kind, "RATE") == 0 ? "RATE" : "COUPON";
    }
    break;
  }
  return k;
}

static void
coupon_list_free(gpointer list)
{
  if (list)
    g_array_unref(list);
}

static void
draw_coupons(GenCampaigns *c)
{
  for (guint k = 0; k < c->campaigns->len; k++) {
    const GenCampaign *cp = &g_array_index(c->campaigns, GenCampaign, k);
    if (!cp->coupon)
      continue;
    for (int u = 0; u < c->users; u++) {
      if (prng_uniform(&c->rng, 0, 99) >= COUPON_SHARE_PCT)
        continue;
      GenCoupon q = { .user = u, .campaign = (int) k };
      g_snprintf(q.id, sizeof q.id, "Q%08u", c->coupons->len + 1);
      q.from_day = MAX(cp->from_day, (int) prng_uniform(&c->rng, -5, c->days / 2));
      q.to_day = q.from_day + (int) prng_uniform(&c->rng, 3, 45);   /* some expire within the portfolio */
      if (!c->by_user->pdata[u])
        c->by_user->pdata[u] = g_array_new(FALSE, FALSE, sizeof(guint));
      g_array_append_val((GArray *) c->by_user->pdata[u], c->coupons->len);
      g_array_append_val(c->coupons, q);
    }
  }
}

GenCampaigns *
gen_campaigns_new(guint64 seed, int count, int users, const GDate *start, int days, const ProductSet *products)
{
  GenCampaigns *c = g_new0(GenCampaigns, 1);
  /* a stream of its own: the portfolio's stream is the one without campaigns */
  c->rng = seed ^ G_GUINT64_CONSTANT(0xC3A5C85C97CB3127);
  c->users = users;
  c->days = days;
  c->start = *start;
  c->products = products;
  c->campaigns = g_array_new(FALSE, TRUE, sizeof(GenCampaign));
  c->coupons = g_array_new(FALSE, TRUE, sizeof(GenCoupon));
  c->by_user = g_ptr_array_new_full((guint) users, coupon_list_free);
  g_ptr_array_set_size(c->by_user, users);
  for (int i = 0; i < count; i++) {
    GenCampaign k = i < (int) G_N_ELEMENTS(dozen) ? dozen[i] : draw_campaign(c, i);
    if (k.to_day == DAYS_END)
      k.to_day = days + 30;
    g_array_append_val(c->campaigns, k);
  }
  c->segment = g_new0(guint8, users);
  for (int u = 0; u < users; u++) {
    gint64 r = prng_uniform(&c->rng, 0, 99);
    c->segment[u] = r < 4 ? 1 : r < 10 ? 2 : 0;
    c->segment_rows += c->segment[u] != 0;
  }
  draw_coupons(c);
  return c;
}

void
gen_campaigns_free(GenCampaigns *c)
{
  if (!c)
    return;
  g_array_unref(c->campaigns);
  g_array_unref(c->coupons);
  g_ptr_array_unref(c->by_user);
  g_free(c->segment);
  g_free(c);
}

static void
write_yuan(FILE *f, const char *key, gint64 fen)
{
  g_autofree char *y = money_format_fen(fen);
  fprintf(f, "%s=%s\n", key, y);
}

/* The codes of WANTED that the product catalogue has, comma separated ("" if none). */
static char *
known_products(const ProductSet *set, const char *wanted)
{
  g_auto(GStrv) codes = g_strsplit(wanted, ",", -1);
  GString *out = g_string_new(NULL);
  for (int i = 0; codes[i]; i++)
    if (product_set_find(set, codes[i]))
      g_string_append_printf(out, "%s%s", out->len ? "," : "", codes[i]);
  return g_string_free(out, FALSE);
}

static void
write_campaign(const GenCampaigns *c, const GenCampaign *k, FILE *f)
{
  char from[11], to[11];
  gen_date_str(&c->start, k->from_day, from);
  gen_date_str(&c->start, k->to_day, to);
  fprintf(f, "\n[campaign %s]\nname=%s\nkind=%s\n", k->id, k->name, k->kind);
  if (k->free_periods)
    fprintf(f, "free_periods=%d\n", k->free_periods);
  if (strcmp(k->kind, "RATE") == 0)
    fprintf(f, "rate_ppm=%d\n", k->rate_ppm);
  if (k->percent_cents)
    fprintf(f, "percent=%d.%02d\n", k->percent_cents / 100, k->percent_cents % 100);
  if (k->amount_off_fen)
    write_yuan(f, "amount_off", k->amount_off_fen);
  fprintf(f, "funder=%s\n", k->funder);
  g_autofree char *products = k->products ? known_products(c->products, k->products) : NULL;
  if (products && *products)
    fprintf(f, "products=%s\n", products);
  if (k->terms)
    fprintf(f, "terms=%s\n", k->terms);
  if (k->amount_min_fen)
    write_yuan(f, "amount_min", k->amount_min_fen);
  if (k->amount_max_fen)
    write_yuan(f, "amount_max", k->amount_max_fen);
  fprintf(f, "order_from=%s\norder_to=%s\n", from, to);
  if (k->new_users_only)
    fputs("new_users_only=true\n", f);
  const char *lists[][2] = { { "statement_days", k->statement_days }, { "segments", k->segments },
                             { "merchants", k->merchant[0] ? k->merchant : k->merchants },
                             { "categories", k->categories } };
  for (gsize i = 0; i < G_N_ELEMENTS(lists); i++)
    if (lists[i][1])
      fprintf(f, "%s=%s\n", lists[i][0], lists[i][1]);
  if (k->coupon)
    fprintf(f, "coupon=required\ncoupon_return_days=%d\n", k->coupon_return_days);
  if (k->per_user_limit)
    fprintf(f, "per_user_limit=%d\n", k->per_user_limit);
  if (k->usage_limit)
    fprintf(f, "usage_limit=%d\n", k->usage_limit);
  write_yuan(f, "budget", k->budget_fen);
  if (k->overflow_none)
    fputs("budget_overflow=none\n", f);
  fprintf(f, "group=%s\npriority=%d\n", k->group, k->priority);
}

static gboolean
write_catalogue(const GenCampaigns *c, const char *dir, GError **error)
{
  g_autofree char *head = g_strdup_printf("# 营销活动目录 / campaign catalogue written by baitiao gen (%u campaigns): "
                                          "baitiao campaigns check|load FILE\n\n[policy]\nmax_order_discount=200.00",
                                          c->campaigns->len);
  FILE *f = gen_open_file(dir, "campaigns.conf", head, error);
  if (!f)
    return FALSE;
  for (gsize g = 0; g < G_N_ELEMENTS(groups); g++)
    fprintf(f, "\n[group %s]\nmode=%s\n", groups[g].name, groups[g].mode);
  for (guint k = 0; k < c->campaigns->len; k++)
    write_campaign(c, &g_array_index(c->campaigns, GenCampaign, k), f);
  return gen_close_file(f, "campaigns.conf", error);
}

static gboolean
write_segments(const GenCampaigns *c, const char *dir, GError **error)
{
  FILE *f = gen_open_file(dir, "segments.csv", "user_id,segment", error);
  if (!f)
    return FALSE;
  for (int u = 0; u < c->users; u++)
    if (c->segment[u])
      fprintf(f, "U%07d,%s\n", u + 1, c->segment[u] == 1 ? "VIP" : "STUDENT");
  return gen_close_file(f, "segments.csv", error);
}

static gboolean
write_coupons(const GenCampaigns *c, const char *dir, GError **error)
{
  FILE *f = gen_open_file(dir, "coupons.csv", "coupon_id,user_id,campaign_id,valid_from,valid_to", error);
  if (!f)
    return FALSE;
  for (guint i = 0; i < c->coupons->len; i++) {
    const GenCoupon *q = &g_array_index(c->coupons, GenCoupon, i);
    char from[11], to[11];
    gen_date_str(&c->start, q->from_day, from);
    gen_date_str(&c->start, q->to_day, to);
    fprintf(f, "%s,U%07d,%s,%s,%s\n", q->id, q->user + 1,
            g_array_index(c->campaigns, GenCampaign, q->campaign).id, from, to);
  }
  return gen_close_file(f, "coupons.csv", error);
}

gboolean
gen_campaigns_write(GenCampaigns *c, const char *out_dir, GError **error)
{
  return write_catalogue(c, out_dir, error) && write_segments(c, out_dir, error)
         && write_coupons(c, out_dir, error);
}

/* The coupon an order of USER names: most often one of the user's own (used or not,
 * valid or expired by now), now and then another user's; NULL for none. */
static const GenCoupon *
draw_order_coupon(GenCampaigns *c, int user)
{
  GArray *own = c->by_user->pdata[user];
  if (own && prng_uniform(&c->rng, 0, 99) < 60) {
    guint i = g_array_index(own, guint, prng_uniform(&c->rng, 0, own->len - 1));
    return &g_array_index(c->coupons, GenCoupon, i);
  }
  if (c->coupons->len && prng_uniform(&c->rng, 0, 99) < 1)
    return &g_array_index(c->coupons, GenCoupon, prng_uniform(&c->rng, 0, c->coupons->len - 1));
  return NULL;
}

void
gen_campaigns_order_columns(GenCampaigns *c, int user, FILE *f)
{
  /* a few big merchants, a long tail */
  gint64 m = prng_uniform(&c->rng, 0, 99);
  if (m < 15)
    fputc(',', f);
  else
    fprintf(f, ",M%04d", (int) (m < 55 ? prng_uniform(&c->rng, 1, 5) : prng_uniform(&c->rng, 6, N_MERCHANTS)));
  if (prng_uniform(&c->rng, 0, 9) == 0)
    fputc(',', f);
  else
    fprintf(f, ",%s", categories[prng_uniform(&c->rng, 0, G_N_ELEMENTS(categories) - 1)]);
  const GenCoupon *q = draw_order_coupon(c, user);
  if (q) {
    fprintf(f, ",%s\n", q->id);
    c->coupon_orders++;
  } else {
    fputs(",\n", f);
  }
}

void
gen_campaigns_counts(const GenCampaigns *c, gint64 *campaigns, gint64 *coupons, gint64 *segment_rows,
                     gint64 *coupon_orders)
{
  *campaigns = c->campaigns->len;
  *coupons = c->coupons->len;
  *segment_rows = c->segment_rows;
  *coupon_orders = c->coupon_orders;
}
