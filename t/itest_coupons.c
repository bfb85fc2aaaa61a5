/* Issue 18's partner data through the real binary and database: orders.csv's optional
 * merchant_id, category and coupon_id columns into inbox_orders, and the coupons file
 * (baitiao load coupons, the spool's coupons.csv, a sharded group's load routing each
 * coupon to its user's shard). The campaigns a coupon names are inserted here as the
 * owner (campaign_versions + campaigns): the catalogue's own load is another part. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

#define SIGKILL_STATUS (128 + SIGKILL)
#define COUPON_HEADER "coupon_id,user_id,campaign_id,valid_from,valid_to\n"

static char *
data_file(const char *name, const char *text)
{
  return itest_data_file("coupons", name, text);
}

static ItestRun *
load(const char *config, const char *kind, const char *path)
{
  return itest_baitiao((const char *[]) { "load", kind, path, "--config", config, NULL }, NULL);
}

static void
load_ok(const char *config, const char *kind, const char *path)
{
  g_autoptr(ItestRun) r = load(config, kind, path);
  if (r->status != 0)
    fprintf(stderr, "\n  load %s %s exited %d: %s\n", kind, path, r->status, r->err);
  CU_ASSERT_EQUAL_FATAL(r->status, 0);
}

/* What the loads of KIND counted, file by file: "read/accepted/rejected …". */
#define FILE_COUNTS(kind) \
  "SELECT string_agg(rows_read || '/' || rows_accepted || '/' || rows_rejected, ' ' ORDER BY file_id)" \
  "  FROM load_files WHERE kind = '" kind "'"
/* What coupon loads stored: "coupons/rejects/load files". */
#define COUPONS_STORED \
  "SELECT (SELECT count(*) FROM coupons) || '/' || (SELECT count(*) FROM rejects) || '/'" \
  " || (SELECT count(*) FROM load_files WHERE kind = 'coupons')"

/* Campaign ID as the catalogue's load would store it (one version, a window over 2026). */
static void
add_campaign(PGconn *owner, const char *id)
{
  g_autofree char *sql = g_strdup_printf(
    "INSERT INTO campaign_versions (campaign_id, version, name, kind, free_periods, funder, order_from, order_to,"
    "   budget_fen, stack_group, stack_mode, definition_sha256)"
    " VALUES ('%s', 1, '新客三期免息', 'FREE_PERIODS', 3, 'MERCHANT', '2026-01-01', '2026-12-31', 50000000,"
    "   'NEWUSER', 'EXCLUSIVE', repeat('a', 64));"
    "INSERT INTO campaigns (campaign_id, current_version, budget_fen) VALUES ('%s', 1, 50000000)", id, id);
  itest_exec(owner, sql);
}

/* A migrated database with the shipped catalogue, t/data/users.csv (U1001, U1002, the
 * frozen U1003) and campaigns NU3FREE and VIP50; *CONFIG its configuration. */
static char *
coupon_db(const char *prefix, char **config)
{
  char *db = itest_catalogue_db(prefix, NULL, config);
  g_autofree char *users = g_build_filename(g_getenv("top_srcdir"), "t", "data", "users.csv", NULL);
  load_ok(*config, "users", users);
  PGconn *owner = itest_connect(db, "baitiao_owner");
  add_campaign(owner, "NU3FREE");
  add_campaign(owner, "VIP50");
  PQfinish(owner);
  return db;
}

/* ---- orders' optional columns ------------------------------------------------------ */

/* The three columns land in inbox_orders as far as the header names them: empty is
 * NULL, a record ending before them has none, what follows coupon_id is ignored; a
 * file without them (the old five columns, or a sixth column of another name) loads as
 * before with all three NULL. */
