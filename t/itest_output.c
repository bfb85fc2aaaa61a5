/* Machine-readable output and report operations through the binary: recon breaks,
 * status and report --list as text, csv and json read back by Python's own parsers
 * (t/parse_output.py); the report listing, unknown names, dates not run; [paths]
 * reports_dir; report --all --jobs N equal cell for cell to --jobs 1; a full disk
 * and a killed report leave no file behind. */
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "itest.h"

#define PYTHON "/usr/bin/python3"

static char *
fresh_dir(const char *name)
{
  static int counter;
  char *dir = g_strdup_printf("%s/%s-%d-%d", itest_tmpdir(), name, (int) getpid(), ++counter);
  CU_ASSERT_FATAL(g_mkdir_with_parents(dir, 0755) == 0);
  return dir;
}

static void
expect_status(const ItestRun *run, int status)
{
  if (run->status != status)
    fprintf(stderr, "\n  exit %d, expected %d; stderr:\n%s\n", run->status, status, run->err);
  CU_ASSERT_EQUAL(run->status, status);
}

/* t/parse_output.py's reading of TEXT as KIND (csv, json) or of the file PATH (xlsx). */
static char *
parse_back(const char *kind, const char *text, const char *path)
{
  static int counter;
  g_autofree char *file = NULL;
  if (text) {
    file = g_strdup_printf("%s/output-%d-%d.%s", itest_tmpdir(), (int) getpid(), ++counter, kind);
    CU_ASSERT_FATAL(g_file_set_contents(file, text, -1, NULL));
    path = file;
  }
  g_autofree char *script = itest_top_file("t", "parse_output.py");
  const char *argv[] = { PYTHON, script, kind, path, NULL };
  char *out = NULL, *err = NULL;
  int status = -1;
  gboolean ran = g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, NULL);
  if (!ran || status != 0)
    fprintf(stderr, "\n  parse_output.py %s %s failed: %s\n", kind, path, err ? err : "(did not run)");
  CU_ASSERT_FATAL(ran && status == 0);
  g_free(err);
  return out;
}

static guint
count_lines(const char *s)
{
  guint n = 0;
  for (; s && *s; s++)
    n += *s == '\n';
  return n;
}

/* ---- recon breaks ------------------------------------------------------------ */

/* Two breaks: a 长款 whose key and note hold every character CSV and JSON must quote
 * or escape (comma, quote, newline, a control character, Chinese), and a plain one. */
static char *
breaks_db(char **id1, char **id2)
{
  char *db = itest_create_db("out_breaks", TRUE);
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *run = itest_query(c, "INSERT INTO recon_runs (business_date, status, ended_at)"
                                        " VALUES ('2026-03-04', 'SUCCEEDED', now()) RETURNING recon_run_id");
  g_autofree char *sql1 = g_strdup_printf(
    "INSERT INTO recon_breaks (recon_run_id, business_date, check_id, break_type, break_key, expected_fen,"
    " actual_fen, diff_fen, severity, note) VALUES (%s, '2026-03-04', 'R7', 'CHANNEL_ONLY', 'ALIPAY:X1,\"2\"',"
    " 0, 12345, 12345, 'MEDIUM', E'first line\\nsecond \"quoted\", 中文\\x01') RETURNING break_id", run);
  *id1 = itest_query(c, sql1);
  g_autofree char *sql2 = g_strdup_printf(
    "INSERT INTO recon_breaks (recon_run_id, business_date, check_id, break_key, expected_fen, actual_fen,"
    " diff_fen) VALUES (%s, '2026-03-04', 'R8', 'U1001', 100, 99, -1) RETURNING break_id", run);
  *id2 = itest_query(c, sql2);
  PQfinish(c);
  return db;
}

