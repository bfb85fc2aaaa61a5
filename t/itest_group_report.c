/* Every report of a sharded group (issue 16 §5): the same generated portfolio on one
 * database and on a group of three shard databases of the test cluster (loopback
 * postgres_fdw servers, as the group suite attaches them), and `baitiao report --all` of
 * the group, at its coordinator, reading the group's book (schema grp_book, sql/0068).
 * For every report the group's CSV is the one database's, byte for byte; the sheets that
 * cannot be equal by nature (each shard's reconciliation runs, the hash chain of each
 * shard's journal, the channel-only line the coordinator keeps) are compared with what
 * they must be instead. The workbooks foot to the group's GL exactly as the one
 * database's do (foot_check.py, openpyxl). A spec reading a relation the group's book
 * lacks fails by name: nothing falls back to the coordinator's own empty tables. */
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "group.h"
#include "itest.h"

#define GEN_USERS 200
#define GEN_DAYS 45
#define GEN_START "2026-03-20"
#define GEN_MID "2026-04-09"    /* the planted settlement differences' pay date */
#define GEN_LAST "2026-05-03"   /* GEN_START + 44 days */
#define N_SHARDS 3
#define CHANNEL_ONLY_TXN "FOOTING0000001"

static const char *const shard_names[N_SHARDS] = { "s1", "s2", "s3" };

typedef struct {
  char *one, *one_config;              /* the one database */
  char *coord, *config;                /* the group's coordinator and configuration */
  char *shards[N_SHARDS];
} Books;

static Books books;

/* The portfolio's files and nights on CONFIG (one database or the group). */
static void
run_book(const char *config, const char *portfolio, const char *products)
{
  itest_load_portfolio(config, portfolio, products);
  g_autoptr(ItestRun) r = itest_baitiao_config(config, (const char *[]) { "eod", "--date", GEN_START, "--catch-up",
                                                                          "--until", GEN_LAST, "--quiet", NULL }, NULL);
  if (r->status != 0 && r->status != 3)   /* 3: the planted breaks */
    fprintf(stderr, "\n  nights exited %d: %s\n", r->status, r->err);
  CU_ASSERT_FATAL(r->status == 0 || r->status == 3);
}

static void
attach(const char *shard, const char *db)
{
  PGconn *c = itest_connect(books.coord, "baitiao_owner");
  g_autoptr(GError) error = NULL;
  gboolean ok = group_attach_shard(c, shard, g_getenv("PGHOST"), g_getenv("PGPORT"), db, &error);
  if (!ok)
    fprintf(stderr, "\n  attach %s: %s\n", shard, error->message);
  CU_ASSERT_TRUE_FATAL(ok);
  PQfinish(c);
}

/* ---- campaign figures on both books (the campaign report, sql/0071's group reads) ---- */

/* Two loans of the book with three installments or more, originated between 04-15 and
 * 04-25: A matched by a platform campaign, B by a merchant one. */
typedef struct {
  char *order_id, *user_id, *date;
} PlantedLoan;

static const char campaign_catalogue[] =
  "INSERT INTO campaign_versions (campaign_id, version, name, kind, free_periods, amount_off_fen, funder, order_from,"
  "  order_to, coupon_required, budget_fen, stack_group, stack_mode, priority, definition_sha256) VALUES"
  " ('NU3FREE', 1, '新客三期免息', 'FREE_PERIODS', 3, NULL, 'PLATFORM', '2026-03-01', '2026-12-31', false, %s,"
  "  'NEWUSER', 'EXCLUSIVE', 10, repeat('1', 64)),"
  " ('M1FREE6', 1, '品牌旗舰店六期免息', 'FREE_PERIODS', 6, NULL, 'MERCHANT', '2026-04-01', '2026-12-31', false, %s,"
  "  'MERCHANT', 'EXCLUSIVE', 5, repeat('3', 64)),"
  " ('CPN10', 1, '手续费立减十元券', 'AMOUNT_OFF', NULL, 1000, 'PLATFORM', '2026-04-10', '2026-06-30', true, %s,"
  "  'COUPON', 'EXCLUSIVE', 0, repeat('4', 64));"
  "INSERT INTO campaigns (campaign_id, current_version, budget_fen, consumed_fen, uses) VALUES"
  " ('NU3FREE', 1, %s, %d, %d), ('M1FREE6', 1, %s, %d, %d), ('CPN10', 1, %s, 0, 0)";

/* BUDGET's share I of SHARES: the floor, the remainder to the first (as campaign_set_store
 * shares a catalogue over a group). */
static char *
budget_share(gint64 budget, int i, int shares)
{
  return g_strdup_printf("%" G_GINT64_FORMAT, budget / shares + (i == 0 ? budget % shares : 0));
}