static void
test_order_columns_land(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = coupon_db("coupons_orders", &config);
  g_autofree char *all = data_file("orders-all.csv",
    "order_id,user_id,order_date,amount,product_code,merchant_id,category,coupon_id,note\n"
    "OC1,U1001,2026-03-04,1000.00,FPP12,M001,DIGITAL,CP1,first\n"   /* all three; the note ignored */
    "OC2,U1001,2026-03-04,200.00,FPP3,,,\n"                         /* all empty: none */
    "OC3,U1002,2026-03-04,300.00,FPP6,M002\n"                       /* ends after merchant_id */
    "OC4,U1002,2026-03-04,400.00,FPP6,,BOOKS,CP2\n");               /* no merchant */
  g_autoptr(ItestRun) r = load(config, "orders", all);
  CU_ASSERT_EQUAL(r->status, 0);
  ITEST_ASSERT_CONTAINS(r->out, "4 rows, 4 accepted, 0 rejected");
  g_autofree char *two = data_file("orders-two.csv",
    "order_id,user_id,order_date,amount,product_code,merchant_id,category\n"
    "OC5,U1001,2026-03-04,10.00,FPP3,M003,FOOD,CP9\n");   /* no coupon_id column: CP9 is ignored */
  load_ok(config, "orders", two);
  g_autofree char *old = data_file("orders-old.csv",
    "order_id,user_id,order_date,amount,product_code,extra_ignored\n"
    "OC6,U1001,2026-03-04,10.00,FPP3,M004\n");   /* a sixth column of another name: not merchant_id */
  load_ok(config, "orders", old);
  PGconn *c = itest_connect(db, "baitiao_report");
  g_autofree char *rows = itest_query(c,
    "SELECT string_agg(concat_ws(':', order_id, amount_fen, coalesce(merchant_id, '-'), coalesce(category, '-'),"
    "   coalesce(coupon_id, '-'), coalesce(coupon_outcome, '-'), line_no), ' ' ORDER BY arrival_seq)"
    "  FROM inbox_orders");
  ITEST_ASSERT_STR_EQ(rows, "OC1:100000:M001:DIGITAL:CP1:-:2 OC2:20000:-:-:-:-:3 OC3:30000:M002:-:-:-:4 "
                            "OC4:40000:-:BOOKS:CP2:-:5 OC5:1000:M003:FOOD:-:-:2 OC6:1000:-:-:-:-:2");
  g_autofree char *files = itest_query(c, FILE_COUNTS("orders"));
  ITEST_ASSERT_STR_EQ(files, "4/4/0 1/1/0 1/1/0");
  PQfinish(c);
}

/* A bad merchant_id, category or coupon_id rejects its row BAD_FIELD naming the field
 * (1 to 64 characters, no control characters, no white space at either end); the
 * rest of the file is loaded. */
static void
test_order_columns_bad_fields(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = coupon_db("coupons_orders_bad", &config);
  g_autofree char *long_category = g_strnfill(65, 'C');
  g_autofree char *text = g_strdup_printf(
    "order_id,user_id,order_date,amount,product_code,merchant_id,category,coupon_id\n"
    "OB1,U1001,2026-03-04,10.00,FPP3,\" M001\",DIGITAL,CP1\n"     /* 2: white space before */
    "OB2,U1001,2026-03-04,10.00,FPP3,M001,%s,CP1\n"               /* 3: 65 characters */
    "OB3,U1001,2026-03-04,10.00,FPP3,M001,DIGITAL,\"CP\x01X\"\n"  /* 4: a control character */
    "OB4,U1001,2026-03-04,10.00,FPP3,M001,%.64s,CP1\n",           /* 5: 64 characters: good */
    long_category, long_category);
  g_autofree char *path = data_file("orders-bad.csv", text);
  g_autoptr(ItestRun) r = load(config, "orders", path);
  CU_ASSERT_EQUAL(r->status, 0);
  ITEST_ASSERT_CONTAINS(r->out, "4 rows, 1 accepted, 3 rejected (BAD_FIELD 3)");
  PGconn *c = itest_connect(db, "baitiao_report");
  g_autofree char *rejects = itest_query(c,
    "SELECT string_agg(concat_ws(':', line_no, external_id, field, reason_code, detail), ' | ' ORDER BY line_no)"
    "  FROM rejects WHERE source_kind = 'orders'");
  ITEST_ASSERT_STR_EQ(rejects,
    "2:OB1:merchant_id:BAD_FIELD:merchant_id must be 1 to 64 characters without control characters or white space"
    " at either end | "
    "3:OB2:category:BAD_FIELD:category must be 1 to 64 characters without control characters or white space"
    " at either end | "
    "4:OB3:coupon_id:BAD_FIELD:coupon_id must be 1 to 64 characters without control characters or white space"
    " at either end");
  g_autofree char *good = itest_query(c, "SELECT order_id || ':' || length(category) FROM inbox_orders");
  ITEST_ASSERT_STR_EQ(good, "OB4:64");
  g_autofree char *counts = itest_query(c, FILE_COUNTS("orders"));
  ITEST_ASSERT_STR_EQ(counts, "4/1/3");
  PQfinish(c);
}

