/* baitiao report: every report of the demo nights is read back with an independent
 * reader (Debian's python3-openpyxl, through t/check_xlsx.py) — sheets, headers,
 * number formats, frozen panes, charts, totals equal to the database's to the fen —
 * and converted to PDF by LibreOffice to prove it opens. Bad specs, SQL errors and
 * unwritable directories fail naming the culprit and leave no file behind. */
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "itest.h"

static const char *const report_names[] = {
  "aging", "campaigns", "channel_settlement", "daily_operations", "loan_listing", "maturity_ladder",
  "reconciliation", "roll_rates", "statements_summary", "trial_balance", "vintage",
};


static ItestRun *
baitiao(const char *config, const char *const *args)
{
  return itest_baitiao_config(config, args, NULL);
}

static char *
fresh_dir(const char *name)
{
  char *dir = g_build_filename(itest_tmpdir(), name, NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(dir, 0755) == 0);
  return dir;
}


static char *
write_spec(const char *dir, const char *name, const char *text)
{
  g_autofree char *file = g_strconcat(name, ".report", NULL);
  char *path = g_build_filename(dir, file, NULL);
  CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
  return path;
}

/* The demo database after the nights of 2026-03-04 .. 2026-03-16 (t/itest_night.c). */
static const char *
demo_db(char **config_out)
{
  static char *db, *config;
  if (!db) {
    db = itest_example_db("report", ITEST_EXAMPLE_KINDS, &config);
    g_autoptr(ItestRun) night = baitiao(config, (const char *[]) { "eod", "--date", "2026-03-04", "--catch-up",
                                                                    "--until", "2026-03-16", NULL });
    CU_ASSERT_FATAL(night->status == 0);
  }
  *config_out = config;
  return db;
}

/* check_xlsx.py's facts about FILES of DIR (NULL terminated), one per line. */
static char *
read_back(const char *dir, const char *const *files)
{
  return itest_xlsx_facts("check_xlsx.py", dir, files);
}

/* The text of DIR/NAME as poppler's pdftotext (-layout) reads it. */
static char *
pdf_text(const char *dir, const char *name)
{
  g_autofree char *pdf = g_build_filename(dir, name, NULL);
  const char *argv[] = { "pdftotext", "-layout", pdf, "-", NULL };
  char *out = NULL;
  int status = -1;
  gboolean ran = g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                              NULL, &out, NULL, &status, NULL);
  CU_ASSERT_FATAL(ran && status == 0);
  return out;
}

