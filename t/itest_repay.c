/* Refunds, repayments and the credit balance (product-rules §5, §6, §8, §11) through
 * the real database: small scenarios on their own clone with amounts computed by hand
 * from the contract, the books checked after every step (GL 1122/1123/1124/2241 equal
 * the sub-ledgers, used limit, credit balance = its movements, R3, recoveries), and a
 * randomized property test over small portfolios.
 *
 * Loans are seeded with SQL from sched_build() schedules (statement day 5, grace 9),
 * then moved into the state a scenario needs (billed, paid, penalty, written off); a
 * seeding ADJUSTMENT entry brings the GL to the seeded sub-ledger, so every later
 * difference is the step's. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "eod_steps.h"
#include "itest.h"
#include "schedule.h"
#include "stmt.h"

#define D "2026-03-20"          /* the business date of most scenarios */
#define D1 "2026-03-21"
#define SEED_DATE "2026-03-19"  /* seeded history is booked the day before */
#define PURCHASE "2026-01-10"   /* S = 5: billed 02-05 (due 02-14), 03-05 (due 03-14), 04-05 ... */

/* ---- helpers ------------------------------------------------------------------ */

typedef struct {
  const char *code;
  SchedMethod method;
  int term;
  gint64 rate_ppm;
  const char *policy;
} TestProduct;

static const TestProduct test_products[] = {
  { "FPP3", SCHED_FEE_PER_PERIOD, 3, 5000, "WAIVE_UNBILLED" },
  { "FPP12", SCHED_FEE_PER_PERIOD, 12, 5000, "WAIVE_UNBILLED" },
  { "FPP12C", SCHED_FEE_PER_PERIOD, 12, 5000, "CHARGE_ALL" },
  { "ANN6", SCHED_ANNUITY, 6, 10000, "WAIVE_UNBILLED" },
  { "EP6C", SCHED_EQUAL_PRINCIPAL, 6, 8000, "CHARGE_ALL" },
};

static const TestProduct *
test_product(const char *code)
{
  for (gsize i = 0; i < G_N_ELEMENTS(test_products); i++)
    if (strcmp(test_products[i].code, code) == 0)
      return &test_products[i];
  CU_FAIL_FATAL("unknown test product");
  return NULL;
}

static void G_GNUC_PRINTF(2, 3)
exec_ok(PGconn *c, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *sql = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  char state[6] = "";
  g_autofree char *r = itest_sql(c, sql, state);
  if (!r)
    fprintf(stderr, "\n  %s\n  failed (SQLSTATE %s): %s\n", sql, state, PQerrorMessage(c));
  CU_ASSERT_PTR_NOT_NULL_FATAL(r);
}

/* The first column of the first row of a query, as text ("" for no row / NULL). */
static char * G_GNUC_PRINTF(2, 3)
q(PGconn *c, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *sql = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  char *r = itest_sql(c, sql, NULL);
  if (!r)
    fprintf(stderr, "\n  %s\n  failed: %s\n", sql, PQerrorMessage(c));
  return r;
}

#define ASSERT_Q(expected, c, ...)                      \
  do {                                                  \
    g_autofree char *got_ = q((c), __VA_ARGS__);        \
    if (!got_ || strcmp(got_, (expected)) != 0)         \
      fprintf(stderr, "\n  line %d:", __LINE__);        \
    ITEST_ASSERT_STR_EQ(got_, (expected));              \
  } while (0)

static gint64 G_GNUC_PRINTF(2, 3)
qint(PGconn *c, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *sql = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_autofree char *r = itest_sql(c, sql, NULL);
  if (!r)
    fprintf(stderr, "\n  %s\n  failed: %s\n", sql, PQerrorMessage(c));
  CU_ASSERT_PTR_NOT_NULL_FATAL(r);
  return g_ascii_strtoll(r, NULL, 10);
}

static PGconn *
fresh_db(const char *prefix)
{
  g_autofree char *db = itest_create_db(prefix, TRUE);
  PGconn *c = itest_connect(db, "baitiao_batch");
  for (gsize i = 0; i < G_N_ELEMENTS(test_products); i++) {
    const TestProduct *p = &test_products[i];
    exec_ok(c, "INSERT INTO products (product_code, term, method, rate_ppm, prepay_fee_policy, apr_bp)"
               " VALUES ('%s', %d, '%s', %" G_GINT64_FORMAT ", '%s', 0)",
            p->code, p->term, sched_method_to_string(p->method), p->rate_ppm, p->policy);
  }
  return c;
}

static void
add_user(PGconn *c, const char *user)
{
  exec_ok(c, "INSERT INTO users (user_id, credit_limit_fen, statement_day) VALUES ('%s', 1000000000, 5)", user);
}

/* A loan and its schedule as origination would write them (statement day 5, grace 9). */
static void
seed_loan(PGconn *c, const char *user, const char *order, const char *code, gint64 principal,
          const char *purchase)
{
  const TestProduct *p = test_product(code);
  SchedTerms t = { .method = p->method, .term = p->term, .rate_ppm = p->rate_ppm, .grace_days = 9 };
  GDate day;
  g_date_clear(&day, 1);
  g_date_set_parse(&day, purchase);
  CU_ASSERT_FATAL(g_date_valid(&day));
  SchedInstallment inst[SCHED_TERM_MAX];
  g_autoptr(GError) error = NULL;
  gboolean ok = sched_build(principal, &t, &day, 5, inst, &error);
  if (!ok)
    fprintf(stderr, "\n  sched_build: %s\n", error->message);
  CU_ASSERT_FATAL(ok);
  char first[11];
  g_date_strftime(first, sizeof first, "%Y-%m-%d", &inst[0].billing_date);
  exec_ok(c, "INSERT INTO loans (order_id, user_id, product_code, principal_fen, term, method, rate_ppm,"
             " grace_days, penalty_ppm, writeoff_dpd, prepay_fee_policy, apr_bp, statement_day,"
             " origination_date, first_billing_date, status_date)"
             " VALUES ('%s', '%s', '%s', %" G_GINT64_FORMAT ", %d, '%s', %" G_GINT64_FORMAT
             ", 9, 500, 180, '%s', 0, 5, '%s', '%s', '%s')",
          order, user, code, principal, p->term, sched_method_to_string(p->method), p->rate_ppm,
          p->policy, purchase, first, purchase);
  GString *sql = g_string_new("INSERT INTO installments (loan_id, installment_no, user_id, order_id,"
                              " billing_date, due_date, principal_fen, fee_fen) VALUES ");
  for (int k = 0; k < p->term; k++) {
    char billing[11], due[11];
    g_date_strftime(billing, sizeof billing, "%Y-%m-%d", &inst[k].billing_date);
    g_date_strftime(due, sizeof due, "%Y-%m-%d", &inst[k].due_date);
    g_string_append_printf(sql, "%s((SELECT loan_id FROM loans WHERE order_id = '%s'), %d, '%s', '%s',"
                                " '%s', '%s', %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ")",
                           k ? ", " : "", order, k + 1, user, order, billing, due, inst[k].principal_fen,
                           inst[k].fee_fen);
  }
  exec_ok(c, "%s", sql->str);
  g_string_free(sql, TRUE);
}

/* Billing as the billing step would leave it (its GL comes with sync_books). */
static void
bill(PGconn *c, const char *order, int through)
{
  exec_ok(c, "UPDATE installments SET status = 'BILLED', billed_date = billing_date"
             " WHERE order_id = '%s' AND installment_no <= %d AND status = 'UNBILLED'", order, through);
}

static void
add_penalty(PGconn *c, const char *order, int no, gint64 fen)
{
  exec_ok(c, "UPDATE installments SET penalty_accrued_fen = penalty_accrued_fen + %" G_GINT64_FORMAT
             " WHERE order_id = '%s' AND installment_no = %d AND status = 'BILLED'", fen, order, no);
}

/* Installment NO of ORDER fully paid before D (no allocation rows: seeded history). */
static void
pay_off(PGconn *c, const char *order, int no)
{
  exec_ok(c, "UPDATE installments"
             "   SET paid_principal_fen = principal_fen - principal_reduced_fen,"
             "       paid_fee_fen = fee_fen - fee_waived_fen,"
             "       paid_penalty_fen = penalty_accrued_fen - penalty_waived_fen,"
             "       status = 'PAID', paid_date = billed_date"
             " WHERE order_id = '%s' AND installment_no = %d AND status = 'BILLED'", order, no);
}

static void
set_loan_status(PGconn *c, const char *order, const char *status)
{
  exec_ok(c, "UPDATE loans SET status = '%s', status_date = '" SEED_DATE "' WHERE order_id = '%s'", status, order);
}

/* Write-off as §11 reads: all outstanding principal, billed fee and penalty; the
 * unbilled fee is waived (never billed). */
static void
write_off(PGconn *c, const char *order)
{
  exec_ok(c,
    "INSERT INTO waivers (business_date, user_id, loan_id, installment_no, component, amount_fen, reason,"
    "                     was_billed)"
    " SELECT '" SEED_DATE "', user_id, loan_id, installment_no, 'FEE', fee_fen - fee_waived_fen, 'WRITEOFF', false"
    "   FROM installments WHERE order_id = '%s' AND status = 'UNBILLED' AND fee_fen > fee_waived_fen;"
    "UPDATE installments"
    "   SET writeoff_principal_fen = principal_fen - principal_reduced_fen - paid_principal_fen,"
    "       fee_waived_fen = CASE WHEN status = 'UNBILLED' THEN fee_fen - paid_fee_fen ELSE fee_waived_fen END,"
    "       writeoff_fee_fen = CASE WHEN status = 'BILLED' THEN fee_fen - fee_waived_fen - paid_fee_fen ELSE 0 END,"
    "       writeoff_penalty_fen = penalty_accrued_fen - penalty_waived_fen - paid_penalty_fen,"
    "       status = 'WRITTEN_OFF', written_off_date = '" SEED_DATE "'"
    " WHERE order_id = '%s' AND status IN ('UNBILLED', 'BILLED');"
    "UPDATE loans SET status = 'WRITTEN_OFF', written_off_date = '" SEED_DATE "', status_date = '" SEED_DATE "'"
    " WHERE order_id = '%s';"
    "INSERT INTO writeoffs (loan_id, user_id, writeoff_date, dpd_at_writeoff, principal_fen, fee_fen, penalty_fen)"
    " SELECT loan_id, user_id, '" SEED_DATE "', 181, sum(writeoff_principal_fen), sum(writeoff_fee_fen),"
    "        sum(writeoff_penalty_fen)"
    "   FROM installments WHERE order_id = '%s' GROUP BY loan_id, user_id",
    order, order, order, order);
}

/* A credit balance from an earlier overpayment (a movement needs its repayment). */
static void
seed_credit(PGconn *c, const char *user, const char *txn, gint64 fen)
{
  exec_ok(c,
    "INSERT INTO inbox_repayments (txn_id, user_id, pay_date, amount_fen, channel, status, processed_date)"
    " VALUES ('%s', '%s', '" SEED_DATE "', %" G_GINT64_FORMAT ", 'SEED', 'APPLIED', '" SEED_DATE "');"
    "INSERT INTO credit_balance_movements (user_id, business_date, amount_fen, reason, txn_id)"
    " VALUES ('%s', '" SEED_DATE "', %" G_GINT64_FORMAT ", 'OVERPAYMENT', '%s');"
    "UPDATE users SET credit_balance_fen = credit_balance_fen + %" G_GINT64_FORMAT " WHERE user_id = '%s'",
    txn, user, fen, user, fen, txn, fen, user);
}