static void
test_recon_breaks_in_every_format(void)
{
  g_autofree char *id1 = NULL, *id2 = NULL;
  g_autofree char *db = breaks_db(&id1, &id2);
  g_autofree char *config = itest_write_config(db, NULL);

  g_autoptr(ItestRun) csv = itest_baitiao_config(config, (const char *[]) { "recon", "breaks", "--format", "csv",
                                                                            NULL }, NULL);
  expect_status(csv, 0);
  /* records end CRLF; the note's own newline stays inside its quotes */
  g_autofree char *crlf_head = g_strdup_printf("break_id,business_date,check_id,break_type,break_key,expected_fen,"
                                               "actual_fen,diff_fen,severity,status,note\r\n%s,2026-03-04,R7,",
                                               id1);
  CU_ASSERT_TRUE(g_str_has_prefix(csv->out, crlf_head));
  ITEST_ASSERT_CONTAINS(csv->out, "\"ALIPAY:X1,\"\"2\"\"\",0,12345,12345,MEDIUM,OPEN,\"first line\nsecond "
                                  "\"\"quoted\"\", 中文\x01\"\r\n");
  g_autofree char *csv_back = parse_back("csv", csv->out, NULL);
  g_autofree char *csv_want = g_strdup_printf(
    "\"break_id\" \"business_date\" \"check_id\" \"break_type\" \"break_key\" \"expected_fen\" \"actual_fen\" "
    "\"diff_fen\" \"severity\" \"status\" \"note\"\n"
    "\"%s\" \"2026-03-04\" \"R7\" \"CHANNEL_ONLY\" \"ALIPAY:X1,\\\"2\\\"\" \"0\" \"12345\" \"12345\" \"MEDIUM\" "
    "\"OPEN\" \"first line\\nsecond \\\"quoted\\\", 中文\\u0001\"\n"
    "\"%s\" \"2026-03-04\" \"R8\" \"MISMATCH\" \"U1001\" \"100\" \"99\" \"-1\" \"HIGH\" \"OPEN\" \"\"\n", id1, id2);
  ITEST_ASSERT_STR_EQ(csv_back, csv_want);

  g_autoptr(ItestRun) json = itest_baitiao_config(config, (const char *[]) { "recon", "breaks", "--open",
                                                                             "--format", "json", NULL }, NULL);
  expect_status(json, 0);
  g_autofree char *json_back = parse_back("json", json->out, NULL);
  const char *keys = "\"break_id\" \"business_date\" \"check_id\" \"break_type\" \"break_key\" \"expected_fen\" "
                     "\"actual_fen\" \"diff_fen\" \"severity\" \"status\" \"note\"\n";
  g_autofree char *json_want = g_strdup_printf(
    "%s%s \"2026-03-04\" \"R7\" \"CHANNEL_ONLY\" \"ALIPAY:X1,\\\"2\\\"\" 0 12345 12345 \"MEDIUM\" \"OPEN\" "
    "\"first line\\nsecond \\\"quoted\\\", 中文\\u0001\"\n"
    "%s%s \"2026-03-04\" \"R8\" \"MISMATCH\" \"U1001\" 100 99 -1 \"HIGH\" \"OPEN\" null\n", keys, id1, keys, id2);
  ITEST_ASSERT_STR_EQ(json_back, json_want);

  /* text: as before, the note on one line, the count last */
  g_autoptr(ItestRun) text = itest_baitiao_config(config, (const char *[]) { "recon", "breaks", "--format", "text",
                                                                             NULL }, NULL);
  expect_status(text, 0);
  CU_ASSERT_TRUE(g_str_has_prefix(text->out, "    id  date       check type            key                     "
                                             "               expected         actual           diff  sev    status"
                                             "    note\n"));
  ITEST_ASSERT_CONTAINS(text->out, "          0.00         123.45         123.45  MEDIUM OPEN      first line | "
                                   "second \"quoted\", 中文\x01\n");
  ITEST_ASSERT_CONTAINS(text->out, "U1001                                      1.00           0.99          -0.01  HIGH   OPEN      \n");
  CU_ASSERT_TRUE(g_str_has_suffix(text->out, "\n2 break(s)\n"));

  /* none: an empty array, a header only */
  g_autoptr(ItestRun) none = itest_baitiao_config(config, (const char *[]) { "recon", "breaks", "--date",
                                                                             "2026-03-05", "--format", "json", NULL },
                                                  NULL);
  ITEST_ASSERT_STR_EQ(none->out, "[]\n");

  g_autoptr(ItestRun) bad = itest_baitiao_config(config, (const char *[]) { "recon", "breaks", "--format", "xml",
                                                                            NULL }, NULL);
  expect_status(bad, 2);
  ITEST_ASSERT_CONTAINS(bad->err, "--format takes text, csv or json, not \"xml\"");
  g_autoptr(ItestRun) run = itest_baitiao_config(config, (const char *[]) { "recon", "run", "--format", "csv",
                                                                            NULL }, NULL);
  expect_status(run, 2);
  ITEST_ASSERT_CONTAINS(run->err, "--format goes with breaks");
}

