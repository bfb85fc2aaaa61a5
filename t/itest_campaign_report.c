/* The campaign report (reports/campaigns.report, issue 18 §6) over a book whose
 * campaign figures are written here with SQL, as the owner, in exact fen: the example
 * book's first two loans matched by a platform campaign and a merchant one, their fee
 * subsidies in every status (one earned only after the report date), the night
 * counters, coupons issued, used and returned, and the SUBSIDY postings of
 * sql/0070's accounting (grant Dr 6601 / Dr 2202 / Cr 2203; earn Dr 2203 / Cr 6011;
 * return Dr 2203 / Cr 6601; reverse Dr 6011 / Cr 2202) with the GL's daily balances
 * they make. Every cell is asserted, on the night of the grants and the night after,
 * and each money column foots to its ledger line (foot_check.py, openpyxl). */
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "itest.h"

#define GRANT_DATE "2026-03-04"
#define LAST_DATE "2026-03-05"
/* itest_render's arguments: the report as CSV, as a workbook */
#define CSV ((const char *[]) { "campaigns", "--format", "csv", NULL })
#define XLSX ((const char *[]) { "campaigns", NULL })

static char *book_db, *book_config;

/* A SUBSIDY entry of two lines on DATE: Dr DEBIT / Cr CREDIT, FEN each. */
static void
post(PGconn *c, const char *date, const char *key, const char *debit, const char *credit, gint64 fen)
{
  itest_post_entry(c, date, "SUBSIDY", key, debit, credit, fen);
}

static const char campaign_rows[] =
  "INSERT INTO campaign_versions (campaign_id, version, name, kind, free_periods, amount_off_fen, funder, order_from,"
  "  order_to, coupon_required, budget_fen, stack_group, stack_mode, priority, definition_sha256) VALUES"
  " ('NU3FREE', 1, '新客三期免息', 'FREE_PERIODS', 3, NULL, 'PLATFORM', '2026-03-01', '2026-12-31', false, 100000,"
  "  'NEWUSER', 'EXCLUSIVE', 10, repeat('1', 64)),"
  " ('NU3FREE', 2, '新客三期免息（第二版）', 'FREE_PERIODS', 3, NULL, 'PLATFORM', '2026-03-01', '2026-12-31', false,"
  "  100000, 'NEWUSER', 'EXCLUSIVE', 10, repeat('2', 64)),"
  " ('M1FREE6', 1, '品牌旗舰店六期免息', 'FREE_PERIODS', 6, NULL, 'MERCHANT', '2026-03-01', '2026-12-31', false,"
  "  200000, 'MERCHANT', 'EXCLUSIVE', 5, repeat('3', 64)),"
  " ('CPN10', 1, '手续费立减十元券', 'AMOUNT_OFF', NULL, 1000, 'PLATFORM', '2026-03-02', '2026-06-30', true, 50000,"
  "  'COUPON', 'EXCLUSIVE', 0, repeat('4', 64)),"
  " ('LATER', 1, '五月活动', 'AMOUNT_OFF', NULL, 500, 'PLATFORM', '2026-05-01', '2026-05-31', false, 10000,"
  "  'COUPON', 'EXCLUSIVE', 0, repeat('5', 64));"
  "INSERT INTO campaigns (campaign_id, current_version, budget_fen, consumed_fen, uses) VALUES"
  " ('NU3FREE', 2, 100000, 3000, 1), ('M1FREE6', 1, 200000, 1500, 1), ('CPN10', 1, 50000, 0, 0),"
  " ('LATER', 1, 10000, 0, 0);"
  "INSERT INTO campaign_days (campaign_id, business_date, eligible_orders, matched_orders, budget_refused,"
  "  discount_fen) VALUES"
  " ('NU3FREE', '2026-03-04', 4, 1, 0, 3000), ('M1FREE6', '2026-03-04', 2, 1, 1, 1500),"
  " ('NU3FREE', '2026-03-09', 9, 0, 0, 0);"
  "INSERT INTO coupons (coupon_id, user_id, campaign_id, valid_from, valid_to) VALUES"
  " ('Q1', 'U1001', 'CPN10', '2026-03-01', '2026-03-31'), ('Q2', 'U1002', 'CPN10', '2026-03-01', '2026-03-31'),"
  " ('Q3', 'U1003', 'CPN10', '2026-03-20', '2026-03-31');"
  "INSERT INTO coupon_uses (coupon_id, order_id, used_date, returned_date) VALUES"
  " ('Q1', 'O20260304001', '2026-03-04', NULL), ('Q2', 'O20260304002', '2026-03-04', '2026-03-04')";