/* An optional column named out of its place (category without merchant_id before it)
 * would be silently ignored where the partner meant it to count: the file is refused
 * whole, naming the column, and nothing is stored. */
static void
test_order_columns_out_of_place(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = coupon_db("coupons_orders_place", &config);
  g_autofree char *path = data_file("orders-place.csv",
    "order_id,user_id,order_date,amount,product_code,category\n"
    "OP1,U1001,2026-03-04,10.00,FPP3,DIGITAL\n");
  g_autoptr(ItestRun) r = load(config, "orders", path);
  CU_ASSERT_EQUAL(r->status, 1);
  ITEST_ASSERT_CONTAINS(r->err, "orders-place.csv:1: header column 6 is \"category\" out of its place: the optional"
                                " columns after column 5 are merchant_id,category,coupon_id, in that order");
  g_autofree char *n = itest_db_value(db, "baitiao_report",
    "SELECT (SELECT count(*) FROM inbox_orders) + (SELECT count(*) FROM load_files WHERE kind = 'orders')"
    " + (SELECT count(*) FROM rejects)");
  ITEST_ASSERT_STR_EQ(n, "0");
}

/* ---- the coupons file ------------------------------------------------------------------- */


/* Every reason with its line and field, the good rows issued with their file's line,
 * exact counts in load_files; the same file again is a no-op. */
