/* The nightly run's own steps (originate, billing, gl_close) through the real
 * database, with amounts from the contract's worked examples. */
#include <stdio.h>
#include <string.h>

#include "eod_steps.h"
#include "itest.h"

/* A database with the shipped product catalogue and the users given as SQL VALUES rows
 * (user_id, credit_limit_fen, statement_day, status). */
static PGconn *
eod_db(const char *prefix, const char *users_values)
{
  g_autofree char *db = itest_create_db(prefix, TRUE);
  PGconn *conn = itest_connect(db, "baitiao_batch");
    itest_load_products(conn);
  g_autofree char *sql = g_strdup_printf("INSERT INTO users (user_id, credit_limit_fen, statement_day, status)"
                                         " VALUES %s", users_values);
  g_autofree char *ok = itest_sql(conn, sql, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ok);
  return conn;
}

static void
add_order(PGconn *c, const char *order, const char *user, const char *date, gint64 fen, const char *product)
{
  g_autofree char *sql = g_strdup_printf(
    "INSERT INTO inbox_orders (order_id, user_id, order_date, amount_fen, product_code)"
    " VALUES ('%s', '%s', '%s', %" G_GINT64_FORMAT ", '%s')", order, user, date, fen, product);
  g_autofree char *ok = itest_sql(c, sql, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ok);
}

static void
test_originate_decisions(void)
{
  PGconn *c = eod_db("eod_orig",
    "('U1', 100000, 5, 'ACTIVE'), ('U2', 500000, 5, 'FROZEN'), ('U3', 50000, 4, 'ACTIVE')");
  add_order(c, "O1", "U1", "2026-03-04", 100000, "FPP12");  /* exactly the limit: accepted */
  add_order(c, "O2", "U1", "2026-03-04", 1, "FPP3");        /* limit used up: OVER_LIMIT */
  add_order(c, "O3", "U2", "2026-03-04", 100, "FPP3");      /* USER_FROZEN */
  add_order(c, "O4", "U9", "2026-03-04", 100, "FPP3");      /* UNKNOWN_USER */
  add_order(c, "O5", "U3", "2026-03-04", 100, "NOPE");      /* UNKNOWN_PRODUCT */
  add_order(c, "O6", "U3", "2026-03-04", 60000, "FPP3");    /* over 500.00: OVER_LIMIT */
  add_order(c, "O7", "U3", "2026-03-04", 30000, "ANN12");   /* fits */
  add_order(c, "O8", "U3", "2026-03-04", 20000, "FREE1");   /* exactly what is left: accepted */
  add_order(c, "O9", "U3", "2026-03-03", 100, "FPP3");      /* dated before D, never run: DATE_CLOSED */
  add_order(c, "O10", "U3", "2026-03-05", 100, "FPP3");     /* tomorrow's: untouched */
  gint64 rows = 0, amount = 0;
  CU_ASSERT_FATAL(itest_run_step(c, "2026-03-04", eod_step_originate, &rows, &amount));
  CU_ASSERT_EQUAL(rows, 8);
  CU_ASSERT_EQUAL(amount, 150000);

  g_autofree char *decisions = itest_query(c, "SELECT string_agg(order_id || ':' || status || ':' || coalesce(reject_reason, '-'),"
                                    " ' ' ORDER BY arrival_seq) FROM inbox_orders");
  ITEST_ASSERT_STR_EQ(decisions, "O1:ACCEPTED:- O2:REJECTED:OVER_LIMIT O3:REJECTED:USER_FROZEN "
                                 "O4:REJECTED:UNKNOWN_USER O5:REJECTED:UNKNOWN_PRODUCT O6:REJECTED:OVER_LIMIT "
                                 "O7:ACCEPTED:- O8:ACCEPTED:- O9:REJECTED:DATE_CLOSED O10:PENDING:-");
  g_autofree char *rejects = itest_query(c, "SELECT string_agg(external_id || ':' || reason_code || ':' || field, ' '"
                                  " ORDER BY external_id) FROM rejects WHERE business_date = '2026-03-04'");
  ITEST_ASSERT_STR_EQ(rejects, "O2:OVER_LIMIT:amount O3:USER_FROZEN:user_id O4:UNKNOWN_USER:user_id "
                               "O5:UNKNOWN_PRODUCT:product_code O6:OVER_LIMIT:amount O9:DATE_CLOSED:order_date");
  g_autofree char *used = itest_query(c, "SELECT string_agg(user_id || '=' || used_limit_fen, ' ' ORDER BY user_id) FROM users");
  ITEST_ASSERT_STR_EQ(used, "U1=100000 U2=0 U3=50000");
  /* §3: purchase on the statement day (U3, S = 4, 2026-03-04) goes to the next cycle */
  g_autofree char *next_cycle = itest_query(c, "SELECT first_billing_date || ' ' || (SELECT due_date FROM installments i"
                                               " WHERE i.loan_id = l.loan_id AND installment_no = 1)"
                                               " FROM loans l WHERE order_id = 'O7'");
  ITEST_ASSERT_STR_EQ(next_cycle, "2026-04-04 2026-04-13");
  PQfinish(c);
}

