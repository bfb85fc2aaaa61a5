/* Product catalogue: parse, validate against the contract, store. */
#include "product.h"

#include <string.h>

#include "db.h"
#include "keyfile.h"
#include "money.h"

static const char *const product_keys[] = {
  "term", "method", "rate_ppm", "grace_days", "penalty_ppm", "writeoff_dpd", "prepay_fee_policy", NULL,
};
static const char *const policy_keys[] = { "apr_cap", NULL };

void
product_free(Product *p)
{
  if (!p)
    return;
  g_free(p->code);
  g_free(p);
}

void
product_set_free(ProductSet *set)
{
  if (!set)
    return;
  g_free(set->path);
  g_free(set->sha256);
  g_free(set->text);
  if (set->products)
    g_ptr_array_unref(set->products);
  g_free(set);
}

const char *
product_prepay_policy_to_string(PrepayFeePolicy policy)
{
  return policy == PREPAY_CHARGE_ALL ? "CHARGE_ALL" : "WAIVE_UNBILLED";
}

const Product *
product_set_find(const ProductSet *set, const char *code)
{
  for (guint i = 0; i < set->products->len; i++) {
    const Product *p = set->products->pdata[i];
    if (strcmp(p->code, code) == 0)
      return p;
  }
  return NULL;
}

static gboolean
valid_code(const char *code)
{
  gsize n = strlen(code);
  if (n == 0 || n > 32)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum(code[i]) && !strchr("_.-", code[i]))
      return FALSE;
  return TRUE;
}

/* apr_cap is a percentage with up to two decimals, e.g. 24 or 24.00. */
static gboolean
read_policy(const Keyfile *k, gint64 *apr_cap_bp, GError **error)
{
  *apr_cap_bp = PRODUCT_DEFAULT_APR_CAP_BP;
  if (!g_key_file_has_group(k->kf, "policy"))
    return TRUE;
  if (!keyfile_check_keys(k, "policy", policy_keys, error))
    return FALSE;
  g_autofree char *raw = keyfile_string(k, "policy", "apr_cap");
  if (!raw)
    return TRUE;
  g_autoptr(GError) local = NULL;
  if (!money_parse_yuan_lenient(raw, apr_cap_bp, &local) || *apr_cap_bp <= 0 || *apr_cap_bp > 100000) {
    keyfile_value_error(error, k, "policy", "apr_cap",
                        "must be a percentage above 0 and at most 1000, with up to two decimals, not \"%s\"",
                        raw);
    return FALSE;
  }
  return TRUE;
}

static gboolean
read_method(const Keyfile *k, const char *group, Product *p, GError **error)
{
  g_autofree char *method = keyfile_string(k, group, "method");
  if (!method) {
    keyfile_value_error(error, k, group, "method",
                        "is required (INTEREST_FREE, FEE_PER_PERIOD, EQUAL_PRINCIPAL or ANNUITY)");
    return FALSE;
  }
  if (!sched_method_from_string(method, &p->terms.method, NULL)) {
    keyfile_value_error(error, k, group, "method",
                        "must be INTEREST_FREE, FEE_PER_PERIOD, EQUAL_PRINCIPAL or ANNUITY, not \"%s\"",
                        method);
    return FALSE;
  }
  return TRUE;
}

static gboolean
read_required_int(const Keyfile *k, const char *group, const char *key, gint64 min, gint64 max,
                  gboolean required, gint64 *out, GError **error)
{
  if (required && !g_key_file_has_key(k->kf, group, key, NULL)) {
    keyfile_value_error(error, k, group, key, "is required for this method");
    return FALSE;
  }
  return keyfile_int(k, group, key, min, max, out, error);
}