static void
test_coupons_accepted_and_rejected(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = coupon_db("coupons_load", &config);
  g_autofree char *text = g_strconcat(COUPON_HEADER,
    "CP1,U1001,NU3FREE,2026-03-01,2026-03-31\n"    /* 2: good */
    "CP2,U1002,VIP50,2026-03-01,2026-03-01\n"      /* 3: good, a one-day window */
    "CP3,U1001,NU3FREE,2026-02-30,2026-03-31\n"    /* 4: no such date */
    "CP4,U1001,NU3FREE,2026-04-01,2026-03-31\n"    /* 5: the window ends before it starts */
    ",U1001,NU3FREE,2026-03-01,2026-03-31\n"       /* 6: no id */
    "CP5,U9999,NU3FREE,2026-03-01,2026-03-31\n"    /* 7: unknown user */
    "CP6,U1001,NOSUCH,2026-03-01,2026-03-31\n"     /* 8: unknown campaign */
    "CP1,U1002,VIP50,2026-03-01,2026-03-31\n"      /* 9: line 2's id again */
    "CP7,U1003,VIP50,2026-03-01,2026-03-31\n"      /* 10: good: a frozen user keeps coupons */
    "CP8,U1001\n"                                  /* 11: too short */
    "CP9,U9999,NOSUCH,2026-03-01,2026-03-31\n"     /* 12: unknown user before unknown campaign */
    "CP2,U9999,NOSUCH,2026-03-01,2026-03-31\n",    /* 13: a duplicate before an unknown user */
    NULL);
  g_autofree char *path = data_file("coupons.csv", text);
  g_autoptr(ItestRun) r = load(config, "coupons", path);
  CU_ASSERT_EQUAL(r->status, 0);
  ITEST_ASSERT_CONTAINS(r->out, "12 rows, 3 accepted, 9 rejected (BAD_FIELD 4, DUPLICATE_COUPON 2, "
                                "UNKNOWN_CAMPAIGN 1, UNKNOWN_USER 2)");
  PGconn *c = itest_connect(db, "baitiao_report");
  g_autofree char *issued = itest_query(c,
    "SELECT string_agg(concat_ws(':', coupon_id, user_id, campaign_id, valid_from, valid_to, line_no), ' '"
    "   ORDER BY coupon_id) FROM coupons");
  ITEST_ASSERT_STR_EQ(issued, "CP1:U1001:NU3FREE:2026-03-01:2026-03-31:2 CP2:U1002:VIP50:2026-03-01:2026-03-01:3 "
                              "CP7:U1003:VIP50:2026-03-01:2026-03-31:10");
  g_autofree char *rejects = itest_query(c,
    "SELECT string_agg(concat_ws(':', line_no, coalesce(external_id, '-'), coalesce(user_id, '-'), field,"
    "   reason_code), ' ' ORDER BY line_no) FROM rejects WHERE source_kind = 'coupons'");
  ITEST_ASSERT_STR_EQ(rejects, "4:CP3:U1001:valid_from:BAD_FIELD 5:CP4:U1001:valid_to:BAD_FIELD "
                               "6:-:U1001:coupon_id:BAD_FIELD 7:CP5:U9999:user_id:UNKNOWN_USER "
                               "8:CP6:U1001:campaign_id:UNKNOWN_CAMPAIGN 9:CP1:U1002:coupon_id:DUPLICATE_COUPON "
                               "11:CP8:U1001:columns:BAD_FIELD 12:CP9:U9999:user_id:UNKNOWN_USER "
                               "13:CP2:U9999:coupon_id:DUPLICATE_COUPON");
  g_autofree char *details = itest_query(c,
    "SELECT string_agg(detail, ' | ' ORDER BY line_no) FROM rejects WHERE line_no IN (4, 5, 8, 9, 11)");
  ITEST_ASSERT_STR_EQ(details, "valid_from must be a real date YYYY-MM-DD, not \"2026-02-30\" | "
                               "valid_to 2026-03-31 is before valid_from 2026-04-01 | "
                               "campaign_id NOSUCH is not in the campaign catalogue (baitiao campaigns load) | "
                               "coupon_id CP1 was issued before: a coupon is issued once | "
                               "2 columns, expected at least 5");
  g_autofree char *counts = itest_query(c, FILE_COUNTS("coupons"));
  ITEST_ASSERT_STR_EQ(counts, "12/3/9");
  /* the same file again: nothing new */
  g_autoptr(ItestRun) again = load(config, "coupons", path);
  CU_ASSERT_EQUAL(again->status, 0);
  ITEST_ASSERT_CONTAINS(again->out, "already loaded on");
  g_autofree char *after = itest_query(c, COUPONS_STORED);
  ITEST_ASSERT_STR_EQ(after, "3/9/1");
  PQfinish(c);
}

/* A coupon id stored by an earlier file is DUPLICATE_COUPON in a later one, whatever its
 * user; a coupon rejected before was never issued, so its id may come again corrected. */
