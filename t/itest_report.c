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

#define CHECK_PYTHON "/usr/bin/python3"   /* Debian's, where python3-openpyxl is */

static const char *const report_names[] = {
  "aging", "channel_settlement", "daily_operations", "loan_listing", "maturity_ladder",
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

static char *
db_value(const char *db, const char *sql)
{
  PGconn *c = itest_connect(db, "baitiao_report");
  char *v = itest_query(c, sql);
  PQfinish(c);
  return v;
}

/* check_xlsx.py's facts about FILES (NULL terminated), one per line. */
static char *
read_back(const char *dir, const char *const *files)
{
  g_autofree char *script = itest_top_file("t", "check_xlsx.py");
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(argv, g_strdup(CHECK_PYTHON));
  g_ptr_array_add(argv, g_strdup(script));
  for (int i = 0; files[i]; i++)
    g_ptr_array_add(argv, g_build_filename(dir, files[i], NULL));
  g_ptr_array_add(argv, NULL);
  char *out = NULL, *err = NULL;
  int status = -1;
  gboolean ran = g_spawn_sync(NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                              &status, NULL);
  if (!ran || status != 0)
    fprintf(stderr, "\n  check_xlsx.py failed: %s\n", err ? err : "(did not run)");
  CU_ASSERT_FATAL(ran && status == 0);
  g_free(err);
  return out;
}

static void
assert_fact(const char *facts, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
assert_fact(const char *facts, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *fact = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_autofree char *line = g_strconcat("\n", fact, "\n", NULL);
  g_autofree char *all = g_strconcat("\n", facts, NULL);
  ITEST_ASSERT_CONTAINS(all, line);
}

static void
test_every_report_reads_back_and_ties(void)
{
  char *config = NULL;   /* demo_db keeps it */
  const char *db = demo_db(&config);
  g_autofree char *out = fresh_dir("reports_all");
  g_autofree char *specs = itest_top_file("reports", NULL);
  /* 2026-03-14: both demo repayments were applied that day */
  g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "report", "--all", "--date", "2026-03-14", "--out", out,
                                                               "--specs", specs, NULL });
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

  /* trial balance: Chinese labels, money format, frozen header, filter, debits = credits = the GL's */
  const char *tb = "trial_balance_20260314.xlsx | 试算平衡";
  assert_fact(facts, "property trial_balance_20260314.xlsx | title | 试算平衡表");
  assert_fact(facts, "header %s | 科目代码|科目名称|类别|期初余额|借方发生额|贷方发生额|期末余额", tb);
  assert_fact(facts, "format %s | 借方发生额 | #,##0.00", tb);
  assert_fact(facts, "freeze %s | A7", tb);
  assert_fact(facts, "autofilter %s | A6:G18", tb);   /* a row per postable account, 2999 (cut-over clearing) included */
  g_autofree char *debits = db_value(db, "SELECT sum(debit_fen) FROM gl_daily_balances WHERE business_date = '2026-03-14'");
  g_autofree char *credits = db_value(db, "SELECT sum(credit_fen) FROM gl_daily_balances WHERE business_date = '2026-03-14'");
  ITEST_ASSERT_STR_EQ(debits, credits);
  CU_ASSERT_STRING_NOT_EQUAL(debits, "0");
  assert_fact(facts, "total %s | 借方发生额 | %s", tb, debits);
  assert_fact(facts, "total %s | 贷方发生额 | %s", tb, credits);
  assert_fact(facts, "total %s | 期末余额 | 0", tb);
  assert_fact(facts, "sum %s | 借方发生额 | %s", tb, debits);

  /* aging: every bucket listed, a chart, principal equal to GL 1122 on the date */
  const char *ag = "aging_20260314.xlsx | 账龄分布";
  g_autofree char *gl1122 = db_value(db, "SELECT closing_fen FROM gl_daily_balances"
                                         " WHERE business_date = '2026-03-14' AND account_code = '1122'");
  assert_fact(facts, "rows %s | 8", ag);
  assert_fact(facts, "charts %s | 1", ag);
  assert_fact(facts, "format %s | 本金占比 | 0.00%%", ag);
  assert_fact(facts, "total %s | 未还本金 | %s", ag, gl1122);
  assert_fact(facts, "total aging_20260314.xlsx | 五级分类 | 未还本金 | %s", gl1122);
  assert_fact(facts, "charts aging_20260314.xlsx | 五级分类 | 1");

  /* daily operations: repayments by channel, 88.33 ALIPAY + 500.00 WECHAT */
  const char *ch = "daily_operations_20260314.xlsx | 分渠道还款";
  assert_fact(facts, "rows %s | 2", ch);
  assert_fact(facts, "total %s | 还款金额 | 58833", ch);
  assert_fact(facts, "charts %s | 1", ch);

  /* maturity ladder: past due + 12 months, with its chart; inflows = what ACTIVE loans still owe */
  const char *ml = "maturity_ladder_20260314.xlsx | 到期结构";
  g_autofree char *owed = db_value(db, "SELECT sum(i.principal_fen - i.principal_reduced_fen - i.paid_principal_fen"
                                       " - i.writeoff_principal_fen) FROM installments i JOIN loans l USING (loan_id)"
                                       " WHERE l.status = 'ACTIVE' AND i.status IN ('UNBILLED', 'BILLED')");
  assert_fact(facts, "rows %s | 13", ml);
  assert_fact(facts, "charts %s | 1", ml);
  assert_fact(facts, "total %s | 应收本金 | %s", ml, owed);

  /* loan listing: both demo loans, principal 1000.00 + 3999.99 */
  const char *ll = "loan_listing_20260314.xlsx | 借据明细";
  assert_fact(facts, "rows %s | 2", ll);
  assert_fact(facts, "total %s | 借款本金 | 499999", ll);
  assert_fact(facts, "format %s | 放款日 | yyyy-mm-dd", ll);
  /* numbered from the natural key (origination date, order id), never the loan_id */
  assert_fact(facts, "first %s | 借据号 | L20260304-O20260304001", ll);
  assert_fact(facts, "sum %s | 未还本金 | %s", ll, owed);

  /* the rest open with their sheets and headers */
  assert_fact(facts, "sheet reconciliation_20260314.xlsx | 检查项");
  assert_fact(facts, "rows reconciliation_20260314.xlsx | 检查项 | 15");
  /* the journal chain heads: one row per sealed date 03-04 … 03-14 */
  assert_fact(facts, "rows reconciliation_20260314.xlsx | 凭证哈希链 | 11");
  assert_fact(facts, "sheet channel_settlement_20260314.xlsx | 分渠道核对");
  assert_fact(facts, "sheet roll_rates_20260314.xlsx | 迁徙矩阵");
  assert_fact(facts, "rows roll_rates_20260314.xlsx | 迁徙矩阵 | 8");
  assert_fact(facts, "sheet vintage_20260314.xlsx | Vintage");
  assert_fact(facts, "sheet statements_summary_20260314.xlsx | 按账单日");

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
  assert_fact(facts, "sheet trial_balance_20260316.xlsx | Trial balance");
  assert_fact(facts, "header trial_balance_20260316.xlsx | Trial balance | "
                     "Account|Account name|Type|Opening|Debits|Credits|Closing");
  assert_fact(facts, "total trial_balance_20260316.xlsx | Trial balance | Opening | 0");
  assert_fact(facts, "total trial_balance_20260316.xlsx | Trial balance | Closing | 0");
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
  g_autofree char *loans = db_value(db, "SELECT count(*) FROM loans WHERE origination_date <= '2026-03-16'");
  g_autofree char *principal = db_value(db, "SELECT sum(principal_fen) FROM loans"
                                            " WHERE origination_date <= '2026-03-16'");
  int n = atoi(loans);
  CU_ASSERT_FATAL(n >= 2);
  int parts = n;
  const char *file = "loan_listing_20260316.xlsx";
  g_autofree char *facts = read_back(out, (const char *[]) { file, NULL });
  gint64 sum = 0;
  for (int p = 1; p <= parts; p++) {
    g_autofree char *sheet = p == 1 ? g_strdup("借据明细") : g_strdup_printf("借据明细 (%d)", p);
    assert_fact(facts, "sheet %s | %s", file, sheet);
    assert_fact(facts, "freeze %s | %s | A7", file, sheet);
    assert_fact(facts, "rows %s | %s | 1", file, sheet);
    g_autofree char *prefix = g_strdup_printf("\nsum %s | %s | 借款本金 | ", file, sheet);
    const char *at = strstr(facts, prefix);
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    sum += g_ascii_strtoll(at + strlen(prefix), NULL, 10);
  }
  g_autofree char *beyond = g_strdup_printf("sheet %s | 借据明细 (%d)\n", file, parts + 1);
  CU_ASSERT_PTR_NULL(strstr(facts, beyond));
  CU_ASSERT_EQUAL(sum, g_ascii_strtoll(principal, NULL, 10));
  g_autofree char *last = parts == 1 ? g_strdup("借据明细") : g_strdup_printf("借据明细 (%d)", parts);
  assert_fact(facts, "total %s | %s | 借款本金 | %s", file, last, principal);
}

static char *
write_spec(const char *dir, const char *name, const char *text)
{
  g_autofree char *file = g_strconcat(name, ".report", NULL);
  char *path = g_build_filename(dir, file, NULL);
  CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
  return path;
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
  { "long sheet continues on more worksheets", test_long_sheet_continues_on_more_worksheets },
  { "every report reads back and ties", test_every_report_reads_back_and_ties },
  { "default date, English, rerun", test_default_date_english_and_rerun },
  { "bad column type names file and key", test_bad_column_type_names_file_and_key },
  { "SQL error names file and key, leaves nothing", test_sql_error_names_file_and_key_and_leaves_nothing },
  { "unwritable out and open date", test_unwritable_out_and_open_date },
  CU_TEST_INFO_NULL,
};
