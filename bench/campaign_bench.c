/* campaign_bench: the matcher's cost in originate (issue 18 §7): ORDERS orders (default
 * 30 000, a day at 1M users) matched in arrival order against CAMPAIGNS live campaigns
 * (default 500) using every kind, both funders, both stacking modes and every
 * eligibility rule (30 rule types: 5 kinds × 2 funders × 2 modes counted apart from the
 * 12 eligibility rules, budgets, per-user and usage limits, the order cap and coupons).
 * Prints the time of the schedules alone, of schedules + matching, the difference per
 * order, and a checksum of every discount so the work cannot be optimised away.
 * Figures are printed, never asserted. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign_match.h"
#include "prng.h"
#include "schedule.h"

static const SchedTerms catalogue[] = {
  { SCHED_FEE_PER_PERIOD, 3, 5000, 9 },  { SCHED_FEE_PER_PERIOD, 6, 5000, 9 },
  { SCHED_FEE_PER_PERIOD, 12, 5000, 9 }, { SCHED_FEE_PER_PERIOD, 24, 6000, 9 },
  { SCHED_EQUAL_PRINCIPAL, 12, 6000, 9 }, { SCHED_ANNUITY, 12, 10000, 9 },
  { SCHED_ANNUITY, 24, 12000, 9 },       { SCHED_INTEREST_FREE, 1, 0, 9 },
};
static const char *const products[] = { "FPP3", "FPP6", "FPP12", "FPP24", "EP12", "ANN12", "ANN24", "FREE1" };
static const char *const merchants[] = { "M001", "M002", "M003", "M004", "M005", "M006", "M007", "M008" };
static const char *const categories[] = { "DIGITAL", "HOME", "TRAVEL", "FOOD" };
static const char *const segments[] = { "VIP", "STUDENT", "NEW", "DORMANT" };

static char **
one_of(guint64 *s, const char *const *from, int n)
{
  char **v = g_new0(char *, 3);
  v[0] = g_strdup(from[prng_uniform(s, 0, n - 1)]);
  v[1] = g_strdup(from[prng_uniform(s, 0, n - 1)]);
  return v;
}

static Campaign *
make_campaign(guint64 *s, int i)
{
  Campaign *c = g_new0(Campaign, 1);
  c->id = g_strdup_printf("C%04d", i);
  c->name = g_strdup(c->id);
  c->version = 1;
  c->kind = (CampaignKind) (i % 5);
  c->free_periods = c->kind == CAMPAIGN_FREE_PERIODS ? (int) prng_uniform(s, 1, 6) : 0;
  c->rate_ppm = c->kind == CAMPAIGN_RATE ? prng_uniform(s, 1000, 4000) : 0;
  c->percent_ppm = c->kind == CAMPAIGN_PERCENT ? prng_uniform(s, 50000, 500000) : 0;
  c->amount_off_fen = c->kind == CAMPAIGN_AMOUNT_OFF ? prng_uniform(s, 100, 5000) : 0;
  c->funder = (i / 5) % 2 ? CAMPAIGN_FUNDER_MERCHANT : CAMPAIGN_FUNDER_PLATFORM;
  switch (i % 12) {  /* one eligibility rule each, the way campaigns are written */
  case 0: c->products = one_of(s, products, G_N_ELEMENTS(products)); break;
  case 1: c->terms = g_new(int, 2); c->terms[0] = 6; c->terms[1] = 12; c->n_terms = 2; break;
  case 2: c->amount_min_fen = 20000; c->amount_max_fen = 2000000; break;
  case 3: c->new_users_only = TRUE; break;
  case 4: c->statement_days = (1u << 5) | (1u << 15) | (1u << 25); break;
  case 5: c->segments = one_of(s, segments, G_N_ELEMENTS(segments)); break;
  case 6: c->merchants = one_of(s, merchants, G_N_ELEMENTS(merchants)); break;
  case 7: c->categories = one_of(s, categories, G_N_ELEMENTS(categories)); break;
  case 8: c->coupon_required = TRUE; break;
  case 9: c->per_user_limit = 1; break;
  case 10: c->usage_limit = 200; break;
  default: c->amount_min_fen = 100000; break;
  }
  g_date_set_dmy(&c->order_from, 1, 1, 2026);
  g_date_set_dmy(&c->order_to, 31, 12, 2026);
  c->budget_fen = prng_uniform(s, 100000, 5000000);
  c->budget_partial = i % 3 != 0;
  c->stack_group = g_strdup_printf("G%02d", i % 40);
  c->stack_mode = (i % 40) < 30 ? CAMPAIGN_STACK_EXCLUSIVE : CAMPAIGN_STACK_STACKABLE;
  c->priority = (int) prng_uniform(s, 0, 9);
  return c;
}

typedef struct {
  char user[16];
  char coupon[16];
  char coupon_campaign[16];
  gint64 amount_fen;
  int product;
  int statement_day;
  gboolean first_loan;
  int merchant;
  int category;
} BenchOrder;

