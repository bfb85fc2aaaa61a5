/* Originate's campaign pass (issue 18): the accepted orders of D, in arrival order,
 * matched against the campaigns live on D (campaign_match.h has the rules), and what
 * the matching granted written to loan_campaigns, fee_subsidies, campaign_days,
 * coupon_uses and the campaigns' counters. Its statements are sql/steps/originate/2x
 * and 8x. */
#ifndef BAITIAO_ORIGINATE_CAMPAIGNS_H
#define BAITIAO_ORIGINATE_CAMPAIGNS_H

#include <glib.h>
#include <libpq-fe.h>

#include "schedule.h"

typedef struct OriginateCampaigns OriginateCampaigns;

/* What matching needs of D: the live campaigns, the pending orders' merchants,
 * categories and coupons, their users' segments and earlier uses. *OUT is NULL when
 * no campaign is live on D: nothing to match, nothing read. */
gboolean originate_campaigns_open(PGconn *conn, const char *date, OriginateCampaigns **out, GError **error);
void originate_campaigns_free(OriginateCampaigns *oc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OriginateCampaigns, originate_campaigns_free)

/* An accepted order, as originate decided it. */
typedef struct {
  const char *order_id;
  const char *user_id;
  const char *product_code;
  gint64 amount_fen;
  const SchedTerms *terms;
  const GDate *date;
  int statement_day;
} OriginateOrder;

/* Matches O (call in arrival order), whose product schedule is INST: on return INST's
 * fees are what the user owes and *DISCOUNTED says whether any campaign took anything.
 * Returns the coupon's outcome (inbox_orders.coupon_outcome), NULL when the order
 * presented none. The grants are kept for originate_campaigns_apply and
 * originate_campaigns_write. */
const char *originate_campaigns_match(OriginateCampaigns *oc, const OriginateOrder *o, SchedInstallment *inst,
                                      gboolean *discounted);

/* The fees of ORDER_ID's product schedule INST (N installments) lowered by what it was
 * granted; no-op for an order granted nothing. */
void originate_campaigns_apply(const OriginateCampaigns *oc, const char *order_id, SchedInstallment *inst, int n);

/* After the installments are stored: the grants of the loans LOAN_IDS (order id →
 * loan id) into loan_campaigns and fee_subsidies, the night's campaign_days, the
 * campaigns' counters and the coupons used. *GRANTED_FEN: Σ of every discount. */
gboolean originate_campaigns_write(OriginateCampaigns *oc, PGconn *conn, const char *date, GHashTable *loan_ids,
                                   gint64 *granted_fen, GError **error);

#endif