/* The loan of ORDER in the book of C, or NULL when it is not there. */
static char *
loan_of(PGconn *c, const char *order)
{
  g_autofree char *sql = g_strdup_printf("SELECT loan_id FROM loans WHERE order_id = '%s'", order);
  char *id = itest_query(c, sql);
  if (id && !*id) {
    g_free(id);
    return NULL;
  }
  return id;
}

/* The campaign figures of LOAN (campaign CAMPAIGN, 3 installments of FEN each, fates
 * FATES) and their postings, in the book of C. */
static void
plant_loan(PGconn *c, const PlantedLoan *l, const char *loan, const char *campaign, const char *funder,
           gint64 fen, const char *fates)
{
  g_autofree char *sql = g_strdup_printf(
    "INSERT INTO loan_campaigns (loan_id, campaign_id, version, user_id, origination_date, funder, discount_fen)"
    " VALUES (%s, '%s', 1, '%s', '%s', '%s', %" G_GINT64_FORMAT ");"
    "INSERT INTO campaign_days (campaign_id, business_date, eligible_orders, matched_orders, budget_refused,"
    "  discount_fen) VALUES ('%s', '%s', 3, 1, 1, %" G_GINT64_FORMAT ");"
    "INSERT INTO fee_subsidies (loan_id, installment_no, campaign_id, funder, amount_fen, billing_date, status,"
    "  earned_date, settled_date)"
    " SELECT %s, i.installment_no, '%s', '%s', %" G_GINT64_FORMAT ", i.billing_date, s.status, s.earned::date,"
    "        s.settled::date"
    "   FROM installments i JOIN (VALUES %s) s (n, status, earned, settled) ON s.n = i.installment_no"
    "  WHERE i.loan_id = %s",
    loan, campaign, l->user_id, l->date, funder, 3 * fen, campaign, l->date, 3 * fen, loan, campaign, funder, fen,
    fates, loan);
  itest_exec(c, sql);
  g_autofree char *grant = g_strdup_printf("grant-%s", campaign);
  itest_post_entry(c, l->date, "SUBSIDY", grant, strcmp(funder, "PLATFORM") == 0 ? "6601" : "2202", "2203", 3 * fen);
}

/* The campaigns in the book of C, share I of SHARES of their budgets, and the planted
 * loans it holds (LOAN_A, LOAN_B or NULL). */
static void
plant_campaigns(PGconn *c, int i, int shares, const PlantedLoan *a, const char *loan_a, const PlantedLoan *b,
                const char *loan_b)
{
  g_autofree char *nu = budget_share(100000, i, shares);
  g_autofree char *m1 = budget_share(200001, i, shares);
  g_autofree char *cp = budget_share(50000, i, shares);
  g_autofree char *catalogue = g_strdup_printf(campaign_catalogue, nu, m1, cp, nu, loan_a ? 3000 : 0, loan_a ? 1 : 0,
                                               m1, loan_b ? 1500 : 0, loan_b ? 1 : 0, cp);
  itest_exec(c, catalogue);
  if (loan_a) {
    plant_loan(c, a, loan_a, "NU3FREE", "PLATFORM", 1000,
               "(1, 'EARNED', '2026-04-30', NULL), (2, 'RETURNED', NULL, '2026-04-30'), (3, 'PENDING', NULL, NULL)");
    itest_post_entry(c, "2026-04-30", "SUBSIDY", "earn-a", "2203", "6011", 1000);
    itest_post_entry(c, "2026-04-30", "SUBSIDY", "return-a", "2203", "6601", 1000);
    g_autofree char *coupon = g_strdup_printf(
      "INSERT INTO coupons (coupon_id, user_id, campaign_id, valid_from, valid_to) VALUES"
      " ('QA1', '%s', 'CPN10', '2026-04-10', '2026-05-31'), ('QA2', '%s', 'CPN10', '2026-04-10', '2026-04-12');"
      "INSERT INTO coupon_uses (coupon_id, order_id, used_date) VALUES ('QA1', '%s', '%s')",
      a->user_id, a->user_id, a->order_id, a->date);
    itest_exec(c, coupon);
  }
  if (loan_b) {
    plant_loan(c, b, loan_b, "M1FREE6", "MERCHANT", 500,
               "(1, 'REVERSED', '2026-04-30', '2026-04-30'), (2, 'PENDING', NULL, NULL),"
               " (3, 'EARNED', '2026-05-09', NULL)");
    itest_post_entry(c, "2026-04-30", "SUBSIDY", "earn-b", "2203", "6011", 500);
    itest_post_entry(c, "2026-04-30", "SUBSIDY", "reverse-b", "6011", "2202", 500);
  }
}