/* ---- status ------------------------------------------------------------------ */

static void
test_status_in_every_format(void)
{
  g_autofree char *db = itest_create_db("out_status", TRUE);
  g_autofree char *config = itest_write_config(db, NULL);
  g_autofree char *run_id = itest_db_value(db, "baitiao_batch",
    "INSERT INTO job_runs (command, business_date, status, ended_at, host, pid, exit_code, error)"
    " VALUES ('eod', '2026-03-05', 'FAILED', now(), 'batch1', 4242, 1, 'step bill failed, \"x\"\nmore')"
    " RETURNING run_id");
  g_free(itest_db_value(db, "baitiao_batch", "INSERT INTO business_calendar (business_date, status, closed_at)"
                       " VALUES ('2026-03-04', 'CLOSED', now())"));

  g_autoptr(ItestRun) json = itest_baitiao_config(config, (const char *[]) { "status", "--format", "json", NULL },
                                                  NULL);
  expect_status(json, 0);
  g_autofree char *facts = parse_back("json", json->out, NULL);
  ITEST_ASSERT_CONTAINS(facts, "\n\"schema_pending\" 0\n\"schema_drift\" null\n\"dates_closed\" 1\n"
                               "\"last_closed\" \"2026-03-04\"\n\"open_date\" null\n\"open_breaks\" 0\n"
                               "\"oldest_open_break\" null\n\"settlement_waiting\" 0\n"
                               "\"settlement_waiting_fen\" 0\n\"settlement_wait_days\" 2\n"
                               "\"audit_date\" null\n");
  ITEST_ASSERT_CONTAINS(facts, "\"audit_overdue\" true\n\"files_state\" \"not_configured\"\n");
  ITEST_ASSERT_CONTAINS(facts, "\"run_id\" \"command\" \"business_date\" \"status\" \"started_at\" \"took\" "
                               "\"where\" \"steps_succeeded\" \"steps\" \"error\"\n");
  g_autofree char *run_row = g_strdup_printf("\n%s \"eod\" \"2026-03-05\" \"FAILED\" ", run_id);
  ITEST_ASSERT_CONTAINS(facts, run_row);
  ITEST_ASSERT_CONTAINS(facts, " \"batch1:4242\" 0 0 \"step bill failed, \\\"x\\\"\"\n");

  g_autoptr(ItestRun) csv = itest_baitiao_config(config, (const char *[]) { "status", "--format", "csv", NULL },
                                                 NULL);
  expect_status(csv, 0);
  g_autofree char *kv = parse_back("csv", csv->out, NULL);
  CU_ASSERT_TRUE(g_str_has_prefix(kv, "\"key\" \"value\"\n\"database\" "));
  ITEST_ASSERT_CONTAINS(kv, "\n\"last_closed\" \"2026-03-04\"\n\"open_date\" \"\"\n");
  g_autofree char *csv_err = g_strdup_printf("\n\"run.%s.error\" \"step bill failed, \\\"x\\\"\"\n", run_id);
  ITEST_ASSERT_CONTAINS(kv, csv_err);
  g_autofree char *csv_status = g_strdup_printf("\n\"run.%s.status\" \"FAILED\"\n", run_id);
  ITEST_ASSERT_CONTAINS(kv, csv_status);

  g_autoptr(ItestRun) text = itest_baitiao_config(config, (const char *[]) { "status", NULL }, NULL);
  expect_status(text, 0);
  ITEST_ASSERT_CONTAINS(text->out, "business: 1 dates closed, last closed 2026-03-04, open none\n");
  ITEST_ASSERT_CONTAINS(text->out, "settle:   0 item(s), 0.00 yuan, of the last 3 day(s) to 2026-03-04");
  g_autoptr(ItestRun) bad = itest_baitiao_config(config, (const char *[]) { "status", "--format", "yaml", NULL },
                                                 NULL);
  expect_status(bad, 2);
  ITEST_ASSERT_CONTAINS(bad->err, "--format takes text, csv or json, not \"yaml\"");
}

/* ---- report: the listing, names, dates, reports_dir --------------------------- */

