/* The contract's fine points (product-rules §2, §11; issue 17) through the real binary
 * and database: ids rejected at load stay used, a row with several faults gets the
 * first reason in §11's order (at load and at night), each loan stores the APR of its
 * own schedule, a night for a date that has not ended is refused, --quiet prints
 * nothing. Expected values are worked out by hand in the comments. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "itest.h"

static char *
data_file(const char *name, const char *text)
{
  char *path = g_strdup_printf("%s/finepoints_%s", itest_tmpdir(), name);
  CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static ItestRun *
run(const char *config, const char *const *args)
{
  return itest_baitiao_config(config, args, NULL);
}

/* A migrated database with the shipped catalogue and the example users (U1001
 * limit 20000.00, U1002 5000.00, U1003 FROZEN), 2026-03-03 closed. */
static char *
new_world(const char *prefix, char **config)
{
  char *db = itest_example_db(prefix, (const char *const[]) { "users", NULL }, config);
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *closed = itest_query(c, "INSERT INTO business_calendar (business_date, status, closed_at)"
                                           " VALUES ('2026-03-03', 'CLOSED', now())");
  CU_ASSERT_PTR_NOT_NULL(closed);
  PQfinish(c);
  return db;
}

static const char sql_rejects_of[] =
  "SELECT coalesce(string_agg(line_no || ' ' || coalesce(external_id, '-') || ' ' || reason_code || ' '"
  "                           || coalesce(field, '-'), E'\\n' ORDER BY line_no), '')"
  "  FROM rejects r JOIN load_files f USING (file_id) WHERE f.file_name LIKE '%' || $1";

static char *
rejects_of(PGconn *c, const char *file)
{
  const char *v[] = { file };
  PGresult *res = PQexecParams(c, sql_rejects_of, 1, NULL, v, NULL, NULL, 0);
  CU_ASSERT_FATAL(PQresultStatus(res) == PGRES_TUPLES_OK);
  char *out = g_strdup(PQgetvalue(res, 0, 0));
  PQclear(res);
  return out;
}

/* 65 characters: BAD_FIELD on the id; the reject keeps its first 64. */
#define LONG_ID "L234567890123456789012345678901234567890123456789012345678901234X"
#define LONG_ID_64 "L234567890123456789012345678901234567890123456789012345678901234"

/* Orders: every load-time reason keeps the id used, within the file and in later
 * files (the example: O1 UNKNOWN_PRODUCT, then O1 for 50.00 on an existing
 * product is DUPLICATE_ORDER and no loan O1 exists); a BAD_FIELD on the id itself
 * reserves nothing. A row with several faults gets the first reason of §11. */