/* The first two loans of the example book: the FPP12 purchase of 1000.00 (NU3FREE,
 * the platform's) and the ANN12 of 3999.99 (M1FREE6, the merchant's); three subsidised
 * installments each (10.00 and 5.00 each): A1 earned, A2 returned, A3 pending; B1
 * reversed, B2 pending, B3 earned only on 03-09 (pending on the report dates). */
static void
plant(PGconn *c)
{
  itest_exec(c, campaign_rows);
  g_autofree char *a = itest_query(c, "SELECT loan_id FROM loans WHERE order_id = 'O20260304001'");
  g_autofree char *b = itest_query(c, "SELECT loan_id FROM loans WHERE order_id = 'O20260304002'");
  g_autofree char *sql = g_strdup_printf(
    "INSERT INTO loan_campaigns (loan_id, campaign_id, version, user_id, origination_date, funder, coupon_id,"
    "  discount_fen) VALUES (%s, 'NU3FREE', 2, 'U1001', '2026-03-04', 'PLATFORM', NULL, 3000),"
    " (%s, 'M1FREE6', 1, 'U1002', '2026-03-04', 'MERCHANT', NULL, 1500);"
    "INSERT INTO fee_subsidies (loan_id, installment_no, campaign_id, funder, amount_fen, billing_date, status,"
    "  earned_date, settled_date)"
    " SELECT %s, i.installment_no, 'NU3FREE', 'PLATFORM', 1000, i.billing_date, s.status, s.earned::date,"
    "        s.settled::date"
    "   FROM installments i JOIN (VALUES (1, 'EARNED', '2026-03-05', NULL), (2, 'RETURNED', NULL, '2026-03-05'),"
    "                                     (3, 'PENDING', NULL, NULL)) s (n, status, earned, settled)"
    "     ON s.n = i.installment_no WHERE i.loan_id = %s;"
    "INSERT INTO fee_subsidies (loan_id, installment_no, campaign_id, funder, amount_fen, billing_date, status,"
    "  earned_date, settled_date)"
    " SELECT %s, i.installment_no, 'M1FREE6', 'MERCHANT', 500, i.billing_date, s.status, s.earned::date,"
    "        s.settled::date"
    "   FROM installments i JOIN (VALUES (1, 'REVERSED', '2026-03-05', '2026-03-05'), (2, 'PENDING', NULL, NULL),"
    "                                     (3, 'EARNED', '2026-03-09', NULL)) s (n, status, earned, settled)"
    "     ON s.n = i.installment_no WHERE i.loan_id = %s",
    a, b, a, a, b, b);
  itest_exec(c, sql);
  g_autofree char *n = itest_query(c, "SELECT count(*) || ' ' || sum(amount_fen) FROM fee_subsidies");
  ITEST_ASSERT_STR_EQ(n, "6 4500");
  /* the night of the grants, then the night after: earned, returned, reversed */
  post(c, GRANT_DATE, "grant-platform", "6601", "2203", 3000);
  post(c, GRANT_DATE, "grant-merchant", "2202", "2203", 1500);
  post(c, LAST_DATE, "earn", "2203", "6011", 1500);
  post(c, LAST_DATE, "return", "2203", "6601", 1000);
  post(c, LAST_DATE, "reverse", "6011", "2202", 500);
}