static void
test_report_lists_names_and_dates(void)
{
  g_autofree char *db = itest_create_db("out_report", TRUE);
  g_autofree char *specs = itest_top_file("reports", NULL);
  g_autofree char *out = fresh_dir("reports_dir");
  g_autofree char *extra = g_strdup_printf("[paths]\nreports_dir=%s\nreport_specs=%s\n", out, specs);
  /* [database] must stay last in the file itest_write_config writes: a config of our own */
  g_autofree char *base = itest_write_config(db, NULL);
  g_autofree char *text = NULL;
  CU_ASSERT_FATAL(g_file_get_contents(base, &text, NULL, NULL));
  g_autofree char *config = g_strdup_printf("%s.paths", base);
  g_autofree char *both = g_strconcat(extra, text, NULL);
  CU_ASSERT_FATAL(g_file_set_contents(config, both, -1, NULL));

  g_autoptr(ItestRun) list = itest_baitiao_config(config, (const char *[]) { "report", NULL }, NULL);
  expect_status(list, 0);
  CU_ASSERT_TRUE(g_str_has_prefix(list->out, "name                   title_en                           title_zh"));
  ITEST_ASSERT_CONTAINS(list->out, "\ntrial_balance          Trial balance                      科目余额表");
  g_autofree char *tail = g_strdup_printf("\n11 report(s) in %s: \"baitiao report NAME\" writes one", specs);
  ITEST_ASSERT_CONTAINS(list->out, tail);
  g_autoptr(ItestRun) json = itest_baitiao_config(config, (const char *[]) { "report", "--list", "--format", "json",
                                                                             NULL }, NULL);
  expect_status(json, 0);
  g_autofree char *back = parse_back("json", json->out, NULL);
  ITEST_ASSERT_CONTAINS(back, "\"name\" \"title_en\" \"title_zh\" \"sheets\"\n\"aging\" \"Portfolio aging\" "
                              "\"资产质量账龄报表\" \"buckets, classes\"\n");
  CU_ASSERT_EQUAL(count_lines(back), 22);   /* eleven reports: their keys and their values */
  g_autoptr(ItestRun) csv = itest_baitiao_config(config, (const char *[]) { "report", "--list", "--format", "csv",
                                                                            NULL }, NULL);
  g_autofree char *csv_back = parse_back("csv", csv->out, NULL);
  ITEST_ASSERT_CONTAINS(csv_back, "\n\"reconciliation\" \"Reconciliation\" \"对账报告\" \"checks, by_type, open_breaks, runs,"
                                  " missing_files, chain_heads\"\n");

  g_autoptr(ItestRun) typo = itest_baitiao_config(config, (const char *[]) { "report", "trial_balanse", NULL }, NULL);
  expect_status(typo, 2);
  ITEST_ASSERT_CONTAINS(typo->err, "no report \"trial_balanse\" (did you mean \"trial_balance\"?); the reports are:"
                                   " aging, campaigns, channel_settlement, daily_operations, loan_listing, maturity_ladder,"
                                   " reconciliation, roll_rates, statements_summary, trial_balance, vintage\n");
  g_autoptr(ItestRun) far = itest_baitiao_config(config, (const char *[]) { "report", "balance_sheet", NULL }, NULL);
  expect_status(far, 2);
  ITEST_ASSERT_CONTAINS(far->err, "no report \"balance_sheet\"; the reports are: aging,");
  g_autoptr(ItestRun) fmt = itest_baitiao_config(config, (const char *[]) { "report", "aging", "--format", "json",
                                                                            NULL }, NULL);
  expect_status(fmt, 2);
  g_autoptr(ItestRun) jobs = itest_baitiao_config(config, (const char *[]) { "report", "aging", "--jobs", "2",
                                                                             NULL }, NULL);
  expect_status(jobs, 2);
  ITEST_ASSERT_CONTAINS(jobs->err, "--jobs goes with --all");

  /* dates: none closed yet; not run yet (after the last closed, or open); before the book */
  g_autoptr(ItestRun) nothing = itest_baitiao_config(config, (const char *[]) { "report", "aging", NULL }, NULL);
  expect_status(nothing, 1);
  ITEST_ASSERT_CONTAINS(nothing->err, "no business date is closed yet");
  g_free(itest_db_value(db, "baitiao_batch", "INSERT INTO business_calendar (business_date, status, closed_at) VALUES"
                       " ('2026-03-04', 'CLOSED', now())"));
  g_free(itest_db_value(db, "baitiao_batch", "INSERT INTO business_calendar (business_date, status) VALUES ('2026-03-05', 'OPEN')"));
  g_autoptr(ItestRun) later = itest_baitiao_config(config, (const char *[]) { "report", "aging", "--date",
                                                                              "2026-03-09", NULL }, NULL);
  expect_status(later, 1);
  ITEST_ASSERT_CONTAINS(later->err, "business date 2026-03-09 has not been run yet: 2026-03-09 is not closed, "
                                    "no night of it has started; the last closed date is 2026-03-04\n");
  g_autoptr(ItestRun) open = itest_baitiao_config(config, (const char *[]) { "report", "aging", "--date",
                                                                             "2026-03-05", NULL }, NULL);
  expect_status(open, 1);
  ITEST_ASSERT_CONTAINS(open->err, "business date 2026-03-05 has not been run yet: 2026-03-05 is not closed, its "
                                   "night is open (started, not finished); the last closed date is 2026-03-04\n");
  g_autoptr(ItestRun) before = itest_baitiao_config(config, (const char *[]) { "report", "aging", "--date",
                                                                               "2026-03-01", NULL }, NULL);
  expect_status(before, 1);
  ITEST_ASSERT_CONTAINS(before->err, "business date 2026-03-01 is before the first business date 2026-03-04");
  CU_ASSERT_EQUAL(itest_dir_entries(out), 0);

  /* no --out, no --specs: [paths] reports_dir and report_specs */
  g_autoptr(ItestRun) ok = itest_baitiao_config(config, (const char *[]) { "report", "aging", NULL }, NULL);
  expect_status(ok, 0);
  g_autofree char *file = g_build_filename(out, "aging_20260304.xlsx", NULL);
  g_autofree char *printed = g_strconcat(file, "\n", NULL);
  ITEST_ASSERT_STR_EQ(ok->out, printed);
  CU_ASSERT_TRUE(g_file_test(file, G_FILE_TEST_IS_REGULAR));
  CU_ASSERT_EQUAL(itest_dir_entries(out), 1);
}

