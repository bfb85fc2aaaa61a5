/* Installment products (product-rules §2, §12): a GKeyFile with one [product CODE]
 * group each, validated at load — term, method, rate bounds, APR within apr_cap. */
#ifndef BAITIAO_PRODUCT_H
#define BAITIAO_PRODUCT_H

#include <glib.h>
#include <libpq-fe.h>

#include "schedule.h"

typedef enum {
  PREPAY_WAIVE_UNBILLED,  /* unbilled fees are waived on prepayment (default) */
  PREPAY_CHARGE_ALL,      /* unbilled fees are charged in full */
} PrepayFeePolicy;

typedef struct {
  char *code;
  SchedTerms terms;        /* method, term, rate_ppm (monthly), grace_days */
  gint64 penalty_ppm;      /* per calendar day on unpaid principal + fee */
  gint64 writeoff_dpd;
  PrepayFeePolicy prepay_fee_policy;
  gint64 apr_bp;           /* display APR in basis points, for PRODUCT_APR_REFERENCE_FEN */
} Product;

/* Defaults of product-rules §12 and the APR cap (24.00 %). */
#define PRODUCT_DEFAULT_GRACE_DAYS 9
#define PRODUCT_DEFAULT_PENALTY_PPM 500
#define PRODUCT_DEFAULT_WRITEOFF_DPD 180
#define PRODUCT_DEFAULT_APR_CAP_BP 2400
/* The APR depends (slightly, through fee rounding) on the principal; products are
 * judged and shown for a purchase of 1000.00 yuan, as in product-rules §2. */
#define PRODUCT_APR_REFERENCE_FEN G_GINT64_CONSTANT(100000)
#define PRODUCT_PENALTY_MAX_PPM 10000   /* 1 % a day */
#define PRODUCT_GRACE_DAYS_MAX 60
#define PRODUCT_WRITEOFF_DPD_MAX 3650

typedef struct {
  char *path;
  char *text;           /* the file as loaded; its sha256 identifies it in load_files */
  char *sha256;
  gint64 apr_cap_bp;
  GPtrArray *products;  /* Product*, in file order */
} ProductSet;

/* Loads and validates every product of PATH; the first refusal names the file,
 * line, key and reason, and nothing is returned. */
ProductSet *product_set_load(const char *path, GError **error);
void product_set_free(ProductSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProductSet, product_set_free)

const Product *product_set_find(const ProductSet *set, const char *code);
const char *product_prepay_policy_to_string(PrepayFeePolicy policy);
void product_free(Product *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Product, product_free)

/* Upserts SET into the products table (one transaction, recorded in load_files).
 * *CHANGED counts products added or changed. */
gboolean product_set_store(PGconn *conn, const ProductSet *set, guint *changed, GError **error);

#endif