static void
test_originate_schedules_and_gl(void)
{
  PGconn *c = eod_db("eod_sched", "('U1', 10000000, 5, 'ACTIVE')");
  add_order(c, "A", "U1", "2026-03-04", 100000, "FPP12");   /* §2: 8333 x 11 + 8337, fee 500 */
  add_order(c, "B", "U1", "2026-03-04", 1000000, "ANN12");  /* §2: A = 88849 at 1 %/month */
  CU_ASSERT_FATAL(itest_run_step(c, "2026-03-04", eod_step_originate, NULL, NULL));
  /* §3: S = 5, purchase 2026-03-04 -> first billing 2026-03-05, due 2026-03-14 */
  g_autofree char *loan = itest_query(c, "SELECT concat_ws(',', principal_fen, term, method, rate_ppm, statement_day,"
                               " first_billing_date, status, apr_bp) FROM loans WHERE order_id = 'A'");
  ITEST_ASSERT_STR_EQ(loan, "100000,12,FEE_PER_PERIOD,5000,5,2026-03-05,ACTIVE,1090");
  g_autofree char *a = itest_query(c, "SELECT string_agg(principal_fen || '+' || fee_fen, ' ' ORDER BY installment_no)"
                            " FROM installments WHERE order_id = 'A'");
  ITEST_ASSERT_STR_EQ(a, "8333+500 8333+500 8333+500 8333+500 8333+500 8333+500 8333+500 8333+500 8333+500 "
                         "8333+500 8333+500 8337+500");
  g_autofree char *first = itest_query(c, "SELECT billing_date || ' ' || due_date || ' ' || status FROM installments"
                                " WHERE order_id = 'A' AND installment_no = 1");
  ITEST_ASSERT_STR_EQ(first, "2026-03-05 2026-03-14 UNBILLED");
  g_autofree char *b = itest_query(c, "SELECT string_agg(principal_fen || '+' || fee_fen, ' ' ORDER BY installment_no)"
                            " FROM installments WHERE order_id = 'B' AND installment_no IN (1, 2, 12)");
  ITEST_ASSERT_STR_EQ(b, "78849+10000 79637+9212 87967+880");
  g_autofree char *gl = itest_query(c, "SELECT string_agg(account_code || ':' || debit_fen || ':' || credit_fen, ' '"
                             " ORDER BY line_no) FROM journal_lines WHERE business_date = '2026-03-04'");
  ITEST_ASSERT_STR_EQ(gl, "1122:1100000:0 2202:0:1100000");
  PQfinish(c);
}

static void
test_gl_close_balances(void)
{
  PGconn *c = eod_db("eod_glclose", "('U1', 10000000, 5, 'ACTIVE')");
  add_order(c, "A", "U1", "2026-03-04", 100000, "FPP12");
  CU_ASSERT_FATAL(itest_run_step(c, "2026-03-04", eod_step_originate, NULL, NULL));
  CU_ASSERT_FATAL(itest_run_step(c, "2026-03-04", eod_step_gl_close, NULL, NULL));
  add_order(c, "B", "U1", "2026-03-05", 50000, "FPP3");
  CU_ASSERT_FATAL(itest_run_step(c, "2026-03-05", eod_step_originate, NULL, NULL));
  CU_ASSERT_FATAL(itest_run_step(c, "2026-03-05", eod_step_gl_close, NULL, NULL));
  g_autofree char *tb = itest_query(c, "SELECT string_agg(account_code || ':' || opening_fen || ':' || debit_fen || ':'"
                             " || credit_fen || ':' || closing_fen, ' ' ORDER BY account_code)"
                             "  FROM gl_daily_balances WHERE business_date = '2026-03-05'"
                             "   AND account_code IN ('1122', '2202', '6011')");
  ITEST_ASSERT_STR_EQ(tb, "1122:100000:50000:0:150000 2202:-100000:0:50000:-150000 6011:0:0:0:0");
  g_autofree char *total = itest_query(c, "SELECT sum(closing_fen) FROM gl_daily_balances WHERE business_date = '2026-03-05'");
  ITEST_ASSERT_STR_EQ(total, "0");
  PQfinish(c);
}

