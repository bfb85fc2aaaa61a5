/* Campaigns at origination (issue 18, 营销): the catalogue (a GKeyFile, like the
 * products) and the kinds of discount a campaign gives. The catalogue is read and
 * stored by campaign_catalogue.c; the night's matching is campaign_match.h. */
#ifndef BAITIAO_CAMPAIGN_H
#define BAITIAO_CAMPAIGN_H

#include <glib.h>
#include <libpq-fe.h>

#define CAMPAIGN_ERROR (campaign_error_quark())
GQuark campaign_error_quark(void);

typedef enum {
  CAMPAIGN_ERROR_FILE,        /* unreadable, not a key file */
  CAMPAIGN_ERROR_KEY,         /* a key missing, unknown or with a bad value: file:line:key */
  CAMPAIGN_ERROR_STACKING,    /* two campaigns that cannot both be in force: both named */
  CAMPAIGN_ERROR_STORE,       /* the database refused (e.g. a budget below what is consumed) */
} CampaignError;

typedef enum {
  CAMPAIGN_FREE_PERIODS,  /* the first free_periods installments' fees waived */
  CAMPAIGN_RATE,          /* every fee recomputed at rate_ppm on the same principal schedule */
  CAMPAIGN_PERCENT,       /* percent_ppm of each (remaining) fee off */
  CAMPAIGN_WAIVE_ALL,     /* every fee waived */
  CAMPAIGN_AMOUNT_OFF,    /* amount_off_fen off the fees, installment 1 first */
} CampaignKind;

typedef enum {
  CAMPAIGN_FUNDER_PLATFORM,  /* marketing expense, 6601 */
  CAMPAIGN_FUNDER_MERCHANT,  /* 商户贴息: deducted from the merchant payable 2202 */
} CampaignFunder;

typedef enum {
  CAMPAIGN_STACK_EXCLUSIVE,  /* at most one campaign of the group applies to an order */
  CAMPAIGN_STACK_STACKABLE,  /* every eligible campaign of the group applies */
} CampaignStackMode;

/* One campaign as the catalogue defines it. Lists are NULL-terminated string arrays
 * (NULL: no restriction); integer limits 0 and amounts 0 mean "none". */
typedef struct {
  char *id;
  int version;                 /* 0 until stored; then campaign_versions.version */
  char *name;
  int line;                    /* of its [campaign ID] group in the file, for messages */

  CampaignKind kind;
  int free_periods;
  gint64 rate_ppm;
  gint64 percent_ppm;          /* 1..1000000: 30.00 % = 300000 */
  gint64 amount_off_fen;
  CampaignFunder funder;

  char **products;
  int *terms;                  /* n_terms entries */
  guint n_terms;
  gint64 amount_min_fen;
  gint64 amount_max_fen;
  GDate order_from;            /* inclusive window of order dates */
  GDate order_to;
  gboolean new_users_only;     /* the user's first accepted order, ever */
  guint32 statement_days;      /* bit d set: statement day d allowed; 0: any */
  char **segments;             /* user_segments the user must be in (any of them) */
  char **merchants;            /* orders.csv merchant_id, any of them */
  char **categories;           /* orders.csv category, any of them */
  gboolean coupon_required;    /* only for an order that presents a coupon of this campaign */
  int coupon_return_days;      /* a full refund within this many days returns the coupon; 0: never */
  int per_user_limit;
  int usage_limit;
  gint64 budget_fen;
  gboolean budget_partial;     /* TRUE (PARTIAL): the order that would overspend gets what fits */

  char *stack_group;
  CampaignStackMode stack_mode;  /* the group's */
  int priority;                /* higher first */
} Campaign;

typedef struct {
  char *path;
  char *text;                  /* the file as loaded */
  char *sha256;
  gint64 max_order_discount_fen;  /* [policy] max_order_discount; 0: none */
  GPtrArray *campaigns;        /* Campaign*, in file order */
} CampaignSet;

const char *campaign_kind_to_string(CampaignKind k);
const char *campaign_funder_to_string(CampaignFunder f);
const char *campaign_stack_mode_to_string(CampaignStackMode m);
gboolean campaign_kind_from_string(const char *s, CampaignKind *out);
gboolean campaign_funder_from_string(const char *s, CampaignFunder *out);
gboolean campaign_stack_mode_from_string(const char *s, CampaignStackMode *out);

void campaign_free(Campaign *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Campaign, campaign_free)

/* Loads and validates the catalogue at PATH; the first refusal names file:line:key
 * (or both campaigns of a contradictory stacking) and nothing is returned. */
CampaignSet *campaign_set_load(const char *path, GError **error);
void campaign_set_free(CampaignSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CampaignSet, campaign_set_free)

/* Stores SET (one transaction, recorded in load_files): a campaign whose definition
 * changed gets a new version; *CHANGED counts campaigns added or changed. BUDGET_SHARE
 * (numerator, denominator; 1/1 for one database) scales budgets and usage limits for
 * one shard of a group. */
gboolean campaign_set_store(PGconn *conn, const CampaignSet *set, gint64 share_num, gint64 share_den,
                            guint *changed, GError **error);

/* The live campaigns of DATE, at their current versions, as the night reads them
 * back from the database, with each one's budget left and uses left (-1: no limit)
 * in the parallel arrays. Empty when no catalogue was ever loaded. */
typedef struct {
  GPtrArray *campaigns;        /* Campaign*, by campaign id */
  GArray *budget_left_fen;     /* gint64 */
  GArray *uses_left;           /* gint64, -1: unlimited */
  gint64 max_order_discount_fen;
} CampaignLive;

CampaignLive *campaign_live_read(PGconn *conn, const char *date, GError **error);
void campaign_live_free(CampaignLive *live);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CampaignLive, campaign_live_free)

/* ---- added by helper c1 (the catalogue's implementation needs them) ---- */

/* [A-Za-z0-9_.-]{1,32}: a campaign id, group name, product code or segment, as
 * campaign_versions' CHECKs have them. */
gboolean campaign_valid_name(const char *s);

/* WHOLE's share for shard INDEX of N weighed WEIGHTS: floor (WHOLE × w_i / Σw) for every
 * shard but the first, which gets the rest, so the shares sum to WHOLE exactly and no
 * share is ever rounded up. WEIGHTS NULL: WHOLE. */
gint64 campaign_share(gint64 whole, const gint64 *weights, guint n, guint index);

/* campaign_set_store's work inside the caller's transaction, with the budgets and usage
 * limits of shard INDEX of the group WEIGHTS (NULL, 0, 0: the whole): a sharded group
 * stages the catalogue on the coordinator and every shard, then commits them all. */
gboolean campaign_set_stage(PGconn *conn, const CampaignSet *set, const gint64 *weights, guint n, guint index,
                            guint *changed, GError **error);

/* Refuses (CAMPAIGN_ERROR_STORE, naming file:line and the campaign) a catalogue whose
 * usage limit some shard's share would make 0, which would read as "no limit". */
gboolean campaign_set_check_shares(const CampaignSet *set, const gint64 *weights, guint n, GError **error);

#endif
