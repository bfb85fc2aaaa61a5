/* Matching the night's orders against the live campaigns (issue 18): which campaigns
 * an order gets, how much each takes off which installment's fee, what becomes of its
 * coupon, and the budgets and limits consumed — in the order the orders arrived.
 * Pure computation over a CampaignLive: no database, so every rule is unit-tested.
 *
 * The rules (docs/decisions.md "Campaigns"):
 * - A campaign is eligible when every rule it states holds and its budget and usage
 *   limit have something left; it must also give something (a RATE campaign only
 *   below the product's rate, the others only on a fee above zero).
 * - Per stacking group: an EXCLUSIVE group gives the order one campaign, the first by
 *   (the order's coupon is for it, priority descending, its discount alone descending,
 *   campaign id); a STACKABLE group gives every eligible one. Groups stack.
 * - The chosen are applied one after another on what is left of each fee: the RATE
 *   campaign first (the lowest rate, if two), then by priority descending and campaign
 *   id. FREE_PERIODS waives the first k fees, WAIVE_ALL every fee, PERCENT takes
 *   round_half_up (fee × percent) off each, AMOUNT_OFF takes its amount off the fees
 *   from installment 1 on.
 * - A campaign's discount that its budget left cannot cover is cut to what is left
 *   (budget_overflow = PARTIAL) or the campaign is not granted (NONE); the order's cap
 *   cuts the last-applied campaigns first. A cut takes from the last installment back.
 * - A coupon is USED when its campaign is granted; otherwise it gets the reason the
 *   first failing rule gives: COUPON_NOT_OWNED (unknown, or another user's),
 *   COUPON_USED (a live use, or used earlier this night), COUPON_EXPIRED (the order
 *   is after valid_to), COUPON_NOT_APPLICABLE (before valid_from, its campaign not
 *   live, not eligible for the order, or not chosen). */
#ifndef BAITIAO_CAMPAIGN_MATCH_H
#define BAITIAO_CAMPAIGN_MATCH_H

#include <glib.h>

#include "campaign.h"
#include "schedule.h"

typedef enum {
  COUPON_NONE,            /* the order presented no coupon */
  COUPON_USED,
  COUPON_EXPIRED,
  COUPON_NOT_OWNED,
  COUPON_ALREADY_USED,    /* reason code COUPON_USED */
  COUPON_NOT_APPLICABLE,
} CouponOutcome;

/* inbox_orders.coupon_outcome for O; NULL for COUPON_NONE. */
const char *coupon_outcome_to_string(CouponOutcome o);

/* An order's coupon as the database knows it. */
typedef struct {
  const char *coupon_id;      /* NULL: no coupon presented */
  gboolean known;             /* a coupons row exists */
  const char *owner;          /* its user */
  const char *campaign_id;
  GDate valid_from, valid_to;
  gboolean live_use;          /* used by an order not refunded */
} CampaignCoupon;

/* An accepted order, in arrival order. */
typedef struct {
  const char *order_id;
  const char *user_id;
  gint64 amount_fen;
  const char *product_code;
  const SchedTerms *terms;    /* the product's */
  GDate order_date;
  int statement_day;
  gboolean first_loan;        /* the user had no loan before this night */
  const char *merchant_id;    /* NULL: none */
  const char *category;
  CampaignCoupon coupon;
} CampaignOrder;

/* One campaign granted to an order: by_installment[k] is taken off installment k+1. */
typedef struct {
  guint campaign;             /* index into the live campaigns */
  gint64 total_fen;
  gint64 *by_installment;     /* n entries, owned by the matcher until the next match */
} CampaignGrant;

/* Per live campaign, what the night did with it. */
typedef struct {
  gint64 eligible_orders;
  gint64 matched_orders;
  gint64 budget_refused;      /* eligible, but its budget (or usage limit) turned the order away or cut it */
  gint64 discount_fen;
} CampaignDayStats;

typedef struct CampaignMatcher CampaignMatcher;

/* A matcher over LIVE (kept, not copied: LIVE's budgets are consumed in place).
 * USER_SEGMENTS: "segment\037user" keys of the night's users' memberships (may be
 * NULL); USES: "campaign\037user" → earlier grants count (GINT_TO_POINTER), may be NULL. */
CampaignMatcher *campaign_matcher_new(CampaignLive *live, GHashTable *user_segments, GHashTable *uses);
void campaign_matcher_free(CampaignMatcher *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CampaignMatcher, campaign_matcher_free)

/* Matches O, whose product schedule is INST[0..n-1] (n = O->terms->term): on return
 * INST's fees are what the user owes, *GRANTS (n_grants, in application order) what
 * each campaign took, *COUPON what became of the coupon. Consumes budgets, usage
 * limits and the coupon. Never fails: an order no campaign fits keeps its schedule. */
void campaign_match(CampaignMatcher *m, const CampaignOrder *o, SchedInstallment *inst, const CampaignGrant **grants,
                    guint *n_grants, CouponOutcome *coupon);

/* The night's figures of live campaign I. */
const CampaignDayStats *campaign_matcher_stats(const CampaignMatcher *m, guint i);

#endif