static void
add_repayment(PGconn *c, const char *txn, const char *user, const char *date, gint64 fen)
{
  g_autofree char *sql = g_strdup_printf(
    "INSERT INTO inbox_repayments (txn_id, user_id, pay_date, amount_fen, channel)"
    " VALUES ('%s', '%s', '%s', %" G_GINT64_FORMAT ", 'ALIPAY')", txn, user, date, fen);
  g_autofree char *ok = itest_sql(c, sql, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ok);
}

static const char sql_statement[] =
  "SELECT concat_ws(',', due_date, new_principal_fen, new_fee_fen, carried_principal_fen, carried_fee_fen,"
  "                 carried_penalty_fen, credit_applied_fen, total_due_fen)"
  "  FROM statements WHERE user_id = 'U1' AND statement_date = '%s'";

static char *
statement(PGconn *c, const char *date)
{
  g_autofree char *sql = g_strdup_printf(sql_statement, date);
  return itest_query(c, sql);
}

/* §3: billing on the statement day, new charges, carried balances, fee income. */
static void
test_billing_and_statements(void)
{
  PGconn *c = eod_db("eod_billing", "('U1', 10000000, 5, 'ACTIVE')");
  add_order(c, "A", "U1", "2026-03-04", 100000, "FPP12");
  CU_ASSERT_FATAL(itest_run_step(c, "2026-03-04", eod_step_originate, NULL, NULL));
  gint64 rows = 0, amount = 0;
  CU_ASSERT_FATAL(itest_run_step(c, "2026-03-05", eod_step_billing, &rows, &amount));
  CU_ASSERT_EQUAL(rows, 1);
  CU_ASSERT_EQUAL(amount, 8833);
  /* first statement: 83.33 + 5.00 new, due 2026-03-14 */
  g_autofree char *first = statement(c, "2026-03-05");
  ITEST_ASSERT_STR_EQ(first, "2026-03-14,8333,500,0,0,0,0,8833");
  g_autofree char *lines = itest_query(c, "SELECT string_agg(line_kind || ':' || principal_fen || '+' || fee_fen, ' ')"
                                          "  FROM statement_lines");
  ITEST_ASSERT_STR_EQ(lines, "NEW:8333+500");
  g_autofree char *fee_gl = itest_query(c, "SELECT string_agg(account_code || ':' || debit_fen || ':' || credit_fen, ' '"
                                           " ORDER BY line_no) FROM journal_lines WHERE business_date = '2026-03-05'");
  ITEST_ASSERT_STR_EQ(fee_gl, "1123:500:0 6011:0:500");
  /* nothing paid: the next statement carries period 1 and adds period 2 */
  CU_ASSERT_FATAL(itest_run_step(c, "2026-04-05", eod_step_billing, NULL, NULL));
  g_autofree char *second = statement(c, "2026-04-05");
  ITEST_ASSERT_STR_EQ(second, "2026-04-14,8333,500,8333,500,0,0,17666");
  PQfinish(c);
}