/* The sub-ledger totals of R4, and the GL balance of each account (debit-positive). */
#define SQL_BOOKS                                                                                    \
  "WITH sub(account_code, want) AS ("                                                               \
  "  SELECT '1122', coalesce(sum(principal_fen - principal_reduced_fen - paid_principal_fen"         \
  "                              - writeoff_principal_fen) FILTER (WHERE status <> 'WRITTEN_OFF'), 0)" \
  "    FROM installments"                                                                            \
  "  UNION ALL SELECT '1123', coalesce(sum(fee_fen - fee_waived_fen - paid_fee_fen - writeoff_fee_fen)" \
  "                                    FILTER (WHERE status = 'BILLED'), 0) FROM installments"        \
  "  UNION ALL SELECT '1124', coalesce(sum(penalty_accrued_fen - penalty_waived_fen - paid_penalty_fen" \
  "                                        - writeoff_penalty_fen), 0) FROM installments"            \
  "  UNION ALL SELECT '2241', -coalesce(sum(credit_balance_fen), 0) FROM users),"                   \
  " gl AS (SELECT account_code, sum(debit_fen) - sum(credit_fen) AS have FROM journal_lines"         \
  "         GROUP BY account_code),"                                                                 \
  " diff AS (SELECT s.account_code, s.want, coalesce(g.have, 0) AS have,"                           \
  "                 s.want - coalesce(g.have, 0) AS d FROM sub s LEFT JOIN gl g USING (account_code))"

/* Brings used limits and the GL to the seeded sub-ledger (one ADJUSTMENT entry,
 * balanced on 2202), so that the books tie before the step under test runs. */
static void
sync_books(PGconn *c)
{
  exec_ok(c,
    "UPDATE users u SET used_limit_fen = coalesce((SELECT sum(i.principal_fen - i.principal_reduced_fen"
    "                                                        - i.paid_principal_fen - i.writeoff_principal_fen)"
    "                                                FROM installments i JOIN loans l USING (loan_id)"
    "                                               WHERE l.user_id = u.user_id AND l.status = 'ACTIVE'), 0)");
  exec_ok(c,
    SQL_BOOKS ","
    " lines AS (SELECT account_code, d FROM diff WHERE d <> 0"
    "           UNION ALL SELECT '2202', -sum(d) FROM diff HAVING sum(d) <> 0),"
    " e AS (INSERT INTO journal_entries (business_date, entry_type, step_name, posting_key, description)"
    "       SELECT '" SEED_DATE "', 'ADJUSTMENT', 'itest_seed',"
    "              'itest:seed:' || (SELECT count(*) FROM journal_entries), 'seeded history'"
    "        WHERE EXISTS (SELECT 1 FROM lines)"
    "       RETURNING entry_id, business_date)"
    " INSERT INTO journal_lines (entry_id, line_no, business_date, account_code, debit_fen, credit_fen)"
    " SELECT e.entry_id, row_number() OVER (ORDER BY l.account_code), e.business_date, l.account_code,"
    "        greatest(l.d, 0), greatest(-l.d, 0)"
    "   FROM lines l CROSS JOIN e");
}

/* The invariants every step must keep (product-rules §8, §9 R3, R4, R8). */
static void
assert_books(PGconn *c, const char *date)
{
  ASSERT_Q("0", c, "SELECT count(*) FROM (SELECT entry_id FROM journal_lines GROUP BY entry_id"
                   " HAVING sum(debit_fen) <> sum(credit_fen)) x");
  ASSERT_Q("ok", c, SQL_BOOKS " SELECT coalesce(string_agg(account_code || ' sub-ledger ' || want || ' GL ' || have,"
                    " '; '), 'ok') FROM diff WHERE d <> 0");
  ASSERT_Q("ok", c,
    "SELECT coalesce(string_agg(u.user_id || ' used ' || u.used_limit_fen || ' unpaid ' || coalesce(s.unpaid, 0), '; '),"
    "                'ok')"
    "  FROM users u LEFT JOIN (SELECT l.user_id, sum(i.principal_fen - i.principal_reduced_fen - i.paid_principal_fen"
    "                                                - i.writeoff_principal_fen) AS unpaid"
    "                            FROM installments i JOIN loans l USING (loan_id) WHERE l.status = 'ACTIVE'"
    "                           GROUP BY l.user_id) s USING (user_id)"
    " WHERE u.used_limit_fen <> coalesce(s.unpaid, 0)");
  ASSERT_Q("ok", c,
    "SELECT coalesce(string_agg(u.user_id || ' balance ' || u.credit_balance_fen, '; '), 'ok')"
    "  FROM users u LEFT JOIN (SELECT user_id, sum(amount_fen) AS total FROM credit_balance_movements"
    "                           GROUP BY user_id) m USING (user_id)"
    " WHERE u.credit_balance_fen <> coalesce(m.total, 0)");
  ASSERT_Q("0", c,
    "SELECT (SELECT coalesce(sum(amount_fen), 0) FROM inbox_repayments"
    "         WHERE pay_date = '%s' AND status = 'APPLIED')"
    "     - (SELECT coalesce(sum(amount_fen), 0) FROM allocations WHERE business_date = '%s' AND source = 'REPAYMENT')"
    "     - (SELECT coalesce(sum(amount_fen), 0) FROM credit_balance_movements"
    "         WHERE business_date = '%s' AND reason = 'OVERPAYMENT')", date, date, date);
  ASSERT_Q("ok", c,
    "SELECT coalesce(string_agg(w.loan_id::text, ','), 'ok') FROM writeoffs w"
    " WHERE w.recovered_fen <> (SELECT sum(recovered_fen) FROM installments i WHERE i.loan_id = w.loan_id)");
  /* Refund splits and fees never recognised: an UNBILLED row owes no fee to the GL. */
  ASSERT_Q("0", c, "SELECT count(*) FROM refund_applications"
                   " WHERE unbilled_principal_reduced_fen + billed_principal_reduced_fen"
                   "       + paid_principal_to_credit_fen <> amount_fen");
}

static void
run_step(PGconn *c, const char *date, EodStepFn step, gint64 rows, gint64 amount)
{
  gint64 got_rows = -1, got_amount = -1;
  CU_ASSERT_TRUE_FATAL(itest_run_step(c, date, step, &got_rows, &got_amount));
  if (got_rows != rows || got_amount != amount)
    fprintf(stderr, "\n  step reported %" G_GINT64_FORMAT " rows, %" G_GINT64_FORMAT " fen; expected %"
                    G_GINT64_FORMAT ", %" G_GINT64_FORMAT "\n", got_rows, got_amount, rows, amount);
  CU_ASSERT_EQUAL(got_rows, rows);
  CU_ASSERT_EQUAL(got_amount, amount);
  assert_books(c, date);
}

static void
repay(PGconn *c, const char *txn, const char *user, gint64 fen, const char *channel, const char *prepay)
{
  g_autofree char *order = prepay ? g_strdup_printf("'%s'", prepay) : g_strdup("NULL");
  exec_ok(c, "INSERT INTO inbox_repayments (txn_id, user_id, pay_date, amount_fen, channel, prepay_order_id)"
             " VALUES ('%s', '%s', '" D "', %" G_GINT64_FORMAT ", '%s', %s)", txn, user, fen, channel, order);
}

static void
refund_on(PGconn *c, const char *date, const char *refund_id, const char *order, gint64 fen)
{
  exec_ok(c, "INSERT INTO inbox_refunds (refund_id, order_id, refund_date, amount_fen)"
             " VALUES ('%s', '%s', '%s', %" G_GINT64_FORMAT ")", refund_id, order, date, fen);
}

/* An entry's lines as "account Dr|Cr amount, ..." in the order gl_post_query numbers them. */
#define SQL_ENTRY                                                                                  \
  "SELECT coalesce(string_agg(l.account_code || CASE WHEN l.debit_fen > 0 THEN ' Dr ' || l.debit_fen" \
  "                                                  ELSE ' Cr ' || l.credit_fen END, ', '"          \
  "                           ORDER BY l.line_no), '-')"                                             \
  "  FROM journal_entries e JOIN journal_lines l USING (entry_id, business_date)"

/* Allocations of a night as "txn order#no COMPONENT amount" in allocation order. */
#define SQL_ALLOCS                                                                                 \
  "SELECT string_agg(coalesce(a.txn_id, a.refund_id, 'CB') || ' ' || i.order_id || '#' || a.installment_no" \
  "                  || ' ' || a.component || ' ' || a.amount_fen, '; ' ORDER BY a.allocation_id)"  \
  "  FROM allocations a JOIN installments i USING (loan_id, installment_no)"

/* One row of a loan: status and the settled columns. */
#define SQL_ROW                                                                                    \
  "SELECT status || ' pp' || paid_principal_fen || ' pf' || paid_fee_fen || ' pn' || paid_penalty_fen" \
  "       || ' r' || principal_reduced_fen || ' w' || fee_waived_fen || ' wn' || penalty_waived_fen"  \
  "  FROM installments WHERE order_id = '%s' AND installment_no = %d"

/* ---- repayments: the waterfall -------------------------------------------------- */

static void
test_repay_exact_statement(void)
{
  PGconn *c = fresh_db("repay_exact");
  add_user(c, "U1");
  seed_loan(c, "U1", "O1", "FPP3", 100000, PURCHASE);  /* 33333 + 500, 33333 + 500, 33334 + 500 */
  bill(c, "O1", 2);
  sync_books(c);
  assert_books(c, SEED_DATE);
  repay(c, "T1", "U1", 67666, "ALIPAY", NULL);
  run_step(c, D, eod_step_repayments, 1, 67666);
  ASSERT_Q("T1 O1#1 FEE 500; T1 O1#1 PRINCIPAL 33333; T1 O1#2 FEE 500; T1 O1#2 PRINCIPAL 33333",
           c, SQL_ALLOCS " WHERE a.business_date = '" D "'");
  ASSERT_Q("PAID pp33333 pf500 pn0 r0 w0 wn0", c, SQL_ROW, "O1", 1);
  ASSERT_Q("PAID pp33333 pf500 pn0 r0 w0 wn0", c, SQL_ROW, "O1", 2);
  ASSERT_Q(D, c, "SELECT paid_date FROM installments WHERE order_id = 'O1' AND installment_no = 2");
  ASSERT_Q("UNBILLED pp0 pf0 pn0 r0 w0 wn0", c, SQL_ROW, "O1", 3);
  ASSERT_Q("ACTIVE", c, "SELECT status FROM loans WHERE order_id = 'O1'");
  ASSERT_Q("33334 0", c, "SELECT used_limit_fen || ' ' || credit_balance_fen FROM users WHERE user_id = 'U1'");
  ASSERT_Q("APPLIED " D, c, "SELECT status || ' ' || processed_date FROM inbox_repayments WHERE txn_id = 'T1'");
  ASSERT_Q("1002.ALIPAY Dr 67666, 1122 Cr 66666, 1123 Cr 1000", c,
           SQL_ENTRY " WHERE e.posting_key = 'repayments:REPAYMENT:ALIPAY'");
  ASSERT_Q("0", c, "SELECT count(*) FROM journal_entries WHERE entry_type IN ('RECOVERY', 'CREDIT_BALANCE_USE')");
  PQfinish(c);
}

