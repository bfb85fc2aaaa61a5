/* The product catalogue: defaults, APR, and refusals that name file, line, key, reason. */
#include <CUnit/CUnit.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "keyfile.h"
#include "product.h"
#include "unit_suites.h"

static char *
write_temp(const char *text)
{
  char *path = NULL;
  int fd = g_file_open_tmp("bt-products-XXXXXX.conf", &path, NULL);
  CU_ASSERT_FATAL(fd >= 0);
  close(fd);
  CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static ProductSet *
load_text(const char *text, GError **error)
{
  g_autofree char *path = write_temp(text);
  ProductSet *set = product_set_load(path, error);
  g_unlink(path);
  return set;
}

/* Expects TEXT to be refused with a message holding ":LINE:" and FRAGMENT. */
static void
refused(const char *text, int line, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ProductSet) set = load_text(text, &error);
  CU_ASSERT_PTR_NULL(set);
  CU_ASSERT_PTR_NOT_NULL_FATAL(error);
  CU_ASSERT_EQUAL(error->domain, KEYFILE_ERROR);
  g_autofree char *tag = g_strdup_printf(".conf:%d:", line);
  gboolean ok = strstr(error->message, tag) && strstr(error->message, fragment);
  if (!ok)
    fprintf(stderr, "\n  message \"%s\" lacks \"%s\" or \"%s\"\n", error->message, tag, fragment);
  CU_ASSERT_TRUE(ok);
}

static void
test_contract_example_and_defaults(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ProductSet) set = load_text("[product FPP12]\nterm=12\nmethod=FEE_PER_PERIOD\nrate_ppm=5000\n"
                                        "[product FREE1]\nmethod=INTEREST_FREE\n", &error);
  CU_ASSERT_PTR_NOT_NULL_FATAL(set);
  CU_ASSERT_EQUAL(set->products->len, 2);
  CU_ASSERT_EQUAL(set->apr_cap_bp, 2400);
  const Product *p = product_set_find(set, "FPP12");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  CU_ASSERT_EQUAL(p->terms.method, SCHED_FEE_PER_PERIOD);
  CU_ASSERT_EQUAL(p->terms.term, 12);
  CU_ASSERT_EQUAL(p->terms.rate_ppm, 5000);
  CU_ASSERT_EQUAL(p->terms.grace_days, 9);
  CU_ASSERT_EQUAL(p->penalty_ppm, 500);
  CU_ASSERT_EQUAL(p->writeoff_dpd, 180);
  CU_ASSERT_EQUAL(p->prepay_fee_policy, PREPAY_WAIVE_UNBILLED);
  CU_ASSERT_EQUAL(p->apr_bp, 1090);  /* product-rules §2: 10.90 % */
  const Product *f = product_set_find(set, "FREE1");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  CU_ASSERT_EQUAL(f->terms.term, 1);
  CU_ASSERT_EQUAL(f->terms.rate_ppm, 0);
  CU_ASSERT_EQUAL(f->apr_bp, 0);
  CU_ASSERT_PTR_NULL(product_set_find(set, "NOPE"));
}

static void
test_shipped_catalogue_loads(void)
{
  const char *top = g_getenv("top_srcdir");
  g_autofree char *path = g_build_filename(top ? top : "..", "etc", "products.conf", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ProductSet) set = product_set_load(path, &error);
  if (!set)
    fprintf(stderr, "\n  %s\n", error->message);
  CU_ASSERT_PTR_NOT_NULL_FATAL(set);
  CU_ASSERT_TRUE(set->products->len >= 4);
  const Product *fpp3 = product_set_find(set, "FPP3");
  const Product *fpp24 = product_set_find(set, "FPP24");
  CU_ASSERT_PTR_NOT_NULL_FATAL(fpp3);
  CU_ASSERT_PTR_NOT_NULL_FATAL(fpp24);
  CU_ASSERT_EQUAL(fpp3->apr_bp, 898);    /* §2: 8.98 % */
  CU_ASSERT_EQUAL(fpp24->apr_bp, 1113);  /* §2: 11.13 % */
}

