/* Footing: every balance report's totals equal the GL. On a generated book (a few
 * hundred users, nights across two month ends, with overdue and written-off
 * loans) every report is rendered and read back by an independent reader
 * (openpyxl, t/foot_check.py); each total is recomputed here with SQL written for
 * this test from the base tables (never a spec's query) and from the GL tables,
 * and must be equal to the fen, as must the foot lines the file shows; every
 * difference row reads 0.00. Plus the maturity ladder's worked example, in exact
 * fen from product-rules §2-§6, and a broken foot that must show up red. */
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "itest.h"

/* The generated book: products with a short grace and write-off so that 45
 * nights from 2026-03-20 reach overdue, penalty and write-off. */
#define GEN_USERS "200"
#define GEN_DAYS "45"
#define GEN_START "2026-03-20"
#define GEN_LAST "2026-05-03"   /* GEN_START + 44 days */

static const char gen_products[] =
  "[policy]\napr_cap=24.00\n\n"
  "[product FREE1]\nmethod=INTEREST_FREE\ngrace_days=1\nwriteoff_dpd=8\n\n"
  "[product FPP3]\nterm=3\nmethod=FEE_PER_PERIOD\nrate_ppm=5000\ngrace_days=1\nwriteoff_dpd=8\n\n"
  "[product FPP6]\nterm=6\nmethod=FEE_PER_PERIOD\nrate_ppm=5000\ngrace_days=1\nwriteoff_dpd=8\n\n"
  "[product FPP12]\nterm=12\nmethod=FEE_PER_PERIOD\nrate_ppm=5000\ngrace_days=1\nwriteoff_dpd=8\n\n"
  "[product FPP24]\nterm=24\nmethod=FEE_PER_PERIOD\nrate_ppm=5000\ngrace_days=1\nwriteoff_dpd=8\n\n"
  "[product EP12]\nterm=12\nmethod=EQUAL_PRINCIPAL\nrate_ppm=8000\ngrace_days=1\nwriteoff_dpd=8\n\n"
  "[product ANN12]\nterm=12\nmethod=ANNUITY\nrate_ppm=10000\ngrace_days=1\nwriteoff_dpd=8\n"
  "prepay_fee_policy=CHARGE_ALL\n\n"
  "[product ANN24]\nterm=24\nmethod=ANNUITY\nrate_ppm=12000\ngrace_days=1\nwriteoff_dpd=8\n";

static void
run_ok(const char *config, const char *const *args)
{
  g_autoptr(ItestRun) run = itest_baitiao_config(config, args, NULL);
  if (run->status != 0)
    fprintf(stderr, "\n  baitiao %s failed (%d): %s%s\n", args[0], run->status, run->out, run->err);
  CU_ASSERT_EQUAL_FATAL(run->status, 0);
}

/* The generated book's database, loaded and run night by night by scripts/replay. */
static const char *
generated_db(char **config_out)
{
  static char *db, *config;
  if (db) {
    *config_out = config;
    return db;
  }
  g_autofree char *products = g_build_filename(itest_tmpdir(), "footing-products.conf", NULL);
  CU_ASSERT_FATAL(g_file_set_contents(products, gen_products, -1, NULL));
  g_autofree char *portfolio = g_strdup_printf("%s/footing-book-%d", itest_tmpdir(), (int) getpid());
  g_autoptr(ItestRun) gen = itest_baitiao((const char *[]) { "gen", "--users", GEN_USERS, "--days", GEN_DAYS,
                                                             "--seed", "13", "--start", GEN_START, "--out", portfolio,
                                                             "--products", products, NULL }, NULL);
  CU_ASSERT_EQUAL_FATAL(gen->status, 0);
  itest_plant_settlement_breaks(portfolio, "FOOTING0000001");
  db = itest_create_db("footing_gen", TRUE);
  config = itest_write_config(db, NULL);
  run_ok(config, (const char *[]) { "products", "load", products, NULL });
  g_autofree char *replay = itest_top_file("scripts", "replay");
  g_autofree char *log = g_build_filename(itest_tmpdir(), "footing-replay.log", NULL);
  g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "BAITIAO_CONFIG", config, TRUE);
  const char *argv[] = { "/bin/bash", replay, g_getenv("BAITIAO_BIN"), portfolio, log, NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status = -1;
  gboolean ran = g_spawn_sync(NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, NULL);
  if (!ran || status != 0)
    fprintf(stderr, "\n  replay failed: %s\n", err ? err : "(did not run)");
  CU_ASSERT_FATAL(ran && status == 0);
  CU_ASSERT_FATAL(out && g_str_has_prefix(out, GEN_LAST));
  *config_out = config;
  return db;
}

static char *
render_all(const char *config, const char *date, const char *name)
{
  char *dir = g_build_filename(itest_tmpdir(), name, NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(dir, 0755) == 0);
  g_autofree char *specs = itest_top_file("reports", NULL);
  run_ok(config, (const char *[]) { "report", "--all", "--date", date, "--out", dir, "--specs", specs, NULL });
  return dir;
}

