/* baitiao gen: deterministic files that the intake takes without a bad field, and a
 * portfolio whose nights keep the ledger tied to the sub-ledgers. */
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "itest.h"

static char *
gen_into(const char *name, const char *seed)
{
  char *out = g_strdup_printf("%s/%s-%d", itest_tmpdir(), name, (int) getpid());
  g_autofree char *products = g_build_filename(g_getenv("top_srcdir"), "etc", "products.conf", NULL);
  g_autoptr(ItestRun) run = itest_baitiao((const char *[]) { "gen", "--users", "300", "--days", "12", "--seed", seed,
                                                             "--start", "2026-03-01", "--out", out,
                                                             "--products", products, NULL }, NULL);
  if (run->status != 0)
    fprintf(stderr, "\n  gen failed: %s\n", run->err);
  CU_ASSERT_EQUAL_FATAL(run->status, 0);
  ITEST_ASSERT_CONTAINS(run->out, "300 users, 12 days from 2026-03-01");
  return out;
}

static char *
slurp(const char *dir, const char *rel)
{
  g_autofree char *path = g_build_filename(dir, rel, NULL);
  char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return g_strdup("");
  return text;
}

static void
test_same_seed_same_files(void)
{
  g_autofree char *a = gen_into("gen-a", "7");
  g_autofree char *b = gen_into("gen-b", "7");
  g_autofree char *c = gen_into("gen-c", "8");
  const char *files[] = { "users.csv", "20260305/orders.csv", "20260312/repayments.csv",
                          "20260312/settlement_ALIPAY.csv" };
  for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
    g_autofree char *x = slurp(a, files[i]);
    g_autofree char *y = slurp(b, files[i]);
    CU_ASSERT_TRUE(strlen(x) > 20);  /* the file exists, with at least its header */
    ITEST_ASSERT_STR_EQ(x, y);
  }
  g_autofree char *x = slurp(a, "users.csv");
  g_autofree char *z = slurp(c, "users.csv");
  CU_ASSERT_TRUE(strlen(x) > 300 * 30);
  CU_ASSERT_STRING_NOT_EQUAL(x, z);
}

static gboolean
load_ok(const char *config, const char *kind, const char *path)
{
  g_autoptr(ItestRun) run = itest_baitiao((const char *[]) { "load", kind, path, "--config", config, NULL }, NULL);
  /* a header-only file has the same sha256 every day: "already loaded" is right */
  if (run->status != 0 || !(strstr(run->out, " accepted") || strstr(run->out, "nothing new")))
    fprintf(stderr, "\n  load %s %s: %s%s\n", kind, path, run->out, run->err);
  /* generated files must never carry a malformed field */
  CU_ASSERT_PTR_NULL(strstr(run->out, "BAD_FIELD"));
  return run->status == 0;
}

static void
test_generated_nights_tie(void)
{
  g_autofree char *out = gen_into("gen-nights", "3");
  g_autofree char *db = itest_create_db("gen_nights", TRUE);
  g_autofree char *config = itest_write_config(db, NULL);
  PGconn *c = itest_connect(db, "baitiao_batch");
  itest_load_products(c);
  g_autofree char *users = g_build_filename(out, "users.csv", NULL);
  CU_ASSERT_FATAL(load_ok(config, "users", users));
  for (int day = 1; day <= 12; day++) {
    const char *kinds[] = { "orders", "refunds", "repayments" };
    for (gsize k = 0; k < G_N_ELEMENTS(kinds); k++) {
      g_autofree char *path = g_strdup_printf("%s/202603%02d/%s.csv", out, day, kinds[k]);
      CU_ASSERT_FATAL(load_ok(config, kinds[k], path));
    }
    const char *channels[] = { "ALIPAY", "WECHAT", "UNIONPAY" };
    for (gsize k = 0; day > 1 && k < G_N_ELEMENTS(channels); k++) {
      g_autofree char *path = g_strdup_printf("%s/202603%02d/settlement_%s.csv", out, day, channels[k]);
      g_autoptr(ItestRun) run = itest_baitiao((const char *[]) { "load", "settlement", "--channel", channels[k], path,
                                                                 "--config", config, NULL }, NULL);
      CU_ASSERT_EQUAL(run->status, 0);
    }
    g_autofree char *date = g_strdup_printf("2026-03-%02d", day);
    g_autoptr(ItestRun) night = itest_baitiao((const char *[]) { "eod", "--date", date, "--quiet", "--config", config, NULL }, NULL);
    /* 3: the settlement files carry planted differences that reconciliation finds */
    if (night->status != 0 && night->status != 3)
      fprintf(stderr, "\n  eod %s: %s\n", date, night->err);
    CU_ASSERT_FATAL(night->status == 0 || night->status == 3);
  }
  /* every break found is a channel difference (R7), none in the books */
  g_autofree char *breaks = itest_query(c, "SELECT count(*) FROM recon_breaks WHERE check_id <> 'R7'");
  ITEST_ASSERT_STR_EQ(breaks, "0");
  g_autofree char *loans = itest_query(c, "SELECT count(*) > 50 FROM loans");
  ITEST_ASSERT_STR_EQ(loans, "t");
  g_autofree char *r4 = itest_books_diff(c, "2026-03-12");
  ITEST_ASSERT_STR_EQ(r4, "0,0,0,0");
  g_autofree char *used = itest_query(c,
    "SELECT count(*) FROM users u WHERE used_limit_fen <> (SELECT coalesce(sum(i.principal_fen - i.principal_reduced_fen"
    "   - i.paid_principal_fen - i.writeoff_principal_fen), 0) FROM installments i JOIN loans l USING (loan_id)"
    "  WHERE l.user_id = u.user_id AND l.status = 'ACTIVE')");
  ITEST_ASSERT_STR_EQ(used, "0");
  PQfinish(c);
}

CU_TestInfo itest_gen_cases[] = {
  { "same seed, same files", test_same_seed_same_files },
  { "generated nights tie", test_generated_nights_tie },
  CU_TEST_INFO_NULL,
};