/* The example book after the nights of 2026-03-04 and 03-05, with the campaigns. */
static const char *
the_book(void)
{
  if (book_db)
    return book_config;
  book_db = itest_example_db("camprep", ITEST_EXAMPLE_KINDS, &book_config);
  itest_baitiao_ok(book_config, (const char *[]) { "eod", "--date", GRANT_DATE, "--catch-up", "--until", LAST_DATE,
                                                    "--quiet", NULL });
  PGconn *c = itest_connect(book_db, "baitiao_owner");
  plant(c);
  PQfinish(c);
  return book_config;
}

/* The CSV's lines after its header, each ended by \n. */
static char *
csv_rows(const char *csv)
{
  const char *body = strstr(csv, "\r\n");
  CU_ASSERT_PTR_NOT_NULL_FATAL(body);
  g_auto(GStrv) lines = g_strsplit(body + 2, "\r\n", -1);
  g_autoptr(GString) out = g_string_new(NULL);
  for (int i = 0; lines[i]; i++)
    if (*lines[i])
      g_string_append_printf(out, "%s\n", lines[i]);
  return g_string_free(g_steal_pointer(&out), FALSE);
}

/* foot_check.py's facts about DIR/FILE. */
static char *
feet(const char *dir, const char *file)
{
  return itest_xlsx_facts("foot_check.py", dir, (const char *const[]) { file, NULL });
}

/* The night after the grants: each campaign's budget, counts, coupons and the fate of
 * its discount as the sub-ledger has it at the end of 03-05 (B3, earned on 03-09, is
 * still pending); LATER (from May) is not shown yet. */
static void
test_every_cell_the_night_after(void)
{
  g_autofree char *dir = itest_render(the_book(), "camprep-last", LAST_DATE, CSV);
  g_autofree char *csv = itest_read_text(dir, "campaigns_campaigns_20260305.csv");
  ITEST_ASSERT_CONTAINS(csv, "活动编号,活动名称,优惠类型,出资方,预算,已用预算,剩余预算,符合条件订单,预算或限额不足,命中订单,"
                             "命中率,已发券,已用券,用券率,贴息发放,已确认收入,已退回出资方,已冲回,待确认（预收贴息）,"
                             "放弃的手续费收入\r\n");
  g_autofree char *rows = csv_rows(csv);
  ITEST_ASSERT_STR_EQ(rows,
    "CPN10,手续费立减十元券,手续费立减,平台（营销费用）,500.00,0.00,500.00,0,0,0,,2,1,0.500000,"
    "0.00,0.00,0.00,0.00,0.00,0.00\n"
    "M1FREE6,品牌旗舰店六期免息,免息期,商户贴息,2000.00,15.00,1985.00,2,1,1,0.500000,0,0,,"
    "15.00,0.00,0.00,5.00,10.00,10.00\n"
    "NU3FREE,新客三期免息（第二版）,免息期,平台（营销费用）,1000.00,30.00,970.00,4,0,1,0.250000,0,0,,"
    "30.00,10.00,10.00,0.00,10.00,20.00\n");
  g_autofree char *night = itest_read_text(dir, "campaigns_night_20260305.csv");
  g_autofree char *night_rows = csv_rows(night);
  ITEST_ASSERT_STR_EQ(night_rows, "");
  /* in English: the labels of the codes */
  g_autofree char *en_dir = itest_render(the_book(), "camprep-last-en", LAST_DATE,
                                         (const char *[]) { "campaigns", "--format", "csv", "--lang", "en", NULL });
  g_autofree char *en = itest_read_text(en_dir, "campaigns_campaigns_20260305.csv");
  ITEST_ASSERT_CONTAINS(en, "\r\nM1FREE6,品牌旗舰店六期免息,Interest-free periods,Merchant (商户贴息),2000.00,");
  ITEST_ASSERT_CONTAINS(en, "\r\nCPN10,手续费立减十元券,Amount off the fee,Platform (marketing expense),500.00,");
}

/* The night of the grants: everything granted is pending, the night's sheet shows both
 * matches; a rerun of that date after the next night gives the same cells. */