static void
test_coupons_duplicate_across_files(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = coupon_db("coupons_dup", &config);
  g_autofree char *first = data_file("coupons-1.csv", COUPON_HEADER
                                                      "CD1,U1001,NU3FREE,2026-03-01,2026-03-31\n"
                                                      "CD2,U9999,NU3FREE,2026-03-01,2026-03-31\n");
  load_ok(config, "coupons", first);
  g_autofree char *second = data_file("coupons-2.csv", COUPON_HEADER
                                                       "CD1,U1002,VIP50,2026-03-01,2026-03-31\n"
                                                       "CD2,U1002,NU3FREE,2026-03-01,2026-03-31\n"
                                                       "CD3,U1002,NU3FREE,2026-03-01,2026-03-31\n");
  g_autoptr(ItestRun) r = load(config, "coupons", second);
  CU_ASSERT_EQUAL(r->status, 0);
  ITEST_ASSERT_CONTAINS(r->out, "3 rows, 2 accepted, 1 rejected (DUPLICATE_COUPON 1)");
  PGconn *c = itest_connect(db, "baitiao_report");
  g_autofree char *issued = itest_query(c, "SELECT string_agg(coupon_id || ':' || user_id, ' ' ORDER BY coupon_id)"
                                           "  FROM coupons");
  ITEST_ASSERT_STR_EQ(issued, "CD1:U1001 CD2:U1002 CD3:U1002");
  g_autofree char *rejects = itest_query(c,
    "SELECT string_agg(f.file_name || ':' || j.line_no || ':' || j.reason_code, ' ' ORDER BY j.file_id, j.line_no)"
    "  FROM rejects j JOIN load_files f USING (file_id)");
  g_autofree char *want = g_strdup_printf("coupons-%d-coupons-1.csv:3:UNKNOWN_USER coupons-%d-coupons-2.csv:2:"
                                          "DUPLICATE_COUPON", (int) getpid(), (int) getpid());
  ITEST_ASSERT_STR_EQ(rejects, want);
  g_autofree char *counts = itest_query(c, FILE_COUNTS("coupons"));
  ITEST_ASSERT_STR_EQ(counts, "2/1/1 3/2/1");
  PQfinish(c);
}

/* A fatal error anywhere in the file (a line that is not UTF-8 after good ones, a wrong
 * header) refuses it whole: no coupon, no reject, no load_files row. */
static void
test_coupons_fatal_error_stores_nothing(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = coupon_db("coupons_fatal", &config);
  g_autofree char *gbk = data_file("coupons-gbk.csv", COUPON_HEADER
                                                      "CF1,U1001,NU3FREE,2026-03-01,2026-03-31\n"
                                                      "CF2,U9999,NU3FREE,2026-03-01,2026-03-31\n"
                                                      "\xd5\xc5,U1001,NU3FREE,2026-03-01,2026-03-31\n");
  g_autoptr(ItestRun) r = load(config, "coupons", gbk);
  CU_ASSERT_EQUAL(r->status, 1);
  ITEST_ASSERT_CONTAINS(r->err, "coupons-gbk.csv:4");
  g_autofree char *header = data_file("coupons-header.csv", "coupon,user_id,campaign_id,valid_from,valid_to\n"
                                                            "CF1,U1001,NU3FREE,2026-03-01,2026-03-31\n");
  g_autoptr(ItestRun) h = load(config, "coupons", header);
  CU_ASSERT_EQUAL(h->status, 1);
  ITEST_ASSERT_CONTAINS(h->err, "coupons-header.csv:1: header column 1 is \"coupon\", expected \"coupon_id\"");
  g_autofree char *n = itest_db_value(db, "baitiao_report", COUPONS_STORED);
  ITEST_ASSERT_STR_EQ(n, "0/0/0");
}

/* A load killed just before its commit leaves nothing; the rerun loads the file whole. */
static void
test_coupons_killed_before_commit(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = coupon_db("coupons_kill", &config);
  g_autofree char *path = data_file("coupons-kill.csv", COUPON_HEADER
                                                        "CK1,U1001,NU3FREE,2026-03-01,2026-03-31\n"
                                                        "CK2,U9999,NU3FREE,2026-03-01,2026-03-31\n");
  g_autoptr(ItestRun) killed = itest_baitiao((const char *[]) { "load", "coupons", path, "--config", config, NULL },
                                             (const char *[]) { "BAITIAO_FAULT=kill:before-commit:load", NULL });
  CU_ASSERT_EQUAL(killed->status, SIGKILL_STATUS);
  g_autofree char *none = itest_db_value(db, "baitiao_report", COUPONS_STORED);
  ITEST_ASSERT_STR_EQ(none, "0/0/0");
  load_ok(config, "coupons", path);
  g_autofree char *after = itest_db_value(db, "baitiao_report",
    "SELECT (SELECT string_agg(coupon_id, ',') FROM coupons) || '/' || (SELECT count(*) FROM rejects) || '/'"
    " || (SELECT string_agg(rows_read || ':' || rows_accepted || ':' || rows_rejected, ',') FROM load_files"
    "      WHERE kind = 'coupons')");
  ITEST_ASSERT_STR_EQ(after, "CK1/1/2:1:1");
}