static void
test_rejected_order_ids_stay_used(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = new_world("fine_orders", &config);
  g_autofree char *first = data_file("orders_1.csv",
    "order_id,user_id,order_date,amount,product_code\n"
    "O1,U1001,2026-03-04,10.00,NOPE\n"     /* 2 UNKNOWN_PRODUCT */
    "O2,U9999,2026-03-04,10.00,FPP3\n"     /* 3 UNKNOWN_USER */
    "O3,U1001,2026-03-04,1.001,FPP3\n"     /* 4 BAD_FIELD amount */
    "O4,U1001,2026-03-02,10.00,FPP3\n"     /* 5 DATE_CLOSED */
    ",U1001,2026-03-04,10.00,FPP3\n"       /* 6 BAD_FIELD order_id: no id */
    "O5,U9999,2026-03-02,1.001,NOPE\n"     /* 7 all faults: BAD_FIELD first */
    "O6,U9999,2026-03-02,10.00,NOPE\n"     /* 8 DATE_CLOSED before UNKNOWN_USER/PRODUCT */
    "O7,U9999,2026-03-04,10.00,NOPE\n"     /* 9 UNKNOWN_USER before UNKNOWN_PRODUCT */
    "O1,U1001,2026-03-04,50.00,FPP3\n"     /* 10 DUPLICATE_ORDER (line 2 rejected) */
    "O8,U1001,2026-03-04,10.00,FPP3\n"     /* 11 accepted */
    "O8,U1001,2026-03-02,10.00,NOPE\n"     /* 12 DUPLICATE_ORDER before DATE_CLOSED */
    LONG_ID ",U1001,2026-03-04,10.00,FPP3\n"); /* 13 BAD_FIELD order_id */
  g_autoptr(ItestRun) l1 = run(config, (const char *[]) { "load", "orders", first, NULL });
  CU_ASSERT_EQUAL(l1->status, 5);   /* loaded; its DATE_CLOSED rows say exit 5 */
  ITEST_ASSERT_CONTAINS(l1->out, "12 rows, 1 accepted, 11 rejected");
  g_autofree char *second = data_file("orders_2.csv",
    "order_id,user_id,order_date,amount,product_code\n"
    "O1,U1001,2026-03-04,50.00,FPP3\n"
    "O2,U1001,2026-03-04,50.00,FPP3\n"
    "O3,U1001,2026-03-04,50.00,FPP3\n"
    "O4,U1001,2026-03-04,50.00,FPP3\n"
    "O5,U1001,2026-03-04,50.00,FPP3\n"
    "O6,U1001,2026-03-04,50.00,FPP3\n"
    "O7,U1001,2026-03-04,50.00,FPP3\n"
    "O8,U1001,2026-03-04,50.00,FPP3\n"
    LONG_ID_64 ",U1001,2026-03-04,50.00,FPP3\n"   /* 10 accepted: nothing reserved it */
    "O9,U1001,2026-03-04,50.00,FPP3\n");          /* 11 accepted */
  g_autoptr(ItestRun) l2 = run(config, (const char *[]) { "load", "orders", second, NULL });
  CU_ASSERT_EQUAL(l2->status, 0);
  ITEST_ASSERT_CONTAINS(l2->out, "10 rows, 2 accepted, 8 rejected (DUPLICATE_ORDER 8)");

  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *r1 = rejects_of(c, "finepoints_orders_1.csv");
  ITEST_ASSERT_STR_EQ(r1, "2 O1 UNKNOWN_PRODUCT product_code\n"
                          "3 O2 UNKNOWN_USER user_id\n"
                          "4 O3 BAD_FIELD amount\n"
                          "5 O4 DATE_CLOSED order_date\n"
                          "6 - BAD_FIELD order_id\n"
                          "7 O5 BAD_FIELD amount\n"
                          "8 O6 DATE_CLOSED order_date\n"
                          "9 O7 UNKNOWN_USER user_id\n"
                          "10 O1 DUPLICATE_ORDER order_id\n"
                          "12 O8 DUPLICATE_ORDER order_id\n"
                          "13 " LONG_ID_64 " BAD_FIELD order_id");
  g_autofree char *r2 = rejects_of(c, "finepoints_orders_2.csv");
  ITEST_ASSERT_STR_EQ(r2, "2 O1 DUPLICATE_ORDER order_id\n3 O2 DUPLICATE_ORDER order_id\n"
                          "4 O3 DUPLICATE_ORDER order_id\n5 O4 DUPLICATE_ORDER order_id\n"
                          "6 O5 DUPLICATE_ORDER order_id\n7 O6 DUPLICATE_ORDER order_id\n"
                          "8 O7 DUPLICATE_ORDER order_id\n9 O8 DUPLICATE_ORDER order_id");

  g_autoptr(ItestRun) night = run(config, (const char *[]) { "eod", "--date", "2026-03-04", "--quiet", NULL });
  CU_ASSERT_EQUAL(night->status, 0);
  g_autofree char *loans = itest_query(c, "SELECT string_agg(order_id || ' ' || principal_fen, ', '"
                                          " ORDER BY order_id) FROM loans");
  ITEST_ASSERT_STR_EQ(loans, LONG_ID_64 " 5000, O8 1000, O9 5000");
  PQfinish(c);
}

