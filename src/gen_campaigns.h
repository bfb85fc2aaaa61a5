/* Synthetic campaigns for baitiao gen --campaigns N (issue 18 §8): a catalogue
 * (campaigns.conf, docs/formats.md "Campaign catalogue"), a user attribute file
 * (segments.csv), coupons (coupons.csv) and the order columns a campaign can match
 * on (merchant_id, category, coupon_id). Their draws come from a stream of their
 * own, so the rest of the portfolio is the same with and without campaigns. */
#ifndef BAITIAO_GEN_CAMPAIGNS_H
#define BAITIAO_GEN_CAMPAIGNS_H

#include <glib.h>
#include <stdio.h>

#include "product.h"

typedef struct GenCampaigns GenCampaigns;

/* COUNT campaigns (the first dozen a realistic fixed set, the rest drawn) over the
 * portfolio of USERS users and DAYS days from START, on the products of PRODUCTS. */
GenCampaigns *gen_campaigns_new(guint64 seed, int count, int users, const GDate *start, int days,
                                const ProductSet *products);
void gen_campaigns_free(GenCampaigns *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GenCampaigns, gen_campaigns_free)

/* Writes OUT_DIR/campaigns.conf, segments.csv and coupons.csv. */
gboolean gen_campaigns_write(GenCampaigns *c, const char *out_dir, GError **error);

/* The header's extra columns of orders.csv, and an order's: ",merchant,category,coupon"
 * (each may be empty) for an order of USER (0-based). Some coupons are the user's and
 * valid, some expired, some another user's, some already used. */
#define GEN_CAMPAIGN_ORDER_HEADER ",merchant_id,category,coupon_id"
void gen_campaigns_order_columns(GenCampaigns *c, int user, FILE *f);

/* What was written: campaigns, coupons, segment rows, and order lines that carry a coupon. */
void gen_campaigns_counts(const GenCampaigns *c, gint64 *campaigns, gint64 *coupons, gint64 *segment_rows,
                          gint64 *coupon_orders);

#endif