/* ---- report --all --jobs ----------------------------------------------------- */

static const char *const report_names[] = {
  "aging", "campaigns", "channel_settlement", "daily_operations", "loan_listing", "maturity_ladder",
  "reconciliation", "roll_rates", "statements_summary", "trial_balance", "vintage",
};

/* The example book after the nights of 2026-03-04 .. 2026-03-14, made once. */
static const char *
book_config(void)
{
  static char *config;
  if (!config) {
    g_free(itest_example_db("out_book", ITEST_EXAMPLE_KINDS, &config));
    g_autoptr(ItestRun) night = itest_baitiao_config(config, (const char *[]) { "eod", "--date", "2026-03-04",
                                                                                "--catch-up", "--until",
                                                                                "2026-03-14", NULL }, NULL);
    CU_ASSERT_FATAL(night->status == 0);
  }
  return config;
}

static ItestRun *
report_all(const char *out, const char *jobs, const char *const *env)
{
  g_autofree char *specs = itest_top_file("reports", NULL);
  return itest_baitiao_config(book_config(), (const char *[]) { "report", "--all", "--jobs", jobs, "--date",
                                                                "2026-03-14", "--out", out, "--specs", specs, NULL },
                              env);
}

/* Every file's cells, header down, as openpyxl reads them. */
static char *
cells_of(const char *dir)
{
  g_autoptr(GString) all = g_string_new(NULL);
  for (gsize i = 0; i < G_N_ELEMENTS(report_names); i++) {
    g_autofree char *path = g_strdup_printf("%s/%s_20260314.xlsx", dir, report_names[i]);
    g_autofree char *cells = parse_back("xlsx", NULL, path);
    g_string_append_printf(all, "== %s\n%s", report_names[i], cells);
  }
  return g_string_free(g_steal_pointer(&all), FALSE);
}

static char *
paths_printed(const char *dir)
{
  g_autoptr(GString) s = g_string_new(NULL);
  for (gsize i = 0; i < G_N_ELEMENTS(report_names); i++)
    g_string_append_printf(s, "%s/%s_20260314.xlsx\n", dir, report_names[i]);
  return g_string_free(g_steal_pointer(&s), FALSE);
}