static void
test_repay_partial_penalty_fee_principal(void)
{
  PGconn *c = fresh_db("repay_partial");
  add_user(c, "P1");
  add_user(c, "P2");
  seed_loan(c, "P1", "O1", "FPP3", 100000, PURCHASE);
  seed_loan(c, "P2", "O2", "FPP3", 100000, PURCHASE);
  bill(c, "O1", 1);
  bill(c, "O2", 1);
  add_penalty(c, "O1", 1, 120);
  add_penalty(c, "O2", 1, 120);
  sync_books(c);
  repay(c, "T1", "P1", 1000, "ALIPAY", NULL);   /* penalty 120, fee 500, principal 380 */
  repay(c, "T2", "P2", 400, "WECHAT", NULL);    /* penalty 120, fee 280 */
  run_step(c, D, eod_step_repayments, 2, 1400);
  ASSERT_Q("T1 O1#1 PENALTY 120; T1 O1#1 FEE 500; T1 O1#1 PRINCIPAL 380",
           c, SQL_ALLOCS " WHERE a.txn_id = 'T1'");
  ASSERT_Q("T2 O2#1 PENALTY 120; T2 O2#1 FEE 280", c, SQL_ALLOCS " WHERE a.txn_id = 'T2'");
  ASSERT_Q("BILLED pp380 pf500 pn120 r0 w0 wn0", c, SQL_ROW, "O1", 1);
  ASSERT_Q("BILLED pp0 pf280 pn120 r0 w0 wn0", c, SQL_ROW, "O2", 1);
  ASSERT_Q("99620", c, "SELECT used_limit_fen FROM users WHERE user_id = 'P1'");
  ASSERT_Q("100000", c, "SELECT used_limit_fen FROM users WHERE user_id = 'P2'");
  ASSERT_Q("1002.ALIPAY Dr 1000, 1122 Cr 380, 1123 Cr 500, 1124 Cr 120", c,
           SQL_ENTRY " WHERE e.posting_key = 'repayments:REPAYMENT:ALIPAY'");
  ASSERT_Q("1002.WECHAT Dr 400, 1123 Cr 280, 1124 Cr 120", c,
           SQL_ENTRY " WHERE e.posting_key = 'repayments:REPAYMENT:WECHAT'");
  PQfinish(c);
}

static void
test_repay_oldest_due_date_first(void)
{
  PGconn *c = fresh_db("repay_oldest");
  add_user(c, "U1");
  /* the newer debt has the smaller order id: due date decides, not the id */
  seed_loan(c, "U1", "A-NEW", "FPP3", 100000, PURCHASE);      /* #1 due 2026-02-14 */
  seed_loan(c, "U1", "Z-OLD", "FPP3", 100000, "2025-12-10");  /* #1 due 2026-01-14 */
  bill(c, "A-NEW", 1);
  bill(c, "Z-OLD", 1);
  sync_books(c);
  repay(c, "T1", "U1", 40000, "ALIPAY", NULL);
  run_step(c, D, eod_step_repayments, 1, 40000);
  ASSERT_Q("T1 Z-OLD#1 FEE 500; T1 Z-OLD#1 PRINCIPAL 33333; T1 A-NEW#1 FEE 500; T1 A-NEW#1 PRINCIPAL 5667",
           c, SQL_ALLOCS);
  ASSERT_Q("PAID pp33333 pf500 pn0 r0 w0 wn0", c, SQL_ROW, "Z-OLD", 1);
  ASSERT_Q("BILLED pp5667 pf500 pn0 r0 w0 wn0", c, SQL_ROW, "A-NEW", 1);
  ASSERT_Q("161000", c, "SELECT used_limit_fen FROM users");
  PQfinish(c);
}

static void
test_repay_same_due_date_by_order_id(void)
{
  PGconn *c = fresh_db("repay_orderid");
  add_user(c, "U1");
  seed_loan(c, "U1", "ORD-B", "FPP3", 100000, PURCHASE);  /* created first: smaller loan_id */
  seed_loan(c, "U1", "ORD-A", "FPP3", 100000, PURCHASE);
  bill(c, "ORD-B", 1);
  bill(c, "ORD-A", 1);
  sync_books(c);
  repay(c, "T1", "U1", 34000, "ALIPAY", NULL);
  run_step(c, D, eod_step_repayments, 1, 34000);
  ASSERT_Q("T1 ORD-A#1 FEE 500; T1 ORD-A#1 PRINCIPAL 33333; T1 ORD-B#1 FEE 167", c, SQL_ALLOCS);
  ASSERT_Q("PAID pp33333 pf500 pn0 r0 w0 wn0", c, SQL_ROW, "ORD-A", 1);
  ASSERT_Q("BILLED pp0 pf167 pn0 r0 w0 wn0", c, SQL_ROW, "ORD-B", 1);
  ASSERT_Q("166667", c, "SELECT used_limit_fen FROM users");
  PQfinish(c);
}

static void
test_repay_two_repayments_in_arrival_order(void)
{
  PGconn *c = fresh_db("repay_arrival");
  add_user(c, "U1");
  seed_loan(c, "U1", "O1", "FPP3", 100000, PURCHASE);
  bill(c, "O1", 2);
  sync_books(c);
  /* arrival order, not txn id order */
  repay(c, "TXN-Z", "U1", 20000, "ALIPAY", NULL);
  repay(c, "TXN-A", "U1", 30000, "ALIPAY", NULL);
  run_step(c, D, eod_step_repayments, 2, 50000);
  ASSERT_Q("TXN-Z O1#1 FEE 500; TXN-Z O1#1 PRINCIPAL 19500", c, SQL_ALLOCS " WHERE a.txn_id = 'TXN-Z'");
  ASSERT_Q("TXN-A O1#1 PRINCIPAL 13833; TXN-A O1#2 FEE 500; TXN-A O1#2 PRINCIPAL 15667",
           c, SQL_ALLOCS " WHERE a.txn_id = 'TXN-A'");
  ASSERT_Q("PAID pp33333 pf500 pn0 r0 w0 wn0", c, SQL_ROW, "O1", 1);
  ASSERT_Q("BILLED pp15667 pf500 pn0 r0 w0 wn0", c, SQL_ROW, "O1", 2);
  ASSERT_Q("51000", c, "SELECT used_limit_fen FROM users");
  PQfinish(c);
}

static void
test_overpayment_then_credit_balance_applied_at_billing(void)
{
  PGconn *c = fresh_db("repay_overpay");
  add_user(c, "U1");
  seed_loan(c, "U1", "O1", "FPP3", 100000, PURCHASE);
  bill(c, "O1", 1);
  sync_books(c);
  repay(c, "T1", "U1", 40000, "BANK", NULL);
  run_step(c, D, eod_step_repayments, 1, 40000);
  ASSERT_Q("T1 O1#1 FEE 500; T1 O1#1 PRINCIPAL 33333", c, SQL_ALLOCS);
  ASSERT_Q("6167 OVERPAYMENT T1", c, "SELECT amount_fen || ' ' || reason || ' ' || txn_id"
                                     "  FROM credit_balance_movements WHERE business_date = '" D "'");
  ASSERT_Q("66667 6167", c, "SELECT used_limit_fen || ' ' || credit_balance_fen FROM users");
  ASSERT_Q("1002.BANK Dr 40000, 1122 Cr 33333, 1123 Cr 500, 2241 Cr 6167", c,
           SQL_ENTRY " WHERE e.posting_key = 'repayments:REPAYMENT:BANK'");

  /* 2026-04-05: installment 2 is billed (SQL billing + its fee recognition), then the
   * balance pays it: fee 500, principal 5667. */
  bill(c, "O1", 2);
  sync_books(c);
  gint64 rows = -1, amount = -1;
  CU_ASSERT_TRUE_FATAL(itest_run_step(c, "2026-04-05", eod_apply_credit_balances, &rows, &amount));
  CU_ASSERT_EQUAL(rows, 0);  /* left to the calling step */
  assert_books(c, "2026-04-05");
  ASSERT_Q("CB O1#2 FEE 500; CB O1#2 PRINCIPAL 5667", c, SQL_ALLOCS " WHERE a.source = 'CREDIT_BALANCE'");
  ASSERT_Q("-6167 APPLIED", c, "SELECT amount_fen || ' ' || reason FROM credit_balance_movements"
                               " WHERE business_date = '2026-04-05'");
  ASSERT_Q("61000 0", c, "SELECT used_limit_fen || ' ' || credit_balance_fen FROM users");
  ASSERT_Q("2241 Dr 6167, 1122 Cr 5667, 1123 Cr 500", c,
           SQL_ENTRY " WHERE e.entry_type = 'CREDIT_BALANCE_USE' AND e.business_date = '2026-04-05'");
  ASSERT_Q("BILLED pp5667 pf500 pn0 r0 w0 wn0", c, SQL_ROW, "O1", 2);

  /* nothing left to apply: a second call books nothing */
  CU_ASSERT_TRUE_FATAL(itest_run_step(c, "2026-04-05", eod_apply_credit_balances, NULL, NULL));
  ASSERT_Q("1", c, "SELECT count(*) FROM journal_entries WHERE entry_type = 'CREDIT_BALANCE_USE'");
  PQfinish(c);
}

/* ---- prepayment ------------------------------------------------------------------ */

/* FEE_PER_PERIOD 1000.00 × 12 at 5000 ppm, periods 1 and 2 billed and paid: unbilled
 * principal 8333 × 9 + 8337 = 83334, unbilled fee 10 × 500 = 5000. */
static void
seed_two_periods_paid(PGconn *c, const char *user, const char *order, const char *code)
{
  seed_loan(c, user, order, code, 100000, PURCHASE);
  bill(c, order, 2);
  pay_off(c, order, 1);
  pay_off(c, order, 2);
}

static void
test_prepay_waive_unbilled(void)
{
  PGconn *c = fresh_db("prepay_waive");
  add_user(c, "U1");
  seed_two_periods_paid(c, "U1", "PW", "FPP12");
  sync_books(c);
  ASSERT_Q("83334", c, "SELECT used_limit_fen FROM users");
  repay(c, "T1", "U1", 84334, "WECHAT", "PW");   /* payoff 83334, 1000 left over */
  run_step(c, D, eod_step_repayments, 1, 84334);
  ASSERT_Q("PREPAID ", c, "SELECT prepay_outcome || ' ' || coalesce(prepay_shortfall_fen::text, '')"
                          "  FROM inbox_repayments WHERE txn_id = 'T1'");
  ASSERT_Q("10 83334 true", c, "SELECT count(*) || ' ' || sum(amount_fen) || ' ' || bool_and(is_prepayment)"
                            "  FROM allocations WHERE txn_id = 'T1' AND component = 'PRINCIPAL'");
  ASSERT_Q("0", c, "SELECT count(*) FROM allocations WHERE component <> 'PRINCIPAL'");
  ASSERT_Q("10 5000 PREPAYMENT false", c, "SELECT count(*) || ' ' || sum(amount_fen) || ' ' || min(reason) || ' '"
                                      "       || bool_or(was_billed) FROM waivers WHERE txn_id = 'T1'");
  ASSERT_Q("PAID pp8337 pf0 pn0 r0 w500 wn0", c, SQL_ROW, "PW", 12);
  ASSERT_Q("PAID pp8333 pf0 pn0 r0 w500 wn0", c, SQL_ROW, "PW", 3);
  ASSERT_Q("12", c, "SELECT count(*) FROM installments WHERE order_id = 'PW' AND status = 'PAID'");
  ASSERT_Q("PAID_OFF " D, c, "SELECT status || ' ' || status_date FROM loans WHERE order_id = 'PW'");
  ASSERT_Q("0 1000", c, "SELECT used_limit_fen || ' ' || credit_balance_fen FROM users");
  ASSERT_Q("1002.WECHAT Dr 84334, 1122 Cr 83334, 2241 Cr 1000", c,
           SQL_ENTRY " WHERE e.posting_key = 'repayments:REPAYMENT:WECHAT'");
  ASSERT_Q("-", c, SQL_ENTRY " WHERE e.posting_key = 'repayments:PREPAY_FEE'");  /* never recognised */
  PQfinish(c);
}