/* §5 point 4: a credit balance is applied at billing and shown on the statement. */
static void
test_credit_balance_applied_at_billing(void)
{
  PGconn *c = eod_db("eod_billing_cb", "('U1', 10000000, 5, 'ACTIVE')");
  add_order(c, "A", "U1", "2026-03-04", 100000, "FPP12");
  CU_ASSERT_FATAL(itest_run_step(c, "2026-03-04", eod_step_originate, NULL, NULL));
  /* 100.00 paid before anything is billed: all of it becomes credit balance */
  add_repayment(c, "T1", "U1", "2026-03-04", 10000);
  CU_ASSERT_FATAL(itest_run_step(c, "2026-03-04", eod_step_repayments, NULL, NULL));
  g_autofree char *cb = itest_query(c, "SELECT credit_balance_fen FROM users WHERE user_id = 'U1'");
  ITEST_ASSERT_STR_EQ(cb, "10000");
  CU_ASSERT_FATAL(itest_run_step(c, "2026-03-05", eod_step_billing, NULL, NULL));
  g_autofree char *st = statement(c, "2026-03-05");
  ITEST_ASSERT_STR_EQ(st, "2026-03-14,8333,500,0,0,0,8833,0");
  g_autofree char *left = itest_query(c, "SELECT credit_balance_fen || ' ' || (SELECT status FROM installments"
                                         " WHERE installment_no = 1) FROM users WHERE user_id = 'U1'");
  ITEST_ASSERT_STR_EQ(left, "1167 PAID");
  PQfinish(c);
}

/* §3: the statements of D go to the day's statement users only — those billed on D and
 * those whose statement day is D who still owe — and a pending statement-day change
 * takes effect after the statement on the old day, for those users only. */
static void
test_statement_users_of_the_day(void)
{
  PGconn *c = eod_db("eod_stmt_users", "('U1', 10000000, 5, 'ACTIVE'), ('U2', 10000000, 5, 'ACTIVE'),"
                                       " ('U3', 10000000, 5, 'ACTIVE'), ('U4', 10000000, 6, 'ACTIVE')");
  g_autofree char *pending = itest_query(c, "UPDATE users SET next_statement_day = CASE user_id WHEN 'U3' THEN 10 ELSE 12 END,"
                                            " statement_day_changed_date = '2026-03-01' WHERE user_id IN ('U3', 'U4')");
  CU_ASSERT_PTR_NOT_NULL_FATAL(pending);
  add_order(c, "A", "U1", "2026-03-04", 100000, "FPP12");   /* billed 03-05 and 04-05 */
  add_order(c, "B", "U2", "2026-03-04", 10000, "FREE1");    /* billed 03-05 only: carried on 04-05 */
  add_order(c, "C", "U4", "2026-03-04", 30000, "FPP3");     /* statement day 6: not the 5th's */
  CU_ASSERT_FATAL(itest_run_step(c, "2026-03-04", eod_step_originate, NULL, NULL));
  gint64 rows = 0;
  CU_ASSERT_FATAL(itest_run_step(c, "2026-03-05", eod_step_billing, &rows, NULL));
  CU_ASSERT_EQUAL(rows, 2);
  /* U3 owes nothing: no statement, but its change to day 10 applies after the 5th */
  g_autofree char *days = itest_query(c, "SELECT string_agg(user_id || ':' || statement_day || ':'"
                                         " || coalesce(next_statement_day::text, '-'), ' ' ORDER BY user_id) FROM users");
  ITEST_ASSERT_STR_EQ(days, "U1:5:- U2:5:- U3:10:- U4:6:12");
  CU_ASSERT_FATAL(itest_run_step(c, "2026-04-05", eod_step_billing, &rows, NULL));
  CU_ASSERT_EQUAL(rows, 1);
  g_autofree char *st = itest_query(c, "SELECT string_agg(statement_date || ':' || user_id || ':' || concat_ws(',', due_date,"
                                       " new_principal_fen, new_fee_fen, carried_principal_fen, carried_fee_fen,"
                                       " total_due_fen), ' ' ORDER BY statement_date, user_id) FROM statements");
  ITEST_ASSERT_STR_EQ(st, "2026-03-05:U1:2026-03-14,8333,500,0,0,8833 2026-03-05:U2:2026-03-14,10000,0,0,0,10000 "
                          "2026-04-05:U1:2026-04-14,8333,500,8333,500,17666 "
                          "2026-04-05:U2:2026-04-05,0,0,10000,0,10000");
  g_autofree char *lines = itest_query(c, "SELECT string_agg(user_id || ':' || line_kind || ':' || installment_no, ' '"
                                          " ORDER BY user_id, line_kind DESC, installment_no) FROM statement_lines l"
                                          " JOIN statements s USING (statement_id, user_id)"
                                          " WHERE s.statement_date = '2026-04-05'");
  ITEST_ASSERT_STR_EQ(lines, "U1:NEW:2 U1:CARRIED:1 U2:CARRIED:1");
  PQfinish(c);
}