static void
plant_both_books(void)
{
  PGconn *one = itest_connect(books.one, "baitiao_owner");
  PGresult *res = PQexec(one, "SELECT l.order_id, l.user_id, l.origination_date FROM loans l"
                              " WHERE l.origination_date BETWEEN '2026-04-15' AND '2026-04-25'"
                              "   AND (SELECT count(*) FROM installments i WHERE i.loan_id = l.loan_id) >= 3"
                              " ORDER BY l.origination_date, l.order_id LIMIT 2");
  CU_ASSERT_EQUAL_FATAL(PQresultStatus(res), PGRES_TUPLES_OK);
  CU_ASSERT_EQUAL_FATAL(PQntuples(res), 2);
  PlantedLoan l[2];
  for (int r = 0; r < 2; r++)
    l[r] = (PlantedLoan) { g_strdup(PQgetvalue(res, r, 0)), g_strdup(PQgetvalue(res, r, 1)),
                           g_strdup(PQgetvalue(res, r, 2)) };
  PQclear(res);
  g_autofree char *one_a = loan_of(one, l[0].order_id);
  g_autofree char *one_b = loan_of(one, l[1].order_id);
  plant_campaigns(one, 0, 1, &l[0], one_a, &l[1], one_b);
  PQfinish(one);
  int found = 0;
  for (int i = 0; i < N_SHARDS; i++) {
    PGconn *c = itest_connect(books.shards[i], "baitiao_owner");
    g_autofree char *a = loan_of(c, l[0].order_id);
    g_autofree char *b = loan_of(c, l[1].order_id);
    found += (a != NULL) + (b != NULL);
    plant_campaigns(c, i, N_SHARDS, &l[0], a, &l[1], b);
    PQfinish(c);
  }
  CU_ASSERT_EQUAL_FATAL(found, 2);
  for (int r = 0; r < 2; r++) {
    g_free(l[r].order_id);
    g_free(l[r].user_id);
    g_free(l[r].date);
  }
}

/* Both books, made once for the suite. */
static const Books *
the_books(void)
{
  if (books.config)
    return &books;
  g_autofree char *products = itest_write_products("grprep", 8, 1);
  g_autofree char *portfolio = itest_gen_portfolio("grprep-book", GEN_USERS, GEN_DAYS, 13, GEN_START, products);
  itest_plant_settlement_breaks(portfolio, CHANNEL_ONLY_TXN);
  books.one = itest_create_db("grprep_one", TRUE);
  books.one_config = itest_write_config(books.one, NULL);
  run_book(books.one_config, portfolio, products);

  books.coord = itest_create_db("grprep_coord", TRUE);
  itest_bootstrap_coordinator(books.coord);
  g_autoptr(GString) shards = g_string_new("[shards]\nnames=s1,s2,s3\n");
  for (int i = 0; i < N_SHARDS; i++) {
    books.shards[i] = itest_create_db("grprep_s", TRUE);
    g_string_append_printf(shards, "[shard %s]\ndbname=%s\n", shard_names[i], books.shards[i]);
  }
  char *config = itest_write_config(books.coord, shards->str);
  for (int i = 0; i < N_SHARDS; i++) {
    itest_baitiao_ok(config, (const char *[]) { "shard", "add", shard_names[i], NULL });
    attach(shard_names[i], books.shards[i]);
  }
  run_book(config, portfolio, products);
  books.config = config;
  plant_both_books();
  return &books;
}

/* A CSV's lines without the BOM, the header and the empty end. */
static GPtrArray *
data_lines(const char *csv)
{
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  g_auto(GStrv) lines = g_strsplit(csv, "\r\n", -1);
  for (int i = 1; lines[i]; i++)
    if (*lines[i])
      g_ptr_array_add(out, g_strdup(lines[i]));
  return out;
}

/* The sheets of reconciliation whose group figures differ from the one database's by
 * nature, checked by the cases below instead. */
static gboolean
by_nature(const char *file)
{
  return g_str_has_prefix(file, "reconciliation_runs_") || g_str_has_prefix(file, "reconciliation_chain_heads_")
         || g_str_has_prefix(file, "reconciliation_open_breaks_");
}

/* Every CSV of DATE: the group's = the one database's, byte for byte (the sheets by
 * nature aside); returns how many files had data rows. */
static guint
compare_csv(const char *date, const char *lang)
{
  const Books *b = the_books();
  g_autofree char *one_name = g_strdup_printf("grprep-csv-one-%s%s", date, strcmp(lang, "zh") ? "-en" : "");
  g_autofree char *grp_name = g_strdup_printf("grprep-csv-group-%s%s", date, strcmp(lang, "zh") ? "-en" : "");
  const char *args[] = { "--all", "--format", "csv", "--lang", lang, NULL };
  g_autofree char *one = itest_render(b->one_config, one_name, date, args);
  g_autofree char *grp = itest_render(b->config, grp_name, date, args);
  g_autoptr(GPtrArray) one_files = itest_files_of(one, ".csv");
  g_autoptr(GPtrArray) grp_files = itest_files_of(grp, ".csv");
  CU_ASSERT_EQUAL_FATAL(grp_files->len, one_files->len);
  CU_ASSERT_EQUAL(one_files->len, 24);   /* every sheet of the 11 reports */
  guint with_rows = 0;
  for (guint i = 0; i < one_files->len; i++) {
    const char *f = one_files->pdata[i];
    ITEST_ASSERT_STR_EQ(grp_files->pdata[i], f);
    g_autofree char *a = itest_read_text(one, f);
    g_autofree char *g = itest_read_text(grp, f);
    g_autoptr(GPtrArray) rows = data_lines(a);
    with_rows += rows->len > 0;
    if (by_nature(f))
      continue;
    if (strcmp(a, g) != 0)
      fprintf(stderr, "\n  %s of %s differs: one database\n%s\n  group\n%s\n", f, date, a, g);
    CU_ASSERT_STRING_EQUAL(g, a);
  }
  return with_rows;
}