static void
test_every_report_reads_back_and_ties(void)
{
  char *config = NULL;   /* demo_db keeps it */
  const char *db = demo_db(&config);
  /* kept under the build dir with the PDFs, as the test's artefacts */
  g_autofree char *out = g_build_filename(g_getenv("top_builddir"), "t", "report-xlsx", NULL);
  g_autofree char *clean = g_strdup_printf("rm -rf '%s'", out);
  CU_ASSERT_FATAL(system(clean) == 0);
  CU_ASSERT_FATAL(g_mkdir_with_parents(out, 0755) == 0);
  g_autofree char *specs = itest_top_file("reports", NULL);
  /* 2026-03-14: both demo repayments were applied that day */
  g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "report", "--all", "--date", "2026-03-14", "--out", out,
                                                               "--specs", specs, NULL });
  if (run->status != 0)
    fprintf(stderr, "\n  report --all failed: %s\n", run->err);
  CU_ASSERT_EQUAL_FATAL(run->status, 0);
  const char *files[G_N_ELEMENTS(report_names) + 1] = { NULL };
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  for (gsize i = 0; i < G_N_ELEMENTS(report_names); i++) {
    char *name = g_strdup_printf("%s_20260314.xlsx", report_names[i]);
    g_ptr_array_add(names, name);
    files[i] = name;
    g_autofree char *path = g_build_filename(out, name, NULL);
    GStatBuf st;
    CU_ASSERT_TRUE_FATAL(g_stat(path, &st) == 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0640);
  }
  CU_ASSERT_EQUAL(itest_dir_entries(out), G_N_ELEMENTS(report_names));   /* no temporary files left */
  g_autofree char *facts = read_back(out, files);

  /* trial balance (科目余额表): Chinese labels, money format, frozen header, filter,
   * debits = credits = the GL's; t/itest_footing.c checks every column */
  const char *tb = "trial_balance_20260314.xlsx | 科目余额表";
  itest_fact(facts, "property trial_balance_20260314.xlsx | title | 科目余额表");
  itest_fact(facts, "header %s | 科目代码|科目名称|期初借方余额|期初贷方余额|本日借方发生额|本日贷方发生额|期末借方余额|"
                    "期末贷方余额|方向|期末余额|较上日增减|上月末余额|较上月末增减|本月借方累计|本月贷方累计|本年借方累计|"
                    "本年贷方累计", tb);
  itest_fact(facts, "format %s | 本日借方发生额 | #,##0.00", tb);
  itest_fact(facts, "freeze %s | A8", tb);
  itest_fact(facts, "autofilter %s | A7:Q21", tb);
  itest_fact(facts, "unit %s | 金额单位：人民币元", tb);
  /* printed: landscape, one page wide, the header row on every page, report and date on
   * top, the page number at the bottom */
  itest_fact(facts, "page %s | landscape | fit 1x0 | repeat $7:$7", tb);
  itest_fact(facts, "pageheader %s | 科目余额表 — 科目余额表 | 业务日期：2026-03-14", tb);
  itest_fact(facts, "pagefooter %s | 第 &P 页 / 共 &N 页", tb);
  /* totals follow the autofilter (SUBTOTAL 109 over the data rows), their value cached */
  itest_fact(facts, "formula %s | 本日借方发生额 | =SUBTOTAL(109,E8:E21)", tb);
  itest_fact(facts, "formula %s | 本日贷方发生额 | =SUBTOTAL(109,F8:F21)", tb);
  g_autofree char *debits = itest_db_value(db, "baitiao_report", "SELECT sum(debit_fen) FROM gl_daily_balances WHERE business_date = '2026-03-14'");
  g_autofree char *credits = itest_db_value(db, "baitiao_report", "SELECT sum(credit_fen) FROM gl_daily_balances WHERE business_date = '2026-03-14'");
  ITEST_ASSERT_STR_EQ(debits, credits);
  CU_ASSERT_STRING_NOT_EQUAL(debits, "0");
  itest_fact(facts, "total %s | 本日借方发生额 | %s", tb, debits);
  itest_fact(facts, "total %s | 本日贷方发生额 | %s", tb, credits);
  itest_fact(facts, "sum %s | 本日借方发生额 | %s", tb, debits);

  /* the cover comes first: title, date, cut-off and times in Asia/Shanghai, the key
   * figures linked to the totals they repeat, and the contents with links */
  const char *tbf = "trial_balance_20260314.xlsx";
  itest_fact(facts, "property %s | title | 科目余额表\nsheet %s | 封面\ncover %s | 科目余额表", tbf, tbf, tbf);
  itest_fact(facts, "cover %s | 业务日期：2026-03-14", tbf);
  itest_fact(facts, "cover %s | 金额单位：人民币元", tbf);
  g_autofree char *cut = itest_db_value(db, "baitiao_report", "SELECT to_char(opened_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS')"
                                      " || ' +08:00，关账 ' || to_char(closed_at AT TIME ZONE 'Asia/Shanghai',"
                                      " 'YYYY-MM-DD HH24:MI:SS') || ' +08:00）'"
                                      " FROM business_calendar WHERE business_date = '2026-03-14'");
  itest_fact(facts, "cover %s | 数据截止：2026-03-14 日终（入账截止 %s", tbf, cut);
  ITEST_ASSERT_CONTAINS(facts, " +08:00 (Asia/Shanghai)\n");
  itest_fact(facts, "figure %s | 科目余额表 | 本日借方发生额 | %s | ='科目余额表'!E22", tbf, debits);
  itest_fact(facts, "figurecell %s | 科目余额表 | 本日借方发生额 | %s", tbf, debits);
  itest_fact(facts, "figure %s | 科目余额表 | 本日贷方发生额 | %s | ='科目余额表'!F22", tbf, credits);
  itest_fact(facts, "link %s | 科目余额表 | '科目余额表'!A1 | 14", tbf);
  /* every sheet of every report has the cover's link and the unit */
  itest_fact(facts, "link reconciliation_20260314.xlsx | 凭证哈希链 | '凭证哈希链'!A1 | 11");
  itest_fact(facts, "unit aging_20260314.xlsx | 五级分类 | 金额单位：人民币元");

  /* an empty sheet says so on its first row, and its totals are 0 */
  itest_fact(facts, "empty reconciliation_20260314.xlsx | 缺失文件放行 | 本日无数据");
  itest_fact(facts, "rows reconciliation_20260314.xlsx | 缺失文件放行 | 0");

  /* ids and timestamps: a numeric id is a number shown 0, others stay text; a
   * timestamp is a date-time cell in Asia/Shanghai */
  const char *runs = "reconciliation_20260314.xlsx | 对账运行";
  g_autofree char *run_id = itest_db_value(db, "baitiao_report", "SELECT min(recon_run_id) FROM recon_runs WHERE business_date = '2026-03-14'");
  g_autofree char *started = itest_db_value(db, "baitiao_report", "SELECT to_char(started_at AT TIME ZONE 'Asia/Shanghai',"
                                          " 'YYYY-MM-DD HH24:MI:SS') FROM recon_runs"
                                          " WHERE business_date = '2026-03-14' ORDER BY recon_run_id LIMIT 1");
  itest_fact(facts, "format %s | 运行号 | 0", runs);
  itest_fact(facts, "kind %s | 运行号 | int", runs);
  itest_fact(facts, "first %s | 运行号 | %s", runs, run_id);
  itest_fact(facts, "format %s | 开始时间 | yyyy-mm-dd hh:mm:ss", runs);
  itest_fact(facts, "kind %s | 开始时间 | datetime", runs);
  itest_fact(facts, "first %s | 开始时间 | %s", runs, started);
  itest_fact(facts, "kind loan_listing_20260314.xlsx | 借据明细 | 订单号 | str");

  /* charts carry their values cached; a date category axis is formatted as dates (the
   * cache holds the date serials, never text), a stack of shares stops at 100 % */
  const char *sc = "statements_summary_20260314.xlsx | 各账单日应还构成";
  g_autofree char *serials = itest_db_value(db, "baitiao_report", "SELECT (min(statement_date) - date '1899-12-30') || ' .. '"
                                          " || (max(statement_date) - date '1899-12-30') || '|' || count(*)"
                                          " FROM (SELECT DISTINCT statement_date FROM statements"
                                          " WHERE statement_date BETWEEN '2026-03-01' AND '2026-03-14') d");
  g_auto(GStrv) serial_parts = g_strsplit(serials, "|", 2);
  itest_fact(facts, "chart %s | cat_format | yyyy-mm-dd", sc);
  itest_fact(facts, "chart %s | cat_cache | %s", sc, serial_parts[0]);
  itest_fact(facts, "chart %s | val_points | %s,%s,%s,%s,%s", sc, serial_parts[1], serial_parts[1], serial_parts[1],
             serial_parts[1], serial_parts[1]);
  itest_fact(facts, "chart %s | series_names | 新增本金|新增服务费/利息|结转本金|结转服务费/利息|结转罚息", sc);
  const char *rc = "roll_rates_20260314.xlsx | 各账龄迁徙去向";
  itest_fact(facts, "chart %s | grouping | stacked", rc);
  itest_fact(facts, "chart %s | val_format | 0%%", rc);
  itest_fact(facts, "chart %s | val_min | 0", rc);
  itest_fact(facts, "chart %s | val_max | 1", rc);
  itest_fact(facts, "chart %s | cat_cache | C .. M7+", rc);
  /* a line of shares is not capped: only a stack adds up to 100 % */
  itest_fact(facts, "chart vintage_20260314.xlsx | 逾期30+本金占比（账龄曲线，每条线为一个放款月） | val_max | auto");
  itest_fact(facts, "chart vintage_20260314.xlsx | 逾期30+本金占比（账龄曲线，每条线为一个放款月） | val_format | 0%%");
  itest_fact(facts, "chart aging_20260314.xlsx | 各账龄未还本金 | cat_cache | C .. M7+");

  /* aging: every bucket listed, a chart, principal equal to GL 1122 on the date */
  const char *ag = "aging_20260314.xlsx | 账龄分布";
  g_autofree char *gl1122 = itest_db_value(db, "baitiao_report", "SELECT closing_fen FROM gl_daily_balances"
                                         " WHERE business_date = '2026-03-14' AND account_code = '1122'");
  itest_fact(facts, "rows %s | 8", ag);
  itest_fact(facts, "charts %s | 1", ag);
  itest_fact(facts, "format %s | 本金占比 | 0.00%%", ag);
  itest_fact(facts, "total %s | 未还本金 | %s", ag, gl1122);
  itest_fact(facts, "total aging_20260314.xlsx | 五级分类 | 未还本金 | %s", gl1122);
  itest_fact(facts, "charts aging_20260314.xlsx | 五级分类 | 1");

  /* daily operations: repayments by channel, 88.33 ALIPAY + 500.00 WECHAT */
  const char *ch = "daily_operations_20260314.xlsx | 分渠道还款";
  itest_fact(facts, "rows %s | 2", ch);
  itest_fact(facts, "total %s | 还款金额 | 58833", ch);
  itest_fact(facts, "charts %s | 1", ch);

  /* maturity ladder: past due (memo) + 12 months + beyond, with its chart; principal = what ACTIVE loans still owe */
  const char *ml = "maturity_ladder_20260314.xlsx | 到期结构";
  g_autofree char *owed = itest_db_value(db, "baitiao_report", "SELECT sum(i.principal_fen - i.principal_reduced_fen - i.paid_principal_fen"
                                       " - i.writeoff_principal_fen) FROM installments i JOIN loans l USING (loan_id)"
                                       " WHERE l.status = 'ACTIVE' AND i.status IN ('UNBILLED', 'BILLED')");
  itest_fact(facts, "rows %s | 14", ml);
  itest_fact(facts, "charts %s | 1", ml);
  itest_fact(facts, "total %s | 应收本金 | %s", ml, owed);

  /* loan listing: both demo loans, principal 1000.00 + 3999.99 */
  const char *ll = "loan_listing_20260314.xlsx | 借据明细";
  itest_fact(facts, "rows %s | 2", ll);
  itest_fact(facts, "total %s | 借款本金 | 499999", ll);
  itest_fact(facts, "format %s | 放款日 | yyyy-mm-dd", ll);
  /* numbered from the natural key (origination date, order id), never the loan_id */
  itest_fact(facts, "first %s | 借据号 | L20260304-O20260304001", ll);
  itest_fact(facts, "sum %s | 未还本金 | %s", ll, owed);

  /* the rest open with their sheets and headers */
  itest_fact(facts, "sheet reconciliation_20260314.xlsx | 检查项");
  itest_fact(facts, "rows reconciliation_20260314.xlsx | 检查项 | 15");
  /* the journal chain heads: one row per sealed date 03-04 … 03-14 */
  itest_fact(facts, "rows reconciliation_20260314.xlsx | 凭证哈希链 | 11");
  itest_fact(facts, "sheet channel_settlement_20260314.xlsx | 分渠道核对");
  itest_fact(facts, "sheet roll_rates_20260314.xlsx | 迁徙矩阵");
  itest_fact(facts, "rows roll_rates_20260314.xlsx | 迁徙矩阵 | 8");
  itest_fact(facts, "sheet vintage_20260314.xlsx | Vintage");
  itest_fact(facts, "sheet statements_summary_20260314.xlsx | 按账单日");

  /* LibreOffice opens every file: one soffice for all (it starts slowly); the PDFs
   * are kept under the build dir as the test's artefacts */
  g_autofree char *pdf_dir = g_build_filename(g_getenv("top_builddir"), "t", "report-pdf", NULL);
  g_autofree char *lo_home = fresh_dir("lo-home");
  g_autofree char *profile = g_strdup_printf("-env:UserInstallation=file://%s/profile", lo_home);
  g_mkdir_with_parents(pdf_dir, 0755);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
  const char *fixed[] = { "soffice", "--headless", "--norestore", profile, "--convert-to", "pdf", "--outdir", pdf_dir };
  for (gsize i = 0; i < G_N_ELEMENTS(fixed); i++)
    g_ptr_array_add(argv, g_strdup(fixed[i]));
  for (gsize i = 0; i < G_N_ELEMENTS(report_names); i++)
    g_ptr_array_add(argv, g_build_filename(out, files[i], NULL));
  g_ptr_array_add(argv, NULL);
  g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "HOME", lo_home, TRUE);
  g_autofree char *lo_out = NULL, *lo_err = NULL;
  int status = -1;
  g_autoptr(GError) spawn_error = NULL;
  gboolean ran = g_spawn_sync(NULL, (char **) argv->pdata, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &lo_out, &lo_err,
                              &status, &spawn_error);
  if (!ran || status != 0)
    fprintf(stderr, "\n  soffice failed: %s%s\n", spawn_error ? spawn_error->message : "", lo_err ? lo_err : "");
  CU_ASSERT_TRUE_FATAL(ran && status == 0);
  for (gsize i = 0; i < G_N_ELEMENTS(report_names); i++) {
    g_autofree char *pdf_name = g_strdup_printf("%s_20260314.pdf", report_names[i]);
    g_autofree char *pdf = g_build_filename(pdf_dir, pdf_name, NULL);
    GStatBuf st;
    gboolean made = g_stat(pdf, &st) == 0 && st.st_size > 1000;
    if (!made)
      fprintf(stderr, "\n  no PDF for %s: %s\n", files[i], lo_out ? lo_out : "");
    CU_ASSERT_TRUE(made);
  }
  /* what LibreOffice drew: page footers, dates on the statements chart's axis (never
   * serial numbers such as 46086), the roll-rate stack's axis ending at 100 % */
  g_autofree char *statements_pdf = pdf_text(pdf_dir, "statements_summary_20260314.pdf");
  ITEST_ASSERT_CONTAINS(statements_pdf, "第1页/共3页");
  g_autofree char *first_serial = g_strndup(serial_parts[0], 5);
  CU_ASSERT_PTR_NULL(strstr(statements_pdf, first_serial));
  g_autofree char *first_date = itest_db_value(db, "baitiao_report", "SELECT min(statement_date) FROM statements"
                                             " WHERE statement_date BETWEEN '2026-03-01' AND '2026-03-14'");
  g_autofree char *axis_line = NULL;
  g_auto(GStrv) lines = g_strsplit(statements_pdf, "\n", -1);
  for (int i = 0; lines[i] && !axis_line; i++)   /* the axis: a line of dates alone */
    if (g_regex_match_simple("^\\s*(\\d{4}-\\d{2}-\\d{2}\\s+){2,}\\d{4}-\\d{2}-\\d{2}\\s*$", lines[i], 0, 0))
      axis_line = g_strdup(lines[i]);
  CU_ASSERT_PTR_NOT_NULL(axis_line);
  if (axis_line)
    ITEST_ASSERT_CONTAINS(axis_line, first_date);
  g_autofree char *roll_pdf = pdf_text(pdf_dir, "roll_rates_20260314.pdf");
  ITEST_ASSERT_CONTAINS(roll_pdf, "100%");
  CU_ASSERT_PTR_NULL(strstr(roll_pdf, "110%"));
  CU_ASSERT_PTR_NULL(strstr(roll_pdf, "120%"));
}