/* journal_post_entry, the one posting of an entry: lines summed per account and side,
 * numbered debits first; an unbalanced or negative entry refused before anything is
 * written; nothing to post, no entry; the report role cannot post. */
static void
test_journal_post_entry(void)
{
  PGconn *c = eod_db("eod_post", "('U1', 100000, 5, 'ACTIVE')");
  g_autofree char *total = itest_query(c, "SELECT journal_post_entry('2026-03-04', 'ADJUSTMENT', 'test', NULL, 'test:a', 'a',"
                                          " ARRAY['2202', '1122', '1122', '6011'], ARRAY[0, 60, 40, 0]::bigint[],"
                                          " ARRAY[100, 0, 0, 0]::bigint[])");
  ITEST_ASSERT_STR_EQ(total, "100");
  g_autofree char *lines = itest_query(c, "SELECT string_agg(l.line_no || ':' || l.account_code || ':' || l.debit_fen || ':'"
                                          " || l.credit_fen, ' ' ORDER BY l.line_no) FROM journal_lines l"
                                          " JOIN journal_entries e USING (entry_id) WHERE e.posting_key = 'test:a'");
  ITEST_ASSERT_STR_EQ(lines, "1:1122:100:0 2:2202:0:100");
  char state[6] = "";
  g_autofree char *unbalanced = itest_sql(c, "SELECT journal_post_entry('2026-03-04', 'ADJUSTMENT', 'test', NULL, 'test:b',"
                                             " 'b', ARRAY['1122', '2202'], ARRAY[100, 0]::bigint[], ARRAY[0, 99]::bigint[])",
                                          state);
  CU_ASSERT_PTR_NULL(unbalanced);
  ITEST_ASSERT_STR_EQ(state, "23514");
  ITEST_ASSERT_CONTAINS(PQerrorMessage(c), "test entry test:b is unbalanced: debits 100 fen, credits 99 fen");
  g_autofree char *negative = itest_sql(c, "SELECT journal_post_entry('2026-03-04', 'ADJUSTMENT', 'test', NULL, 'test:c',"
                                           " 'c', ARRAY['1122', '2202'], ARRAY[-5, 0]::bigint[], ARRAY[0, -5]::bigint[])",
                                        state);
  CU_ASSERT_PTR_NULL(negative);
  ITEST_ASSERT_STR_EQ(state, "22023");
  g_autofree char *empty = itest_query(c, "SELECT journal_post_entry('2026-03-04', 'ADJUSTMENT', 'test', NULL, 'test:e', 'e',"
                                          " ARRAY['1122', '2202'], ARRAY[0, 0]::bigint[], ARRAY[0, 0]::bigint[])");
  ITEST_ASSERT_STR_EQ(empty, "0");
  g_autofree char *entries = itest_query(c, "SELECT string_agg(posting_key, ' ' ORDER BY posting_key) FROM journal_entries");
  ITEST_ASSERT_STR_EQ(entries, "test:a");
  g_autofree char *db = itest_query(c, "SELECT current_database()");
  PGconn *report = itest_connect(db, "baitiao_report");
  g_autofree char *refused = itest_sql(report, "SELECT journal_post_entry('2026-03-04', 'ADJUSTMENT', 'test', NULL, 'test:f',"
                                               " 'f', ARRAY['1122', '2202'], ARRAY[1, 0]::bigint[], ARRAY[0, 1]::bigint[])",
                                       state);
  CU_ASSERT_PTR_NULL(refused);
  ITEST_ASSERT_STR_EQ(state, "42501");
  PQfinish(report);
  PQfinish(c);
}

CU_TestInfo itest_eod_cases[] = {
  { "billing and statements", test_billing_and_statements },
  { "credit balance applied at billing", test_credit_balance_applied_at_billing },
  { "statement users of the day", test_statement_users_of_the_day },
  { "originate decisions", test_originate_decisions },
  { "originate schedules and GL", test_originate_schedules_and_gl },
  { "gl_close balances", test_gl_close_balances },
  { "journal_post_entry", test_journal_post_entry },
  CU_TEST_INFO_NULL,
};
