/* baitiao products check|load FILE — the product catalogue (product-rules §2, §12). */
#include <stdio.h>

#include "commands.h"
#include "db.h"
#include "log.h"
#include "product.h"
#include "shard.h"

static void
print_products(const ProductSet *set)
{
  printf("%-12s %-16s %4s %9s %5s %8s %8s %-15s %8s\n", "product", "method", "term", "rate_ppm",
         "grace", "pen_ppm", "wo_dpd", "prepay_fee", "APR");
  for (guint i = 0; i < set->products->len; i++) {
    const Product *p = set->products->pdata[i];
    printf("%-12s %-16s %4d %9" G_GINT64_FORMAT " %5d %8" G_GINT64_FORMAT " %8" G_GINT64_FORMAT
           " %-15s %5" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT " %%\n",
           p->code, sched_method_to_string(p->terms.method), p->terms.term, p->terms.rate_ppm,
           p->terms.grace_days, p->penalty_ppm, p->writeoff_dpd,
           product_prepay_policy_to_string(p->prepay_fee_policy), p->apr_bp / 100, p->apr_bp % 100);
  }
  printf("%u products, APR cap %" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT " %% (APR shown for a 1000.00 yuan purchase)\n",
         set->products->len, set->apr_cap_bp / 100, set->apr_cap_bp % 100);
}

static gboolean
validate(CliRun *run, GError **error)
{
  if (g_strv_contains((const char *const[]) { "check", "load", NULL }, run->argv[0]))
    return TRUE;
  cli_usage_error(error, "expected \"check FILE\" or \"load FILE\"");
  return FALSE;
}

/* A sharded group: every shard judges orders against its own catalogue, so the
 * catalogue goes to each of them too (an upsert: after a shard failed, load again). */
static gboolean
store_on_shards(const Config *config, const ProductSet *set, GError **error)
{
  for (guint i = 0; i < config->shards->len; i++) {
    const ConfigShard *shard = g_ptr_array_index(config->shards, i);
    g_autoptr(PGconn) conn = shard_connect(config, shard, DB_ROLE_BATCH, "products", error);
    guint changed = 0;
    if (!conn || !shard_check_selected(conn, shard->name, error) || !product_set_store(conn, set, &changed, error))
      return FALSE;
    log_info("shard %s: %u products, %u added or changed", shard->name, set->products->len, changed);
  }
  return TRUE;
}

/* check needs neither the configuration nor the database: it connects for load only. */
static gboolean
body(CliRun *run, GError **error)
{
  g_autoptr(ProductSet) set = product_set_load(run->argv[1], error);
  if (!set)
    return FALSE;
  if (g_str_equal(run->argv[0], "check")) {
    print_products(set);
    return TRUE;
  }
  PGconn *conn = cli_connect(run, error);
  if (!conn)
    return FALSE;
  guint changed = 0;
  if (!product_set_store(conn, set, &changed, error))
    return FALSE;
  log_info("%s: %u products, %u added or changed", set->path, set->products->len, changed);
  return !config_sharded(run->config) || store_on_shards(run->config, set, error);
}

const CliCommand cmd_products = {
  .name = "products",
  .summary = "check or load the product catalogue",
  .description =
    "Validate (check) or load (load) the product catalogue: a GKeyFile with one\n"
    "[product CODE] group per product and an optional [policy] apr_cap=24.00.\n"
    "A sharded group: loaded at the coordinator and on every shard.",
  .args = "check|load FILE",
  .min_args = 2,
  .max_args = 2,
  .db = CLI_DB_BATCH,
  .flags = CLI_FLAG_CONNECT_IN_BODY | CLI_FLAG_GROUP,
  .validate = validate,
  .body = body,
};