/* Default date: the last closed one; --lang en; a rerun replaces the file. */
static void
test_default_date_english_and_rerun(void)
{
  char *config = NULL;   /* demo_db keeps it */
  demo_db(&config);
  g_autofree char *out = fresh_dir("reports_en");
  g_autofree char *specs = itest_top_file("reports", NULL);
  for (int i = 0; i < 2; i++) {
    g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "report", "trial_balance", "--lang", "en",
                                                                 "--out", out, "--specs", specs, NULL });
    CU_ASSERT_EQUAL(run->status, 0);
    ITEST_ASSERT_CONTAINS(run->out, "trial_balance_20260316.xlsx");
  }
  CU_ASSERT_EQUAL(itest_dir_entries(out), 1);
  g_autofree char *facts = read_back(out, (const char *[]) { "trial_balance_20260316.xlsx", NULL });
  itest_fact(facts, "sheet trial_balance_20260316.xlsx | Trial balance");
  itest_fact(facts, "header trial_balance_20260316.xlsx | Trial balance | "
                    "Account|Account name|Opening debit|Opening credit|Debits (day)|Credits (day)|Closing debit|"
                    "Closing credit|Dr/Cr|Closing balance|Change vs D-1|Last month end|Change vs month end|MTD debits|"
                    "MTD credits|YTD debits|YTD credits");
  /* a 科目余额表 ties pairwise: Σ debit balances = Σ credit balances */
  g_autofree char *opening = itest_db_value(demo_db(&config), "baitiao_report", "SELECT sum(greatest(closing_fen, 0)) FROM gl_daily_balances"
                                                      " WHERE business_date = '2026-03-15'");
  CU_ASSERT_STRING_NOT_EQUAL(opening, "0");
  itest_fact(facts, "total trial_balance_20260316.xlsx | Trial balance | Opening debit | %s", opening);
  itest_fact(facts, "total trial_balance_20260316.xlsx | Trial balance | Opening credit | %s", opening);
  itest_fact(facts, "sheet trial_balance_20260316.xlsx | Cover");
  itest_fact(facts, "cover trial_balance_20260316.xlsx | Business date: 2026-03-16");
  itest_fact(facts, "cover trial_balance_20260316.xlsx | Amounts in CNY yuan");
  itest_fact(facts, "unit trial_balance_20260316.xlsx | Trial balance | Amounts in CNY yuan");
  itest_fact(facts, "pagefooter trial_balance_20260316.xlsx | Trial balance | Page &P of &N");
  itest_fact(facts, "link trial_balance_20260316.xlsx | Trial balance | 'Trial balance'!A1 | 14");
}