static void
test_prepay_charge_all(void)
{
  PGconn *c = fresh_db("prepay_charge");
  add_user(c, "U1");
  seed_two_periods_paid(c, "U1", "PC", "FPP12C");
  sync_books(c);
  repay(c, "T1", "U1", 88334, "ALIPAY", "PC");   /* payoff 83334 + 5000 */
  run_step(c, D, eod_step_repayments, 1, 88334);
  ASSERT_Q("PREPAID", c, "SELECT prepay_outcome FROM inbox_repayments WHERE txn_id = 'T1'");
  ASSERT_Q("FEE 10 5000 true; PRINCIPAL 10 83334 true", c,
           "SELECT string_agg(component || ' ' || n || ' ' || s || ' ' || p, '; ' ORDER BY component) FROM"
           " (SELECT component, count(*) AS n, sum(amount_fen) AS s, bool_and(is_prepayment) AS p"
           "    FROM allocations WHERE txn_id = 'T1' GROUP BY component) x");
  ASSERT_Q("0", c, "SELECT count(*) FROM waivers");
  ASSERT_Q("PAID pp8337 pf500 pn0 r0 w0 wn0", c, SQL_ROW, "PC", 12);
  ASSERT_Q("PAID_OFF", c, "SELECT status FROM loans WHERE order_id = 'PC'");
  ASSERT_Q("0 0", c, "SELECT used_limit_fen || ' ' || credit_balance_fen FROM users");
  ASSERT_Q("1123 Dr 5000, 6011 Cr 5000", c, SQL_ENTRY " WHERE e.posting_key = 'repayments:PREPAY_FEE'");
  ASSERT_Q("1002.ALIPAY Dr 88334, 1122 Cr 83334, 1123 Cr 5000", c,
           SQL_ENTRY " WHERE e.posting_key = 'repayments:REPAYMENT:ALIPAY'");
  PQfinish(c);
}

static void
test_prepay_one_fen_short(void)
{
  PGconn *c = fresh_db("prepay_short");
  add_user(c, "U1");
  /* period 1 paid, period 2 billed unpaid (8333 + 500), 3..12 unbilled (83334):
   * payoff 92167 */
  seed_loan(c, "U1", "PS", "FPP12", 100000, PURCHASE);
  bill(c, "PS", 2);
  pay_off(c, "PS", 1);
  sync_books(c);
  repay(c, "T1", "U1", 92166, "ALIPAY", "PS");
  run_step(c, D, eod_step_repayments, 1, 92166);
  ASSERT_Q("APPLIED SHORT_OF_PAYOFF 1", c, "SELECT status || ' ' || prepay_outcome || ' ' || prepay_shortfall_fen"
                                           "  FROM inbox_repayments WHERE txn_id = 'T1'");
  ASSERT_Q("PREPAY_SHORT_OF_PAYOFF 1 T1 " D, c,
           "SELECT reason_code || ' ' || amount_fen || ' ' || external_id || ' ' || business_date FROM rejects");
  /* applied as an ordinary repayment: period 2, the rest to the credit balance */
  ASSERT_Q("T1 PS#2 FEE 500; T1 PS#2 PRINCIPAL 8333", c, SQL_ALLOCS);
  ASSERT_Q("0", c, "SELECT count(*) FROM allocations WHERE is_prepayment");
  ASSERT_Q("ACTIVE", c, "SELECT status FROM loans");
  ASSERT_Q("83334 83333", c, "SELECT used_limit_fen || ' ' || credit_balance_fen FROM users");
  ASSERT_Q("10", c, "SELECT count(*) FROM installments WHERE status = 'UNBILLED'");
  PQfinish(c);
}

static void
test_prepay_not_active_or_unknown_is_ordinary(void)
{
  PGconn *c = fresh_db("prepay_inactive");
  add_user(c, "U1");
  add_user(c, "U2");
  seed_loan(c, "U1", "PAID-1", "FPP3", 100000, PURCHASE);
  bill(c, "PAID-1", 3);
  for (int k = 1; k <= 3; k++)
    pay_off(c, "PAID-1", k);
  set_loan_status(c, "PAID-1", "PAID_OFF");
  seed_loan(c, "U1", "ACT-1", "FPP3", 100000, PURCHASE);
  bill(c, "ACT-1", 1);
  sync_books(c);
  repay(c, "T1", "U1", 10000, "ALIPAY", "PAID-1");  /* loan not ACTIVE */
  repay(c, "T2", "U1", 100, "ALIPAY", "NOPE");      /* no such order */
  repay(c, "T3", "U2", 100, "ALIPAY", "ACT-1");     /* another user's loan */
  run_step(c, D, eod_step_repayments, 3, 10200);
  ASSERT_Q("T1 LOAN_NOT_ACTIVE; T2 UNKNOWN_ORDER; T3 UNKNOWN_ORDER", c,
           "SELECT string_agg(txn_id || ' ' || prepay_outcome, '; ' ORDER BY txn_id) FROM inbox_repayments");
  ASSERT_Q("T1 ACT-1#1 FEE 500; T1 ACT-1#1 PRINCIPAL 9500; T2 ACT-1#1 PRINCIPAL 100", c, SQL_ALLOCS);
  ASSERT_Q("0", c, "SELECT count(*) FROM rejects");
  ASSERT_Q("U1 90400 0; U2 0 100", c, "SELECT string_agg(user_id || ' ' || used_limit_fen || ' ' || credit_balance_fen,"
                                      " '; ' ORDER BY user_id) FROM users");
  ASSERT_Q("PAID_OFF ACTIVE", c, "SELECT string_agg(status, ' ' ORDER BY order_id DESC) FROM loans");
  PQfinish(c);
}

/* A prepaying user's repayments run one per round: the second sees what the first
 * paid, and a prepayment's leftover continues down the ordinary waterfall. */
static void
test_prepay_after_ordinary_same_night(void)
{
  PGconn *c = fresh_db("prepay_rounds");
  add_user(c, "U1");
  seed_loan(c, "U1", "A", "FPP3", 30000, PURCHASE);   /* 10000 + 150 × 3 */
  seed_loan(c, "U1", "B", "FPP3", 60000, PURCHASE);   /* 20000 + 300 × 3 */
  bill(c, "A", 1);
  bill(c, "B", 1);
  sync_books(c);
  /* T1 ordinary 10150 pays A#1 (order id A first); T2 prepays A: payoff is now its
   * unbilled principal 20000, the 5000 left pays B#1 (fee 300, principal 4700). */
  repay(c, "T1", "U1", 10150, "ALIPAY", NULL);
  repay(c, "T2", "U1", 25000, "ALIPAY", "A");
  run_step(c, D, eod_step_repayments, 2, 35150);
  ASSERT_Q("T1 A#1 FEE 150; T1 A#1 PRINCIPAL 10000; T2 A#2 PRINCIPAL 10000; T2 A#3 PRINCIPAL 10000;"
           " T2 B#1 FEE 300; T2 B#1 PRINCIPAL 4700", c, SQL_ALLOCS);
  ASSERT_Q("PREPAID", c, "SELECT prepay_outcome FROM inbox_repayments WHERE txn_id = 'T2'");
  ASSERT_Q("PAID_OFF ACTIVE", c, "SELECT string_agg(status, ' ' ORDER BY order_id) FROM loans");
  ASSERT_Q("300", c, "SELECT sum(amount_fen) FROM waivers WHERE txn_id = 'T2'");
  ASSERT_Q("55300 0", c, "SELECT used_limit_fen || ' ' || credit_balance_fen FROM users");
  PQfinish(c);
}

/* ---- duplicates ------------------------------------------------------------------ */

static void
test_duplicate_txn_inserted_online(void)
{
  PGconn *c = fresh_db("repay_dup");
  add_user(c, "U1");
  seed_loan(c, "U1", "O1", "FPP3", 100000, PURCHASE);
  bill(c, "O1", 1);
  sync_books(c);
  repay(c, "T1", "U1", 1000, "ALIPAY", NULL);
  const char *again = "INSERT INTO inbox_repayments (txn_id, user_id, pay_date, amount_fen, channel)"
                      " VALUES ('T1', 'U1', '" D "', 1000, 'ALIPAY')";
  char state[6] = "";
  g_autofree char *r1 = itest_sql(c, again, state);
  CU_ASSERT_PTR_NULL(r1);
  ITEST_ASSERT_STR_EQ(state, "23505");
  run_step(c, D, eod_step_repayments, 1, 1000);
  /* the night's rerun of the step finds nothing to do */
  run_step(c, D, eod_step_repayments, 0, 0);
  g_autofree char *r2 = itest_sql(c, again, state);
  CU_ASSERT_PTR_NULL(r2);
  ASSERT_Q("2 1000", c, "SELECT count(*) || ' ' || sum(amount_fen) FROM allocations");
  /* reset by hand to PENDING: the step refuses rather than book it twice */
  exec_ok(c, "UPDATE inbox_repayments SET status = 'PENDING', processed_date = NULL WHERE txn_id = 'T1'");
  fprintf(stderr, "\n  (a step failure is expected next)");
  CU_ASSERT_FALSE(itest_run_step(c, D, eod_step_repayments, NULL, NULL));
  ASSERT_Q("2 1000", c, "SELECT count(*) || ' ' || sum(amount_fen) FROM allocations");
  ASSERT_Q("1", c, "SELECT count(*) FROM journal_entries WHERE entry_type = 'REPAYMENT'");
  PQfinish(c);
}

static void
test_repay_unknown_user_rejected(void)
{
  PGconn *c = fresh_db("repay_nouser");
  repay(c, "T1", "GHOST", 500, "ALIPAY", NULL);
  run_step(c, D, eod_step_repayments, 1, 500);
  ASSERT_Q("REJECTED UNKNOWN_USER", c, "SELECT status || ' ' || reject_reason FROM inbox_repayments");
  ASSERT_Q("UNKNOWN_USER 500", c, "SELECT reason_code || ' ' || amount_fen FROM rejects");
  ASSERT_Q("0", c, "SELECT count(*) FROM journal_entries");
  PQfinish(c);
}

/* ---- recovery ---------------------------------------------------------------------- */

/* FPP3 300.00: 10000 + 150 × 3, all billed, penalty 200 on #1 and 100 on #2, then
 * written off: principal 30000, fee 450, penalty 300 = 30750. */
static void
seed_written_off(PGconn *c, const char *user, const char *order)
{
  seed_loan(c, user, order, "FPP3", 30000, "2025-08-10");
  bill(c, order, 3);
  add_penalty(c, order, 1, 200);
  add_penalty(c, order, 2, 100);
  write_off(c, order);
}

static void
test_recovery_capped_at_written_off(void)
{
  PGconn *c = fresh_db("repay_recovery");
  add_user(c, "U1");
  add_user(c, "U2");
  seed_written_off(c, "U1", "WO-1");
  /* U2: a live billed item comes first; its written-off loan was recovered 250
   * already (penalty 200, fee 50), so fee 100 and principal are left on #1 */
  seed_loan(c, "U2", "ACT-2", "FPP3", 100000, PURCHASE);
  bill(c, "ACT-2", 1);
  seed_written_off(c, "U2", "WO-2");
  exec_ok(c, "UPDATE installments SET recovered_fen = 250 WHERE order_id = 'WO-2' AND installment_no = 1;"
             "UPDATE writeoffs SET recovered_fen = 250, last_recovery_date = '" SEED_DATE "'"
             " WHERE loan_id = (SELECT loan_id FROM loans WHERE order_id = 'WO-2')");
  sync_books(c);
  repay(c, "T1", "U1", 35000, "ALIPAY", NULL);
  repay(c, "T2", "U2", 40000, "ALIPAY", NULL);
  run_step(c, D, eod_step_repayments, 2, 75000);
  ASSERT_Q("T1 WO-1#1 RECOVERY_PENALTY 200; T1 WO-1#1 RECOVERY_FEE 150; T1 WO-1#1 RECOVERY_PRINCIPAL 10000;"
           " T1 WO-1#2 RECOVERY_PENALTY 100; T1 WO-1#2 RECOVERY_FEE 150; T1 WO-1#2 RECOVERY_PRINCIPAL 10000;"
           " T1 WO-1#3 RECOVERY_FEE 150; T1 WO-1#3 RECOVERY_PRINCIPAL 10000", c, SQL_ALLOCS " WHERE a.txn_id = 'T1'");
  ASSERT_Q("T2 ACT-2#1 FEE 500; T2 ACT-2#1 PRINCIPAL 33333; T2 WO-2#1 RECOVERY_FEE 100;"
           " T2 WO-2#1 RECOVERY_PRINCIPAL 6067", c, SQL_ALLOCS " WHERE a.txn_id = 'T2'");
  ASSERT_Q("WO-1 30750 " D "; WO-2 6417 " D, c,
           "SELECT string_agg(l.order_id || ' ' || w.recovered_fen || ' ' || w.last_recovery_date, '; '"
           "                  ORDER BY l.order_id)"
           "  FROM writeoffs w JOIN loans l USING (loan_id)");
  ASSERT_Q("4250", c, "SELECT sum(amount_fen) FROM credit_balance_movements WHERE business_date = '" D "'");
  ASSERT_Q("1002.ALIPAY Dr 36917, 6301 Cr 36917", c, SQL_ENTRY " WHERE e.posting_key = 'repayments:RECOVERY:ALIPAY'");
  ASSERT_Q("1002.ALIPAY Dr 38083, 1122 Cr 33333, 1123 Cr 500, 2241 Cr 4250", c,
           SQL_ENTRY " WHERE e.posting_key = 'repayments:REPAYMENT:ALIPAY'");
  ASSERT_Q("WRITTEN_OFF WRITTEN_OFF", c, "SELECT string_agg(status, ' ') FROM loans WHERE order_id LIKE 'WO-%%'");

  /* the cap: nothing more to recover on WO-1, the next repayment is credit balance */
  exec_ok(c, "INSERT INTO inbox_repayments (txn_id, user_id, pay_date, amount_fen, channel)"
             " VALUES ('T3', 'U1', '" D1 "', 1000, 'ALIPAY')");
  run_step(c, D1, eod_step_repayments, 1, 1000);
  ASSERT_Q("0", c, "SELECT count(*) FROM allocations WHERE txn_id = 'T3'");
  ASSERT_Q("5250", c, "SELECT credit_balance_fen FROM users WHERE user_id = 'U1'");
  PQfinish(c);
}