static void
test_jobs_write_the_same_cells(void)
{
  g_autofree char *one = fresh_dir("jobs1");
  g_autofree char *two = fresh_dir("jobs2");
  g_autoptr(ItestRun) serial = report_all(one, "1", NULL);
  expect_status(serial, 0);
  g_autoptr(ItestRun) parallel = report_all(two, "2", NULL);
  expect_status(parallel, 0);
  /* the paths in the reports' order, whichever finished first */
  g_autofree char *want_one = paths_printed(one);
  g_autofree char *want_two = paths_printed(two);
  ITEST_ASSERT_STR_EQ(serial->out, want_one);
  ITEST_ASSERT_STR_EQ(parallel->out, want_two);
  CU_ASSERT_EQUAL(itest_dir_entries(one), G_N_ELEMENTS(report_names));
  CU_ASSERT_EQUAL(itest_dir_entries(two), G_N_ELEMENTS(report_names));
  g_autofree char *cells_one = cells_of(one);
  g_autofree char *cells_two = cells_of(two);
  ITEST_ASSERT_STR_EQ(cells_two, cells_one);
  /* not empty: the trial balance's header and its 1122 line are there */
  ITEST_ASSERT_CONTAINS(cells_one, "科目余额表!A7 \"科目代码\"\n");
  ITEST_ASSERT_CONTAINS(cells_one, " \"1122\"\n");
}

/* ---- report --format csv ------------------------------------------------------ */

static void
test_csv_report_equals_the_workbook(void)
{
  g_autofree char *out = fresh_dir("csv");
  g_autofree char *specs = itest_top_file("reports", NULL);
  const char *const names[] = { "loan_listing", "trial_balance" };
  for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autoptr(ItestRun) xlsx = itest_baitiao_config(book_config(), (const char *[]) { "report", names[i], "--date",
                                                                                      "2026-03-14", "--out", out,
                                                                                      "--specs", specs, NULL }, NULL);
    expect_status(xlsx, 0);
    g_autoptr(ItestRun) csv = itest_baitiao_config(book_config(), (const char *[]) { "report", names[i], "--date",
                                                                                     "2026-03-14", "--out", out,
                                                                                     "--specs", specs, "--format",
                                                                                     "csv", NULL }, NULL);
    expect_status(csv, 0);
    const char *sheet = i == 0 ? "loans" : "balances";
    g_autofree char *csv_path = g_strdup_printf("%s/%s_%s_20260314.csv", out, names[i], sheet);
    g_autofree char *printed = g_strconcat(csv_path, "\n", NULL);
    ITEST_ASSERT_STR_EQ(csv->out, printed);
    g_autofree char *xlsx_path = g_strdup_printf("%s/%s_20260314.xlsx", out, names[i]);
    g_autofree char *from_csv = parse_back("csv", NULL, csv_path);
    g_autofree char *from_xlsx = parse_back("rows", NULL, xlsx_path);
    /* a BOM for Excel, then the same header and cells as the workbook's */
    CU_ASSERT_TRUE(g_str_has_prefix(from_csv, "bom\n"));
    ITEST_ASSERT_STR_EQ(from_csv + strlen("bom\n"), from_xlsx);
    CU_ASSERT_TRUE(count_lines(from_xlsx) > 2);
  }
  /* RFC 4180 records end CRLF */
  g_autofree char *raw = NULL;
  g_autofree char *listing = g_strdup_printf("%s/loan_listing_loans_20260314.csv", out);
  CU_ASSERT_FATAL(g_file_get_contents(listing, &raw, NULL, NULL));
  CU_ASSERT_PTR_NOT_NULL(strstr(raw, "\r\n"));
  CU_ASSERT_EQUAL(itest_dir_entries(out), 4);
}

/* ---- failures leave nothing -------------------------------------------------- */

static guint
hidden_entries(const char *dir)
{
  guint n = 0;
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  for (const char *name; d && (name = g_dir_read_name(d));)
    n += name[0] == '.';
  return n;
}

/* Runs in the child between fork and exec: a disk that is full after LIMIT bytes of
 * any one file (EFBIG), as far as the process and its children can tell. */
static void
limit_file_size(gpointer data)
{
  rlim_t limit = *(const rlim_t *) data;
  struct rlimit r = { limit, limit };
  setrlimit(RLIMIT_FSIZE, &r);
  signal(SIGXFSZ, SIG_IGN);
}