/* [report] timezone: every time a report shows is in that zone (here +05:30, which has
 * no daylight saving); a zone name that does not exist is a configuration error. */
static void
test_time_zone_from_config(void)
{
  char *config = NULL;   /* demo_db keeps it */
  const char *db = demo_db(&config);
  g_autofree char *kolkata = itest_write_config(db, "[report]\ntimezone = Asia/Kolkata\n");
  g_autofree char *out = fresh_dir("reports_tz");
  g_autofree char *specs = itest_top_file("reports", NULL);
  g_autoptr(ItestRun) run = itest_baitiao_config(kolkata, (const char *[]) { "report", "reconciliation", "--date",
                                                                             "2026-03-14", "--lang", "en", "--out",
                                                                             out, "--specs", specs, NULL }, NULL);
  CU_ASSERT_EQUAL_FATAL(run->status, 0);
  g_autofree char *facts = read_back(out, (const char *[]) { "reconciliation_20260314.xlsx", NULL });
  g_autofree char *started = itest_db_value(db, "baitiao_report", "SELECT to_char(started_at AT TIME ZONE 'Asia/Kolkata',"
                                          " 'YYYY-MM-DD HH24:MI:SS') FROM recon_runs"
                                          " WHERE business_date = '2026-03-14' ORDER BY recon_run_id LIMIT 1");
  itest_fact(facts, "first reconciliation_20260314.xlsx | Runs | Started | %s", started);
  ITEST_ASSERT_CONTAINS(facts, " +05:30 (Asia/Kolkata)\n");
  ITEST_ASSERT_CONTAINS(facts, "\ncover reconciliation_20260314.xlsx | Data as of: ");
  ITEST_ASSERT_CONTAINS(facts, " +05:30\ncover reconciliation_20260314.xlsx | The day's");
  g_autofree char *mars = itest_write_config(db, "[report]\ntimezone = Mars/Olympus_Mons\n");
  g_autoptr(ItestRun) bad = itest_baitiao_config(mars, (const char *[]) { "report", "reconciliation", "--out", out,
                                                                          "--specs", specs, NULL }, NULL);
  CU_ASSERT_EQUAL(bad->status, 2);
  g_autofree char *where = g_strdup_printf("%s:9: key \"timezone\" in group [report]", mars);
  ITEST_ASSERT_CONTAINS(bad->err, where);
  ITEST_ASSERT_CONTAINS(bad->err, "Mars/Olympus_Mons");
}