/* Refunds: DATE_CLOSED and BAD_FIELD on the amount keep the refund id used, in the
 * same file and in a later one; an empty id reserves nothing. Repayments: a txn id
 * too long for the column (BAD_FIELD on the id) does not reserve its first 64
 * characters either. */
static void
test_rejected_refund_and_txn_ids_stay_used(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = new_world("fine_refunds", &config);
  g_autofree char *first = data_file("refunds_1.csv",
    "refund_id,order_id,refund_date,amount\n"
    "R1,O1,2026-03-02,1.00\n"      /* 2 DATE_CLOSED */
    "R2,O1,2026-03-04,1.001\n"     /* 3 BAD_FIELD amount */
    ",O1,2026-03-04,1.00\n"        /* 4 BAD_FIELD refund_id */
    "R1,O1,2026-03-04,1.00\n");    /* 5 DUPLICATE_REFUND */
  g_autoptr(ItestRun) l1 = run(config, (const char *[]) { "load", "refunds", first, NULL });
  CU_ASSERT_EQUAL(l1->status, 5);   /* loaded; its DATE_CLOSED row says exit 5 */
  g_autofree char *second = data_file("refunds_2.csv",
    "refund_id,order_id,refund_date,amount\n"
    "R1,O1,2026-03-04,1.00\n"      /* 2 DUPLICATE_REFUND */
    "R2,O1,2026-03-04,1.00\n"      /* 3 DUPLICATE_REFUND */
    "R3,O1,2026-03-04,1.00\n");    /* 4 accepted */
  g_autoptr(ItestRun) l2 = run(config, (const char *[]) { "load", "refunds", second, NULL });
  CU_ASSERT_EQUAL(l2->status, 0);
  ITEST_ASSERT_CONTAINS(l2->out, "3 rows, 1 accepted, 2 rejected (DUPLICATE_REFUND 2)");
  g_autofree char *pays1 = data_file("repayments_1.csv",
    "txn_id,user_id,pay_date,amount,channel,prepay_order_id\n"
    LONG_ID ",U1001,2026-03-04,1.00,ALIPAY,\n"    /* 2 BAD_FIELD txn_id */
    "T1,U9999,2026-03-04,1.00,ALIPAY,\n");        /* 3 UNKNOWN_USER */
  g_autoptr(ItestRun) p1 = run(config, (const char *[]) { "load", "repayments", pays1, NULL });
  CU_ASSERT_EQUAL(p1->status, 0);
  g_autofree char *pays2 = data_file("repayments_2.csv",
    "txn_id,user_id,pay_date,amount,channel,prepay_order_id\n"
    LONG_ID_64 ",U1001,2026-03-04,1.00,ALIPAY,\n" /* 2 accepted */
    "T1,U1001,2026-03-04,1.00,ALIPAY,\n");        /* 3 DUPLICATE_TXN */
  g_autoptr(ItestRun) p2 = run(config, (const char *[]) { "load", "repayments", pays2, NULL });
  CU_ASSERT_EQUAL(p2->status, 0);

  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *r1 = rejects_of(c, "finepoints_refunds_1.csv");
  ITEST_ASSERT_STR_EQ(r1, "2 R1 DATE_CLOSED refund_date\n3 R2 BAD_FIELD amount\n"
                          "4 - BAD_FIELD refund_id\n5 R1 DUPLICATE_REFUND refund_id");
  g_autofree char *r2 = rejects_of(c, "finepoints_refunds_2.csv");
  ITEST_ASSERT_STR_EQ(r2, "2 R1 DUPLICATE_REFUND refund_id\n3 R2 DUPLICATE_REFUND refund_id");
  g_autofree char *p = rejects_of(c, "finepoints_repayments_2.csv");
  ITEST_ASSERT_STR_EQ(p, "3 T1 DUPLICATE_TXN txn_id");
  g_autofree char *inbox = itest_query(c, "SELECT (SELECT string_agg(refund_id, ',') FROM inbox_refunds) || ' '"
                                          " || (SELECT string_agg(txn_id, ',') FROM inbox_repayments)");
  ITEST_ASSERT_STR_EQ(inbox, "R3 " LONG_ID_64);
  PQfinish(c);
}