/* ---- refunds ------------------------------------------------------------------------ */

static void
test_full_refund_before_billing(void)
{
  PGconn *c = fresh_db("refund_full_unbilled");
  add_user(c, "U1");
  seed_loan(c, "U1", "O1", "FPP3", 100000, PURCHASE);
  sync_books(c);
  refund_on(c, D, "R1", "O1", 100000);
  run_step(c, D, eod_step_refunds, 1, 100000);
  ASSERT_Q("CANCELLED 100000 " D, c, "SELECT status || ' ' || refunded_principal_fen || ' ' || status_date FROM loans");
  ASSERT_Q("CANCELLED pp0 pf0 pn0 r33334 w500 wn0", c, SQL_ROW, "O1", 3);
  ASSERT_Q("3 " D, c, "SELECT count(*) || ' ' || min(cancelled_date) FROM installments WHERE status = 'CANCELLED'");
  ASSERT_Q("true 100000 0 0 0 1500 0 0 0", c,
           "SELECT is_full_refund || ' ' || unbilled_principal_reduced_fen || ' ' || billed_principal_reduced_fen"
           "       || ' ' || paid_principal_to_credit_fen || ' ' || billed_fee_waived_fen || ' '"
           "       || unbilled_fee_waived_fen || ' ' || penalty_waived_fen || ' ' || paid_fee_returned_fen"
           "       || ' ' || paid_penalty_returned_fen FROM refund_applications");
  ASSERT_Q("3 1500 false", c, "SELECT count(*) || ' ' || sum(amount_fen) || ' ' || bool_or(was_billed) FROM waivers");
  ASSERT_Q("R1 O1#3 PRINCIPAL 33334; R1 O1#2 PRINCIPAL 33333; R1 O1#1 PRINCIPAL 33333", c, SQL_ALLOCS);
  ASSERT_Q("0 0", c, "SELECT used_limit_fen || ' ' || credit_balance_fen FROM users");
  ASSERT_Q("APPLIED U1", c, "SELECT status || ' ' || user_id FROM inbox_refunds");
  ASSERT_Q("2202 Dr 100000, 1122 Cr 100000", c, SQL_ENTRY " WHERE e.posting_key = 'refunds:REFUND'");
  ASSERT_Q("-", c, SQL_ENTRY " WHERE e.posting_key IN ('refunds:WAIVER', 'refunds:REFUND_RETURN')");
  PQfinish(c);
}

static void
test_full_refund_after_one_period_paid(void)
{
  PGconn *c = fresh_db("refund_full_paid");
  add_user(c, "U1");
  seed_loan(c, "U1", "O1", "FPP3", 100000, PURCHASE);
  bill(c, "O1", 1);
  pay_off(c, "O1", 1);
  sync_books(c);
  refund_on(c, D, "R1", "O1", 100000);
  run_step(c, D, eod_step_refunds, 1, 100000);
  /* unpaid principal 66667 reduced; paid principal 33333 and paid fee 500 to the
   * credit balance; unbilled fees 1000 waived without GL; fee income reversed */
  ASSERT_Q("true 66667 0 33333 0 1000 0 500 0", c,
           "SELECT is_full_refund || ' ' || unbilled_principal_reduced_fen || ' ' || billed_principal_reduced_fen"
           "       || ' ' || paid_principal_to_credit_fen || ' ' || billed_fee_waived_fen || ' '"
           "       || unbilled_fee_waived_fen || ' ' || penalty_waived_fen || ' ' || paid_fee_returned_fen"
           "       || ' ' || paid_penalty_returned_fen FROM refund_applications");
  ASSERT_Q("PAID pp33333 pf500 pn0 r0 w0 wn0", c, SQL_ROW, "O1", 1);
  ASSERT_Q("CANCELLED pp0 pf0 pn0 r33333 w500 wn0", c, SQL_ROW, "O1", 2);
  ASSERT_Q("CANCELLED", c, "SELECT status FROM loans");
  ASSERT_Q("REFUND 33333; REFUND_RETURN 500", c,
           "SELECT string_agg(reason || ' ' || amount_fen, '; ' ORDER BY movement_id) FROM credit_balance_movements");
  ASSERT_Q("0 33833", c, "SELECT used_limit_fen || ' ' || credit_balance_fen FROM users");
  ASSERT_Q("2202 Dr 100000, 1122 Cr 66667, 2241 Cr 33333", c, SQL_ENTRY " WHERE e.posting_key = 'refunds:REFUND'");
  ASSERT_Q("6011 Dr 500, 2241 Cr 500", c, SQL_ENTRY " WHERE e.posting_key = 'refunds:REFUND_RETURN'");
  ASSERT_Q("-", c, SQL_ENTRY " WHERE e.posting_key = 'refunds:WAIVER'");
  PQfinish(c);
}

static void
test_full_refund_of_overdue_billed_item(void)
{
  PGconn *c = fresh_db("refund_full_overdue");
  add_user(c, "U1");
  seed_loan(c, "U1", "O1", "FPP3", 100000, PURCHASE);
  bill(c, "O1", 1);
  add_penalty(c, "O1", 1, 30);
  exec_ok(c, "UPDATE installments SET paid_penalty_fen = 10 WHERE order_id = 'O1' AND installment_no = 1");
  sync_books(c);
  refund_on(c, D, "R1", "O1", 100000);
  run_step(c, D, eod_step_refunds, 1, 100000);
  /* billed fee 500 and unpaid penalty 20 waived with income reversed; the 10 of
   * penalty paid returned */
  ASSERT_Q("CANCELLED pp0 pf0 pn10 r33333 w500 wn20", c, SQL_ROW, "O1", 1);
  ASSERT_Q("true 66667 33333 0 500 1000 20 0 10", c,
           "SELECT is_full_refund || ' ' || unbilled_principal_reduced_fen || ' ' || billed_principal_reduced_fen"
           "       || ' ' || paid_principal_to_credit_fen || ' ' || billed_fee_waived_fen || ' '"
           "       || unbilled_fee_waived_fen || ' ' || penalty_waived_fen || ' ' || paid_fee_returned_fen"
           "       || ' ' || paid_penalty_returned_fen FROM refund_applications");
  ASSERT_Q("6011 Dr 500, 6012 Dr 20, 1123 Cr 500, 1124 Cr 20", c, SQL_ENTRY " WHERE e.posting_key = 'refunds:WAIVER'");
  ASSERT_Q("6012 Dr 10, 2241 Cr 10", c, SQL_ENTRY " WHERE e.posting_key = 'refunds:REFUND_RETURN'");
  ASSERT_Q("FEE 500 true; PENALTY 20 true; FEE 500 false; FEE 500 false", c,
           "SELECT string_agg(component || ' ' || amount_fen || ' ' || was_billed, '; ' ORDER BY waiver_id) FROM waivers");
  ASSERT_Q("0 10", c, "SELECT used_limit_fen || ' ' || credit_balance_fen FROM users");
  PQfinish(c);
}

static void
test_partial_refund_before_billing(void)
{
  PGconn *c = fresh_db("refund_part_unbilled");
  add_user(c, "U1");
  seed_loan(c, "U1", "O1", "FPP3", 100000, PURCHASE);
  sync_books(c);
  refund_on(c, D, "R1", "O1", 40000);
  run_step(c, D, eod_step_refunds, 1, 40000);
  /* the last installment backwards: #3 reaches 0 (fee waived, cancelled), #2 keeps 26667 */
  ASSERT_Q("CANCELLED pp0 pf0 pn0 r33334 w500 wn0", c, SQL_ROW, "O1", 3);
  ASSERT_Q("UNBILLED pp0 pf0 pn0 r6666 w0 wn0", c, SQL_ROW, "O1", 2);
  ASSERT_Q("UNBILLED pp0 pf0 pn0 r0 w0 wn0", c, SQL_ROW, "O1", 1);
  ASSERT_Q("false 40000 0 0 500", c, "SELECT is_full_refund || ' ' || unbilled_principal_reduced_fen || ' '"
                                 "       || billed_principal_reduced_fen || ' ' || paid_principal_to_credit_fen"
                                 "       || ' ' || unbilled_fee_waived_fen FROM refund_applications");
  ASSERT_Q("ACTIVE 40000", c, "SELECT status || ' ' || refunded_principal_fen FROM loans");
  ASSERT_Q("60000 0", c, "SELECT used_limit_fen || ' ' || credit_balance_fen FROM users");
  ASSERT_Q("2202 Dr 40000, 1122 Cr 40000", c, SQL_ENTRY " WHERE e.posting_key = 'refunds:REFUND'");
  PQfinish(c);
}

static void
test_partial_refund_after_billing(void)
{
  PGconn *c = fresh_db("refund_part_billed");
  add_user(c, "U1");
  add_user(c, "U2");
  /* U1: #1 billed unpaid. 70000 = #3 33334 + #2 33333 (both cancelled, fees waived)
   * + 3333 off #1's billed principal (fee still owed). */
  seed_loan(c, "U1", "O1", "FPP3", 100000, PURCHASE);
  bill(c, "O1", 1);
  /* U2: #1 billed and paid. 70000 = 66667 unbilled + 3333 principal already paid
   * (credit balance); nothing is left open, so the loan is PAID_OFF. */
  seed_loan(c, "U2", "O2", "FPP3", 100000, PURCHASE);
  bill(c, "O2", 1);
  pay_off(c, "O2", 1);
  sync_books(c);
  refund_on(c, D, "R1", "O1", 70000);
  refund_on(c, D, "R2", "O2", 70000);
  run_step(c, D, eod_step_refunds, 2, 140000);
  ASSERT_Q("BILLED pp0 pf0 pn0 r3333 w0 wn0", c, SQL_ROW, "O1", 1);
  ASSERT_Q("CANCELLED pp0 pf0 pn0 r33333 w500 wn0", c, SQL_ROW, "O1", 2);
  ASSERT_Q("R1 false 66667 3333 0 0 1000; R2 false 66667 0 3333 0 1000", c,
           "SELECT string_agg(refund_id || ' ' || is_full_refund || ' ' || unbilled_principal_reduced_fen || ' '"
           "       || billed_principal_reduced_fen || ' ' || paid_principal_to_credit_fen || ' '"
           "       || billed_fee_waived_fen || ' ' || unbilled_fee_waived_fen, '; ' ORDER BY refund_id)"
           "  FROM refund_applications");
  ASSERT_Q("O1 ACTIVE 70000; O2 PAID_OFF 70000", c,
           "SELECT string_agg(order_id || ' ' || status || ' ' || refunded_principal_fen, '; ' ORDER BY order_id) FROM loans");
  ASSERT_Q("U1 30000 0; U2 0 3333", c,
           "SELECT string_agg(user_id || ' ' || used_limit_fen || ' ' || credit_balance_fen, '; ' ORDER BY user_id) FROM users");
  ASSERT_Q("2202 Dr 140000, 1122 Cr 136667, 2241 Cr 3333", c, SQL_ENTRY " WHERE e.posting_key = 'refunds:REFUND'");
  PQfinish(c);
}