/* A sheet whose query returns nothing says why (the spec's empty_zh/_en, else the
 * default line), keeps its header and a totals row of 0; cover = names the key figures. */
static void
test_empty_sheet_says_why(void)
{
  char *config = NULL;   /* demo_db keeps it */
  demo_db(&config);
  g_autofree char *specs = fresh_dir("specs_empty");
  g_autofree char *out = fresh_dir("out_empty");
  static const char text[] =
    "[report]\ntitle_zh = 测试\ntitle_en = Test\nsheets = s; t\n\n"
    "[sheet s]\nname_zh = 表\nname_en = Sheet\ntotals = true\ncolumns = code; amount; n\ncover = n\n"
    "empty_zh = 本日无差异\nempty_en = no breaks on this date\n"
    "sql = SELECT account_code, 1::bigint, 2::bigint FROM gl_accounts WHERE false\n\n"
    "[column s.code]\nlabel_zh = 代码\nlabel_en = Code\ntype = id\n\n"
    "[column s.amount]\nlabel_zh = 金额\nlabel_en = Amount\ntype = money\n\n"
    "[column s.n]\nlabel_zh = 笔数\nlabel_en = Count\ntype = count\n\n"
    "[sheet t]\nname_zh = 表二\nname_en = Sheet two\ncolumns = at\n"
    "sql = SELECT '2026-03-14 23:59:58.75+08'::text FROM gl_accounts WHERE false\n\n"
    "[column t.at]\nlabel_zh = 时间\nlabel_en = At\ntype = datetime\n";
  g_autofree char *path = write_spec(specs, "empty", text);
  g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "report", "empty", "--date", "2026-03-14", "--out", out,
                                                               "--specs", specs, NULL });
  CU_ASSERT_EQUAL_FATAL(run->status, 0);
  g_autoptr(ItestRun) en = baitiao(config, (const char *[]) { "report", "empty", "--date", "2026-03-15", "--lang", "en",
                                                              "--out", out, "--specs", specs, NULL });
  CU_ASSERT_EQUAL_FATAL(en->status, 0);
  g_autofree char *facts = read_back(out, (const char *[]) { "empty_20260314.xlsx", "empty_20260315.xlsx", NULL });
  itest_fact(facts, "empty empty_20260314.xlsx | 表 | 本日无差异");
  itest_fact(facts, "rows empty_20260314.xlsx | 表 | 0");
  itest_fact(facts, "header empty_20260314.xlsx | 表 | 代码|金额|笔数");
  itest_fact(facts, "total empty_20260314.xlsx | 表 | 金额 | 0");
  itest_fact(facts, "formula empty_20260314.xlsx | 表 | 金额 | =SUBTOTAL(109,B8:B8)");
  itest_fact(facts, "empty empty_20260314.xlsx | 表二 | 本日无数据");
  itest_fact(facts, "empty empty_20260315.xlsx | Sheet | no breaks on this date");
  itest_fact(facts, "empty empty_20260315.xlsx | Sheet two | No rows on this date");
  /* cover = n: that total only */
  itest_fact(facts, "figure empty_20260314.xlsx | 表 | 笔数 | 0 | ='表'!C9");
  CU_ASSERT_PTR_NULL(strstr(facts, "figure empty_20260314.xlsx | 表 | 金额"));
  /* the spec's new keys are checked like the others */
  g_autofree char *bad_text = g_strdup(text);
  char *at = strstr(bad_text, "cover = n");
  memcpy(at, "cover = c", strlen("cover = c"));
  g_autofree char *bad_cover = write_spec(specs, "bad_cover", bad_text);
  g_autoptr(ItestRun) bad = baitiao(config, (const char *[]) { "report", "bad_cover", "--out", out, "--specs", specs,
                                                               NULL });
  CU_ASSERT_EQUAL(bad->status, 2);
  ITEST_ASSERT_CONTAINS(bad->err, "bad_cover.report:11: key \"cover\" in group [sheet s]");
  g_autofree char *cover_name = g_strdup(text);
  char *name = strstr(cover_name, "name_en = Sheet two");
  memcpy(name, "name_en = Cover    ", strlen("name_en = Cover    "));
  g_autofree char *clash_path = write_spec(specs, "cover_name", cover_name);
  g_autoptr(ItestRun) clash = baitiao(config, (const char *[]) { "report", "cover_name", "--out", out, "--specs",
                                                                 specs, NULL });
  CU_ASSERT_EQUAL(clash->status, 2);
  ITEST_ASSERT_CONTAINS(clash->err, "cover sheet");
  ITEST_ASSERT_CONTAINS(clash->err, clash_path);
  (void) path;
  (void) bad_cover;
}

