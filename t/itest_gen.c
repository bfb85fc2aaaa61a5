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

static char *
gen_campaigns_sized(const char *name, const char *users, const char *days, const char *seed, const char *campaigns)
{
  char *out = g_strdup_printf("%s/%s-%d", itest_tmpdir(), name, (int) getpid());
  g_autofree char *products = g_build_filename(g_getenv("top_srcdir"), "etc", "products.conf", NULL);
  const char *argv[] = { "gen", "--users", users, "--days", days, "--seed", seed, "--start", "2026-03-01", "--out", out,
                         "--products", products, campaigns ? "--campaigns" : NULL, campaigns, NULL };
  g_autoptr(ItestRun) run = itest_baitiao(argv, NULL);
  if (run->status != 0)
    fprintf(stderr, "\n  gen failed: %s\n", run->err);
  CU_ASSERT_EQUAL_FATAL(run->status, 0);
  if (campaigns) {
    g_autofree char *line = g_strdup_printf("\n  campaigns   %10s (campaigns.conf); ", campaigns);
    ITEST_ASSERT_CONTAINS(run->out, line);
  }
  return out;
}

static char *
gen_campaigns_into(const char *name, const char *seed, const char *campaigns)
{
  return gen_campaigns_sized(name, "300", "12", seed, campaigns);
}

/* The lines of TEXT after its header. */
static GStrv
body_lines(const char *text)
{
  const char *nl = strchr(text, '\n');
  CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
  GStrv lines = g_strsplit(nl + 1, "\n", -1);
  guint n = g_strv_length(lines);
  if (n && !*lines[n - 1]) {   /* the empty string after the last newline */
    g_free(lines[n - 1]);
    lines[n - 1] = NULL;
  }
  return lines;
}

static guint
count_of(const char *text, const char *needle)
{
  guint n = 0;
  for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
    n++;
  return n;
}

/* gen --campaigns: the same seed gives the same catalogue, segments, coupons and order
 * columns; the rest of the portfolio is byte for byte the one without campaigns (the
 * campaigns draw from a stream of their own), whose orders are the first five columns. */
static void
test_campaigns_are_deterministic(void)
{
  g_autofree char *a = gen_campaigns_into("gen-camp-a", "7", "12");
  g_autofree char *b = gen_campaigns_into("gen-camp-b", "7", "12");
  g_autofree char *c = gen_campaigns_into("gen-camp-c", "8", "12");
  g_autofree char *none = gen_campaigns_into("gen-camp-none", "7", NULL);
  const char *files[] = { "campaigns.conf", "segments.csv", "coupons.csv", "users.csv", "20260305/orders.csv",
                          "20260312/repayments.csv", "20260312/settlement_ALIPAY.csv" };
  for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
    g_autofree char *x = slurp(a, files[i]);
    g_autofree char *y = slurp(b, files[i]);
    CU_ASSERT_TRUE(strlen(x) > 20);
    ITEST_ASSERT_STR_EQ(x, y);
  }
  g_autofree char *cx = slurp(a, "coupons.csv");
  g_autofree char *cz = slurp(c, "coupons.csv");
  CU_ASSERT_STRING_NOT_EQUAL(cx, cz);
  /* without --campaigns: no campaign files, and the same users, repayments, settlements */
  g_autofree char *no_conf = g_build_filename(none, "campaigns.conf", NULL);
  CU_ASSERT_FALSE(g_file_test(no_conf, G_FILE_TEST_EXISTS));
  for (gsize i = 3; i < G_N_ELEMENTS(files); i++) {
    if (i == 4)
      continue;
    g_autofree char *x = slurp(a, files[i]);
    g_autofree char *y = slurp(none, files[i]);
    ITEST_ASSERT_STR_EQ(x, y);
  }
  for (int day = 1; day <= 12; day++) {
    g_autofree char *rel = g_strdup_printf("202603%02d/orders.csv", day);
    g_autofree char *with = slurp(a, rel);
    g_autofree char *without = slurp(none, rel);
    CU_ASSERT_TRUE(g_str_has_prefix(with, "order_id,user_id,order_date,amount,product_code,merchant_id,category,"
                                          "coupon_id\n"));
    CU_ASSERT_TRUE(g_str_has_prefix(without, "order_id,user_id,order_date,amount,product_code\n"));
    g_auto(GStrv) lw = body_lines(with);
    g_auto(GStrv) lo = body_lines(without);
    CU_ASSERT_EQUAL_FATAL(g_strv_length(lw), g_strv_length(lo));
    for (int i = 0; lw[i]; i++) {
      g_auto(GStrv) f = g_strsplit(lw[i], ",", -1);
      CU_ASSERT_EQUAL_FATAL(g_strv_length(f), 8);
      g_autofree char *five = g_strjoinv(",", (char *[]) { f[0], f[1], f[2], f[3], f[4], NULL });
      ITEST_ASSERT_STR_EQ(five, lo[i]);
    }
  }
}

/* The catalogue has what the brief asks of it: every kind, both funders, both group
 * modes, coupons required by some; N campaigns with --campaigns N; every coupon names a
 * campaign of the catalogue and a user of users.csv; and across the orders some coupons
 * are used valid, some expired, some another user's, some twice. */