/* Round by round: each refund of an order sees what the earlier ones left. */
static void
test_refund_exceeds_principal(void)
{
  PGconn *c = fresh_db("refund_exceeds");
  add_user(c, "U1");
  seed_loan(c, "U1", "L1", "FPP3", 100000, PURCHASE);
  seed_loan(c, "U1", "L2", "FPP3", 100000, PURCHASE);
  sync_books(c);
  refund_on(c, D, "RF1", "L1", 100001);
  refund_on(c, D, "RF2", "L2", 60000);   /* #3 33334 cancelled, #2 26666 → 6667 left */
  refund_on(c, D, "RF3", "L2", 50000);   /* 40000 left to refund: exceeds */
  refund_on(c, D, "RF4", "L2", 40000);   /* the rest: full refund */
  run_step(c, D, eod_step_refunds, 4, 250001);
  ASSERT_Q("RF1 REJECTED REFUND_EXCEEDS_PRINCIPAL; RF2 APPLIED ; RF3 REJECTED REFUND_EXCEEDS_PRINCIPAL;"
           " RF4 APPLIED ", c,
           "SELECT string_agg(refund_id || ' ' || status || ' ' || coalesce(reject_reason, ''), '; ' ORDER BY refund_id)"
           "  FROM inbox_refunds");
  ASSERT_Q("RF1 100001 principal of order L1 not yet refunded is 100000 fen;"
           " RF3 50000 principal of order L2 not yet refunded is 40000 fen", c,
           "SELECT string_agg(external_id || ' ' || amount_fen || ' ' || detail, '; ' ORDER BY external_id) FROM rejects"
           " WHERE reason_code = 'REFUND_EXCEEDS_PRINCIPAL' AND source_kind = 'refunds' AND business_date = '" D "'");
  ASSERT_Q("ACTIVE 0; CANCELLED 100000", c,
           "SELECT string_agg(status || ' ' || refunded_principal_fen, '; ' ORDER BY order_id) FROM loans");
  ASSERT_Q("RF2 false 60000; RF4 true 40000", c,
           "SELECT string_agg(refund_id || ' ' || is_full_refund || ' ' || unbilled_principal_reduced_fen, '; '"
           "                  ORDER BY refund_id) FROM refund_applications");
  ASSERT_Q("100000 0", c, "SELECT used_limit_fen || ' ' || credit_balance_fen FROM users");
  PQfinish(c);
}

static void
test_refund_cancelled_loan_and_unknown_order(void)
{
  PGconn *c = fresh_db("refund_cancelled");
  add_user(c, "U1");
  seed_loan(c, "U1", "O1", "FPP3", 100000, PURCHASE);
  sync_books(c);
  refund_on(c, D, "R1", "O1", 100000);
  run_step(c, D, eod_step_refunds, 1, 100000);
  refund_on(c, D1, "R2", "O1", 100);
  refund_on(c, D1, "R3", "NO-SUCH", 100);
  run_step(c, D1, eod_step_refunds, 2, 200);
  ASSERT_Q("R2 REJECTED REFUND_LOAN_NOT_REFUNDABLE U1; R3 REJECTED UNKNOWN_ORDER -", c,
           "SELECT string_agg(refund_id || ' ' || status || ' ' || reject_reason || ' ' || coalesce(user_id, '-'),"
           "                  '; ' ORDER BY refund_id) FROM inbox_refunds WHERE refund_date = '" D1 "'");
  ASSERT_Q("R2 REFUND_LOAN_NOT_REFUNDABLE loan of order O1 is CANCELLED; R3 UNKNOWN_ORDER no loan for order NO-SUCH", c,
           "SELECT string_agg(external_id || ' ' || reason_code || ' ' || detail, '; ' ORDER BY external_id) FROM rejects");
  ASSERT_Q("1", c, "SELECT count(*) FROM refund_applications");
  PQfinish(c);
}

/* A refund's credit balance pays the user's billed items on another loan (§5 point 4). */
static void
test_refund_credit_applied_to_other_loan(void)
{
  PGconn *c = fresh_db("refund_credit_use");
  add_user(c, "U1");
  seed_loan(c, "U1", "A", "FPP3", 100000, PURCHASE);
  bill(c, "A", 1);
  pay_off(c, "A", 1);
  seed_loan(c, "U1", "B", "FPP3", 100000, PURCHASE);
  bill(c, "B", 1);
  sync_books(c);
  refund_on(c, D, "R1", "A", 70000);  /* 66667 unbilled, 3333 paid principal to credit */
  run_step(c, D, eod_step_refunds, 1, 70000);
  ASSERT_Q("CB B#1 FEE 500; CB B#1 PRINCIPAL 2833", c, SQL_ALLOCS " WHERE a.source = 'CREDIT_BALANCE'");
  ASSERT_Q("REFUND 3333; APPLIED -3333", c,
           "SELECT string_agg(reason || ' ' || amount_fen, '; ' ORDER BY movement_id) FROM credit_balance_movements");
  ASSERT_Q("97167 0", c, "SELECT used_limit_fen || ' ' || credit_balance_fen FROM users");
  ASSERT_Q("PAID_OFF ACTIVE", c, "SELECT string_agg(status, ' ' ORDER BY order_id) FROM loans");
  ASSERT_Q("2241 Dr 3333, 1122 Cr 2833, 1123 Cr 500", c, SQL_ENTRY " WHERE e.entry_type = 'CREDIT_BALANCE_USE'");
  PQfinish(c);
}

static void
test_refund_paid_off_loan(void)
{
  PGconn *c = fresh_db("refund_paid_off");
  add_user(c, "U1");
  seed_loan(c, "U1", "O1", "FPP3", 100000, PURCHASE);
  bill(c, "O1", 3);
  for (int k = 1; k <= 3; k++)
    pay_off(c, "O1", k);
  set_loan_status(c, "O1", "PAID_OFF");
  sync_books(c);
  refund_on(c, D, "R1", "O1", 30000);   /* partial: all of it was paid, all to credit */
  run_step(c, D, eod_step_refunds, 1, 30000);
  ASSERT_Q("PAID_OFF 30000", c, "SELECT status || ' ' || refunded_principal_fen FROM loans");
  ASSERT_Q("0 30000", c, "SELECT used_limit_fen || ' ' || credit_balance_fen FROM users");
  refund_on(c, D1, "R2", "O1", 70000);  /* the rest: cancelled, fees paid returned */
  run_step(c, D1, eod_step_refunds, 1, 70000);
  ASSERT_Q("CANCELLED 100000 " D1, c, "SELECT status || ' ' || refunded_principal_fen || ' ' || status_date FROM loans");
  ASSERT_Q("3", c, "SELECT count(*) FROM installments WHERE status = 'PAID'");
  ASSERT_Q("0 101500", c, "SELECT used_limit_fen || ' ' || credit_balance_fen FROM users");
  ASSERT_Q("6011 Dr 1500, 2241 Cr 1500", c,
           SQL_ENTRY " WHERE e.posting_key = 'refunds:REFUND_RETURN' AND e.business_date = '" D1 "'");
  ASSERT_Q("2202 Dr 70000, 2241 Cr 70000", c,
           SQL_ENTRY " WHERE e.posting_key = 'refunds:REFUND' AND e.business_date = '" D1 "'");
  PQfinish(c);
}

/* ---- property test ------------------------------------------------------------------ */

#define PROP_USERS 40
#define PROP_REPAYMENTS 200
#define PROP_REFUNDS 30

/* Random small portfolios: loans of every product in every state the night can meet. */
static void
seed_random_portfolio(PGconn *c, GRand *rng, GPtrArray *orders)
{
  for (int u = 0; u < PROP_USERS; u++) {
    g_autofree char *user = g_strdup_printf("U%02d", u);
    add_user(c, user);
    int loans = g_rand_int_range(rng, 0, 5);
    for (int k = 0; k < loans; k++) {
      const TestProduct *p = &test_products[g_rand_int_range(rng, 0, G_N_ELEMENTS(test_products))];
      char *order = g_strdup_printf("%s-L%d", user, k);
      g_ptr_array_add(orders, order);
      gint64 principal = g_rand_int_range(rng, 300, 800001);
      /* purchases from 2025-09 to 2026-02: up to 6 periods billed by D */
      GDate day;
      g_date_clear(&day, 1);
      g_date_set_dmy(&day, 1, G_DATE_SEPTEMBER, 2025);
      g_date_add_days(&day, g_rand_int_range(rng, 0, 180));
      char purchase[11];
      g_date_strftime(purchase, sizeof purchase, "%Y-%m-%d", &day);
      seed_loan(c, user, order, p->code, principal, purchase);
      int billed = (int) qint(c, "SELECT count(*) FROM installments WHERE order_id = '%s'"
                                 "   AND billing_date <= '" D "'", order);
      bill(c, order, billed);
      int paid = billed ? g_rand_int_range(rng, 0, billed + 1) : 0;
      for (int n = 1; n <= billed; n++) {
        if (n <= paid) {
          pay_off(c, order, n);
          continue;
        }
        add_penalty(c, order, n, g_rand_int_range(rng, 0, 400));
        if (g_rand_int_range(rng, 0, 3) == 0)   /* partly paid: penalty, then some fee */
          exec_ok(c, "UPDATE installments SET paid_penalty_fen = penalty_accrued_fen,"
                     "       paid_fee_fen = fee_fen / 2 WHERE order_id = '%s' AND installment_no = %d", order, n);
      }
      if (qint(c, "SELECT count(*) FROM installments WHERE order_id = '%s' AND status <> 'PAID'", order) == 0)
        set_loan_status(c, order, "PAID_OFF");
      else if (g_rand_int_range(rng, 0, 5) == 0 && paid < billed)
        write_off(c, order);
    }
    if (g_rand_int_range(rng, 0, 5) == 0) {
      g_autofree char *txn = g_strdup_printf("SEED-%s", user);
      seed_credit(c, user, txn, g_rand_int_range(rng, 1, 20000));
    }
  }
  sync_books(c);
}