/* A timestamp column with a row: a real date-time cell, to the second. */
static void
test_datetime_and_id_cells(void)
{
  char *config = NULL;   /* demo_db keeps it */
  demo_db(&config);
  g_autofree char *specs = fresh_dir("specs_datetime");
  g_autofree char *out = fresh_dir("out_datetime");
  static const char text[] =
    "[report]\ntitle_zh = 测试\ntitle_en = Test\nsheets = s\n\n"
    "[sheet s]\nname_zh = 表\nname_en = Sheet\ncolumns = id; at\n"
    "sql = VALUES ('123456789012345', '2026-03-14 23:59:58.75+08'), ('0012', '2026-03-15 00:00:01'),"
    " ('1234567890123456', '')\n\n"
    "[column s.id]\nlabel_zh = 编号\nlabel_en = Id\ntype = id\n\n"
    "[column s.at]\nlabel_zh = 时间\nlabel_en = At\ntype = datetime\n";
  g_autofree char *cells = write_spec(specs, "cells", text);
  g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "report", "cells", "--date", "2026-03-14", "--out", out,
                                                               "--specs", specs, NULL });
  CU_ASSERT_EQUAL_FATAL(run->status, 0);
  g_autofree char *facts = read_back(out, (const char *[]) { "cells_20260314.xlsx", NULL });
  itest_fact(facts, "rows cells_20260314.xlsx | 表 | 3");
  itest_fact(facts, "first cells_20260314.xlsx | 表 | 编号 | 123456789012345");
  itest_fact(facts, "kind cells_20260314.xlsx | 表 | 编号 | int");
  itest_fact(facts, "format cells_20260314.xlsx | 表 | 编号 | 0");
  itest_fact(facts, "first cells_20260314.xlsx | 表 | 时间 | 2026-03-14 23:59:58");
  itest_fact(facts, "kind cells_20260314.xlsx | 表 | 时间 | datetime");
  /* a leading zero or 16 digits would not survive a number cell: those stay text */
  itest_fact(facts, "cell cells_20260314.xlsx | 表 | A9 | str | 0012");
  itest_fact(facts, "cell cells_20260314.xlsx | 表 | A10 | str | 1234567890123456");
  itest_fact(facts, "cell cells_20260314.xlsx | 表 | B10 | none | None");
  g_autofree char *bad = g_strdup(text);
  char *at = strstr(bad, "00:00:01");
  memcpy(at, "25:00:01", 8);
  g_autofree char *bad_path = write_spec(specs, "bad_cells", bad);
  g_autoptr(ItestRun) fail = baitiao(config, (const char *[]) { "report", "bad_cells", "--date", "2026-03-14", "--out",
                                                                out, "--specs", specs, NULL });
  CU_ASSERT_EQUAL(fail->status, 1);
  ITEST_ASSERT_CONTAINS(fail->err, bad_path);
  (void) cells;
  ITEST_ASSERT_CONTAINS(fail->err, "column at (datetime) got \"2026-03-15 25:00:01\"");
}