static void
test_campaign_catalogue_and_coupons(void)
{
  /* a month of 3000 users: enough orders for every fate of a coupon */
  g_autofree char *a = gen_campaigns_sized("gen-camp-cat", "3000", "31", "7", "12");
  g_autofree char *conf = slurp(a, "campaigns.conf");
  CU_ASSERT_EQUAL(count_of(conf, "\n[campaign "), 12);
  const char *needles[] = { "\nkind=FREE_PERIODS\n", "\nkind=RATE\n", "\nkind=PERCENT\n", "\nkind=WAIVE_ALL\n",
                            "\nkind=AMOUNT_OFF\n", "\nfunder=PLATFORM\n", "\nfunder=MERCHANT\n",
                            "\nmode=exclusive\n", "\nmode=stackable\n", "\ncoupon=required\n",
                            "\nbudget_overflow=none\n", "\nnew_users_only=true\n", "\nsegments=VIP\n",
                            "\nmerchants=M0001\n", "\ncategories=DIGITAL\n", "\n[campaign NU3FREE]\nname=新客三期免息\n" };
  for (gsize i = 0; i < G_N_ELEMENTS(needles); i++)
    ITEST_ASSERT_CONTAINS(conf, needles[i]);
  g_autofree char *many = gen_campaigns_into("gen-camp-many", "7", "300");
  g_autofree char *many_conf = slurp(many, "campaigns.conf");
  CU_ASSERT_EQUAL(count_of(many_conf, "\n[campaign "), 300);
  CU_ASSERT_EQUAL(count_of(many_conf, "\n[campaign G0300]\n"), 1);
  /* two rates never stack: every RATE campaign is in the exclusive group RATE */
  CU_ASSERT_EQUAL(count_of(many_conf, "\nkind=RATE\n"), count_of(many_conf, "\ngroup=RATE\n"));

  GHashTable *campaign_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (const char *p = conf; (p = strstr(p, "\n[campaign ")); p++) {
    const char *id = p + strlen("\n[campaign ");
    g_hash_table_add(campaign_ids, g_strndup(id, (gsize) (strchr(id, ']') - id)));
  }
  g_autofree char *coupons = slurp(a, "coupons.csv");
  CU_ASSERT_TRUE(g_str_has_prefix(coupons, "coupon_id,user_id,campaign_id,valid_from,valid_to\n"));
  g_auto(GStrv) rows = body_lines(coupons);
  CU_ASSERT_TRUE(g_strv_length(rows) > 20);
  GHashTable *owner = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  GHashTable *valid_to = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  for (int i = 0; rows[i]; i++) {
    g_auto(GStrv) f = g_strsplit(rows[i], ",", -1);
    CU_ASSERT_EQUAL_FATAL(g_strv_length(f), 5);
    CU_ASSERT_TRUE(g_hash_table_contains(campaign_ids, f[2]));
    CU_ASSERT_TRUE(strcmp(f[1], "U0000001") >= 0 && strcmp(f[1], "U0003000") <= 0);
    CU_ASSERT_TRUE(strcmp(f[3], f[4]) <= 0);
    CU_ASSERT_FALSE(g_hash_table_contains(owner, f[0]));   /* never a duplicate coupon */
    g_hash_table_insert(owner, g_strdup(f[0]), g_strdup(f[1]));
    g_hash_table_insert(valid_to, g_strdup(f[0]), g_strdup(f[4]));
  }
  GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  guint valid = 0, expired = 0, not_owned = 0, reused = 0;
  for (int day = 1; day <= 31; day++) {
    g_autofree char *rel = g_strdup_printf("202603%02d/orders.csv", day);
    g_autofree char *orders = slurp(a, rel);
    g_auto(GStrv) lines = body_lines(orders);
    for (int i = 0; lines[i]; i++) {
      g_auto(GStrv) f = g_strsplit(lines[i], ",", -1);
      if (!*f[7])
        continue;
      const char *who = g_hash_table_lookup(owner, f[7]);
      CU_ASSERT_PTR_NOT_NULL_FATAL(who);
      if (strcmp(who, f[1]) != 0)
        not_owned++;
      else if (g_hash_table_contains(seen, f[7]))
        reused++;
      else if (strcmp(f[2], g_hash_table_lookup(valid_to, f[7])) > 0)
        expired++;
      else
        valid++;
      g_hash_table_add(seen, g_strdup(f[7]));
    }
  }
  if (!(valid && expired && not_owned && reused))
    fprintf(stderr, "\n  coupons: %u valid, %u expired, %u not owned, %u reused\n", valid, expired, not_owned, reused);
  CU_ASSERT_TRUE(valid > 0);
  CU_ASSERT_TRUE(expired > 0);
  CU_ASSERT_TRUE(not_owned > 0);
  CU_ASSERT_TRUE(reused > 0);
  g_autofree char *segments = slurp(a, "segments.csv");
  CU_ASSERT_TRUE(g_str_has_prefix(segments, "user_id,segment\n"));
  CU_ASSERT_TRUE(count_of(segments, ",VIP\n") > 0 && count_of(segments, ",STUDENT\n") > 0);
  g_hash_table_unref(seen);
  g_hash_table_unref(owner);
  g_hash_table_unref(valid_to);
  g_hash_table_unref(campaign_ids);
}

CU_TestInfo itest_gen_cases[] = {
  { "same seed, same files", test_same_seed_same_files },
  { "generated nights tie", test_generated_nights_tie },
  { "campaigns are deterministic", test_campaigns_are_deterministic },
  { "campaign catalogue and coupons", test_campaign_catalogue_and_coupons },
  CU_TEST_INFO_NULL,
};