static void
random_events(PGconn *c, GRand *rng, GPtrArray *orders, const char *date, int night)
{
  static const char *const channels[] = { "ALIPAY", "WECHAT", "BANK" };
  for (int i = 0; i < PROP_REFUNDS; i++) {
    const char *order = orders->len && g_rand_int_range(rng, 0, 15) ? g_ptr_array_index(orders, g_rand_int_range(rng, 0, orders->len))
                                                                     : "NO-SUCH-ORDER";
    gint64 left = qint(c, "SELECT coalesce((SELECT principal_fen - refunded_principal_fen FROM loans"
                          " WHERE order_id = '%s'), 1000)", order);
    int kind = g_rand_int_range(rng, 0, 6);
    gint64 amount = kind == 0 ? left : kind == 1 ? left + 1 : g_rand_int_range(rng, 1, (gint32) MAX(left, 2));
    exec_ok(c, "INSERT INTO inbox_refunds (refund_id, order_id, refund_date, amount_fen)"
               " VALUES ('RF%d-%03d', '%s', '%s', %" G_GINT64_FORMAT ")", night, i, order, date, MAX(amount, 1));
  }
  for (int i = 0; i < PROP_REPAYMENTS; i++) {
    int u = g_rand_int_range(rng, 0, PROP_USERS + 1);   /* PROP_USERS: unknown user */
    g_autofree char *user = g_strdup_printf("U%02d", u);
    g_autofree char *prepay = NULL;
    int roll = g_rand_int_range(rng, 0, 100);
    if (roll < 15 && orders->len) {
      const char *order = g_ptr_array_index(orders, g_rand_int_range(rng, 0, orders->len));
      /* mostly the user's own loan; some another's */
      prepay = roll < 12 ? g_strdup_printf("%s-L%d", user, g_rand_int_range(rng, 0, 3)) : g_strdup(order);
    } else if (roll < 17) {
      prepay = g_strdup("NO-SUCH-ORDER");
    }
    gint64 amount = g_rand_int_range(rng, 0, 4) == 0 ? g_rand_int_range(rng, 1, 500)
                                                     : g_rand_int_range(rng, 1, 40000);
    if (prepay && g_rand_int_range(rng, 0, 3) > 0) /* aim at the payoff, give or take a fen */
      amount = qint(c, "SELECT coalesce((SELECT sum(i.principal_fen - i.principal_reduced_fen - i.paid_principal_fen"
                       "   - i.writeoff_principal_fen + CASE WHEN i.status = 'BILLED' THEN i.fee_fen - i.fee_waived_fen"
                       "   - i.paid_fee_fen + i.penalty_accrued_fen - i.penalty_waived_fen - i.paid_penalty_fen"
                       "   WHEN l.prepay_fee_policy = 'CHARGE_ALL' THEN i.fee_fen - i.fee_waived_fen ELSE 0 END)"
                       "  FROM installments i JOIN loans l USING (loan_id)"
                       " WHERE l.order_id = '%s' AND i.status IN ('UNBILLED', 'BILLED')), 0)", prepay)
               + g_rand_int_range(rng, -1, 2);
    g_autofree char *order_sql = prepay ? g_strdup_printf("'%s'", prepay) : g_strdup("NULL");
    exec_ok(c, "INSERT INTO inbox_repayments (txn_id, user_id, pay_date, amount_fen, channel, prepay_order_id)"
               " VALUES ('T%d-%03d', '%s', '%s', %" G_GINT64_FORMAT ", '%s', %s)",
            night, i, user, date, MAX(amount, 1), channels[g_rand_int_range(rng, 0, 3)], order_sql);
  }
}

/* An installment's place in the waterfall (due date, order id bytewise, number) as
 * one bytewise-sortable text. */
#define SQL_WATERFALL_KEY \
  "(i.due_date::text || chr(1) || i.order_id || chr(1) || lpad(i.installment_no::text, 6, '0')) COLLATE \"C\""

/* What the waterfall must have done, checked from the outcome alone. */
static void
assert_waterfall_properties(PGconn *c, const char *date)
{
  /* money is left over only when nothing billed or recoverable is left */
  ASSERT_Q("0", c,
    "SELECT count(*) FROM credit_balance_movements m"
    " WHERE m.business_date = '%s' AND m.reason = 'OVERPAYMENT'"
    "   AND (EXISTS (SELECT 1 FROM installments i WHERE i.user_id = m.user_id AND i.status = 'BILLED')"
    "        OR EXISTS (SELECT 1 FROM installments i WHERE i.user_id = m.user_id AND i.status = 'WRITTEN_OFF'"
    "                     AND i.recovered_fen < i.writeoff_principal_fen + i.writeoff_fee_fen + i.writeoff_penalty_fen))",
    date);
  /* a credit balance never sits next to billed items */
  ASSERT_Q("0", c, "SELECT count(*) FROM users u WHERE u.credit_balance_fen > 0"
                   "   AND EXISTS (SELECT 1 FROM installments i WHERE i.user_id = u.user_id AND i.status = 'BILLED')");
  /* oldest first: no billed item is still open before the last one an ordinary
   * allocation reached (prepayment payoffs are out of order by design) */
  ASSERT_Q("0", c,
    "WITH reached AS ("
    "  SELECT a.user_id, max(" SQL_WATERFALL_KEY ") AS last"
    "    FROM allocations a JOIN installments i USING (loan_id, installment_no)"
    "    LEFT JOIN inbox_repayments r ON r.txn_id = a.txn_id"
    "   WHERE a.business_date = '%s' AND a.source IN ('REPAYMENT', 'CREDIT_BALANCE')"
    "     AND a.component IN ('PENALTY', 'FEE', 'PRINCIPAL')"
    "     AND r.prepay_outcome IS DISTINCT FROM 'PREPAID'"
    "   GROUP BY a.user_id)"
    " SELECT count(*) FROM reached x JOIN installments i ON i.user_id = x.user_id AND i.status = 'BILLED'"
    "  WHERE " SQL_WATERFALL_KEY " < x.last", date);
  /* within an installment: penalty, then fee, then principal */
  ASSERT_Q("0", c,
    "SELECT count(*) FROM installments i"
    " WHERE EXISTS (SELECT 1 FROM allocations a WHERE a.loan_id = i.loan_id AND a.installment_no = i.installment_no"
    "                  AND a.business_date = '%s' AND a.component = 'PRINCIPAL' AND a.source <> 'REFUND')"
    "   AND (i.fee_fen - i.fee_waived_fen - i.paid_fee_fen - i.writeoff_fee_fen > 0"
    "        OR i.penalty_accrued_fen - i.penalty_waived_fen - i.paid_penalty_fen - i.writeoff_penalty_fen > 0)", date);
  ASSERT_Q("0", c,
    "SELECT count(*) FROM installments i"
    " WHERE EXISTS (SELECT 1 FROM allocations a WHERE a.loan_id = i.loan_id AND a.installment_no = i.installment_no"
    "                  AND a.business_date = '%s' AND a.component = 'FEE')"
    "   AND i.penalty_accrued_fen - i.penalty_waived_fen - i.paid_penalty_fen - i.writeoff_penalty_fen > 0", date);
  /* a prepaid loan is paid off; a short one left a reject with its shortfall */
  ASSERT_Q("0", c,
    "SELECT count(*) FROM inbox_repayments r JOIN loans l ON l.order_id = r.prepay_order_id"
    " WHERE r.pay_date = '%s' AND r.prepay_outcome = 'PREPAID' AND l.status <> 'PAID_OFF'", date);
  ASSERT_Q("0", c,
    "SELECT count(*) FROM inbox_repayments r"
    " WHERE r.pay_date = '%s' AND r.prepay_outcome = 'SHORT_OF_PAYOFF'"
    "   AND NOT EXISTS (SELECT 1 FROM rejects j WHERE j.external_id = r.txn_id"
    "                      AND j.reason_code = 'PREPAY_SHORT_OF_PAYOFF' AND j.amount_fen = r.prepay_shortfall_fen)",
    date);
  /* every loan is PAID_OFF exactly when nothing is open, unless cancelled or written off */
  ASSERT_Q("0", c,
    "SELECT count(*) FROM loans l"
    " WHERE l.status IN ('ACTIVE', 'PAID_OFF')"
    "   AND (l.status = 'ACTIVE') <> EXISTS (SELECT 1 FROM installments i WHERE i.loan_id = l.loan_id"
    "                                          AND i.status IN ('UNBILLED', 'BILLED'))");
  ASSERT_Q("0", c, "SELECT count(*) FROM inbox_repayments WHERE pay_date = '%s' AND status = 'PENDING'", date);
  ASSERT_Q("0", c, "SELECT count(*) FROM inbox_refunds WHERE refund_date = '%s' AND status = 'PENDING'", date);
}

static void
test_property_random_portfolios(void)
{
  PGconn *c = fresh_db("repay_property");
  g_autoptr(GRand) rng = g_rand_new_with_seed(20260320);
  g_autoptr(GPtrArray) orders = g_ptr_array_new_with_free_func(g_free);
  seed_random_portfolio(c, rng, orders);
  assert_books(c, SEED_DATE);
  const char *nights[] = { D, D1 };
  for (int n = 0; n < 2; n++) {
    if (n == 1) {
      /* between the nights: the next installments are billed (SQL billing + its GL),
       * and the credit balances are applied as the billing step would */
      exec_ok(c, "UPDATE installments SET status = 'BILLED', billed_date = billing_date"
                 " WHERE status = 'UNBILLED' AND billing_date <= '2026-04-05'");
      sync_books(c);
      CU_ASSERT_TRUE_FATAL(itest_run_step(c, nights[n], eod_apply_credit_balances, NULL, NULL));
      assert_books(c, nights[n]);
    }
    random_events(c, rng, orders, nights[n], n);
    gint64 rows = 0, amount = 0;
    CU_ASSERT_TRUE_FATAL(itest_run_step(c, nights[n], eod_step_refunds, &rows, &amount));
    CU_ASSERT_EQUAL(rows, PROP_REFUNDS);
    assert_books(c, nights[n]);
    CU_ASSERT_TRUE_FATAL(itest_run_step(c, nights[n], eod_step_repayments, &rows, &amount));
    CU_ASSERT_EQUAL(rows, PROP_REPAYMENTS);
    CU_ASSERT_EQUAL(amount, qint(c, "SELECT sum(amount_fen) FROM inbox_repayments WHERE pay_date = '%s'", nights[n]));
    assert_books(c, nights[n]);
    assert_waterfall_properties(c, nights[n]);
  }
  /* the portfolio really exercised the rules */
  CU_ASSERT_TRUE(qint(c, "SELECT count(DISTINCT prepay_outcome) FROM inbox_repayments") >= 3);
  CU_ASSERT_TRUE(qint(c, "SELECT count(*) FROM allocations WHERE component LIKE 'RECOVERY%%'") > 0);
  CU_ASSERT_TRUE(qint(c, "SELECT count(*) FROM refund_applications WHERE is_full_refund") > 0);
  CU_ASSERT_TRUE(qint(c, "SELECT count(*) FROM allocations WHERE source = 'CREDIT_BALANCE'") > 0);
  PQfinish(c);
}

/* ---- the seeds against the steps ------------------------------------------------ */

/* What a seed leaves on ORDER, ids and dates of booking left out: one line per
 * installment, then the loan, its write-off and its waivers. */
static char *
seeded_state(PGconn *c, const char *order)
{
  return q(c,
    "SELECT (SELECT string_agg(concat_ws(' ', installment_no, status, billed_date, paid_date, paid_principal_fen,"
    "                                    paid_fee_fen, paid_penalty_fen, penalty_accrued_fen, fee_waived_fen,"
    "                                    writeoff_principal_fen, writeoff_fee_fen, writeoff_penalty_fen,"
    "                                    written_off_date IS NOT NULL), '; ' ORDER BY installment_no)"
    "          FROM installments WHERE order_id = '%s')"
    "    || ' | ' || (SELECT concat_ws(' ', l.status, l.written_off_date IS NOT NULL, w.dpd_at_writeoff,"
    "                                  w.principal_fen, w.fee_fen, w.penalty_fen)"
    "                   FROM loans l LEFT JOIN writeoffs w USING (loan_id) WHERE l.order_id = '%s')"
    "    || ' | ' || coalesce((SELECT string_agg(concat_ws(' ', v.installment_no, v.component, v.amount_fen, v.reason,"
    "                                                      v.was_billed), '; ' ORDER BY v.installment_no)"
    "                            FROM waivers v JOIN loans l USING (loan_id) WHERE l.order_id = '%s'), '-')",
    order, order, order);
}

static void
assert_seed_is_step(PGconn *c, const char *what)
{
  g_autofree char *seeded = seeded_state(c, "SEEDED");
  g_autofree char *stepped = seeded_state(c, "STEPPED");
  if (!seeded || !stepped || strcmp(seeded, stepped) != 0)
    fprintf(stderr, "\n  %s: the seed left\n    %s\n  the step\n    %s\n", what, seeded, stepped);
  ITEST_ASSERT_STR_EQ(seeded, stepped);
}

/* The seeds above model the steps (bill, pay_off, write_off, seed_credit): each is
 * checked here once against the real step on a twin loan of another user, so a
 * step that changes what it leaves makes this test fail, not the scenarios drift. */