/* A sheet longer than a worksheet goes on in "NAME (2)", …: every part has the title,
 * header, frozen panes and filter; the parts' rows add up to every loan, and the
 * totals row on the last part is the whole sheet's. Here a worksheet takes one row
 * (BAITIAO_REPORT_SHEET_ROWS); in production 1 048 569. */
static void
test_long_sheet_continues_on_more_worksheets(void)
{
  char *config = NULL;   /* demo_db keeps it */
  const char *db = demo_db(&config);
  g_autofree char *out = fresh_dir("reports_parts");
  g_autofree char *specs = itest_top_file("reports", NULL);
  const char *env[] = { "BAITIAO_REPORT_SHEET_ROWS=1", NULL };
  g_autoptr(ItestRun) run = itest_baitiao_config(config, (const char *[]) { "report", "loan_listing", "--date",
                                                                            "2026-03-16", "--out", out, "--specs",
                                                                            specs, NULL }, env);
  CU_ASSERT_EQUAL_FATAL(run->status, 0);
  g_autofree char *loans = itest_db_value(db, "baitiao_report", "SELECT count(*) FROM loans WHERE origination_date <= '2026-03-16'");
  g_autofree char *principal = itest_db_value(db, "baitiao_report", "SELECT sum(principal_fen) FROM loans"
                                            " WHERE origination_date <= '2026-03-16'");
  int n = atoi(loans);
  CU_ASSERT_FATAL(n >= 2);
  int parts = n;
  const char *file = "loan_listing_20260316.xlsx";
  g_autofree char *facts = read_back(out, (const char *[]) { file, NULL });
  gint64 sum = 0;
  for (int p = 1; p <= parts; p++) {
    g_autofree char *sheet = p == 1 ? g_strdup("借据明细") : g_strdup_printf("借据明细 (%d)", p);
    itest_fact(facts, "sheet %s | %s", file, sheet);
    itest_fact(facts, "freeze %s | %s | A8", file, sheet);
    itest_fact(facts, "rows %s | %s | 1", file, sheet);
    g_autofree char *prefix = g_strdup_printf("\nsum %s | %s | 借款本金 | ", file, sheet);
    const char *at = strstr(facts, prefix);
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    sum += g_ascii_strtoll(at + strlen(prefix), NULL, 10);
  }
  g_autofree char *beyond = g_strdup_printf("sheet %s | 借据明细 (%d)\n", file, parts + 1);
  CU_ASSERT_PTR_NULL(strstr(facts, beyond));
  CU_ASSERT_EQUAL(sum, g_ascii_strtoll(principal, NULL, 10));
  g_autofree char *last = parts == 1 ? g_strdup("借据明细") : g_strdup_printf("借据明细 (%d)", parts);
  itest_fact(facts, "total %s | %s | 借款本金 | %s", file, last, principal);
  /* the last part's SUBTOTAL covers every part's rows; the cover links each part */
  g_autofree char *ranges = g_strdup("=SUBTOTAL(109");
  for (int p = 1; p <= parts; p++) {
    g_autofree char *prev = ranges;
    g_autofree char *sheet = p == 1 ? g_strdup("'借据明细'!") : p < parts ? g_strdup_printf("'借据明细 (%d)'!", p)
                                                                          : g_strdup("");
    ranges = g_strdup_printf("%s,%sH8:H8", prev, sheet);
  }
  itest_fact(facts, "formula %s | %s | 借款本金 | %s)", file, last, ranges);
  itest_fact(facts, "link %s | %s | '%s'!A1 | 1", file, last, last);
}


static const char spec_head[] =
  "[report]\ntitle_zh = 测试\ntitle_en = Test\nsheets = s\n\n"
  "[sheet s]\nname_zh = 表\nname_en = Sheet\ntotals = true\ncolumns = code; amount\n";