/* What the night judges comes after what intake can (§11), also for orders that
 * reached the inbox without a file: a frozen user's order naming an unknown product
 * is UNKNOWN_PRODUCT; a frozen user's order over the limit is USER_FROZEN. And the
 * loan's own APR (§1, per purchase): FPP24 for 10.00 yuan is 41 × 23 + 57 principal,
 * 5 fen fee a period: monthly IRR × 12 = 10.98 % (1098 bp), while the product keeps
 * its 1000.00 reference, 11.13 % (§2). FPP24 for 1000.00 stores 1113. */
static void
test_night_reason_order_and_loan_apr(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = new_world("fine_night", &config);
  g_autofree char *orders = data_file("orders_apr.csv",
    "order_id,user_id,order_date,amount,product_code\n"
    "A1,U1001,2026-03-04,10.00,FPP24\n"
    "A2,U1001,2026-03-04,1000.00,FPP24\n");
  g_autoptr(ItestRun) l = run(config, (const char *[]) { "load", "orders", orders, NULL });
  CU_ASSERT_EQUAL(l->status, 0);
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *online = itest_query(c,
    "INSERT INTO inbox_orders (order_id, user_id, order_date, amount_fen, product_code) VALUES"
    " ('N1', 'U1003', '2026-03-04', 1000, 'NOPE'),"      /* frozen + unknown product */
    " ('N2', 'U1003', '2026-03-04', 900000, 'FPP3'),"    /* frozen + over 8000.00 */
    " ('N3', 'U1002', '2026-03-04', 500001, 'FPP3')");   /* over 5000.00 by 0.01 */
  CU_ASSERT_PTR_NOT_NULL(online);
  g_autoptr(ItestRun) night = run(config, (const char *[]) { "eod", "--date", "2026-03-04", "--quiet", NULL });
  CU_ASSERT_EQUAL(night->status, 0);
  g_autofree char *reasons = itest_query(c, "SELECT string_agg(order_id || ' ' || coalesce(reject_reason, status),"
                                            " ', ' ORDER BY order_id) FROM inbox_orders");
  ITEST_ASSERT_STR_EQ(reasons, "A1 ACCEPTED, A2 ACCEPTED, N1 UNKNOWN_PRODUCT, N2 USER_FROZEN, N3 OVER_LIMIT");
  g_autofree char *apr = itest_query(c, "SELECT string_agg(l.order_id || ' ' || l.apr_bp || ' ' || p.apr_bp, ', '"
                                        " ORDER BY l.order_id)"
                                        "  FROM loans l JOIN products p USING (product_code)");
  ITEST_ASSERT_STR_EQ(apr, "A1 1098 1113, A2 1113 1113");
  PQfinish(c);
}

static void
day_string(int days_from_today, char out[11])
{
  GDate d;
  g_date_clear(&d, 1);
  g_date_set_time_t(&d, time(NULL));
  if (days_from_today > 0)
    g_date_add_days(&d, (guint) days_from_today);
  else
    g_date_subtract_days(&d, (guint) -days_from_today);
  g_date_strftime(out, 11, "%Y-%m-%d", &d);
}

/* A night for a date that has not ended (today or later by the local clock) is
 * refused with exit 2 naming it, unless --allow-future or [calendar] allow_future;
 * nothing is run. A past date runs. --quiet prints nothing on success. */