static void
test_seeds_match_the_steps(void)
{
  PGconn *c = fresh_db("repay_seeds");
  add_user(c, "US");
  add_user(c, "UT");
  seed_loan(c, "US", "SEEDED", "FPP3", 300000, PURCHASE);
  seed_loan(c, "UT", "STEPPED", "FPP3", 300000, PURCHASE);
  sync_books(c);   /* the used limits origination would have set */
  /* billing of period 1 (02-05), then period 1 paid off on its billing date */
  bill(c, "SEEDED", 1);
  CU_ASSERT_TRUE_FATAL(itest_run_step(c, "2026-02-05", eod_step_billing, NULL, NULL));
  assert_seed_is_step(c, "billing of period 1");
  pay_off(c, "SEEDED", 1);
  exec_ok(c, "INSERT INTO inbox_repayments (txn_id, user_id, pay_date, amount_fen, channel)"
             " SELECT 'SEEDS-1', 'UT', '2026-02-05', principal_fen + fee_fen, 'ALIPAY'"
             "   FROM installments WHERE order_id = 'STEPPED' AND installment_no = 1");
  CU_ASSERT_TRUE_FATAL(itest_run_step(c, "2026-02-05", eod_step_repayments, NULL, NULL));
  assert_seed_is_step(c, "pay-off of period 1");
  /* period 2 billed (03-05, due 03-14) and left unpaid, with a penalty: written off
   * on the night its DPD first exceeds writeoff_dpd 180, with period 3 never billed */
  bill(c, "SEEDED", 2);
  CU_ASSERT_TRUE_FATAL(itest_run_step(c, "2026-03-05", eod_step_billing, NULL, NULL));
  assert_seed_is_step(c, "billing of period 2");
  add_penalty(c, "SEEDED", 2, 1234);
  add_penalty(c, "STEPPED", 2, 1234);
  write_off(c, "SEEDED");
  gint64 rows = 0;
  CU_ASSERT_TRUE_FATAL(itest_run_step(c, "2026-09-11", eod_step_writeoff, &rows, NULL));
  CU_ASSERT_EQUAL(rows, 1);
  assert_seed_is_step(c, "write-off at DPD 181");
  ASSERT_Q("WRITTEN_OFF 181", c, "SELECT l.status || ' ' || w.dpd_at_writeoff FROM loans l JOIN writeoffs w USING (loan_id)"
                                 " WHERE l.order_id = 'STEPPED'");
  /* a credit balance: seeded, and what an overpayment of a user owing nothing leaves */
  add_user(c, "UC");
  add_user(c, "UD");
  seed_credit(c, "UC", "SEEDS-C", 500);
  exec_ok(c, "INSERT INTO inbox_repayments (txn_id, user_id, pay_date, amount_fen, channel)"
             " VALUES ('SEEDS-D', 'UD', '2026-09-12', 500, 'ALIPAY')");
  CU_ASSERT_TRUE_FATAL(itest_run_step(c, "2026-09-12", eod_step_repayments, NULL, NULL));
  const char *credit = "SELECT u.credit_balance_fen || ' ' || r.status || ' ' || r.amount_fen || ' '"
                       "       || (SELECT string_agg(m.amount_fen || ' ' || m.reason, '; ') FROM credit_balance_movements m"
                       "            WHERE m.user_id = u.user_id)"
                       "  FROM users u JOIN inbox_repayments r USING (user_id) WHERE u.user_id = '%s'";
  g_autofree char *seeded = q(c, credit, "UC");
  g_autofree char *stepped = q(c, credit, "UD");
  ITEST_ASSERT_STR_EQ(seeded, "500 APPLIED 500 500 OVERPAYMENT");
  ITEST_ASSERT_STR_EQ(stepped, seeded);
  PQfinish(c);
}

/* ---- a pass settles what it wrote, whoever else writes (issue 14 §3) -------------- */

/* Another writer's allocation lands while the step's INSERT runs (a statement trigger
 * stands in for it, so the timing is certain). The pass settles only the rows its own
 * INSERT … RETURNING gave back: a mark taken as max(allocation_id) before the pass would
 * have settled the foreign row too (O2#1 paid 100 fen, U2's limit restored). */
static void
test_pass_settles_only_its_own_allocations(void)
{
  PGconn *c = fresh_db("repay_other_writer");
  add_user(c, "U1");
  add_user(c, "U2");
  seed_loan(c, "U1", "O1", "FPP3", 100000, PURCHASE);
  seed_loan(c, "U2", "O2", "FPP3", 100000, PURCHASE);
  bill(c, "O1", 2);
  bill(c, "O2", 1);
  sync_books(c);
  exec_ok(c, "INSERT INTO inbox_repayments (txn_id, user_id, pay_date, amount_fen, channel, status, processed_date)"
             " VALUES ('OTHER1', 'U2', '" SEED_DATE "', 100, 'ALIPAY', 'APPLIED', '" SEED_DATE "')");
  g_autofree char *db = q(c, "SELECT current_database()");
  PGconn *owner = itest_connect(db, "baitiao_owner");
  exec_ok(owner, "CREATE FUNCTION baitiao.test_other_writer() RETURNS trigger LANGUAGE plpgsql AS $$"
                 " BEGIN"
                 "   IF pg_trigger_depth() = 1 THEN"
                 "     INSERT INTO baitiao.allocations (business_date, user_id, source, txn_id, loan_id,"
                 "                                      installment_no, component, amount_fen)"
                 "     SELECT '" D "', 'U2', 'REPAYMENT', 'OTHER1', loan_id, 1, 'PRINCIPAL', 100"
                 "       FROM baitiao.loans WHERE order_id = 'O2';"
                 "   END IF;"
                 "   RETURN NULL;"
                 " END $$");
  exec_ok(owner, "CREATE TRIGGER test_other_writer AFTER INSERT ON baitiao.allocations"
                 " FOR EACH STATEMENT EXECUTE FUNCTION baitiao.test_other_writer()");
  repay(c, "T1", "U1", 67666, "ALIPAY", NULL);
  gint64 rows = -1, amount = -1;
  CU_ASSERT_TRUE_FATAL(itest_run_step(c, D, eod_step_repayments, &rows, &amount));
  CU_ASSERT_EQUAL(rows, 1);
  CU_ASSERT_EQUAL(amount, 67666);
  exec_ok(owner, "DROP TRIGGER test_other_writer ON baitiao.allocations");
  PQfinish(owner);
  /* the foreign rows are there, and nothing of them was booked by the step */
  ASSERT_Q("t", c, "SELECT count(*) > 0 FROM allocations WHERE txn_id = 'OTHER1'");
  ASSERT_Q("BILLED pp0 pf0 pn0 r0 w0 wn0", c, SQL_ROW, "O2", 1);
  ASSERT_Q("100000", c, "SELECT used_limit_fen FROM users WHERE user_id = 'U2'");
  /* the step's own pass, as in "repayment pays the statement exactly" */
  ASSERT_Q("PAID pp33333 pf500 pn0 r0 w0 wn0", c, SQL_ROW, "O1", 1);
  ASSERT_Q("PAID pp33333 pf500 pn0 r0 w0 wn0", c, SQL_ROW, "O1", 2);
  ASSERT_Q("33334 0", c, "SELECT used_limit_fen || ' ' || credit_balance_fen FROM users WHERE user_id = 'U1'");
  PQfinish(c);
}

/* ---- the db layer's work tables and integer results ------------------------------ */

static void
test_db_temp_table_and_query_int64(void)
{
  PGconn *c = fresh_db("repay_db_helpers");
  GError *err = NULL;
  gint64 n = -1;
  exec_ok(c, "BEGIN");
  CU_ASSERT_TRUE(stmt_temp_table(c, "bt_wf_pay", "steps/waterfall/10_payers_table", &err));
  exec_ok(c, "INSERT INTO pg_temp.bt_wf_pay (txn_id, user_id, seq, amount_fen) VALUES ('T1', 'U1', 1, 5)");
  /* a second call in the same transaction empties it */
  CU_ASSERT_TRUE(stmt_temp_table(c, "bt_wf_pay", "steps/waterfall/10_payers_table", &err));
  CU_ASSERT_TRUE(db_query_int64(c, "count", "SELECT count(*) FROM pg_temp.bt_wf_pay", 0, NULL, &n, &err));
  CU_ASSERT_EQUAL(n, 0);
  CU_ASSERT_TRUE(db_query_int64(c, "sum", "SELECT $1::bigint * 2", 1, (const char *[]) { "-4611686018427387904" },
                                &n, &err));
  CU_ASSERT_EQUAL(n, G_MININT64);
  exec_ok(c, "COMMIT");
  /* ON COMMIT DROP: gone with the transaction, made afresh by the next one */
  ASSERT_Q("f", c, "SELECT to_regclass('pg_temp.bt_wf_pay') IS NOT NULL");
  const char *bad[][2] = {
    { "SELECT NULL::int", "statement \"bad\" returned NULL, expected one integer" },
    { "SELECT 'x'", "statement \"bad\" returned x, expected one integer" },
    { "SELECT 1, 2", "statement \"bad\" returned several columns, expected one integer" },
    { "SELECT 1 FROM generate_series(1, 2)", "statement \"bad\" returned 2 rows, expected one" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    n = 7;
    CU_ASSERT_FALSE(db_query_int64(c, "bad", bad[i][0], 0, NULL, &n, &err));
    CU_ASSERT_TRUE(g_error_matches(err, DB_ERROR, DB_ERROR_CONTRACT));
    ITEST_ASSERT_STR_EQ(err ? err->message : "", bad[i][1]);
    CU_ASSERT_EQUAL(n, 7);
    g_clear_error(&err);
  }
  PQfinish(c);
}

CU_TestInfo itest_repay_cases[] = {
  { "repayment pays the statement exactly", test_repay_exact_statement },
  { "partial repayment: penalty, fee, principal", test_repay_partial_penalty_fee_principal },
  { "oldest due date first", test_repay_oldest_due_date_first },
  { "same due date: order id", test_repay_same_due_date_by_order_id },
  { "two repayments in arrival order", test_repay_two_repayments_in_arrival_order },
  { "overpayment, then credit balance at billing", test_overpayment_then_credit_balance_applied_at_billing },
  { "prepayment WAIVE_UNBILLED", test_prepay_waive_unbilled },
  { "prepayment CHARGE_ALL", test_prepay_charge_all },
  { "prepayment 1 fen short", test_prepay_one_fen_short },
  { "prepayment of a loan not ACTIVE / unknown", test_prepay_not_active_or_unknown_is_ordinary },
  { "prepayment after an ordinary repayment", test_prepay_after_ordinary_same_night },
  { "duplicate txn id inserted online", test_duplicate_txn_inserted_online },
  { "repayment of an unknown user", test_repay_unknown_user_rejected },
  { "recovery capped at what was written off", test_recovery_capped_at_written_off },
  { "full refund before billing", test_full_refund_before_billing },
  { "full refund after one period paid", test_full_refund_after_one_period_paid },
  { "full refund of an overdue billed item", test_full_refund_of_overdue_billed_item },
  { "partial refund before billing", test_partial_refund_before_billing },
  { "partial refund after billing", test_partial_refund_after_billing },
  { "refund exceeding principal, round by round", test_refund_exceeds_principal },
  { "refund of a cancelled loan / unknown order", test_refund_cancelled_loan_and_unknown_order },
  { "refund credit pays another loan", test_refund_credit_applied_to_other_loan },
  { "refunds of a paid-off loan", test_refund_paid_off_loan },
  { "property: random portfolios", test_property_random_portfolios },
  { "the seeds are what the steps leave", test_seeds_match_the_steps },
  { "a pass settles only its own allocations", test_pass_settles_only_its_own_allocations },
  { "db layer: work tables, integer results", test_db_temp_table_and_query_int64 },
  CU_TEST_INFO_NULL,
};