static void
test_every_csv_report_of_the_group_is_the_one_databases(void)
{
  /* the last night's, and the day the planted settlement differences were paid */
  guint last = compare_csv(GEN_LAST, "zh");
  guint mid = compare_csv(GEN_MID, "zh");
  /* not an equality of empty files: most sheets have rows on both dates */
  CU_ASSERT_TRUE(last >= 17);
  CU_ASSERT_TRUE(mid >= 15);
  /* the campaign report has the planted campaigns' rows, read from the shards */
  g_autofree char *cdir = g_build_filename(itest_tmpdir(), "grprep-csv-group-" GEN_LAST, NULL);
  g_autofree char *campaigns = itest_read_text(cdir, "campaigns_campaigns_20260503.csv");
  ITEST_ASSERT_CONTAINS(campaigns, "\r\nM1FREE6,品牌旗舰店六期免息,免息期,商户贴息,2000.01,15.00,1985.01,3,1,1,0.333333,0,0,,"
                                   "15.00,0.00,0.00,5.00,10.00,10.00\r\n");
  ITEST_ASSERT_CONTAINS(campaigns, "\r\nNU3FREE,新客三期免息,免息期,平台（营销费用）,1000.00,30.00,970.00,3,1,1,0.333333,0,0,,"
                                   "30.00,10.00,10.00,0.00,10.00,20.00\r\n");
  ITEST_ASSERT_CONTAINS(campaigns, "\r\nCPN10,手续费立减十元券,手续费立减,平台（营销费用）,500.00,0.00,500.00,0,0,0,,2,1,0.500000,");
  /* the labels of the codes and accounts (code_label, gl_accounts) in English too */
  CU_ASSERT_EQUAL(compare_csv(GEN_LAST, "en"), last);
  /* the coordinator's own settlement line (长款) is in the group's match, as in the one
   * database's; the mismatch routed to a shard beside it */
  g_autofree char *dir = g_build_filename(itest_tmpdir(), "grprep-csv-group-" GEN_MID, NULL);
  g_autofree char *unmatched = itest_read_text(dir, "channel_settlement_unmatched_20260409.csv");
  ITEST_ASSERT_CONTAINS(unmatched, "\r\nALIPAY," CHANNEL_ONLY_TXN ",CHANNEL_ONLY,");
  ITEST_ASSERT_CONTAINS(unmatched, ",AMOUNT_MISMATCH,");
  /* and the sheets are the group's: three shards each hold part of the loans */
  for (int i = 0; i < N_SHARDS; i++) {
    g_autofree char *n = itest_db_value(books.shards[i], "baitiao_report", "SELECT count(*) > 10 FROM loans");
    ITEST_ASSERT_STR_EQ(n, "t");
  }
}

/* Each shard's own CSV of REPORT on GEN_LAST (--shard NAME), rendered once per shard. */
static char *
shard_csv(const char *shard, const char *report, const char *file)
{
  g_autofree char *name = g_strdup_printf("grprep-shard-%s-%s", shard, report);
  g_autofree char *dir = g_build_filename(itest_tmpdir(), name, NULL);
  g_autofree char *path = g_build_filename(dir, file, NULL);
  if (!g_file_test(path, G_FILE_TEST_EXISTS))
    g_free(itest_render(books.config, name, GEN_LAST,
                        (const char *[]) { report, "--format", "csv", "--shard", shard, NULL }));
  return itest_read_text(dir, file);
}

static guint8 *
unhex(const char *hex, gsize *len)
{
  *len = strlen(hex) / 2;
  guint8 *out = g_malloc(*len ? *len : 1);
  for (gsize i = 0; i < *len; i++) {
    char byte[3] = { hex[2 * i], hex[2 * i + 1], 0 };
    out[i] = (guint8) g_ascii_strtoull(byte, NULL, 16);
  }
  return out;
}

/* The reconciliation sheets that differ by nature: the runs are each shard's own runs
 * (their ids 'SHARD:id'), and the group's journal chain head of a date is the sha256 of
 * the shards' heads in shard order (its start the group's head of the day before), over
 * the one database's dates. */