static void
test_every_cell_the_night_of_the_grants(void)
{
  g_autofree char *dir = itest_render(the_book(), "camprep-grant", GRANT_DATE, CSV);
  g_autofree char *csv = itest_read_text(dir, "campaigns_campaigns_20260304.csv");
  g_autofree char *rows = csv_rows(csv);
  ITEST_ASSERT_STR_EQ(rows,
    "CPN10,手续费立减十元券,手续费立减,平台（营销费用）,500.00,0.00,500.00,0,0,0,,2,1,0.500000,"
    "0.00,0.00,0.00,0.00,0.00,0.00\n"
    "M1FREE6,品牌旗舰店六期免息,免息期,商户贴息,2000.00,15.00,1985.00,2,1,1,0.500000,0,0,,"
    "15.00,0.00,0.00,0.00,15.00,15.00\n"
    "NU3FREE,新客三期免息（第二版）,免息期,平台（营销费用）,1000.00,30.00,970.00,4,0,1,0.250000,0,0,,"
    "30.00,0.00,0.00,0.00,30.00,30.00\n");
  g_autofree char *night = itest_read_text(dir, "campaigns_night_20260304.csv");
  ITEST_ASSERT_CONTAINS(night, "活动编号,活动名称,出资方,符合条件订单,命中订单,预算或限额不足,命中率,贴息发放\r\n");
  g_autofree char *night_rows = csv_rows(night);
  ITEST_ASSERT_STR_EQ(night_rows, "M1FREE6,品牌旗舰店六期免息,商户贴息,2,1,1,0.500000,15.00\n"
                                  "NU3FREE,新客三期免息（第二版）,平台（营销费用）,4,1,0,0.250000,30.00\n");
}

/* The workbook of each date foots: every money column's total equals its ledger lines
 * (2203 credits and debits to date, 6011 of the SUBSIDY entries, the balances of 2203
 * and 6601, 2202's merchant subsidy), the difference row reads 0 in each. */
static void
test_the_workbooks_foot_to_the_ledger(void)
{
  g_autofree char *dir = itest_render(the_book(), "camprep-xlsx", LAST_DATE, XLSX);
  g_autofree char *facts = feet(dir, "campaigns_20260305.xlsx");
  const char *s = "campaigns_20260305.xlsx | 活动汇总";
  itest_fact(facts, "rows %s | 3", s);
  itest_fact(facts, "total %s | 贴息发放 | 4500", s);
  itest_fact(facts, "total %s | 已用预算 | 4500", s);
  itest_fact(facts, "total %s | 预算 | 350000", s);
  itest_fact(facts, "total %s | 剩余预算 | 345500", s);
  itest_fact(facts, "total %s | 命中订单 | 2", s);
  itest_fact(facts, "total %s | 已确认收入 | 1000", s);
  itest_fact(facts, "total %s | 已退回出资方 | 1000", s);
  itest_fact(facts, "total %s | 已冲回 | 500", s);
  itest_fact(facts, "total %s | 待确认（预收贴息） | 2000", s);
  itest_fact(facts, "total %s | 放弃的手续费收入 | 3000", s);
  itest_fact(facts, "foot %s | 总账 2203 预收贴息 贷方累计（发放贴息） | 已用预算 | 4500", s);
  itest_fact(facts, "foot %s | 总账 2203 预收贴息 贷方累计（发放贴息） | 贴息发放 | 4500", s);
  itest_fact(facts, "foot %s | 总账 2203 预收贴息 借方累计（确认及退回） | 已退回出资方 | 2500", s);
  itest_fact(facts, "foot %s | 总账 6011 分期服务费/利息收入 贴息凭证贷方累计（减：已确认） | 已确认收入 | 1500", s);
  itest_fact(facts, "foot %s | 总账 6011 分期服务费/利息收入 贴息凭证贷方累计（减：已确认） | 已退回出资方 | -1500", s);
  itest_fact(facts, "foot %s | 总账 6011 分期服务费/利息收入 贴息凭证借方累计（冲回） | 已确认收入 | -500", s);
  itest_fact(facts, "foot %s | 总账 6011 分期服务费/利息收入 贴息凭证借方累计（冲回） | 已冲回 | 500", s);
  itest_fact(facts, "foot %s | 总账 2203 预收贴息 余额 | 待确认（预收贴息） | 2000", s);
  itest_fact(facts, "foot %s | 总账 6601 营销费用 余额 | 放弃的手续费收入 | 2000", s);
  itest_fact(facts, "foot %s | 总账 2202 应付商户款 贴息凭证借方净额（商户贴息） | 放弃的手续费收入 | 1000", s);
  itest_fact(facts, "cell %s | NU3FREE | 放弃的手续费收入 | 2000", s);
  itest_fact(facts, "cell %s | M1FREE6 | 已冲回 | 500", s);
  /* consumed, granted, earned, returned, reversed, pending, forgone; and the night's discount */
  CU_ASSERT_EQUAL(itest_differences_zero(facts), 8);
  itest_fact(facts, "difference campaigns_20260305.xlsx | 本日匹配 | 贴息发放 | 0");

  g_autofree char *grant_dir = itest_render(the_book(), "camprep-xlsx-grant", GRANT_DATE, XLSX);
  g_autofree char *grant = feet(grant_dir, "campaigns_20260304.xlsx");
  const char *g = "campaigns_20260304.xlsx | 活动汇总";
  itest_fact(grant, "total %s | 待确认（预收贴息） | 4500", g);
  itest_fact(grant, "foot %s | 总账 2203 预收贴息 余额 | 待确认（预收贴息） | 4500", g);
  itest_fact(grant, "foot %s | 总账 6601 营销费用 余额 | 放弃的手续费收入 | 3000", g);
  itest_fact(grant, "foot %s | 总账 2202 应付商户款 贴息凭证借方净额（商户贴息） | 放弃的手续费收入 | 1500", g);
  itest_fact(grant, "total campaigns_20260304.xlsx | 本日匹配 | 贴息发放 | 4500");
  itest_fact(grant, "foot campaigns_20260304.xlsx | 本日匹配 | 总账 2203 预收贴息 本日贷方（发放贴息） | 贴息发放 | 4500");
  CU_ASSERT_EQUAL(itest_differences_zero(grant), 8);
}