static gboolean
read_policy_key(const Keyfile *k, const char *group, Product *p, GError **error)
{
  g_autofree char *policy = keyfile_string(k, group, "prepay_fee_policy");
  p->prepay_fee_policy = PREPAY_WAIVE_UNBILLED;
  if (!policy || g_str_equal(policy, "WAIVE_UNBILLED"))
    return TRUE;
  if (g_str_equal(policy, "CHARGE_ALL")) {
    p->prepay_fee_policy = PREPAY_CHARGE_ALL;
    return TRUE;
  }
  keyfile_value_error(error, k, group, "prepay_fee_policy", "must be WAIVE_UNBILLED or CHARGE_ALL, not \"%s\"",
                      policy);
  return FALSE;
}

/* The contract's checks that need the whole product: INTEREST_FREE shape, APR cap. */
static gboolean
check_product(const Keyfile *k, const char *group, Product *p, gint64 apr_cap_bp, GError **error)
{
  if (p->terms.method == SCHED_INTEREST_FREE && p->terms.term != 1) {
    keyfile_value_error(error, k, group, "term", "must be 1 for INTEREST_FREE, not %d", p->terms.term);
    return FALSE;
  }
  if (p->terms.method == SCHED_INTEREST_FREE && p->terms.rate_ppm != 0) {
    keyfile_value_error(error, k, group, "rate_ppm", "must be 0 for INTEREST_FREE");
    return FALSE;
  }
  g_autofree SchedInstallment *s = g_new0(SchedInstallment, p->terms.term);
  GDate purchase;
  g_date_clear(&purchase, 1);
  g_date_set_dmy(&purchase, 1, G_DATE_JANUARY, 2026);
  g_autoptr(GError) local = NULL;
  if (!sched_build(PRODUCT_APR_REFERENCE_FEN, &p->terms, &purchase, 1, s, &local)
      || !sched_apr_bp(PRODUCT_APR_REFERENCE_FEN, s, p->terms.term, &p->apr_bp, &local)) {
    keyfile_value_error(error, k, group, "rate_ppm", "gives no valid schedule: %s", local->message);
    return FALSE;
  }
  if (p->apr_bp > apr_cap_bp) {
    keyfile_value_error(error, k, group, "rate_ppm",
                        "gives an APR of %" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT
                        " %%, above the cap of %" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT " %%",
                        p->apr_bp / 100, p->apr_bp % 100, apr_cap_bp / 100, apr_cap_bp % 100);
    return FALSE;
  }
  return TRUE;
}

static Product *
read_product(const Keyfile *k, const char *group, gint64 apr_cap_bp, GError **error)
{
  const char *code = group + strlen("product ");
  if (!valid_code(code)) {
    g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_VALUE,
                "%s:%d: product code \"%s\" must be 1 to 32 letters, digits, '_', '.' or '-'",
                k->path, keyfile_line(k, group, NULL), code);
    return NULL;
  }
  if (!keyfile_check_keys(k, group, product_keys, error))
    return NULL;
  g_autoptr(Product) p = g_new0(Product, 1);
  p->code = g_strdup(code);
  if (!read_method(k, group, p, error))
    return NULL;
  gboolean free_product = p->terms.method == SCHED_INTEREST_FREE;
  gint64 term = 1, rate = 0, grace = PRODUCT_DEFAULT_GRACE_DAYS;
  p->penalty_ppm = PRODUCT_DEFAULT_PENALTY_PPM;
  p->writeoff_dpd = PRODUCT_DEFAULT_WRITEOFF_DPD;
  if (!read_required_int(k, group, "term", 1, SCHED_TERM_MAX, !free_product, &term, error)
      || !read_required_int(k, group, "rate_ppm", 0, SCHED_RATE_MAX_PPM, !free_product, &rate, error)
      || !keyfile_int(k, group, "grace_days", 0, PRODUCT_GRACE_DAYS_MAX, &grace, error)
      || !keyfile_int(k, group, "penalty_ppm", 0, PRODUCT_PENALTY_MAX_PPM, &p->penalty_ppm, error)
      || !keyfile_int(k, group, "writeoff_dpd", 1, PRODUCT_WRITEOFF_DPD_MAX, &p->writeoff_dpd, error)
      || !read_policy_key(k, group, p, error))
    return NULL;
  p->terms.term = (int) term;
  p->terms.rate_ppm = rate;
  p->terms.grace_days = (int) grace;
  if (!check_product(k, group, p, apr_cap_bp, error))
    return NULL;
  return g_steal_pointer(&p);
}