static void
test_the_groups_runs_and_chain_heads_are_the_shards(void)
{
  const Books *b = the_books();
  g_autofree char *grp = itest_render(b->config, "grprep-recon-group", GEN_LAST,
                                      (const char *[]) { "reconciliation", "--format", "csv", NULL });
  g_autofree char *one = itest_render(b->one_config, "grprep-recon-one", GEN_LAST,
                                      (const char *[]) { "reconciliation", "--format", "csv", NULL });
  g_autofree char *runs = itest_read_text(grp, "reconciliation_runs_20260503.csv");
  g_autoptr(GString) expect_runs = g_string_new(NULL);
  GPtrArray *heads[N_SHARDS];
  for (int i = 0; i < N_SHARDS; i++) {
    g_autofree char *own = shard_csv(shard_names[i], "reconciliation", "reconciliation_runs_20260503.csv");
    g_autoptr(GPtrArray) rows = data_lines(own);
    CU_ASSERT_TRUE(rows->len >= 1);
    for (guint r = 0; r < rows->len; r++)
      g_string_append_printf(expect_runs, "%s:%s\r\n", shard_names[i], (char *) rows->pdata[r]);
    g_autofree char *chain = shard_csv(shard_names[i], "reconciliation", "reconciliation_chain_heads_20260503.csv");
    heads[i] = data_lines(chain);
  }
  g_autofree char *runs_body = g_strdup(strstr(runs, "\r\n") + 2);
  ITEST_ASSERT_STR_EQ(runs_body, expect_runs->str);

  g_autofree char *group_chain = itest_read_text(grp, "reconciliation_chain_heads_20260503.csv");
  g_autofree char *one_chain = itest_read_text(one, "reconciliation_chain_heads_20260503.csv");
  g_autoptr(GPtrArray) g_rows = data_lines(group_chain);
  g_autoptr(GPtrArray) o_rows = data_lines(one_chain);
  CU_ASSERT_EQUAL_FATAL(g_rows->len, GEN_DAYS);
  CU_ASSERT_EQUAL_FATAL(o_rows->len, GEN_DAYS);
  g_autofree char *previous = NULL;
  for (guint r = 0; r < g_rows->len; r++) {
    g_auto(GStrv) f = g_strsplit(g_rows->pdata[r], ",", -1);
    g_auto(GStrv) o = g_strsplit(o_rows->pdata[r], ",", -1);
    CU_ASSERT_EQUAL_FATAL(g_strv_length(f), 4);
    ITEST_ASSERT_STR_EQ(f[0], o[0]);   /* the same sealed dates */
    g_autoptr(GChecksum) head = g_checksum_new(G_CHECKSUM_SHA256);
    g_autoptr(GChecksum) start = g_checksum_new(G_CHECKSUM_SHA256);
    gint64 entries = 0;
    for (int i = 0; i < N_SHARDS; i++) {
      CU_ASSERT_EQUAL_FATAL(heads[i]->len, g_rows->len);
      g_auto(GStrv) s = g_strsplit(heads[i]->pdata[r], ",", -1);
      ITEST_ASSERT_STR_EQ(s[0], f[0]);
      entries += g_ascii_strtoll(s[1], NULL, 10);
      gsize n = 0;
      g_autofree guint8 *h = unhex(s[2], &n);
      g_checksum_update(head, h, (gssize) n);
      g_autofree guint8 *st = unhex(s[3], &n);
      g_checksum_update(start, st, (gssize) n);
    }
    CU_ASSERT_EQUAL(g_ascii_strtoll(f[1], NULL, 10), entries);
    ITEST_ASSERT_STR_EQ(f[2], g_checksum_get_string(head));
    ITEST_ASSERT_STR_EQ(f[3], g_checksum_get_string(start));
    if (previous)
      ITEST_ASSERT_STR_EQ(f[3], previous);   /* a chain: D's start is D-1's head */
    g_free(previous);
    previous = g_strdup(f[2]);
  }
  for (int i = 0; i < N_SHARDS; i++)
    g_ptr_array_unref(heads[i]);
}

/* The one difference of substance: the one database's R7 reports the 长款 line as a break
 * of its own; in the group the line is the coordinator's (no shard's recon sees it) and
 * group recon G5 reports it. The group's open breaks are the one database's without it. */