/* A subsidy the ledger does not know shows up: one fen more granted and pending in the
 * sub-ledger than was posted, and the granted and pending columns' differences read
 * 0.01, in red (then the book is put back). */
static void
test_a_subsidy_the_ledger_lacks_shows_red(void)
{
  the_book();
  PGconn *c = itest_connect(book_db, "baitiao_owner");
  const char *more = "UPDATE fee_subsidies SET amount_fen = amount_fen + %d WHERE campaign_id = 'NU3FREE'"
                     " AND installment_no = 3;"
                     "UPDATE loan_campaigns SET discount_fen = discount_fen + %d WHERE campaign_id = 'NU3FREE'";
  g_autofree char *plus = g_strdup_printf(more, 1, 1);
  itest_exec(c, plus);
  g_autofree char *dir = itest_render(the_book(), "camprep-red", LAST_DATE, XLSX);
  g_autofree char *minus = g_strdup_printf(more, -1, -1);
  itest_exec(c, minus);
  PQfinish(c);
  g_autofree char *facts = feet(dir, "campaigns_20260305.xlsx");
  const char *s = "campaigns_20260305.xlsx | 活动汇总";
  itest_fact(facts, "difference %s | 贴息发放 | 1", s);
  itest_fact(facts, "flagged %s | 贴息发放 | yes", s);
  itest_fact(facts, "difference %s | 待确认（预收贴息） | 1", s);
  itest_fact(facts, "flagged %s | 待确认（预收贴息） | yes", s);
  itest_fact(facts, "difference %s | 放弃的手续费收入 | 1", s);
  itest_fact(facts, "difference %s | 已用预算 | 0", s);   /* the night's counters were not touched */
  itest_fact(facts, "difference %s | 已确认收入 | 0", s);
}

/* The demo's book in small (issue 18 §8, "the demo's campaign report foots to the GL"):
 * gen --campaigns 12, the catalogue, segments and coupons loaded, then the nights — the
 * matcher's discounts, the subsidies step's earnings and returns, their SUBSIDY postings
 * — and the campaign report of the last night foots in every column. */