/* The spool takes coupons.csv (its .ctl counts rows only, as users'), after the day's
 * users and before its orders; the arrival names the kind. */
static void
test_coupons_through_the_spool(void)
{
  g_autofree char *spool = g_strdup_printf("%s/coupons-%d-spool", itest_tmpdir(), (int) getpid());
  g_autofree char *day = g_build_filename(spool, "20260304", NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(day, 0755) == 0);
  g_autofree char *extra = g_strdup_printf("[intake]\nspool_dir=%s\n", spool);
  g_autofree char *config = NULL;
  g_autofree char *db = itest_catalogue_db("coupons_spool", extra, &config);
  PGconn *owner = itest_connect(db, "baitiao_owner");
  add_campaign(owner, "NU3FREE");
  PQfinish(owner);
  const struct { const char *name, *text; } files[] = {
    { "users.csv", "user_id,credit_limit,statement_day,status,name,phone\nSU1,20000.00,5,ACTIVE,张三,13812341234\n" },
    { "coupons.csv", COUPON_HEADER
                     "SC1,SU1,NU3FREE,2026-03-01,2026-03-31\nSC2,SU1,NU3FREE,2026-03-01,2026-03-31\n" },
    { "coupons.csv.ctl", "rows=2\n" },
    { "orders.csv", "order_id,user_id,order_date,amount,product_code,merchant_id,category,coupon_id\n"
                    "SO1,SU1,2026-03-04,1000.00,FPP12,M001,DIGITAL,SC1\n" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
    g_autofree char *path = g_build_filename(day, files[i].name, NULL);
    CU_ASSERT_FATAL(g_file_set_contents(path, files[i].text, -1, NULL));
  }
  g_autoptr(ItestRun) in = itest_baitiao((const char *[]) { "intake", "--config", config, NULL }, NULL);
  if (in->status != 0)
    fprintf(stderr, "\n  intake exited %d: %s\n", in->status, in->err);
  CU_ASSERT_EQUAL(in->status, 0);
  PGconn *c = itest_connect(db, "baitiao_report");
  g_autofree char *arrivals = itest_query(c, "SELECT string_agg(kind || ':' || outcome, ' ' ORDER BY arrival_id)"
                                             "  FROM spool_arrivals");
  ITEST_ASSERT_STR_EQ(arrivals, "users:LOADED coupons:LOADED orders:LOADED");
  g_autofree char *issued = itest_query(c, "SELECT string_agg(coupon_id || ':' || user_id, ' ' ORDER BY coupon_id)"
                                           "  FROM coupons");
  ITEST_ASSERT_STR_EQ(issued, "SC1:SU1 SC2:SU1");
  g_autofree char *order = itest_query(c, "SELECT concat_ws(':', order_id, merchant_id, category, coupon_id)"
                                          "  FROM inbox_orders");
  ITEST_ASSERT_STR_EQ(order, "SO1:M001:DIGITAL:SC1");
  g_autofree char *rejects = itest_query(c, "SELECT count(*) FROM rejects");
  ITEST_ASSERT_STR_EQ(rejects, "0");
  PQfinish(c);
}

/* ---- a sharded group -------------------------------------------------------------- */

#define GROUP_USERS 30

/* Three shards: each coupon goes to its user's shard (the user directory), a coupon of
 * a user the group does not know goes by the placement and is rejected UNKNOWN_USER
 * there (as that user's order would be), a coupon id repeated in the file or by a later
 * file goes where the first went and is rejected DUPLICATE_COUPON there; the same file
 * again is a no-op for the group. */
static void
test_group_routes_coupons_to_users(void)
{
  g_autoptr(ItestGroup) g = itest_group_new("coupons_group", 3, NULL);
  itest_group_write_config(g, 0, NULL);
  for (guint i = 0; i < g->shards->len; i++)
    itest_baitiao_ok(g->config, (const char *[]) { "shard", "add", ((ItestShard *) g->shards->pdata[i])->name,
                                                   "--quiet", NULL });
  g_autoptr(GString) users = g_string_new("user_id,credit_limit,statement_day,status,name,phone\n");
  for (guint i = 1; i <= GROUP_USERS; i++)
    g_string_append_printf(users, "GU%04u,10000.00,%u,ACTIVE,用户%u,138%08u\n", i, 1 + i % 28, i, i);
  g_autofree char *users_path = data_file("group-users.csv", users->str);
  itest_baitiao_ok(g->config, (const char *[]) { "load", "users", users_path, "--quiet", NULL });
  for (guint i = 0; i < g->shards->len; i++) {
    PGconn *owner = itest_shard_connect(g->shards->pdata[i], "baitiao_owner");
    add_campaign(owner, "NU3FREE");
    PQfinish(owner);
  }
  /* each user's shard, as the directory placed it */
  char *shard_of[GROUP_USERS + 1] = { 0 };
  for (guint i = 1; i <= GROUP_USERS; i++) {
    g_autofree char *sql = g_strdup_printf("SELECT shard FROM user_directory WHERE user_id = 'GU%04u'", i);
    shard_of[i] = itest_db_value(g->coordinator, "baitiao_report", sql);
    CU_ASSERT_FATAL(shard_of[i] && *shard_of[i]);
  }
  guint other = 2;   /* a user on another shard than GU0001's */
  while (other <= GROUP_USERS && strcmp(shard_of[other], shard_of[1]) == 0)
    other++;
  CU_ASSERT_FATAL(other <= GROUP_USERS);
  g_autoptr(GString) coupons = g_string_new(COUPON_HEADER);
  for (guint i = 1; i <= GROUP_USERS; i++)
    g_string_append_printf(coupons, "GC%04u,GU%04u,NU3FREE,2026-03-01,2026-03-31\n", i, i);
  g_string_append(coupons, "GCX,NOBODY,NU3FREE,2026-03-01,2026-03-31\n");
  g_string_append_printf(coupons, "GCDUP,GU0001,NU3FREE,2026-03-01,2026-03-31\n"
                                  "GCDUP,GU%04u,NU3FREE,2026-03-01,2026-03-31\n", other);
  g_autofree char *path = data_file("group-coupons.csv", coupons->str);
  g_autoptr(ItestRun) r = itest_baitiao_config(g->config, (const char *[]) { "load", "coupons", path, NULL }, NULL);
  CU_ASSERT_EQUAL_FATAL(r->status, 0);
  ITEST_ASSERT_CONTAINS(r->out, "33 rows, 31 accepted, 2 rejected");

  g_autofree char *nobody_at = itest_hash_shard("NOBODY", 3);
  guint total = 0;
  for (guint s = 0; s < g->shards->len; s++) {
    ItestShard *shard = g->shards->pdata[s];
    g_autoptr(GString) want = g_string_new("");
    guint here = 0;
    for (guint i = 1; i <= GROUP_USERS; i++)
      if (strcmp(shard_of[i], shard->name) == 0) {
        g_string_append_printf(want, "%sGC%04u:GU%04u", here ? " " : "", i, i);
        here++;
      }
    if (strcmp(shard_of[1], shard->name) == 0)
      g_string_append_printf(want, "%sGCDUP:GU0001", here ? " " : "");
    g_autofree char *issued = itest_shard_value(shard, "baitiao_report",
      "SELECT coalesce(string_agg(coupon_id || ':' || user_id, ' ' ORDER BY coupon_id), '') FROM coupons");
    ITEST_ASSERT_STR_EQ(issued, want->str);
    total += here;
    g_autoptr(GString) want_rejects = g_string_new("");
    if (strcmp(nobody_at, shard->name) == 0)
      g_string_append(want_rejects, "GCX:UNKNOWN_USER");
    if (strcmp(shard_of[1], shard->name) == 0)
      g_string_append_printf(want_rejects, "%sGCDUP:DUPLICATE_COUPON", want_rejects->len ? " " : "");
    g_autofree char *rejects = itest_shard_value(shard, "baitiao_report",
      "SELECT coalesce(string_agg(external_id || ':' || reason_code, ' ' ORDER BY line_no), '') FROM rejects"
      " WHERE source_kind = 'coupons'");
    ITEST_ASSERT_STR_EQ(rejects, want_rejects->str);
  }
  CU_ASSERT_EQUAL(total, GROUP_USERS);
  /* the coordinator issues nothing itself; its directory knows every accepted coupon */
  g_autofree char *directory = itest_db_value(g->coordinator, "baitiao_report",
    "SELECT (SELECT count(*) FROM coupon_directory) || '/' || (SELECT count(*) FROM coupon_directory c"
    "   JOIN user_directory u USING (user_id) WHERE c.shard = u.shard) || '/' || (SELECT count(*) FROM coupons)");
  ITEST_ASSERT_STR_EQ(directory, "31/31/0");

  /* a later file repeating GC0001 for another user: to GC0001's shard, rejected there */
  g_autofree char *again_text = g_strdup_printf("%sGC0001,GU%04u,NU3FREE,2026-03-01,2026-03-31\n", COUPON_HEADER,
                                                other);
  g_autofree char *again = data_file("group-coupons-2.csv", again_text);
  g_autoptr(ItestRun) r2 = itest_baitiao_config(g->config, (const char *[]) { "load", "coupons", again, NULL }, NULL);
  CU_ASSERT_EQUAL(r2->status, 0);
  ITEST_ASSERT_CONTAINS(r2->out, "1 rows, 0 accepted, 1 rejected");
  g_autofree char *dup = itest_shard_value(itest_group_shard(g, shard_of[1]), "baitiao_report",
    "SELECT count(*) FROM rejects WHERE external_id = 'GC0001' AND reason_code = 'DUPLICATE_COUPON'");
  ITEST_ASSERT_STR_EQ(dup, "1");
  g_autofree char *other_has = itest_shard_value(itest_group_shard(g, shard_of[other]), "baitiao_report",
    "SELECT count(*) FROM coupons WHERE coupon_id = 'GC0001'");
  ITEST_ASSERT_STR_EQ(other_has, "0");   /* OTHER is on another shard than GU0001 */

  /* the first file again: the group has it */
  g_autoptr(ItestRun) r3 = itest_baitiao_config(g->config, (const char *[]) { "load", "coupons", path, NULL }, NULL);
  CU_ASSERT_EQUAL(r3->status, 0);
  ITEST_ASSERT_CONTAINS(r3->out, "already loaded by the group");
  g_autofree char *loads = itest_db_value(g->coordinator, "baitiao_report",
    "SELECT count(*) || '/' || count(*) FILTER (WHERE state = 'done') FROM group_loads WHERE kind = 'coupons'");
  ITEST_ASSERT_STR_EQ(loads, "2/2");
  for (guint i = 1; i <= GROUP_USERS; i++)
    g_free(shard_of[i]);
}

CU_TestInfo itest_coupons_cases[] = {
  { "order columns land", test_order_columns_land },
  { "order columns bad fields", test_order_columns_bad_fields },
  { "order columns out of place", test_order_columns_out_of_place },
  { "coupons accepted and rejected", test_coupons_accepted_and_rejected },
  { "coupons duplicate across files", test_coupons_duplicate_across_files },
  { "coupons fatal error stores nothing", test_coupons_fatal_error_stores_nothing },
  ITEST_FAULT_CASE("coupons killed before commit", test_coupons_killed_before_commit)
  { "coupons through the spool", test_coupons_through_the_spool },
  { "group routes coupons to users", test_group_routes_coupons_to_users },
  CU_TEST_INFO_NULL,
};