static void
test_bad_column_type_names_file_and_key(void)
{
  char *config = NULL;   /* demo_db keeps it */
  demo_db(&config);
  g_autofree char *specs = fresh_dir("specs_bad_type");
  g_autofree char *out = fresh_dir("out_bad_type");
  g_autofree char *text = g_strconcat(spec_head, "sql = SELECT account_code, 1::bigint FROM gl_accounts\n\n"
                                      "[column s.code]\nlabel_zh = 代码\nlabel_en = Code\ntype = text\n\n"
                                      "[column s.amount]\nlabel_zh = 金额\nlabel_en = Amount\ntype = monee\n", NULL);
  g_autofree char *path = write_spec(specs, "bad_type", text);
  g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "report", "bad_type", "--out", out, "--specs", specs,
                                                               NULL });
  CU_ASSERT_EQUAL(run->status, 2);
  g_autofree char *where = g_strdup_printf("%s:21: key \"type\" in group [column s.amount]", path);
  ITEST_ASSERT_CONTAINS(run->err, where);
  ITEST_ASSERT_CONTAINS(run->err, "monee");
  CU_ASSERT_EQUAL(itest_dir_entries(out), 0);
}

static void
test_sql_error_names_file_and_key_and_leaves_nothing(void)
{
  char *config = NULL;   /* demo_db keeps it */
  demo_db(&config);
  g_autofree char *specs = fresh_dir("specs_bad_sql");
  g_autofree char *out = fresh_dir("out_bad_sql");
  g_autofree char *text = g_strconcat(spec_head, "sql = SELECT account_code, no_such_column\n"
                                      "        FROM gl_accounts\n\n"
                                      "[column s.code]\nlabel_zh = 代码\nlabel_en = Code\ntype = text\n\n"
                                      "[column s.amount]\nlabel_zh = 金额\nlabel_en = Amount\ntype = money\n", NULL);
  g_autofree char *path = write_spec(specs, "bad_sql", text);
  g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "report", "bad_sql", "--out", out, "--specs", specs,
                                                               NULL });
  CU_ASSERT_EQUAL(run->status, 1);
  g_autofree char *where = g_strdup_printf("%s:11: key \"sql\" in group [sheet s]", path);
  ITEST_ASSERT_CONTAINS(run->err, where);
  ITEST_ASSERT_CONTAINS(run->err, "no_such_column");
  CU_ASSERT_EQUAL(itest_dir_entries(out), 0);
  /* a column count that does not match the spec is caught too */
  g_autofree char *short_text = g_strconcat(spec_head, "sql = SELECT account_code FROM gl_accounts\n\n"
                                            "[column s.code]\nlabel_zh = 代码\nlabel_en = Code\ntype = text\n\n"
                                            "[column s.amount]\nlabel_zh = 金额\nlabel_en = Amount\ntype = money\n",
                                            NULL);
  g_autofree char *short_path = write_spec(specs, "bad_shape", short_text);
  g_autoptr(ItestRun) shape = baitiao(config, (const char *[]) { "report", "bad_shape", "--out", out, "--specs",
                                                                 specs, NULL });
  CU_ASSERT_EQUAL(shape->status, 1);
  ITEST_ASSERT_CONTAINS(shape->err, "returns 1 columns but key \"columns\" lists 2");
  ITEST_ASSERT_CONTAINS(shape->err, short_path);
  CU_ASSERT_EQUAL(itest_dir_entries(out), 0);
}

static void
test_unwritable_out_and_open_date(void)
{
  char *config = NULL;   /* demo_db keeps it */
  demo_db(&config);
  g_autofree char *specs = itest_top_file("reports", NULL);
  g_autofree char *file = g_build_filename(itest_tmpdir(), "not_a_dir", NULL);
  CU_ASSERT_FATAL(g_file_set_contents(file, "x", -1, NULL));
  g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "report", "trial_balance", "--out", file,
                                                               "--specs", specs, NULL });
  CU_ASSERT_EQUAL(run->status, 1);
  ITEST_ASSERT_CONTAINS(run->err, file);
  g_autofree char *out = fresh_dir("out_open_date");
  g_autoptr(ItestRun) open = baitiao(config, (const char *[]) { "report", "trial_balance", "--date", "2026-03-17",
                                                                "--out", out, "--specs", specs, NULL });
  CU_ASSERT_EQUAL(open->status, 1);
  ITEST_ASSERT_CONTAINS(open->err, "2026-03-17 is not closed");
  CU_ASSERT_EQUAL(itest_dir_entries(out), 0);
  g_autoptr(ItestRun) unknown = baitiao(config, (const char *[]) { "report", "no_such_report", "--specs", specs,
                                                                   NULL });
  CU_ASSERT_EQUAL(unknown->status, 2);
}

CU_TestInfo itest_report_cases[] = {
  ITEST_FAULT_CASE("long sheet continues on more worksheets", test_long_sheet_continues_on_more_worksheets)
  { "every report reads back and ties", test_every_report_reads_back_and_ties },
  { "default date, English, rerun", test_default_date_english_and_rerun },
  { "time zone from config", test_time_zone_from_config },
  { "empty sheet says why", test_empty_sheet_says_why },
  { "datetime and id cells", test_datetime_and_id_cells },
  { "bad column type names file and key", test_bad_column_type_names_file_and_key },
  { "SQL error names file and key, leaves nothing", test_sql_error_names_file_and_key_and_leaves_nothing },
  { "unwritable out and open date", test_unwritable_out_and_open_date },
  CU_TEST_INFO_NULL,
};