static void
test_apr_cap(void)
{
  /* 2 %/month flat fee over 12 periods is an APR far above 24 % */
  refused("[product HOT]\nterm=12\nmethod=FEE_PER_PERIOD\nrate_ppm=20000\n", 4, "above the cap of 24.00 %");
  /* a cap raised in [policy] lets it through, and a lower cap refuses FPP12 (10.90 %) */
  g_autoptr(GError) error = NULL;
  g_autoptr(ProductSet) set = load_text("[policy]\napr_cap=50\n[product HOT]\nterm=12\nmethod=FEE_PER_PERIOD\nrate_ppm=20000\n",
                                        &error);
  CU_ASSERT_PTR_NOT_NULL(set);
  refused("[policy]\napr_cap=10.50\n[product FPP12]\nterm=12\nmethod=FEE_PER_PERIOD\nrate_ppm=5000\n", 6,
          "APR of 10.90 %, above the cap of 10.50 %");
  refused("[policy]\napr_cap=ten\n[product A]\nmethod=INTEREST_FREE\n", 2, "apr_cap");
}

static void
test_refusals_name_line_and_key(void)
{
  refused("[product A]\nterm=12\nmethod=WEEKLY\nrate_ppm=10\n", 3, "must be INTEREST_FREE, FEE_PER_PERIOD");
  refused("[product A]\nterm=0\nmethod=ANNUITY\nrate_ppm=10\n", 2, "key \"term\"");
  refused("[product A]\nterm=3\nmethod=INTEREST_FREE\n", 2, "must be 1 for INTEREST_FREE");
  refused("[product A]\nmethod=INTEREST_FREE\nrate_ppm=100\n", 3, "must be 0 for INTEREST_FREE");
  refused("[product A]\nterm=12\nmethod=ANNUITY\n", 1, "key \"rate_ppm\" in group [product A] is required");
  refused("[product A]\nterm=12\nrate_ppm=10\n", 1, "key \"method\" in group [product A] is required");
  refused("[product A]\nterm=12\nmethod=ANNUITY\nrate_ppm=-5\n", 4, "rate_ppm");
  refused("[product A]\nterm=12\nmethod=ANNUITY\nrate_ppm=5\ngrace=3\n", 5, "unknown key \"grace\"");
  refused("[product A]\nterm=12\nmethod=ANNUITY\nrate_ppm=5\nprepay_fee_policy=SOMETIMES\n", 5,
          "WAIVE_UNBILLED or CHARGE_ALL");
  refused("[product A]\nterm=12\nmethod=ANNUITY\nrate_ppm=5\npenalty_ppm=20000\n", 5, "penalty_ppm");
  refused("[product A]\nterm=12\nmethod=ANNUITY\nrate_ppm=5\nwriteoff_dpd=0\n", 5, "writeoff_dpd");
  refused("[product A]\nterm=12\nmethod=ANNUITY\nrate_ppm=5\ngrace_days=x\n", 5, "grace_days");
  refused("[product bad code!]\nmethod=INTEREST_FREE\n", 1, "product code");
  refused("[products A]\nmethod=INTEREST_FREE\n", 1, "unknown group [products A]");
  refused("[product A]\nmethod INTEREST_FREE\n", 2, "malformed");
}

static void
test_empty_catalogue_refused(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ProductSet) set = load_text("# nothing\n", &error);
  CU_ASSERT_PTR_NULL(set);
  CU_ASSERT_PTR_NOT_NULL(error ? strstr(error->message, "no [product CODE] group") : NULL);
}

/* GKeyFile would take the later rate and merge the two groups: both refused, both lines named. */
static void
test_repeats_refused(void)
{
  refused("[product FPP12]\nterm=12\nmethod=FEE_PER_PERIOD\nrate_ppm=5000\nrate_ppm=500\n", 5,
          "key \"rate_ppm\" in group [product FPP12] is written again (first at line 4)");
  refused("[product FPP12]\nterm=12\nmethod=FEE_PER_PERIOD\n[product FPP3]\nterm=3\n"
          "[product FPP12]\nrate_ppm=5000\n", 6, "group [product FPP12] is written again (first at line 1)");
}

CU_TestInfo test_product_cases[] = {
  { "contract example and defaults", test_contract_example_and_defaults },
  { "shipped catalogue loads", test_shipped_catalogue_loads },
  { "APR cap", test_apr_cap },
  { "refusals name line and key", test_refusals_name_line_and_key },
  { "empty catalogue refused", test_empty_catalogue_refused },
  { "a key or group written twice refused", test_repeats_refused },
  CU_TEST_INFO_NULL,
};