/* One number from DB as the report role, through SQL written here. */
static char *
q(PGconn *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static char *
q(PGconn *c, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *sql = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  char *v = itest_query(c, sql);
  CU_ASSERT_PTR_NOT_NULL_FATAL(v);
  return v;
}

/* GL closing of ACCOUNT on DATE in its normal direction, straight from gl_daily_balances. */
static char *
gl(PGconn *c, const char *account, const char *date)
{
  return q(c, "SELECT coalesce(sum(closing_fen), 0) * CASE WHEN '%s' LIKE '2%%' THEN -1 ELSE 1 END"
              "  FROM gl_daily_balances WHERE business_date = '%s' AND account_code = '%s'",
           account, date, account);
}

/* Outstanding amounts by installment, whatever its status (closed rows owe 0). */
#define OUT_P "(principal_fen - principal_reduced_fen - paid_principal_fen - writeoff_principal_fen)"
#define OUT_F "(fee_fen - fee_waived_fen - paid_fee_fen - writeoff_fee_fen)"
#define OUT_PEN "(installment_penalty_out_fen(installments, '" GEN_LAST "'))"   /* the reports' date */

static void
check_ladder(PGconn *c, const char *facts, const char *date, const char *file)
{
  const char *ml = "到期结构";
  g_autofree char *p = q(c, "SELECT sum" OUT_P " FROM installments");
  g_autofree char *bf = q(c, "SELECT coalesce(sum" OUT_F ", 0) FROM installments WHERE billed_date IS NOT NULL"
                             " AND written_off_date IS NULL");
  g_autofree char *sf = q(c, "SELECT coalesce(sum" OUT_F ", 0) FROM installments WHERE billed_date IS NULL");
  g_autofree char *pen = q(c, "SELECT sum" OUT_PEN " FROM installments");
  g_autofree char *past = q(c, "SELECT coalesce(sum" OUT_P ", 0) FROM installments WHERE due_date < '%s'", date);
  g_autofree char *all = q(c, "SELECT sum" OUT_P " + sum" OUT_F " + sum" OUT_PEN " FROM installments");
  g_autofree char *forecast = q(c, "SELECT sum(" OUT_P " + " OUT_F " + " OUT_PEN ") FILTER (WHERE due_date >= '%s')"
                                   " FROM installments", date);
  g_autofree char *gl1122 = gl(c, "1122", date);
  g_autofree char *gl1123 = gl(c, "1123", date);
  g_autofree char *gl1124 = gl(c, "1124", date);
  ITEST_ASSERT_STR_EQ(p, gl1122);
  ITEST_ASSERT_STR_EQ(bf, gl1123);
  ITEST_ASSERT_STR_EQ(pen, gl1124);
  itest_fact(facts, "rows %s | %s | 14", file, ml);
  itest_fact(facts, "total %s | %s | 应收本金 | %s", file, ml, p);
  itest_fact(facts, "total %s | %s | 已出账服务费/利息 | %s", file, ml, bf);
  itest_fact(facts, "total %s | %s | 未出账服务费/利息 | %s", file, ml, sf);
  itest_fact(facts, "total %s | %s | 应收罚息 | %s", file, ml, pen);
  itest_fact(facts, "total %s | %s | 合计流入 | %s", file, ml, all);
  itest_fact(facts, "foot %s | %s | 总账 1122 应收本金 余额 | 应收本金 | %s", file, ml, gl1122);
  itest_fact(facts, "foot %s | %s | 总账 1123 应收分期服务费/利息 余额 | 已出账服务费/利息 | %s", file, ml, gl1123);
  itest_fact(facts, "foot %s | %s | 总账 1124 应收罚息 余额 | 应收罚息 | %s", file, ml, gl1124);
  itest_fact(facts, "difference %s | %s | 应收本金 | 0", file, ml);
  /* past due (due before the date, as aging has it) is a memo outside the cumulative */
  itest_fact(facts, "cell %s | %s | 已逾期（备忘） | 应收本金 | %s", file, ml, past);
  g_autofree char *no_cum = g_strdup_printf("cell %s | %s | 已逾期（备忘） | 累计预测流入 |", file, ml);
  CU_ASSERT_PTR_NULL(strstr(facts, no_cum));
  itest_fact(facts, "cell %s | %s | 12个月以上 | 累计预测流入 | %s", file, ml, forecast);
}

static void
check_trial_balance(PGconn *c, const char *facts, const char *date, const char *file)
{
  const char *tb = "科目余额表";
  g_autofree char *dr = q(c, "SELECT sum(debit_fen) FROM journal_lines WHERE business_date = '%s'", date);
  g_autofree char *cr = q(c, "SELECT sum(credit_fen) FROM journal_lines WHERE business_date = '%s'", date);
  g_autofree char *mtd = q(c, "SELECT sum(debit_fen) FROM journal_lines WHERE business_date BETWEEN"
                              " date_trunc('month', '%s'::date) AND '%s'", date, date);
  g_autofree char *ytd = q(c, "SELECT sum(credit_fen) FROM journal_lines WHERE business_date BETWEEN"
                              " date_trunc('year', '%s'::date) AND '%s'", date, date);
  /* balances from the journal: every line up to the date, per account */
  g_autofree char *closing_dr = q(c, "SELECT sum(greatest(b, 0)) FROM (SELECT sum(debit_fen - credit_fen) AS b"
                                     " FROM journal_lines WHERE business_date <= '%s' GROUP BY account_code) x", date);
  g_autofree char *opening_dr = q(c, "SELECT sum(greatest(b, 0)) FROM (SELECT sum(debit_fen - credit_fen) AS b"
                                     " FROM journal_lines WHERE business_date < '%s' GROUP BY account_code) x", date);
  ITEST_ASSERT_STR_EQ(dr, cr);
  itest_fact(facts, "total %s | %s | 本日借方发生额 | %s", file, tb, dr);
  itest_fact(facts, "total %s | %s | 本日贷方发生额 | %s", file, tb, cr);
  itest_fact(facts, "total %s | %s | 本月借方累计 | %s", file, tb, mtd);
  itest_fact(facts, "total %s | %s | 本月贷方累计 | %s", file, tb, mtd);
  itest_fact(facts, "total %s | %s | 本年借方累计 | %s", file, tb, ytd);
  itest_fact(facts, "total %s | %s | 本年贷方累计 | %s", file, tb, ytd);
  itest_fact(facts, "total %s | %s | 期末借方余额 | %s", file, tb, closing_dr);
  itest_fact(facts, "total %s | %s | 期末贷方余额 | %s", file, tb, closing_dr);
  itest_fact(facts, "total %s | %s | 期初借方余额 | %s", file, tb, opening_dr);
  itest_fact(facts, "total %s | %s | 期初贷方余额 | %s", file, tb, opening_dr);
  itest_fact(facts, "foot %s | %s | 记账凭证分录：发生额合计 | 本日借方发生额 | %s", file, tb, dr);
  itest_fact(facts, "difference %s | %s | 本年贷方累计 | 0", file, tb);
  /* 1122 read as a 科目余额表 row: closing on the debit side, change vs the previous day */
  g_autofree char *p = q(c, "SELECT sum" OUT_P " FROM installments");
  g_autofree char *moved = q(c, "SELECT coalesce(sum(debit_fen - credit_fen), 0) FROM journal_lines"
                                " WHERE business_date = '%s' AND account_code = '1122'", date);
  itest_fact(facts, "cell %s | %s | 1122 | 期末借方余额 | %s", file, tb, p);
  itest_fact(facts, "cell %s | %s | 1122 | 期末余额 | %s", file, tb, p);
  itest_fact(facts, "cell %s | %s | 1122 | 较上日增减 | %s", file, tb, moved);
  /* 2241 is a liability: its credit balance on the credit side */
  g_autofree char *credit = q(c, "SELECT sum(credit_balance_fen) FROM users");
  itest_fact(facts, "cell %s | %s | 2241 | 期末贷方余额 | %s", file, tb, credit);
}

static void
check_aging(PGconn *c, const char *facts, const char *date, const char *file)
{
  g_autofree char *p = q(c, "SELECT sum" OUT_P " FROM installments");
  g_autofree char *bf = q(c, "SELECT coalesce(sum" OUT_F ", 0) FROM installments WHERE billed_date IS NOT NULL");
  g_autofree char *pen = q(c, "SELECT sum" OUT_PEN " FROM installments");
  g_autofree char *balance = q(c, "SELECT %s + %s + %s", p, bf, pen);
  g_autofree char *active = q(c, "SELECT count(*) FROM loans WHERE status = 'ACTIVE' AND origination_date <= '%s'", date);
  /* 表外: written off and not yet recovered, per installment */
  g_autofree char *off = q(c, "SELECT coalesce(sum(writeoff_principal_fen + writeoff_fee_fen + writeoff_penalty_fen"
                              " - recovered_fen), 0) FROM installments");
  g_autofree char *off_loans = q(c, "SELECT count(*) FROM (SELECT loan_id FROM installments GROUP BY loan_id HAVING"
                                    " sum(writeoff_principal_fen + writeoff_fee_fen + writeoff_penalty_fen"
                                    " - recovered_fen) > 0) x");
  g_autofree char *gl1122 = gl(c, "1122", date);
  g_autofree char *gl_all = q(c, "SELECT sum(closing_fen) FROM gl_daily_balances WHERE business_date = '%s'"
                                 " AND account_code IN ('1122', '1123', '1124')", date);
  CU_ASSERT_STRING_NOT_EQUAL(off, "0");
  const char *sheets[] = { "账龄分布", "五级分类" };
  for (gsize i = 0; i < G_N_ELEMENTS(sheets); i++) {
    itest_fact(facts, "total %s | %s | 笔数 | %s", file, sheets[i], active);
    itest_fact(facts, "total %s | %s | 未还本金 | %s", file, sheets[i], p);
    itest_fact(facts, "total %s | %s | 余额合计 | %s", file, sheets[i], balance);
    itest_fact(facts, "total %s | %s | 表外余额（核销未收回） | %s", file, sheets[i], off);
    itest_fact(facts, "total %s | %s | 表外笔数（已核销） | %s", file, sheets[i], off_loans);
    itest_fact(facts, "foot %s | %s | 总账 1122 应收本金 余额 | 未还本金 | %s", file, sheets[i], gl1122);
    itest_fact(facts, "difference %s | %s | 余额合计 | 0", file, sheets[i]);
  }
  itest_fact(facts, "total %s | 账龄分布 | 未还服务费/利息 | %s", file, bf);
  itest_fact(facts, "total %s | 账龄分布 | 未还罚息 | %s", file, pen);
  ITEST_ASSERT_STR_EQ(balance, gl_all);
}

static void
check_listing(PGconn *c, const char *facts, const char *date, const char *file)
{
  const char *ll = "借据明细";
  g_autofree char *n = q(c, "SELECT count(*) FROM loans WHERE origination_date <= '%s'", date);
  g_autofree char *principal = q(c, "SELECT sum(principal_fen) FROM loans WHERE origination_date <= '%s'", date);
  g_autofree char *p = q(c, "SELECT sum" OUT_P " FROM installments");
  g_autofree char *bf = q(c, "SELECT coalesce(sum" OUT_F ", 0) FROM installments WHERE billed_date IS NOT NULL");
  g_autofree char *pen = q(c, "SELECT sum" OUT_PEN " FROM installments");
  g_autofree char *gl1123 = gl(c, "1123", date);
  itest_fact(facts, "rows %s | %s | %s", file, ll, n);
  itest_fact(facts, "total %s | %s | 借款本金 | %s", file, ll, principal);
  itest_fact(facts, "total %s | %s | 未还本金 | %s", file, ll, p);
  itest_fact(facts, "total %s | %s | 未还服务费/利息 | %s", file, ll, bf);
  itest_fact(facts, "total %s | %s | 未还罚息 | %s", file, ll, pen);
  itest_fact(facts, "foot %s | %s | 总账 1123 应收分期服务费/利息 余额 | 未还服务费/利息 | %s", file, ll, gl1123);
  itest_fact(facts, "difference %s | %s | 未还本金 | 0", file, ll);
}

static void
check_daily_operations(PGconn *c, const char *facts, const char *date, const char *file)
{
  const char *ch = "分渠道还款";
  /* R3's sides: what the repayments of the day were allocated to, plus the excess */
  g_autofree char *alloc = q(c, "SELECT coalesce(sum(amount_fen), 0) FROM allocations WHERE business_date = '%s'"
                                " AND source = 'REPAYMENT'", date);
  g_autofree char *excess = q(c, "SELECT coalesce(sum(amount_fen), 0) FROM credit_balance_movements"
                                 " WHERE business_date = '%s' AND reason = 'OVERPAYMENT'", date);
  g_autofree char *cash = q(c, "SELECT %s + %s", alloc, excess);
  g_autofree char *principal = q(c, "SELECT coalesce(sum(amount_fen), 0) FROM allocations WHERE business_date = '%s'"
                                    " AND source = 'REPAYMENT' AND component = 'PRINCIPAL'", date);
  g_autofree char *recovery = q(c, "SELECT coalesce(sum(amount_fen), 0) FROM allocations WHERE business_date = '%s'"
                                   " AND source = 'REPAYMENT' AND component LIKE 'RECOVERY%%'", date);
  g_autofree char *dr1002 = q(c, "SELECT coalesce(sum(debit_fen), 0) FROM gl_daily_balances WHERE business_date = '%s'"
                                 " AND account_code LIKE '1002.%%'", date);
  CU_ASSERT_STRING_NOT_EQUAL(cash, "0");
  itest_fact(facts, "total %s | %s | 还款金额 | %s", file, ch, cash);
  itest_fact(facts, "total %s | %s | 冲本金 | %s", file, ch, principal);
  itest_fact(facts, "total %s | %s | 核销后收回 | %s", file, ch, recovery);
  itest_fact(facts, "total %s | %s | 转溢缴款 | %s", file, ch, excess);
  itest_fact(facts, "foot %s | %s | 总账 1002 渠道清算 本日借方（还款） | 还款金额 | %s", file, ch, dr1002);
  itest_fact(facts, "difference %s | %s | 转溢缴款 | 0", file, ch);
}

static void
check_statements(PGconn *c, const char *facts, const char *date, const char *file)
{
  g_autofree char *fee = q(c, "SELECT coalesce(sum(l.fee_fen), 0) FROM statement_lines l"
                              " JOIN statements s USING (statement_id) WHERE l.line_kind = 'NEW'"
                              " AND s.statement_date BETWEEN date_trunc('month', '%s'::date) AND '%s'", date, date);
  CU_ASSERT_STRING_NOT_EQUAL(fee, "0");
  itest_fact(facts, "total %s | 按账单日 | 新增服务费/利息 | %s", file, fee);
  itest_fact(facts, "difference %s | 按账单日 | 新增服务费/利息 | 0", file);
}

/* The campaign report: granted and pending recomputed from loan_campaigns and
 * fee_subsidies, the GL's 2203 and 6601 from gl_daily_balances (zero on a book without
 * campaigns: t/itest_campaign_report.c has one with them). */
static void
check_campaigns(PGconn *c, const char *facts, const char *date, const char *file)
{
  g_autofree char *granted = q(c, "SELECT coalesce(sum(discount_fen), 0) FROM loan_campaigns"
                                  " WHERE origination_date <= '%s'", date);
  g_autofree char *pending = q(c, "SELECT coalesce(sum(amount_fen), 0) FROM fee_subsidies"
                                  " WHERE coalesce(earned_date, settled_date, 'infinity') > '%s'", date);
  g_autofree char *gl2203 = q(c, "SELECT coalesce(-sum(closing_fen), 0) FROM gl_daily_balances"
                                 " WHERE business_date = '%s' AND account_code = '2203'", date);
  g_autofree char *gl6601 = q(c, "SELECT coalesce(sum(closing_fen), 0) FROM gl_daily_balances"
                                 " WHERE business_date = '%s' AND account_code = '6601'", date);
  itest_fact(facts, "total %s | 活动汇总 | 贴息发放 | %s", file, granted);
  itest_fact(facts, "total %s | 活动汇总 | 待确认（预收贴息） | %s", file, pending);
  itest_fact(facts, "foot %s | 活动汇总 | 总账 2203 预收贴息 余额 | 待确认（预收贴息） | %s", file, gl2203);
  itest_fact(facts, "foot %s | 活动汇总 | 总账 6601 营销费用 余额 | 放弃的手续费收入 | %s", file, gl6601);
  itest_fact(facts, "difference %s | 活动汇总 | 贴息发放 | 0", file);
  itest_fact(facts, "difference %s | 本日匹配 | 贴息发放 | 0", file);
}

static void
test_generated_book_foots(void)
{
  char *config = NULL;   /* generated_db keeps it */
  const char *db = generated_db(&config);
  PGconn *c = itest_connect(db, "baitiao_report");
  /* the book has what footing must survive: a month end crossed, overdue, penalty,
   * write-offs, refunds and credit balances */
  g_autofree char *shape = q(c, "SELECT (SELECT count(*) FROM loans WHERE status = 'WRITTEN_OFF') > 0"
                                " AND (SELECT count(*) FROM installments WHERE status = 'BILLED' AND due_date < '"
                                GEN_LAST "') > 0 AND (SELECT sum(installment_penalty_accrued_fen(i, '" GEN_LAST "')) FROM installments i) > 0"
                                " AND (SELECT count(*) FROM loans WHERE refunded_principal_fen > 0) > 0"
                                " AND (SELECT sum(credit_balance_fen) FROM users) > 0");
  ITEST_ASSERT_STR_EQ(shape, "t");
  g_autofree char *dir = render_all(config, GEN_LAST, "footing-gen");
  g_autofree char *facts = itest_xlsx_facts("foot_check.py", dir, NULL);
  check_ladder(c, facts, GEN_LAST, "maturity_ladder_20260503.xlsx");
  check_trial_balance(c, facts, GEN_LAST, "trial_balance_20260503.xlsx");
  check_aging(c, facts, GEN_LAST, "aging_20260503.xlsx");
  check_listing(c, facts, GEN_LAST, "loan_listing_20260503.xlsx");
  check_daily_operations(c, facts, GEN_LAST, "daily_operations_20260503.xlsx");
  check_statements(c, facts, GEN_LAST, "statements_summary_20260503.xlsx");
  check_campaigns(c, facts, GEN_LAST, "campaigns_20260503.xlsx");
  /* ladder 3, trial balance 6, aging 4 + 2, listing 3, daily operations 6, statements 1,
   * campaigns 7 + 1 */
  CU_ASSERT_EQUAL(itest_differences_zero(facts), 33);
  PQfinish(c);
}

/* The example book (t/data) on 2026-03-16, from the contract: FPP12 1000.00 (S = 5,
 * first billed 03-05, due 03-14, paid 88.33 that day: installment 1 settled) and
 * ANN12 3999.99 at 1 %/month (S = 12, A = 355.39, schedule 315.39 + 40.00,
 * 318.54 + 36.85, 321.73 + 33.66 … 345.94 + 10.45, 348.39 + 7.00, 351.92 + 3.52;
 * the 999.99 refund of 03-10 takes 351.92, 348.39 and 299.68 off installments 12,
 * 11, 10 (fees of 11 and 12 waived); 500.00 paid on 03-14 settles installment 1,
 * 144.61 goes to the credit balance). Nothing is billed but not yet due, nothing
 * past due. */
static void
test_ladder_worked_example(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = itest_example_db("footing_ex", ITEST_EXAMPLE_KINDS, &config);
  run_ok(config, (const char *[]) { "eod", "--date", "2026-03-04", "--catch-up", "--until", "2026-03-16", NULL });
  g_autofree char *dir = render_all(config, "2026-03-16", "footing-example");
  g_autofree char *facts = itest_xlsx_facts("foot_check.py", dir, NULL);
  const char *f = "maturity_ladder_20260316.xlsx | 到期结构";
  itest_fact(facts, "rows %s | 14", f);
  /* April: FPP12 #2 83.33 + 5.00, ANN12 #2 318.54 + 36.85 */
  itest_fact(facts, "cell %s | 2026-04 | 期数 | 2", f);
  itest_fact(facts, "cell %s | 2026-04 | 应收本金 | 40187", f);
  itest_fact(facts, "cell %s | 2026-04 | 未出账服务费/利息 | 4185", f);
  itest_fact(facts, "cell %s | 2026-04 | 累计预测流入 | 44372", f);
  /* December: FPP12 #10 83.33 + 5.00, ANN12 #10 45.26 (after the refund) + 10.45 */
  itest_fact(facts, "cell %s | 2026-12 | 应收本金 | 12859", f);
  itest_fact(facts, "cell %s | 2026-12 | 未出账服务费/利息 | 1545", f);
  /* February 2027, the 12th month: FPP12 #12 83.37 + 5.00 */
  itest_fact(facts, "cell %s | 2027-02 | 应收本金 | 8337", f);
  itest_fact(facts, "cell %s | 2027-02 | 累计预测流入 | 387050", f);
  itest_fact(facts, "cell %s | 已逾期（备忘） | 应收本金 | 0", f);
  itest_fact(facts, "cell %s | 12个月以上 | 应收本金 | 0", f);
  /* 916.67 + 2684.61 principal; 55.00 + 214.22 fees not yet billed; none billed */
  itest_fact(facts, "total %s | 应收本金 | 360128", f);
  itest_fact(facts, "total %s | 已出账服务费/利息 | 0", f);
  itest_fact(facts, "total %s | 未出账服务费/利息 | 26922", f);
  itest_fact(facts, "foot %s | 总账 1122 应收本金 余额 | 应收本金 | 360128", f);
  PGconn *c = itest_connect(db, "baitiao_report");
  g_autofree char *gl1122 = gl(c, "1122", "2026-03-16");
  g_autofree char *gl2241 = gl(c, "2241", "2026-03-16");
  PQfinish(c);
  ITEST_ASSERT_STR_EQ(gl1122, "360128");
  ITEST_ASSERT_STR_EQ(gl2241, "14461");
  itest_fact(facts, "difference %s | 应收本金 | 0", f);
  itest_fact(facts, "flagged %s | 应收本金 | no", f);
  /* the credit balance on the trial balance: 2241 Cr 144.61 */
  itest_fact(facts, "cell trial_balance_20260316.xlsx | 科目余额表 | 2241 | 期末贷方余额 | 14461");
  itest_differences_zero(facts);

  /* a foot that does not tie is shown, in red, and logged: one fen too much GL */
  g_autofree char *specs = g_build_filename(itest_tmpdir(), "footing-broken-specs", NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(specs, 0755) == 0);
  g_autofree char *orig_path = itest_top_file("reports", "maturity_ladder.report");
  g_autofree char *text = NULL;
  CU_ASSERT_FATAL(g_file_get_contents(orig_path, &text, NULL, NULL));
  g_autofree char *broken = NULL;
  {
    g_auto(GStrv) parts = g_strsplit(text, "THEN gl_balance_fen(a, $1) END", 2);
    CU_ASSERT_FATAL(g_strv_length(parts) == 2);
    broken = g_strjoin("THEN gl_balance_fen(a, $1) + 1 END", parts[0], parts[1], NULL);
  }
  g_autofree char *broken_path = g_build_filename(specs, "maturity_ladder.report", NULL);
  CU_ASSERT_FATAL(g_file_set_contents(broken_path, broken, -1, NULL));
  g_autofree char *out = g_build_filename(itest_tmpdir(), "footing-broken", NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(out, 0755) == 0);
  g_autoptr(ItestRun) run = itest_baitiao_config(config, (const char *[]) { "report", "maturity_ladder", "--date",
                                                                            "2026-03-16", "--out", out, "--specs",
                                                                            specs, NULL }, NULL);
  CU_ASSERT_EQUAL(run->status, 0);
  ITEST_ASSERT_CONTAINS(run->err, "column principal does not foot to the GL: total 360128 − GL 360129 = -1 (fen)");
  g_autofree char *bad = itest_xlsx_facts("foot_check.py", out, NULL);
  itest_fact(bad, "difference %s | 应收本金 | -1", f);
  itest_fact(bad, "flagged %s | 应收本金 | yes", f);
}

static char *
render_one(const char *config, const char *report, const char *date, const char *name)
{
  char *dir = g_build_filename(itest_tmpdir(), name, NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(dir, 0755) == 0);
  g_autofree char *specs = itest_top_file("reports", NULL);
  run_ok(config, (const char *[]) { "report", report, "--date", date, "--out", dir, "--specs", specs, NULL });
  return dir;
}

/* Breaks as of the report date: explaining a break today does not change the report
 * of its (past) date, which still counts it open; amounts are gross per type. */
static void
test_breaks_as_of_the_report_date(void)
{
  char *config = NULL;   /* generated_db keeps it */
  const char *db = generated_db(&config);
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *date = q(c, "SELECT business_date FROM recon_breaks WHERE status = 'OPEN'"
                               " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1");
  g_auto(GStrv) ymd = g_strsplit(date, "-", -1);
  g_autofree char *compact = g_strjoinv("", ymd);
  g_autofree char *file = g_strdup_printf("reconciliation_%s.xlsx", compact);
  g_autofree char *n = q(c, "SELECT count(*) FROM recon_breaks WHERE business_date = '%s'", date);
  g_autofree char *gross = q(c, "SELECT sum(abs(diff_fen)) FROM recon_breaks WHERE business_date = '%s'", date);
  g_autofree char *types = q(c, "SELECT count(DISTINCT break_type) FROM recon_breaks WHERE business_date = '%s'", date);
  CU_ASSERT_TRUE(atoi(n) >= 2);
  CU_ASSERT_TRUE(atoi(types) >= 2);   /* a net figure would mix them */
  g_autofree char *before_dir = render_one(config, "reconciliation", date, "footing-recon-before");
  g_autofree char *before = itest_xlsx_facts("foot_check.py", before_dir, NULL);

  g_autofree char *id = q(c, "SELECT min(break_id) FROM recon_breaks WHERE business_date = '%s' AND status = 'OPEN'",
                          date);
  run_ok(config, (const char *[]) { "recon", "explain", id, "--note", "footing test: explained today", NULL });
  g_autofree char *now = q(c, "SELECT status FROM recon_breaks WHERE break_id = %s", id);
  ITEST_ASSERT_STR_EQ(now, "EXPLAINED");
  g_autofree char *after_dir = render_one(config, "reconciliation", date, "footing-recon-after");
  g_autofree char *after = itest_xlsx_facts("foot_check.py", after_dir, NULL);

  const char *facts[] = { before, after };
  for (gsize i = 0; i < G_N_ELEMENTS(facts); i++) {
    /* the break explained today was open at the end of its date */
    itest_fact(facts[i], "total %s | 检查项 | 差异数 | %s", file, n);
    itest_fact(facts[i], "total %s | 检查项 | 未处理 | %s", file, n);
    itest_fact(facts[i], "total %s | 检查项 | 已说明 | 0", file);
    itest_fact(facts[i], "total %s | 检查项 | 差异金额（绝对值） | %s", file, gross);
    itest_fact(facts[i], "total %s | 检查项 | 未处理金额 | %s", file, gross);
    itest_fact(facts[i], "total %s | 按差异类型 | 差异金额（绝对值） | %s", file, gross);
    itest_fact(facts[i], "total %s | 按差异类型 | 差异数 | %s", file, n);
  }
  /* per check and type: the gross of each, and no total of the signed net column */
  g_autofree char *sql = g_strdup_printf("SELECT check_id, sum(abs(diff_fen)) FROM recon_breaks"
                                         " WHERE business_date = '%s' GROUP BY check_id, break_type"
                                         " ORDER BY 1, 2", date);
  PGresult *per_type = PQexec(c, sql);
  CU_ASSERT_EQUAL_FATAL(PQresultStatus(per_type), PGRES_TUPLES_OK);
  for (int r = 0; r < PQntuples(per_type); r++)
    itest_fact(after, "cell %s | 按差异类型 | %s | 差异金额（绝对值） | %s", file, PQgetvalue(per_type, r, 0),
               PQgetvalue(per_type, r, 1));
  PQclear(per_type);
  g_autofree char *net_total = g_strdup_printf("total %s | 按差异类型 | 差额净值（本类型） |", file);
  CU_ASSERT_PTR_NULL(strstr(after, net_total));
  /* the channel sheet: the planted mismatch (1.00) and 长款 (12.34) of 2026-04-09 with their
   * amounts, and the gross of every exception */
  g_autofree char *ch_dir = render_one(config, "channel_settlement", "2026-04-09", "footing-channel");
  g_autofree char *ch = itest_xlsx_facts("foot_check.py", ch_dir, NULL);
  g_autofree char *short_fen = q(c, "SELECT coalesce(sum(r.amount_fen), 0) FROM inbox_repayments r"
                                    " WHERE r.pay_date = '2026-04-09' AND r.status <> 'REJECTED' AND NOT EXISTS"
                                    " (SELECT 1 FROM settlement_lines s WHERE s.channel = r.channel"
                                    "   AND s.channel_txn_id = r.txn_id)");
  const char *cs = "channel_settlement_20260409.xlsx | 分渠道核对";
  itest_fact(ch, "cell %s | ALIPAY | 金额不符笔数 | 1", cs);
  itest_fact(ch, "cell %s | ALIPAY | 金额不符差额（绝对值） | 100", cs);
  itest_fact(ch, "total %s | 长款金额 | 1234", cs);
  itest_fact(ch, "total %s | 短款金额 | %s", cs, short_fen);
  g_autofree char *exceptions = q(c, "SELECT 100 + 1234 + %s", short_fen);
  itest_fact(ch, "total %s | 异常金额合计（绝对值） | %s", cs, exceptions);
  itest_fact(ch, "total channel_settlement_20260409.xlsx | 未匹配明细 | 差额（绝对值） | %s", exceptions);
  g_autofree char *no_net = g_strdup("total channel_settlement_20260409.xlsx | 未匹配明细 | 差额（清算−系统） |");
  CU_ASSERT_PTR_NULL(strstr(ch, no_net));
  /* the last date's open breaks: those not explained or resolved by the end of it */
  g_autofree char *open_then = q(c, "SELECT count(*) FROM recon_breaks WHERE business_date <= '" GEN_LAST "'"
                                    " AND coalesce(resolved_at, explained_at, 'infinity') >= '2026-05-04'::timestamptz");
  g_autofree char *last_dir = render_one(config, "reconciliation", GEN_LAST, "footing-recon-last");
  g_autofree char *last = itest_xlsx_facts("foot_check.py", last_dir, NULL);
  itest_fact(last, "rows reconciliation_20260503.xlsx | 未处理差异 | %s", open_then);
  PQfinish(c);
}

static ItestRun *
report_with_spec(const char *config, const char *name, const char *text, char **path_out)
{
  g_autofree char *specs = g_build_filename(itest_tmpdir(), name, NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(specs, 0755) == 0);
  g_autofree char *file = g_strconcat(name, ".report", NULL);
  *path_out = g_build_filename(specs, file, NULL);
  CU_ASSERT_FATAL(g_file_set_contents(*path_out, text, -1, NULL));
  g_autofree char *out = g_build_filename(specs, "out", NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(out, 0755) == 0);
  ItestRun *run = itest_baitiao_config(config, (const char *[]) { "report", name, "--date", GEN_LAST, "--out", out,
                                                                  "--specs", specs, NULL }, NULL);
  CU_ASSERT_EQUAL(itest_dir_entries(out), 0);   /* a failed report leaves nothing */
  return run;
}

#define FOOT_SPEC_HEAD \
  "[report]\ntitle_zh = 测试\ntitle_en = Test\nsheets = s\n\n" \
  "[sheet s]\nname_zh = 表\nname_en = Sheet\n"
#define FOOT_SPEC_COLUMNS \
  "columns = code; amount\n" \
  "sql = SELECT account_code, 1::bigint FROM gl_accounts\n\n" \
  "[column s.code]\nlabel_zh = 代码\nlabel_en = Code\ntype = text\n\n" \
  "[column s.amount]\nlabel_zh = 金额\nlabel_en = Amount\ntype = money\n"

/* The loader and the engine name file, line and key for every foot mistake. */
static void
test_bad_foot_specs_name_file_and_key(void)
{
  char *config = NULL;   /* generated_db keeps it */
  generated_db(&config);
  g_autofree char *p1 = NULL, *p2 = NULL, *p3 = NULL;
  /* foot lines reconcile the totals row: none, no foot */
  g_autoptr(ItestRun) no_totals = report_with_spec(config, "foot_no_totals", FOOT_SPEC_HEAD
                                                   "foot_sql = SELECT 'x', 1::bigint\n" FOOT_SPEC_COLUMNS, &p1);
  CU_ASSERT_EQUAL(no_totals->status, 2);
  g_autofree char *w1 = g_strdup_printf("%s:9: key \"foot_sql\" in group [sheet s]", p1);
  ITEST_ASSERT_CONTAINS(no_totals->err, w1);
  ITEST_ASSERT_CONTAINS(no_totals->err, "needs totals = true");
  /* a label without the foot it labels */
  g_autoptr(ItestRun) stray = report_with_spec(config, "foot_stray_label", FOOT_SPEC_HEAD
                                               "totals = true\nfoot_label_en = Diff\n" FOOT_SPEC_COLUMNS, &p2);
  CU_ASSERT_EQUAL(stray->status, 2);
  g_autofree char *w2 = g_strdup_printf("%s:10: key \"foot_label_en\" in group [sheet s]", p2);
  ITEST_ASSERT_CONTAINS(stray->err, w2);
  /* a foot value in a column that is not totalled */
  g_autoptr(ItestRun) untotalled = report_with_spec(config, "foot_untotalled", FOOT_SPEC_HEAD
                                                    "totals = true\nfoot_sql = SELECT 'GL', 5::bigint\n"
                                                    FOOT_SPEC_COLUMNS "total = false\n", &p3);
  CU_ASSERT_EQUAL(untotalled->status, 1);
  g_autofree char *w3 = g_strdup_printf("%s:10: key \"foot_sql\" in group [sheet s]: column amount got \"5\"", p3);
  ITEST_ASSERT_CONTAINS(untotalled->err, w3);
  g_autofree char *p4 = NULL;
  g_autoptr(ItestRun) shape = report_with_spec(config, "foot_shape", FOOT_SPEC_HEAD
                                               "totals = true\nfoot_sql = SELECT 'GL'\n" FOOT_SPEC_COLUMNS, &p4);
  CU_ASSERT_EQUAL(shape->status, 1);
  g_autofree char *w4 = g_strdup_printf("%s:10: key \"foot_sql\" in group [sheet s]: returns 1 columns but key "
                                        "\"columns\" lists 2", p4);
  ITEST_ASSERT_CONTAINS(shape->err, w4);
}

CU_TestInfo itest_footing_cases[] = {
  { "ladder worked example", test_ladder_worked_example },
  { "generated book foots", test_generated_book_foots },
  { "breaks as of the report date", test_breaks_as_of_the_report_date },
  { "bad foot specs name file and key", test_bad_foot_specs_name_file_and_key },
  CU_TEST_INFO_NULL,
};