int
main(int argc, char **argv)
{
  gint64 n_orders = argc > 1 ? atoll(argv[1]) : 30000, n_campaigns = argc > 2 ? atoll(argv[2]) : 500;
  guint64 s = 20261203;
  CampaignLive live = { .campaigns = g_ptr_array_new_with_free_func((GDestroyNotify) campaign_free),
                        .budget_left_fen = g_array_new(FALSE, FALSE, sizeof(gint64)),
                        .uses_left = g_array_new(FALSE, FALSE, sizeof(gint64)),
                        .max_order_discount_fen = 20000 };
  for (int i = 0; i < n_campaigns; i++) {
    Campaign *c = make_campaign(&s, i);
    gint64 uses = c->usage_limit ? c->usage_limit : -1;
    g_ptr_array_add(live.campaigns, c);
    g_array_append_val(live.budget_left_fen, c->budget_fen);
    g_array_append_val(live.uses_left, uses);
  }
  GHashTable *seg = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  BenchOrder *orders = g_new0(BenchOrder, n_orders);
  for (gint64 j = 0; j < n_orders; j++) {
    BenchOrder *o = &orders[j];
    g_snprintf(o->user, sizeof o->user, "U%07d", (int) prng_uniform(&s, 0, 999999));
    o->amount_fen = prng_uniform(&s, 1000, 2000000);
    o->product = (int) prng_uniform(&s, 0, G_N_ELEMENTS(catalogue) - 1);
    o->statement_day = (int) prng_uniform(&s, 1, 28);
    o->first_loan = prng_uniform(&s, 0, 9) == 0;
    o->merchant = (int) prng_uniform(&s, 0, G_N_ELEMENTS(merchants) - 1);
    o->category = (int) prng_uniform(&s, 0, G_N_ELEMENTS(categories) - 1);
    if (prng_uniform(&s, 0, 9) == 0) {
      g_snprintf(o->coupon, sizeof o->coupon, "K%06d", (int) j);
      g_snprintf(o->coupon_campaign, sizeof o->coupon_campaign, "C%04d",
                 (int) (prng_uniform(&s, 0, n_campaigns / 12 - 1) * 12 + 8) % (int) n_campaigns);
    }
    if (prng_uniform(&s, 0, 3) == 0)
      g_hash_table_add(seg, g_strconcat(segments[prng_uniform(&s, 0, 3)], "\037", o->user, NULL));
  }
  GDate date;
  g_date_clear(&date, 1);
  g_date_set_dmy(&date, 4, 3, 2026);

  /* schedules alone: what originate pays without campaigns */
  SchedInstallment inst[SCHED_TERM_MAX];
  gint64 sum = 0;
  gint64 t0 = g_get_monotonic_time();
  for (gint64 j = 0; j < n_orders; j++) {
    const BenchOrder *o = &orders[j];
    sched_build(o->amount_fen, &catalogue[o->product], &date, o->statement_day, inst, NULL);
    sum += inst[0].fee_fen;
  }
  gint64 t1 = g_get_monotonic_time();

  CampaignMatcher *m = campaign_matcher_new(&live, seg, NULL);
  gint64 discounts = 0, granted = 0, coupons_used = 0;
  for (gint64 j = 0; j < n_orders; j++) {
    const BenchOrder *o = &orders[j];
    CampaignOrder co = { .order_id = "O", .user_id = o->user, .amount_fen = o->amount_fen,
                         .product_code = products[o->product], .terms = &catalogue[o->product],
                         .order_date = date, .statement_day = o->statement_day, .first_loan = o->first_loan,
                         .merchant_id = merchants[o->merchant], .category = categories[o->category] };
    if (o->coupon[0]) {
      co.coupon = (CampaignCoupon) { .coupon_id = o->coupon, .known = TRUE, .owner = o->user,
                                     .campaign_id = o->coupon_campaign };
      g_date_set_dmy(&co.coupon.valid_from, 1, 1, 2026);
      g_date_set_dmy(&co.coupon.valid_to, 31, 12, 2026);
    }
    sched_build(o->amount_fen, co.terms, &date, o->statement_day, inst, NULL);
    const CampaignGrant *g = NULL;
    guint n = 0;
    CouponOutcome coupon;
    campaign_match(m, &co, inst, &g, &n, &coupon);
    for (guint x = 0; x < n; x++)
      discounts += g[x].total_fen;
    granted += n > 0;
    coupons_used += coupon == COUPON_USED;
    sum += inst[0].fee_fen;
  }
  gint64 t2 = g_get_monotonic_time();
  double alone = (double) (t1 - t0) / 1e6, with = (double) (t2 - t1) / 1e6;
  printf("campaigns: %" G_GINT64_FORMAT " orders against %" G_GINT64_FORMAT " live campaigns, one core\n",
         n_orders, n_campaigns);
  printf("  schedules alone            %8.3f s\n", alone);
  printf("  schedules + matching       %8.3f s\n", with);
  printf("  matching added             %8.3f s (%.1f us an order; target <= 1 s)\n", with - alone,
         (with - alone) * 1e6 / (double) n_orders);
  printf("  orders granted %" G_GINT64_FORMAT ", discounts %" G_GINT64_FORMAT " fen, coupons used %" G_GINT64_FORMAT
         ", checksum %" G_GINT64_FORMAT "\n", granted, discounts, coupons_used, sum);
  campaign_matcher_free(m);
  g_hash_table_unref(seg);
  g_free(orders);
  g_ptr_array_unref(live.campaigns);
  g_array_unref(live.budget_left_fen);
  g_array_unref(live.uses_left);
  return 0;
}
