/* baitiao load: partner files into the inbox, bad rows into rejects, through the
 * real binary and database. */
#include <stdio.h>
#include <string.h>

#include "itest.h"

static char *
data_file(const char *name, const char *text)
{
  char *path = g_strdup_printf("%s/%s", itest_tmpdir(), name);
  CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static ItestRun *
load(const char *config, const char *kind, const char *path)
{
  return itest_baitiao((const char *[]) { "load", kind, path, "--config", config, NULL }, NULL);
}

static char *
shipped(const char *name)
{
  return g_build_filename(g_getenv("top_srcdir"), "t", "data", name, NULL);
}

/* The example files of docs/formats.md load cleanly, in order. */
static void
test_example_files_load(void)
{
  g_autofree char *db = itest_create_db("intake_examples", TRUE);
  g_autofree char *config = itest_write_config(db, NULL);
  g_autofree char *products = g_build_filename(g_getenv("top_srcdir"), "etc", "products.conf", NULL);
  g_autoptr(ItestRun) p = itest_baitiao((const char *[]) { "products", "load", products, "--config", config, NULL }, NULL);
  CU_ASSERT_EQUAL(p->status, 0);
  const char *kinds[] = { "users", "orders", "repayments", "refunds" };
  for (gsize i = 0; i < G_N_ELEMENTS(kinds); i++) {
    g_autofree char *name = g_strdup_printf("%s.csv", kinds[i]);
    g_autofree char *path = shipped(name);
    g_autoptr(ItestRun) run = load(config, kinds[i], path);
    CU_ASSERT_EQUAL(run->status, 0);
    ITEST_ASSERT_CONTAINS(run->out, " 0 rejected");
  }
  PGconn *c = itest_connect(db, "baitiao_report");
  g_autofree char *users = itest_query(c, "SELECT string_agg(concat_ws(',', user_id, credit_limit_fen, statement_day, status,"
                                " name_masked, phone_masked), ' ' ORDER BY user_id) FROM users");
  ITEST_ASSERT_STR_EQ(users, "U1001,2000000,5,ACTIVE,张*,138****1234 U1002,500000,12,ACTIVE,李*,139****4321 "
                             "U1003,800000,28,FROZEN,王*,137****1111");
  g_autofree char *orders = itest_query(c, "SELECT string_agg(order_id || ':' || amount_fen || ':' || line_no, ' '"
                                 " ORDER BY arrival_seq) FROM inbox_orders");
  ITEST_ASSERT_STR_EQ(orders, "O20260304001:100000:2 O20260304002:399999:3 O20260304003:10000:4");
  g_autofree char *pays = itest_query(c, "SELECT string_agg(txn_id || ':' || amount_fen || ':' || channel || ':'"
                               " || coalesce(prepay_order_id, '-'), ' ' ORDER BY arrival_seq) FROM inbox_repayments");
  ITEST_ASSERT_STR_EQ(pays, "ALI202603140001:8833:ALIPAY:- WX202603140002:50000:WECHAT:-");
  g_autofree char *refund = itest_query(c, "SELECT refund_id || ':' || user_id || ':' || amount_fen FROM inbox_refunds");
  ITEST_ASSERT_STR_EQ(refund, "R20260310001:U1002:99999");
  PQfinish(c);
}

static void
test_bad_rows_rejected_with_line_and_field(void)
{
  g_autofree char *db = itest_create_db("intake_bad", TRUE);
  g_autofree char *config = itest_write_config(db, NULL);
  g_autofree char *users = shipped("users.csv");
  g_autofree char *products = g_build_filename(g_getenv("top_srcdir"), "etc", "products.conf", NULL);
  g_autoptr(ItestRun) p = itest_baitiao((const char *[]) { "products", "load", products, "--config", config, NULL }, NULL);
  CU_ASSERT_EQUAL(p->status, 0);
  g_autoptr(ItestRun) u = load(config, "users", users);
  CU_ASSERT_EQUAL(u->status, 0);
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *closed = itest_query(c, "INSERT INTO business_calendar (business_date, status, closed_at)"
                                 " VALUES ('2026-03-03', 'CLOSED', now())");
  CU_ASSERT_PTR_NOT_NULL(closed);
  g_autofree char *path = data_file("bad_orders.csv",
    "order_id,user_id,order_date,amount,product_code,extra_ignored\r\n"
    "A1,U1001,2026-03-04,10.00,FPP3,x\r\n"      /* 2: good, extra column ignored */
    "A2,U1001,2026-03-04,10.001,FPP3\r\n"       /* 3: three decimals */
    "A3,U1001,2026-02-30,10.00,FPP3\r\n"        /* 4: no such date */
    "A4,U1001,2026-03-04,-5.00,FPP3\r\n"        /* 5: negative */
    "A5,U1001,2026-03-04,99999999999999999.00,FPP3\r\n" /* 6: overflow */
    "A1,U1001,2026-03-04,10.00,FPP3\r\n"        /* 7: duplicate inside the file */
    "A7,U9999,2026-03-04,10.00,FPP3\r\n"        /* 8: unknown user */
    "A8,U1001,2026-03-04,10.00,NOPE\r\n"        /* 9: unknown product */
    "A9,U1001,2026-03-03,10.00,FPP3\r\n"        /* 10: date closed */
    "A10,U1001,2026-03-04\r\n");                /* 11: short row */
  g_autoptr(ItestRun) run = load(config, "orders", path);
  CU_ASSERT_EQUAL(run->status, 5);   /* stored, but line 10 came after its date's cut */
  ITEST_ASSERT_CONTAINS(run->out, "10 rows, 1 accepted, 9 rejected (BAD_FIELD 5, DATE_CLOSED 1, DUPLICATE_ORDER 1,"
                                  " UNKNOWN_PRODUCT 1, UNKNOWN_USER 1)");
  g_autofree char *rejects = itest_query(c, "SELECT string_agg(line_no || ':' || reason_code || ':' || field, ' ' ORDER BY line_no)"
                                  " FROM rejects WHERE source_kind = 'orders'");
  ITEST_ASSERT_STR_EQ(rejects, "3:BAD_FIELD:amount 4:BAD_FIELD:order_date 5:BAD_FIELD:amount 6:BAD_FIELD:amount "
                               "7:DUPLICATE_ORDER:order_id 8:UNKNOWN_USER:user_id 9:UNKNOWN_PRODUCT:product_code "
                               "10:DATE_CLOSED:order_date 11:BAD_FIELD:columns");
  g_autofree char *file_name = itest_query(c, "SELECT DISTINCT file_name FROM rejects WHERE source_kind = 'orders'");
  ITEST_ASSERT_STR_EQ(file_name, "bad_orders.csv");
  /* the same file again loads nothing new */
  g_autoptr(ItestRun) again = load(config, "orders", path);
  CU_ASSERT_EQUAL(again->status, 0);
  ITEST_ASSERT_CONTAINS(again->out, "already loaded");
  g_autofree char *n = itest_query(c, "SELECT count(*) FROM inbox_orders");
  ITEST_ASSERT_STR_EQ(n, "1");
  /* a replayed order id in another file is a duplicate, not a second order */
  g_autofree char *replay = data_file("replay.csv", "order_id,user_id,order_date,amount,product_code\nA1,U1001,2026-03-04,10.00,FPP3\n");
  g_autoptr(ItestRun) r2 = load(config, "orders", replay);
  ITEST_ASSERT_CONTAINS(r2->out, "DUPLICATE_ORDER 1");
  PQfinish(c);
}

static void
test_broken_file_stores_nothing(void)
{
  g_autofree char *db = itest_create_db("intake_broken", TRUE);
  g_autofree char *config = itest_write_config(db, NULL);
  g_autofree char *gbk = data_file("gbk_users.csv", "user_id,credit_limit,statement_day,status,name,phone\n"
                                                    "U1,100.00,5,ACTIVE,\xd5\xc5\xc8\xfd,13800000000\n");
  g_autoptr(ItestRun) run = load(config, "users", gbk);
  CU_ASSERT_EQUAL(run->status, 1);
  ITEST_ASSERT_CONTAINS(run->err, "gbk_users.csv:2");
  g_autofree char *header = data_file("bad_header.csv", "user,credit_limit,statement_day,status,name,phone\n");
  g_autoptr(ItestRun) h = load(config, "users", header);
  CU_ASSERT_EQUAL(h->status, 1);
  ITEST_ASSERT_CONTAINS(h->err, "bad_header.csv:1");
  PGconn *c = itest_connect(db, "baitiao_report");
  g_autofree char *n = itest_query(c, "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM load_files)"
                            " + (SELECT count(*) FROM rejects)");
  ITEST_ASSERT_STR_EQ(n, "0");
  PQfinish(c);
  g_autoptr(ItestRun) kind = load(config, "invoices", gbk);
  CU_ASSERT_EQUAL(kind->status, 2);
}

static void
test_users_update_and_statement_day_change(void)
{
  g_autofree char *db = itest_create_db("intake_users", TRUE);
  g_autofree char *config = itest_write_config(db, NULL);
  g_autofree char *users = shipped("users.csv");
  g_autoptr(ItestRun) first = load(config, "users", users);
  CU_ASSERT_EQUAL(first->status, 0);
  g_autofree char *change = data_file("users_change.csv", "user_id,credit_limit,statement_day,status,name,phone\n"
                                                          "U1001,30000.00,15,FROZEN,张三丰,13800001234\n");
  g_autoptr(ItestRun) second = load(config, "users", change);
  CU_ASSERT_EQUAL(second->status, 0);
  PGconn *c = itest_connect(db, "baitiao_report");
  g_autofree char *u = itest_query(c, "SELECT concat_ws(',', credit_limit_fen, statement_day, next_statement_day, status,"
                            " name_masked, phone_masked) FROM users WHERE user_id = 'U1001'");
  ITEST_ASSERT_STR_EQ(u, "3000000,5,15,FROZEN,张*,138****1234");
  PQfinish(c);
}

/* One channel rule (intake_channel) wherever a channel comes in: a repayments row's
 * channel field (rejected with line and field, upper-cased when good), a settlement
 * file's --channel (exit 2, nothing read), a KIND:CHANNEL spec (exit 2). */
static void
test_one_channel_rule(void)
{
  g_autofree char *db = itest_create_db("intake_channel", TRUE);
  g_autofree char *config = itest_write_config(db, NULL);
  g_autofree char *users = shipped("users.csv");
  g_autoptr(ItestRun) u = load(config, "users", users);
  CU_ASSERT_EQUAL(u->status, 0);
  g_autofree char *path = data_file("channel_repayments.csv",
    "txn_id,user_id,pay_date,amount,channel,prepay_order_id\n"
    "T1,U1001,2026-03-04,10.00,wechat_2,\n"                               /* 2: good, stored WECHAT_2 */
    "T2,U1001,2026-03-04,10.00,WE-CHAT,\n"                                /* 3: a '-' */
    "T3,U1001,2026-03-04,10.00,ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456,\n");    /* 4: 33 characters */
  g_autoptr(ItestRun) run = load(config, "repayments", path);
  CU_ASSERT_EQUAL(run->status, 0);
  ITEST_ASSERT_CONTAINS(run->out, "3 rows, 1 accepted, 2 rejected (BAD_FIELD 2)");
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *rejects = itest_query(c, "SELECT string_agg(file_name || ':' || line_no || ':' || field || ': ' || detail,"
                                            " ' | ' ORDER BY line_no) FROM rejects WHERE source_kind = 'repayments'");
  ITEST_ASSERT_STR_EQ(rejects, "channel_repayments.csv:3:channel: channel must be 1 to 32 letters, digits or '_' | "
                               "channel_repayments.csv:4:channel: channel must be 1 to 32 letters, digits or '_'");
  g_autofree char *stored = itest_query(c, "SELECT string_agg(txn_id || ':' || channel, ' ') FROM inbox_repayments");
  ITEST_ASSERT_STR_EQ(stored, "T1:WECHAT_2");
  g_autofree char *settlement = data_file("channel_settlement.csv", "channel_txn_id,pay_date,amount\nS1,2026-03-04,10.00\n");
  g_autoptr(ItestRun) bad = itest_baitiao((const char *[]) { "load", "settlement", settlement, "--channel", "WE-CHAT",
                                                             "--config", config, NULL }, NULL);
  CU_ASSERT_EQUAL(bad->status, 2);
  ITEST_ASSERT_CONTAINS(bad->err, "a settlement file needs its channel: its channel must be 1 to 32 letters, digits or '_'");
  g_autofree char *files = itest_query(c, "SELECT count(*) FROM load_files WHERE kind = 'settlement'");
  ITEST_ASSERT_STR_EQ(files, "0");
  g_autoptr(ItestRun) spec = itest_baitiao((const char *[]) { "eod", "--date", "2026-03-04", "--allow-missing",
                                                              "repayments:WE-CHAT", "--config", config, NULL }, NULL);
  CU_ASSERT_EQUAL(spec->status, 2);
  ITEST_ASSERT_CONTAINS(spec->err, "\"repayments:WE-CHAT\": the channel must be 1 to 32 letters, digits or '_'");
  PQfinish(c);
}

CU_TestInfo itest_intake_cases[] = {
  { "example files load", test_example_files_load },
  { "bad rows rejected with line and field", test_bad_rows_rejected_with_line_and_field },
  { "broken file stores nothing", test_broken_file_stores_nothing },
  { "users update and statement-day change", test_users_update_and_statement_day_change },
  { "one channel rule", test_one_channel_rule },
  CU_TEST_INFO_NULL,
};