static void
test_the_channel_only_line_is_group_recons(void)
{
  const Books *b = the_books();
  g_autofree char *one = itest_render(b->one_config, "grprep-open-one", GEN_LAST,
                                      (const char *[]) { "reconciliation", "--format", "csv", NULL });
  g_autofree char *grp = itest_render(b->config, "grprep-open-group", GEN_LAST,
                                      (const char *[]) { "reconciliation", "--format", "csv", NULL });
  g_autofree char *a = itest_read_text(one, "reconciliation_open_breaks_20260503.csv");
  g_autofree char *g = itest_read_text(grp, "reconciliation_open_breaks_20260503.csv");
  /* the same header */
  CU_ASSERT_FATAL(strstr(a, "\r\n") != NULL);
  CU_ASSERT_EQUAL(strncmp(a, g, (size_t) (strstr(a, "\r\n") - a) + 2), 0);
  g_autoptr(GPtrArray) one_rows = data_lines(a);
  g_autoptr(GPtrArray) grp_rows = data_lines(g);
  g_autoptr(GString) rest = g_string_new(NULL);
  guint channel_only = 0;
  for (guint i = 0; i < one_rows->len; i++) {
    const char *row = one_rows->pdata[i];
    if (strstr(row, ",R7,CHANNEL_ONLY,") && strstr(row, ",ALIPAY:" CHANNEL_ONLY_TXN ",0.00,12.34,")) {
      channel_only++;
      continue;
    }
    g_string_append_printf(rest, "%s\n", row);
  }
  CU_ASSERT_EQUAL(channel_only, 1);
  g_autoptr(GString) group_rows = g_string_new(NULL);
  for (guint i = 0; i < grp_rows->len; i++)
    g_string_append_printf(group_rows, "%s\n", (char *) grp_rows->pdata[i]);
  ITEST_ASSERT_STR_EQ(group_rows->str, rest->str);
  /* the group's recon of the date R7 found it on reports it: G5 */
  g_autoptr(ItestRun) r = itest_baitiao_config(b->config, (const char *[]) { "group", "recon", "--date", "2026-04-12",
                                                                             "--format", "csv", NULL }, NULL);
  CU_ASSERT_EQUAL(r->status, 3);
  ITEST_ASSERT_CONTAINS(r->out, "\nG5,CHANNEL_ONLY,ALIPAY:" CHANNEL_ONLY_TXN ",,0,1234,1234\r\n");
}

/* foot_check.py's facts about the workbooks of DIR: all eleven reports. */
static char *
read_feet(const char *dir)
{
  g_autoptr(GPtrArray) files = itest_files_of(dir, ".xlsx");
  CU_ASSERT_EQUAL_FATAL(files->len, 11);
  g_ptr_array_add(files, NULL);
  return itest_xlsx_facts("foot_check.py", dir, (const char *const *) files->pdata);
}

/* The facts without the open breaks sheet's (the 长款 line: the case above). */
static char *
facts_but_open_breaks(const char *facts)
{
  g_auto(GStrv) lines = g_strsplit(facts, "\n", -1);
  g_autoptr(GString) out = g_string_new(NULL);
  for (int i = 0; lines[i]; i++)
    if (!strstr(lines[i], "reconciliation_20260503.xlsx | 未处理差异 |"))
      g_string_append_printf(out, "%s\n", lines[i]);
  return g_string_free(g_steal_pointer(&out), FALSE);
}

/* The workbooks open (openpyxl), and every figure they rest on — totals, sums, cells,
 * the GL's foot lines (grp_book.gl_balance_fen) and the differences — is the one
 * database's; every difference row reads 0. */
static void
test_the_groups_workbooks_foot_as_the_one_databases(void)
{
  const Books *b = the_books();
  g_autofree char *one = itest_render(b->one_config, "grprep-xlsx-one", GEN_LAST, (const char *[]) { "--all", NULL });
  g_autofree char *grp = itest_render(b->config, "grprep-xlsx-group", GEN_LAST, (const char *[]) { "--all", NULL });
  g_autofree char *one_facts = read_feet(one);
  g_autofree char *grp_facts = read_feet(grp);
  guint feet = 0, nonzero = 0;
  g_auto(GStrv) lines = g_strsplit(grp_facts, "\n", -1);
  for (int i = 0; lines[i]; i++) {
    if (g_str_has_prefix(lines[i], "foot ")) {
      feet++;
      nonzero += !g_str_has_suffix(lines[i], " | 0");
    }
  }
  itest_differences_zero(grp_facts);
  CU_ASSERT_TRUE(feet >= 20);
  CU_ASSERT_TRUE(nonzero >= 10);   /* GL figures read from the shards, not the coordinator's zeros */
  g_autofree char *a = facts_but_open_breaks(one_facts);
  g_autofree char *g = facts_but_open_breaks(grp_facts);
  ITEST_ASSERT_STR_EQ(g, a);
}