static ItestRun *
report_all_full_disk(const char *out, const char *jobs, const char *format)
{
  /* the example book's workbooks are a few KiB, its CSV files a few hundred bytes */
  static rlim_t limit;
  limit = g_str_equal(format, "csv") ? 300 : 2048;
  g_autofree char *specs = itest_top_file("reports", NULL);
  g_autoptr(GPtrArray) argv = itest_baitiao_argv(book_config(), (const char *[]) {
    "report", "--all", "--jobs", jobs, "--date", "2026-03-14", "--out", out, "--specs", specs, "--format", format,
    NULL });
  ItestRun *run = g_new0(ItestRun, 1);
  int status = 0;
  gboolean ok = g_spawn_sync(NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, limit_file_size, &limit, &run->out,
                             &run->err, &status, NULL);
  CU_ASSERT_FATAL(ok);
  run->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

/* The lines of TEXT that contain NEEDLE, less the summary line. */
static guint
count_lines_containing(const char *text, const char *needle)
{
  g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
  guint n = 0;
  for (int i = 0; lines[i]; i++)
    if (strstr(lines[i], needle) && !strstr(lines[i], " reports failed; first: "))
      n++;
  return n;
}

static void
test_full_disk_and_kill_leave_nothing(void)
{
  const char *const jobs[] = { "1", "2", "2" };
  const char *const formats[] = { "xlsx", "xlsx", "csv" };
  for (gsize j = 0; j < G_N_ELEMENTS(jobs); j++) {
    g_autofree char *out = fresh_dir("full");
    g_autoptr(ItestRun) full = report_all_full_disk(out, jobs[j], formats[j]);
    expect_status(full, 1);
    gboolean csv = g_str_equal(formats[j], "csv");
    /* csv: which reports outgrow 300 bytes depends on their content; every one that
     * does is named, and the summary counts exactly those */
    /* (the first failure is named by the summary line only) */
    guint failed = csv ? count_lines_containing(full->err, "report: error: report ") + 1 : 11;
    CU_ASSERT_TRUE(!csv || (failed > 1 && failed < 11));
    g_autofree char *first = csv ? g_strdup_printf("%u of 11 reports failed; first: report aging: cannot write "
                                                   "%s/aging_buckets_20260314.csv: File too large", failed, out)
                                 : g_strdup_printf("11 of 11 reports failed; first: report aging: cannot write "
                                                   "%s/aging_20260314.xlsx: ", out);
    ITEST_ASSERT_CONTAINS(full->err, first);
    g_autofree char *last = csv ? g_strdup_printf("report trial_balance: cannot write %s/trial_balance_balances_"
                                                  "20260314.csv: File too large", out)
                                : g_strdup_printf("report vintage: cannot write %s/vintage_20260314.xlsx: ", out);
    ITEST_ASSERT_CONTAINS(full->err, last);
    /* no file, hidden or not (csv: the reports whose every sheet fits are written whole) */
    if (!csv)
      CU_ASSERT_EQUAL(itest_dir_entries(out), 0);
    CU_ASSERT_EQUAL(hidden_entries(out), 0);
    g_autofree char *aging = g_strdup_printf("%s/aging_classes_20260314.csv", out);
    CU_ASSERT_FALSE(g_file_test(aging, G_FILE_TEST_EXISTS));   /* not one sheet of a failed report */
  }
  /* every child killed before it renamed its file: the parent removes what they left */
  g_autofree char *out = fresh_dir("killed");
  const char *env[] = { "BAITIAO_FAULT=kill:report-before-publish", NULL };
  g_autoptr(ItestRun) killed = report_all(out, "2", env);
  expect_status(killed, 1);
  ITEST_ASSERT_CONTAINS(killed->err, "11 of 11 reports failed; first: report aging: its process was killed by "
                                     "signal 9");
  ITEST_ASSERT_CONTAINS(killed->err, "a temporary report file whose writer is gone");
  CU_ASSERT_EQUAL(itest_dir_entries(out), 0);
}

CU_TestInfo itest_output_cases[] = {
  { "recon breaks in every format", test_recon_breaks_in_every_format },
  { "status in every format", test_status_in_every_format },
  { "report lists, names and dates", test_report_lists_names_and_dates },
  { "--jobs 2 writes the same cells as --jobs 1", test_jobs_write_the_same_cells },
  { "csv report equals the workbook", test_csv_report_equals_the_workbook },
  ITEST_FAULT_CASE("full disk and kill leave nothing", test_full_disk_and_kill_leave_nothing)
  CU_TEST_INFO_NULL,
};