static void
test_future_date_refused_and_quiet(void)
{
  g_autofree char *db = itest_create_db("fine_future", TRUE);
  g_autofree char *config = g_strdup_printf("%s/finepoints_strict.conf", itest_tmpdir());
  g_autofree char *allowing = itest_write_config(db, NULL);
  g_autofree char *text = NULL;
  CU_ASSERT_FATAL(g_file_get_contents(allowing, &text, NULL, NULL));
  g_auto(GStrv) parts = g_strsplit(text, "allow_future=true", 2);
  CU_ASSERT_EQUAL_FATAL(g_strv_length(parts), 2);
  g_autofree char *strict = g_strjoinv("allow_future=false", parts);
  CU_ASSERT_FATAL(g_file_set_contents(config, strict, -1, NULL));

  char before[11], yesterday[11], today[11], tomorrow[11];
  day_string(-2, before);
  day_string(-1, yesterday);
  day_string(0, today);
  day_string(1, tomorrow);
  g_autoptr(ItestRun) t = run(config, (const char *[]) { "eod", "--date", today, NULL });
  CU_ASSERT_EQUAL(t->status, 2);
  g_autofree char *named = g_strdup_printf("cannot run %s: the date has not ended yet (today is %s)", today, today);
  ITEST_ASSERT_CONTAINS(t->err, named);
  ITEST_ASSERT_CONTAINS(t->err, "allow_future");
  g_autoptr(ItestRun) cu = run(config, (const char *[]) { "eod", "--date", before, "--catch-up",
                                                          "--until", tomorrow, NULL });
  CU_ASSERT_EQUAL(cu->status, 2);
  g_autofree char *named_until = g_strdup_printf("cannot run %s:", tomorrow);
  ITEST_ASSERT_CONTAINS(cu->err, named_until);
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *none = itest_query(c, "SELECT count(*) FROM business_calendar");
  ITEST_ASSERT_STR_EQ(none, "0");

  g_autoptr(ItestRun) past = run(config, (const char *[]) { "eod", "--date", before, "--quiet", NULL });
  CU_ASSERT_EQUAL(past->status, 0);
  ITEST_ASSERT_STR_EQ(past->out, "");
  ITEST_ASSERT_STR_EQ(past->err, "");
  g_autoptr(ItestRun) verbose = run(config, (const char *[]) { "eod", "--date", yesterday, NULL });
  CU_ASSERT_EQUAL(verbose->status, 0);
  g_autofree char *table = g_strdup_printf("%s  run ", yesterday);
  ITEST_ASSERT_CONTAINS(verbose->out, table);
  g_autoptr(ItestRun) flag = run(config, (const char *[]) { "eod", "--catch-up", "--until", tomorrow,
                                                            "--allow-future", "--quiet", NULL });
  CU_ASSERT_EQUAL(flag->status, 0);
  ITEST_ASSERT_STR_EQ(flag->out, "");
  g_autofree char *closed = itest_query(c, "SELECT string_agg(business_date::text, ' ' ORDER BY business_date)"
                                           "  FROM business_calendar WHERE status = 'CLOSED'");
  g_autofree char *expect = g_strdup_printf("%s %s %s %s", before, yesterday, today, tomorrow);
  ITEST_ASSERT_STR_EQ(closed, expect);
  PQfinish(c);

  g_autofree char *users = itest_top_file("t/data", "users.csv");
  g_autoptr(ItestRun) load = run(config, (const char *[]) { "load", "users", users, "--quiet", NULL });
  CU_ASSERT_EQUAL(load->status, 0);
  ITEST_ASSERT_STR_EQ(load->out, "");
  g_autoptr(ItestRun) verify = run(config, (const char *[]) { "migrate", "verify", "--quiet", NULL });
  CU_ASSERT_EQUAL(verify->status, 0);
  ITEST_ASSERT_STR_EQ(verify->out, "");
}

CU_TestInfo itest_finepoints_cases[] = {
  { "order ids rejected at load stay used; reasons in §11's order", test_rejected_order_ids_stay_used },
  { "refund and txn ids rejected at load stay used", test_rejected_refund_and_txn_ids_stay_used },
  { "night reasons after load reasons; each loan its own APR", test_night_reason_order_and_loan_apr },
  { "a date not yet ended is refused (exit 2); --quiet prints nothing", test_future_date_refused_and_quiet },
  CU_TEST_INFO_NULL,
};