/* A report of a shard (--shard NAME) is that shard's own; the three make the group's. */
static void
test_each_shards_report_is_its_part_of_the_groups(void)
{
  const Books *b = the_books();
  g_autofree char *grp = itest_render(b->config, "grprep-listing-group", GEN_LAST,
                                      (const char *[]) { "loan_listing", "--format", "csv", NULL });
  g_autofree char *g = itest_read_text(grp, "loan_listing_loans_20260503.csv");
  g_autoptr(GPtrArray) want = data_lines(g);
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
  for (int i = 0; i < N_SHARDS; i++) {
    g_autofree char *own = shard_csv(shard_names[i], "loan_listing", "loan_listing_loans_20260503.csv");
    g_autoptr(GPtrArray) rows = data_lines(own);
    CU_ASSERT_TRUE(rows->len > 10 && rows->len < want->len);
    for (guint r = 0; r < rows->len; r++)
      g_ptr_array_add(got, g_strdup(rows->pdata[r]));
  }
  g_ptr_array_sort(want, itest_compare_names);
  g_ptr_array_sort(got, itest_compare_names);
  CU_ASSERT_EQUAL_FATAL(got->len, want->len);
  for (guint r = 0; r < got->len; r++)
    ITEST_ASSERT_STR_EQ(got->pdata[r], want->pdata[r]);
}

/* A spec that reads a table the group's book does not have fails at the coordinator,
 * naming the relation, instead of reading the coordinator's own (empty) table; on one
 * database the same spec runs. A date the group has not closed is refused. */
static void
test_a_group_report_reads_nothing_but_the_groups_book(void)
{
  const Books *b = the_books();
  g_autofree char *specs = g_build_filename(itest_tmpdir(), "grprep-stray-specs", NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(specs, 0755) == 0);
  g_autofree char *spec = g_build_filename(specs, "stray.report", NULL);
  CU_ASSERT_FATAL(g_file_set_contents(spec,
    "[report]\ntitle_zh = 运行\ntitle_en = Runs\nsheets = runs\n\n"
    "[sheet runs]\nname_zh = 运行\nname_en = Runs\ncolumns = n\n"
    "sql = SELECT count(*) FROM job_runs WHERE $1::date IS NOT NULL AND $2::text IS NOT NULL\n\n"
    "[column runs.n]\nlabel_zh = 数\nlabel_en = N\ntype = count\n", -1, NULL));
  g_autofree char *out = g_build_filename(itest_tmpdir(), "grprep-stray-out", NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(out, 0755) == 0);
  const char *args[] = { "report", "stray", "--format", "csv", "--date", GEN_LAST, "--specs", specs, "--out", out,
                         NULL };
  g_autoptr(ItestRun) one = itest_baitiao_config(b->one_config, args, NULL);
  CU_ASSERT_EQUAL(one->status, 0);
  g_autoptr(ItestRun) grp = itest_baitiao_config(b->config, args, NULL);
  CU_ASSERT_EQUAL(grp->status, 1);
  ITEST_ASSERT_CONTAINS(grp->err, "stray.report:");
  ITEST_ASSERT_CONTAINS(grp->err, "relation \"job_runs\" does not exist");
  /* the coordinator does have a job_runs table: it is its own, and no report reads it */
  g_autofree char *own = itest_db_value(b->coord, "baitiao_report", "SELECT to_regclass('baitiao.job_runs') IS NOT NULL");
  ITEST_ASSERT_STR_EQ(own, "t");

  g_autofree char *project = itest_top_file("reports", NULL);
  g_autofree char *none = g_build_filename(itest_tmpdir(), "grprep-open-out", NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(none, 0755) == 0);
  g_autoptr(ItestRun) open = itest_baitiao_config(b->config, (const char *[]) { "report", "aging", "--date",
                                                  "2026-05-04", "--specs", project, "--out", none, NULL }, NULL);
  CU_ASSERT_EQUAL(open->status, 1);
  ITEST_ASSERT_CONTAINS(open->err, "business date 2026-05-04 is not closed for the group: 0 of its 3 shard(s) closed it;"
                                   " the group's last closed date is " GEN_LAST);
  CU_ASSERT_EQUAL(itest_dir_entries(none), 0);
}

/* A shard that does not answer: the group's report is exit 75 naming it, before any
 * figure is read, and no file is written. */
static void
test_an_unreachable_shard_stops_the_groups_report(void)
{
  const Books *b = the_books();
  PGconn *owner = itest_connect(b->coord, "baitiao_owner");
  itest_exec(owner, "ALTER SERVER shard_s3 OPTIONS (SET dbname 'grprep_nowhere')");
  g_autofree char *specs = itest_top_file("reports", NULL);
  g_autofree char *out = g_build_filename(itest_tmpdir(), "grprep-down-out", NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(out, 0755) == 0);
  g_autoptr(ItestRun) r = itest_baitiao_config(b->config, (const char *[]) { "report", "--all", "--format", "csv",
                                                                             "--specs", specs, "--out", out, NULL },
                                               NULL);
  CU_ASSERT_EQUAL(r->status, 75);
  ITEST_ASSERT_CONTAINS(r->err, "report: error: 1 shard(s) of the group unreachable:\n");
  ITEST_ASSERT_CONTAINS(r->err, "report: shard s3: could not connect to server \"shard_s3\"");
  CU_ASSERT_EQUAL(itest_dir_entries(out), 0);
  g_autofree char *back = g_strdup_printf("ALTER SERVER shard_s3 OPTIONS (SET dbname '%s')", b->shards[2]);
  itest_exec(owner, back);
  PQfinish(owner);
  /* and back, the group reads again */
  g_autoptr(ItestRun) again = itest_baitiao_config(b->config, (const char *[]) { "report", "aging", "--format", "csv",
                                                                                 "--specs", specs, "--out", out, NULL },
                                                   NULL);
  CU_ASSERT_EQUAL(again->status, 0);
}