ProductSet *
product_set_load(const char *path, GError **error)
{
  g_autoptr(Keyfile) k = keyfile_load_with(path, KEYFILE_REFUSE_REPEATS, error);
  if (!k)
    return NULL;
  g_autoptr(ProductSet) set = g_new0(ProductSet, 1);
  set->path = g_strdup(path);
  set->text = g_strdup(k->text);
  set->sha256 = g_compute_checksum_for_string(G_CHECKSUM_SHA256, k->text, -1);
  set->products = g_ptr_array_new_with_free_func((GDestroyNotify) product_free);
  if (!read_policy(k, &set->apr_cap_bp, error))
    return NULL;
  g_auto(GStrv) groups = g_key_file_get_groups(k->kf, NULL);
  for (int i = 0; groups[i]; i++) {
    if (g_str_equal(groups[i], "policy"))
      continue;
    if (!g_str_has_prefix(groups[i], "product ")) {
      g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_UNKNOWN,
                  "%s:%d: unknown group [%s]; products are [product CODE]", path,
                  keyfile_line(k, groups[i], NULL), groups[i]);
      return NULL;
    }
    Product *p = read_product(k, groups[i], set->apr_cap_bp, error);
    if (!p)
      return NULL;
    g_ptr_array_add(set->products, p);
  }
  if (set->products->len == 0) {
    g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_VALUE, "%s: no [product CODE] group", path);
    return NULL;
  }
  return g_steal_pointer(&set);
}

static const char sql_record_file[] =
  "WITH ins AS ("
  "  INSERT INTO load_files (kind, file_name, sha256, size_bytes, rows_read, rows_accepted)"
  "  VALUES ('products', $1, $2, $3::bigint, $4::int, $4::int)"
  "  ON CONFLICT (kind, sha256) DO NOTHING RETURNING file_id)"
  " SELECT file_id FROM ins"
  " UNION ALL SELECT file_id FROM load_files WHERE kind = 'products' AND sha256 = $2"
  " LIMIT 1";

/* One statement for the whole set: arrays in, changed rows out. */
static const char sql_upsert[] =
  "INSERT INTO products AS p (product_code, term, method, rate_ppm, grace_days, penalty_ppm,"
  "                           writeoff_dpd, prepay_fee_policy, apr_bp, source_file_name,"
  "                           source_sha256, source_file_id)"
  " SELECT u.code, u.term, u.method, u.rate, u.grace, u.penalty, u.writeoff, u.policy, u.apr,"
  "        $10, $11, $12::bigint"
  "   FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::int[], $6::int[], $7::int[],"
  "               $8::text[], $9::int[])"
  "        AS u(code, term, method, rate, grace, penalty, writeoff, policy, apr)"
  " ON CONFLICT (product_code) DO UPDATE SET"
  "   term = excluded.term, method = excluded.method, rate_ppm = excluded.rate_ppm,"
  "   grace_days = excluded.grace_days, penalty_ppm = excluded.penalty_ppm,"
  "   writeoff_dpd = excluded.writeoff_dpd, prepay_fee_policy = excluded.prepay_fee_policy,"
  "   apr_bp = excluded.apr_bp, source_file_name = excluded.source_file_name,"
  "   source_sha256 = excluded.source_sha256, source_file_id = excluded.source_file_id,"
  "   updated_at = now()"
  " WHERE (p.term, p.method, p.rate_ppm, p.grace_days, p.penalty_ppm, p.writeoff_dpd,"
  "        p.prepay_fee_policy, p.apr_bp)"
  "   IS DISTINCT FROM (excluded.term, excluded.method, excluded.rate_ppm, excluded.grace_days,"
  "        excluded.penalty_ppm, excluded.writeoff_dpd, excluded.prepay_fee_policy, excluded.apr_bp)"
  " RETURNING product_code";