static void
test_a_generated_book_with_campaigns_foots(void)
{
  g_autofree char *out = g_strdup_printf("%s/camprep-gen-%d", itest_tmpdir(), (int) getpid());
  g_autofree char *products = itest_top_file("etc", "products.conf");
  g_autoptr(ItestRun) gen = itest_baitiao((const char *[]) { "gen", "--users", "600", "--days", "25", "--seed", "11",
                                                             "--start", "2026-03-01", "--out", out, "--products",
                                                             products, "--campaigns", "12", "--quiet", NULL }, NULL);
  CU_ASSERT_EQUAL_FATAL(gen->status, 0);
  g_autofree char *db = itest_create_db("camprep_gen", TRUE);
  g_autofree char *config = itest_write_config(db, NULL);
  itest_load_portfolio(config, out, products);   /* with its catalogue, segments and coupons */
  g_autoptr(ItestRun) nights = itest_baitiao_config(config, (const char *[]) { "eod", "--date", "2026-03-01",
                                                    "--catch-up", "--until", "2026-03-25", "--quiet", NULL }, NULL);
  if (nights->status != 0 && nights->status != 3)   /* 3: the planted settlement breaks */
    fprintf(stderr, "\n  nights exited %d: %s\n", nights->status, nights->err);
  CU_ASSERT_FATAL(nights->status == 0 || nights->status == 3);

  g_autofree char *dir = g_build_filename(itest_tmpdir(), "camprep-gen-out", NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(dir, 0755) == 0);
  g_autofree char *specs = itest_top_file("reports", NULL);
  g_autoptr(ItestRun) run = itest_baitiao_config(config, (const char *[]) { "report", "campaigns", "--date",
                                                 "2026-03-25", "--out", dir, "--specs", specs, NULL }, NULL);
  CU_ASSERT_EQUAL_FATAL(run->status, 0);
  CU_ASSERT_PTR_NULL(strstr(run->err, "does not foot"));
  g_autofree char *facts = feet(dir, "campaigns_20260325.xlsx");
  CU_ASSERT_EQUAL(itest_differences_zero(facts), 8);
  /* not the footing of an empty book: discounts granted by both funders, some earned,
   * some still pending, coupons used; the totals are the sub-ledger's */
  PGconn *c = itest_connect(db, "baitiao_report");
  g_autofree char *shape = itest_query(c,
    "SELECT (SELECT count(DISTINCT funder) FROM loan_campaigns) = 2"
    " AND (SELECT count(*) FROM fee_subsidies WHERE status = 'EARNED') > 0"
    " AND (SELECT count(*) FROM fee_subsidies WHERE status = 'PENDING') > 0"
    " AND (SELECT count(*) FROM coupon_uses) > 0");
  ITEST_ASSERT_STR_EQ(shape, "t");
  g_autofree char *granted = itest_query(c, "SELECT sum(discount_fen) FROM loan_campaigns");
  g_autofree char *matched = itest_query(c, "SELECT count(*) FROM loan_campaigns");
  g_autofree char *pending = itest_query(c, "SELECT sum(amount_fen) FROM fee_subsidies WHERE status = 'PENDING'");
  PQfinish(c);
  const char *s = "campaigns_20260325.xlsx | 活动汇总";
  itest_fact(facts, "total %s | 贴息发放 | %s", s, granted);
  itest_fact(facts, "total %s | 命中订单 | %s", s, matched);
  itest_fact(facts, "total %s | 待确认（预收贴息） | %s", s, pending);
  itest_fact(facts, "rows %s | 12", s);
}

CU_TestInfo itest_campaign_report_cases[] = {
  { "every cell the night after", test_every_cell_the_night_after },
  { "every cell the night of the grants", test_every_cell_the_night_of_the_grants },
  { "the workbooks foot to the ledger", test_the_workbooks_foot_to_the_ledger },
  { "a subsidy the ledger lacks shows red", test_a_subsidy_the_ledger_lacks_shows_red },
  { "a generated book with campaigns foots", test_a_generated_book_with_campaigns_foots },
  CU_TEST_INFO_NULL,
};