/* A group whose shards were attached before the group's book existed (coordinator and
 * shards at the migration before sql/0068): `migrate up` of the group defines the new
 * tables' foreign tables without asking the shards, so the views of every attached shard
 * rebuild at each re-attach, and the group's book reads the shards. */
static void
test_a_group_attached_before_its_book_reads_it_after_migrate_up(void)
{
  g_autofree char *old_sql = itest_copy_sql_dir();
  g_autoptr(GPtrArray) later = itest_files_of(old_sql, ".sql");
  for (guint i = 0; i < later->len; i++)
    if (strcmp(later->pdata[i], "0068") >= 0) {
      g_autofree char *path = g_build_filename(old_sql, later->pdata[i], NULL);
      CU_ASSERT_FATAL(g_unlink(path) == 0);
    }
  g_autofree char *env_sql = g_strconcat("BAITIAO_SQL_DIR=", old_sql, NULL);
  const char *old_env[] = { env_sql, NULL };
  g_autofree char *coord = itest_create_db("grprep_up_c", FALSE);
  g_autofree char *s1 = itest_create_db("grprep_up_s", FALSE);
  g_autofree char *s2 = itest_create_db("grprep_up_s", FALSE);
  itest_bootstrap_coordinator(coord);
  g_autofree char *shards = g_strdup_printf("[shards]\nnames=s1,s2\n[shard s1]\ndbname=%s\n[shard s2]\ndbname=%s\n",
                                            s1, s2);
  g_autofree char *config = itest_write_config(coord, shards);
  g_autoptr(ItestRun) old = itest_baitiao_config(config, (const char *[]) { "migrate", "up", "--quiet", NULL }, old_env);
  CU_ASSERT_EQUAL_FATAL(old->status, 0);
  itest_baitiao_ok(config, (const char *[]) { "shard", "add", "s1", "--quiet", NULL });
  itest_baitiao_ok(config, (const char *[]) { "shard", "add", "s2", "--quiet", NULL });
  g_autofree char *before = itest_db_value(coord, "baitiao_report", "SELECT to_regnamespace('grp_book') IS NULL");
  ITEST_ASSERT_STR_EQ(before, "t");
  itest_baitiao_ok(config, (const char *[]) { "migrate", "up", "--quiet", NULL });
  PGconn *c = itest_connect(s2, "baitiao_owner");
  itest_exec(c, "INSERT INTO users (user_id, credit_limit_fen, statement_day) VALUES ('u9', 100000, 5)");
  PQfinish(c);
  g_autofree char *read = itest_db_value(coord, "baitiao_report",
    "SELECT (SELECT count(*) FROM grp_book.statements) || ' ' || (SELECT string_agg(user_id, ',') FROM grp_book.users)");
  ITEST_ASSERT_STR_EQ(read, "0 u9");
  /* the report passes the group's checks and stops at the date: none closed yet */
  g_autofree char *specs = itest_top_file("reports", NULL);
  g_autofree char *out = g_build_filename(itest_tmpdir(), "grprep-up-out", NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(out, 0755) == 0);
  g_autoptr(ItestRun) r = itest_baitiao_config(config, (const char *[]) { "report", "aging", "--specs", specs, "--out",
                                                                           out, NULL }, NULL);
  CU_ASSERT_EQUAL(r->status, 1);
  ITEST_ASSERT_CONTAINS(r->err, "the group has closed no business date yet");
}

CU_TestInfo itest_group_report_cases[] = {
  { "every csv report of the group is the one database's", test_every_csv_report_of_the_group_is_the_one_databases },
  { "the group's runs and chain heads are the shards'", test_the_groups_runs_and_chain_heads_are_the_shards },
  { "the channel-only line is group recon's", test_the_channel_only_line_is_group_recons },
  { "the group's workbooks foot as the one database's", test_the_groups_workbooks_foot_as_the_one_databases },
  { "each shard's report is its part of the group's", test_each_shards_report_is_its_part_of_the_groups },
  { "a group report reads nothing but the group's book", test_a_group_report_reads_nothing_but_the_groups_book },
  { "an unreachable shard stops the group's report", test_an_unreachable_shard_stops_the_groups_report },
  { "a group attached before its book reads it after migrate up",
    test_a_group_attached_before_its_book_reads_it_after_migrate_up },
  CU_TEST_INFO_NULL,
};