/* A PostgreSQL array literal of the values COLUMN gives for each product. Product
 * codes and enum names are validated to [A-Za-z0-9_.-], so no quoting is needed. */
typedef char *(*ProductField)(const Product *p);

static char *
array_literal(const ProductSet *set, ProductField field)
{
  GString *s = g_string_new("{");
  for (guint i = 0; i < set->products->len; i++) {
    g_autofree char *v = field(set->products->pdata[i]);
    g_string_append_printf(s, "%s%s", i ? "," : "", v);
  }
  g_string_append_c(s, '}');
  return g_string_free(s, FALSE);
}

static char *f_code(const Product *p) { return g_strdup(p->code); }
static char *f_term(const Product *p) { return g_strdup_printf("%d", p->terms.term); }
static char *f_method(const Product *p) { return g_strdup(sched_method_to_string(p->terms.method)); }
static char *f_rate(const Product *p) { return g_strdup_printf("%" G_GINT64_FORMAT, p->terms.rate_ppm); }
static char *f_grace(const Product *p) { return g_strdup_printf("%d", p->terms.grace_days); }
static char *f_penalty(const Product *p) { return g_strdup_printf("%" G_GINT64_FORMAT, p->penalty_ppm); }
static char *f_writeoff(const Product *p) { return g_strdup_printf("%" G_GINT64_FORMAT, p->writeoff_dpd); }
static char *f_policy(const Product *p) { return g_strdup(product_prepay_policy_to_string(p->prepay_fee_policy)); }
static char *f_apr(const Product *p) { return g_strdup_printf("%" G_GINT64_FORMAT, p->apr_bp); }

static gboolean
store_in_transaction(PGconn *conn, const ProductSet *set, guint *changed, GError **error)
{
  g_autofree char *base = g_path_get_basename(set->path);
  g_autofree char *n = g_strdup_printf("%u", set->products->len);
  g_autofree char *size = g_strdup_printf("%zu", strlen(set->text));
  const char *file_params[] = { base, set->sha256, size, n };
  g_autoptr(PGresult) file = db_query_one(conn, "record_products_file", sql_record_file, 4,
                                          file_params, error);
  if (!file)
    return FALSE;
  ProductField fields[] = { f_code, f_term, f_method, f_rate, f_grace, f_penalty, f_writeoff,
                            f_policy, f_apr };
  char *arrays[G_N_ELEMENTS(fields)];
  for (gsize i = 0; i < G_N_ELEMENTS(fields); i++)
    arrays[i] = array_literal(set, fields[i]);
  const char *params[] = { arrays[0], arrays[1], arrays[2], arrays[3], arrays[4], arrays[5],
                           arrays[6], arrays[7], arrays[8], base, set->sha256,
                           PQgetvalue(file, 0, 0) };
  g_autoptr(PGresult) res = db_query(conn, "upsert_products", sql_upsert, 12, params, error);
  for (gsize i = 0; i < G_N_ELEMENTS(fields); i++)
    g_free(arrays[i]);
  if (!res)
    return FALSE;
  *changed = (guint) PQntuples(res);
  return TRUE;
}

gboolean
product_set_store(PGconn *conn, const ProductSet *set, guint *changed, GError **error)
{
  *changed = 0;
  if (!db_begin(conn, error))
    return FALSE;
  if (!store_in_transaction(conn, set, changed, error) || !db_commit(conn, error)) {
    db_rollback(conn);
    return FALSE;
  }
  return TRUE;
}
