/* Aging and write-off (product-rules §7, §11) through the real database: penalty per
 * overdue day, DPD / bucket / class change rows, month-end rows, write-off, and after
 * every night the ledger invariants (GL 1122 / 1123 / 1124 = sub-ledger, Σ accruals =
 * Σ installments' penalty, used limit = unpaid principal of ACTIVE loans).
 *
 * Loans are seeded with SQL from sched_build(); billing and repayments are simulated
 * by small helpers here (with their GL entries) so that only aging and write-off are
 * under test. Expected amounts are computed by hand in the comments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eod_steps.h"
#include "itest.h"
#include "schedule.h"

typedef struct {
  const char *code;
  SchedMethod method;
  int term;
  gint64 rate_ppm;
  int grace_days;
  int penalty_ppm;
  int writeoff_dpd;
  int apr_bp;
} TestProduct;

/* The contract's FEE_PER_PERIOD example (§2) with the §12 defaults. */
static const TestProduct FPP12 = { "FPP12", SCHED_FEE_PER_PERIOD, 12, 5000, 9, 500, 180, 1090 };
static const TestProduct FPP3_WO30 = { "FPP3WO30", SCHED_FEE_PER_PERIOD, 3, 5000, 9, 500, 30, 898 };
static const TestProduct IF1 = { "IF1", SCHED_INTEREST_FREE, 1, 0, 9, 500, 180, 0 };
static const TestProduct IF1_WO400 = { "IF1WO400", SCHED_INTEREST_FREE, 1, 0, 9, 500, 400, 0 };

/* ---- helpers ------------------------------------------------------------ */

/* Runs SQL with parameters; returns the first column of the first row ("" when none). */
static char *
q(PGconn *c, const char *sql, int n, const char *const *params)
{
  PGresult *res = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
  ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
    fprintf(stderr, "\n  %s\n  failed: %s\n", sql, PQerrorMessage(c));
  CU_ASSERT_FATAL(st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK);
  char *out = g_strdup(st == PGRES_TUPLES_OK && PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "");
  PQclear(res);
  return out;
}

static void
exec(PGconn *c, const char *sql, int n, const char *const *params)
{
  g_free(q(c, sql, n, params));
}

static char *
fen(gint64 v)
{
  return g_strdup_printf("%" G_GINT64_FORMAT, v);
}

static void
insert_product(PGconn *c, const TestProduct *p)
{
  g_autofree char *term = g_strdup_printf("%d", p->term);
  g_autofree char *rate = fen(p->rate_ppm);
  g_autofree char *grace = g_strdup_printf("%d", p->grace_days);
  g_autofree char *penalty = g_strdup_printf("%d", p->penalty_ppm);
  g_autofree char *wo = g_strdup_printf("%d", p->writeoff_dpd);
  g_autofree char *apr = g_strdup_printf("%d", p->apr_bp);
  const char *v[] = { p->code, term, sched_method_to_string(p->method), rate, grace, penalty, wo, apr };
  exec(c,
       "INSERT INTO products (product_code, term, method, rate_ppm, grace_days, penalty_ppm, writeoff_dpd,"
       "                      prepay_fee_policy, apr_bp)"
       " VALUES ($1, $2::int, $3, $4::int, $5::int, $6::int, $7::int, 'WAIVE_UNBILLED', $8::int)",
       8, v);
}

/* A migrated database of its own, the batch role connected, the test products loaded. */
static PGconn *
new_world(const char *prefix)
{
  g_autofree char *db = itest_create_db(prefix, TRUE);
  PGconn *c = itest_connect(db, "baitiao_batch");
  insert_product(c, &FPP12);
  insert_product(c, &FPP3_WO30);
  insert_product(c, &IF1);
  insert_product(c, &IF1_WO400);
  exec(c, "SELECT ensure_channel_account('ITEST')", 0, NULL);
  return c;
}

static void
seed_user(PGconn *c, const char *user_id, int statement_day)
{
  g_autofree char *s = g_strdup_printf("%d", statement_day);
  const char *v[] = { user_id, s };
  exec(c, "INSERT INTO users (user_id, credit_limit_fen, statement_day) VALUES ($1, 100000000, $2::int)", 2, v);
}

/* One journal entry of simulated activity: lines (account, debit, credit). */
static void
post(PGconn *c, const char *date, const char *entry_type, int n, const char *const *accounts,
     const gint64 *debits, const gint64 *credits)
{
  static int key;
  GString *a = g_string_new("{"), *d = g_string_new("{"), *cr = g_string_new("{");
  gint64 total = 0;
  for (int i = 0; i < n; i++) {
    g_string_append_printf(a, "%s%s", i ? "," : "", accounts[i]);
    g_string_append_printf(d, "%s%" G_GINT64_FORMAT, i ? "," : "", debits[i]);
    g_string_append_printf(cr, "%s%" G_GINT64_FORMAT, i ? "," : "", credits[i]);
    total += debits[i];
  }
  g_string_append_c(a, '}');
  g_string_append_c(d, '}');
  g_string_append_c(cr, '}');
  g_autofree char *posting_key = g_strdup_printf("itest:%d", ++key);
  const char *v[] = { date, entry_type, posting_key, a->str, d->str, cr->str };
  if (total > 0)
    exec(c,
         "WITH e AS (INSERT INTO journal_entries (business_date, entry_type, step_name, posting_key)"
         "           VALUES ($1::date, $2, 'itest', $3) RETURNING entry_id, business_date)"
         " INSERT INTO journal_lines (entry_id, line_no, business_date, account_code, debit_fen, credit_fen)"
         " SELECT e.entry_id, row_number() OVER (), e.business_date, l.a, l.d, l.c"
         "   FROM e, unnest($4::text[], $5::bigint[], $6::bigint[]) AS l(a, d, c)"
         "  WHERE l.d > 0 OR l.c > 0",
         6, v);
  g_string_free(a, TRUE);
  g_string_free(d, TRUE);
  g_string_free(cr, TRUE);
}

/* A loan as origination would make it (schedule from sched_build, used limit, GL
 * Dr 1122 / Cr 2202). Returns loan_id. */
static gint64
seed_loan(PGconn *c, const TestProduct *p, const char *user_id, const char *order_id, gint64 principal,
          const char *purchase, int statement_day)
{
  SchedTerms terms = { p->method, p->term, p->rate_ppm, p->grace_days };
  GDate when;
  g_date_clear(&when, 1);
  g_date_set_parse(&when, purchase);
  g_autofree SchedInstallment *inst = g_new0(SchedInstallment, p->term);
  g_autoptr(GError) error = NULL;
  CU_ASSERT_FATAL(sched_build(principal, &terms, &when, statement_day, inst, &error));

  GString *no = g_string_new("{"), *bill = g_string_new("{"), *due = g_string_new("{");
  GString *pr = g_string_new("{"), *fe = g_string_new("{");
  for (int k = 0; k < p->term; k++) {
    char b[11], d[11];
    g_date_strftime(b, sizeof b, "%Y-%m-%d", &inst[k].billing_date);
    g_date_strftime(d, sizeof d, "%Y-%m-%d", &inst[k].due_date);
    const char *sep = k ? "," : "";
    g_string_append_printf(no, "%s%d", sep, inst[k].no);
    g_string_append_printf(bill, "%s%s", sep, b);
    g_string_append_printf(due, "%s%s", sep, d);
    g_string_append_printf(pr, "%s%" G_GINT64_FORMAT, sep, inst[k].principal_fen);
    g_string_append_printf(fe, "%s%" G_GINT64_FORMAT, sep, inst[k].fee_fen);
  }
  g_string_append_c(no, '}');
  g_string_append_c(bill, '}');
  g_string_append_c(due, '}');
  g_string_append_c(pr, '}');
  g_string_append_c(fe, '}');

  g_autofree char *amount = fen(principal);
  g_autofree char *s = g_strdup_printf("%d", statement_day);
  const char *lv[] = { order_id, user_id, p->code, amount, purchase, s, bill->str };
  g_autofree char *loan_id = q(c,
    "INSERT INTO loans (order_id, user_id, product_code, principal_fen, term, method, rate_ppm, grace_days,"
    "                   penalty_ppm, writeoff_dpd, prepay_fee_policy, apr_bp, statement_day,"
    "                   origination_date, first_billing_date, status, status_date)"
    " SELECT $1, $2, p.product_code, $4::bigint, p.term, p.method, p.rate_ppm, p.grace_days,"
    "        p.penalty_ppm, p.writeoff_dpd, p.prepay_fee_policy, p.apr_bp, $6::int,"
    "        $5::date, ($7::date[])[1], 'ACTIVE', $5::date"
    "   FROM products p WHERE p.product_code = $3"
    " RETURNING loan_id", 7, lv);
  const char *iv[] = { loan_id, user_id, order_id, no->str, bill->str, due->str, pr->str, fe->str };
  exec(c,
       "INSERT INTO installments (loan_id, installment_no, user_id, order_id, billing_date, due_date,"
       "                          principal_fen, fee_fen)"
       " SELECT $1::bigint, u.no, $2, $3, u.b, u.d, u.p, u.f"
       "   FROM unnest($4::int[], $5::date[], $6::date[], $7::bigint[], $8::bigint[]) AS u(no, b, d, p, f)",
       8, iv);
  const char *uv[] = { user_id, amount };
  exec(c, "UPDATE users SET used_limit_fen = used_limit_fen + $2::bigint WHERE user_id = $1", 2, uv);
  const char *acc[] = { "1122", "2202" };
  gint64 dr[] = { principal, 0 }, cr[] = { 0, principal };
  post(c, purchase, "ORIGINATION", 2, acc, dr, cr);

  g_string_free(no, TRUE);
  g_string_free(bill, TRUE);
  g_string_free(due, TRUE);
  g_string_free(pr, TRUE);
  g_string_free(fe, TRUE);
  return g_ascii_strtoll(loan_id, NULL, 10);
}

/* Billing as the billing step does it: what is due to be billed by DATE is billed on
 * its billing date, fee income Dr 1123 / Cr 6011. */
static void
bill_through(PGconn *c, const char *date)
{
  const char *v[] = { date };
  g_autofree char *fee = q(c,
    "WITH b AS (UPDATE installments SET status = 'BILLED', billed_date = billing_date"
    "            WHERE status = 'UNBILLED' AND billing_date <= $1::date"
    "            RETURNING fee_fen - fee_waived_fen AS fee)"
    " SELECT coalesce(sum(fee), 0) FROM b", 1, v);
  gint64 amount = g_ascii_strtoll(fee, NULL, 10);
  const char *acc[] = { "1123", "6011" };
  gint64 dr[] = { amount, 0 }, cr[] = { 0, amount };
  post(c, date, "BILLING", 2, acc, dr, cr);
}

/* A repayment already split by the caller (penalty → fee → principal, §5) onto one
 * installment: its allocations rows (as the waterfall writes them: aging finds the
 * installments whose penalty base changed from the day's allocations), paid amounts,
 * PAID / PAID_OFF when settled, used limit, GL Dr 1002.ITEST / Cr 1124, 1123, 1122. */
static void
pay(PGconn *c, const char *date, gint64 loan_id, int k, gint64 penalty, gint64 fee, gint64 principal)
{
  g_autofree char *loan = fen(loan_id);
  g_autofree char *no = g_strdup_printf("%d", k);
  g_autofree char *pe = fen(penalty), *fe = fen(fee), *pr = fen(principal);
  const char *paid[] = { loan, no, pe, fe, pr };
  const char *allocated[] = { loan, no, pe, fe, pr, date };
  exec(c,
       "INSERT INTO allocations (business_date, user_id, source, loan_id, installment_no, component, amount_fen)"
       " SELECT $6::date, i.user_id, 'CREDIT_BALANCE', i.loan_id, i.installment_no, c.component, c.amount"
       "   FROM installments i,"
       "        LATERAL (VALUES ('PENALTY', $3::bigint), ('FEE', $4::bigint), ('PRINCIPAL', $5::bigint)) c(component, amount)"
       "  WHERE i.loan_id = $1::bigint AND i.installment_no = $2::int AND c.amount > 0",
       6, allocated);
  exec(c,
       "UPDATE installments SET paid_penalty_fen = paid_penalty_fen + $3::bigint,"
       "       paid_fee_fen = paid_fee_fen + $4::bigint, paid_principal_fen = paid_principal_fen + $5::bigint"
       " WHERE loan_id = $1::bigint AND installment_no = $2::int",
       5, paid);
  const char *settled[] = { loan, no, date };
  exec(c,
       "UPDATE installments SET status = 'PAID', paid_date = $3::date"
       " WHERE loan_id = $1::bigint AND installment_no = $2::int AND status = 'BILLED'"
       "   AND principal_reduced_fen + paid_principal_fen = principal_fen"
       "   AND fee_waived_fen + paid_fee_fen = fee_fen"
       "   AND installment_penalty_out_fen(installments, $3::date - 1) = 0",
       3, settled);
  const char *limit[] = { loan, pr };
  exec(c,
       "UPDATE users u SET used_limit_fen = used_limit_fen - $2::bigint"
       "  FROM loans l WHERE l.loan_id = $1::bigint AND u.user_id = l.user_id",
       2, limit);
  const char *closed[] = { loan, date };
  exec(c,
       "UPDATE loans SET status = 'PAID_OFF', status_date = $2::date"
       " WHERE loan_id = $1::bigint AND status = 'ACTIVE'"
       "   AND NOT EXISTS (SELECT 1 FROM installments WHERE loan_id = $1::bigint"
       "                                              AND status IN ('UNBILLED', 'BILLED'))",
       2, closed);
  const char *acc[] = { "1002.ITEST", "1124", "1123", "1122" };
  gint64 dr[] = { penalty + fee + principal, 0, 0, 0 }, cr[] = { 0, penalty, fee, principal };
  post(c, date, "REPAYMENT", 4, acc, dr, cr);
}

/* GL receivables = sub-ledger; Σ accruals = Σ accrued on installments; used limit =
 * unpaid principal of ACTIVE loans, per user. "" when all hold, else what differs. */
static const char sql_invariants[] =
  "WITH gl AS (SELECT account_code, sum(debit_fen - credit_fen) AS bal FROM journal_lines"
  "             WHERE account_code IN ('1122', '1123', '1124') GROUP BY account_code),"
  " sub AS (SELECT sum(principal_fen - principal_reduced_fen - paid_principal_fen - writeoff_principal_fen) AS p,"
  "                sum(fee_fen - fee_waived_fen - paid_fee_fen - writeoff_fee_fen)"
  "                  FILTER (WHERE status = 'BILLED') AS f,"
  "                sum(installment_penalty_out_fen(installments, $1::date)) AS pe,"
  "                sum(penalty_accrued_fen) AS accrued FROM installments),"
  " checks AS ("
  "  SELECT '1122 gl ' || coalesce((SELECT bal FROM gl WHERE account_code = '1122'), 0)"
  "         || ' sub ' || coalesce(p, 0) AS msg,"
  "         coalesce((SELECT bal FROM gl WHERE account_code = '1122'), 0) = coalesce(p, 0) AS ok FROM sub"
  "  UNION ALL SELECT '1123 gl ' || coalesce((SELECT bal FROM gl WHERE account_code = '1123'), 0)"
  "         || ' sub ' || coalesce(f, 0),"
  "         coalesce((SELECT bal FROM gl WHERE account_code = '1123'), 0) = coalesce(f, 0) FROM sub"
  "  UNION ALL SELECT '1124 gl ' || coalesce((SELECT bal FROM gl WHERE account_code = '1124'), 0)"
  "         || ' sub ' || coalesce(pe, 0),"
  "         coalesce((SELECT bal FROM gl WHERE account_code = '1124'), 0) = coalesce(pe, 0) FROM sub"
  "  UNION ALL SELECT 'accruals ' || (SELECT coalesce(sum(amount_fen), 0) FROM penalty_accruals)"
  "         || ' installments ' || coalesce(accrued, 0),"
  "         (SELECT coalesce(sum(amount_fen), 0) FROM penalty_accruals) = coalesce(accrued, 0) FROM sub"
  "  UNION ALL SELECT 'used limit of ' || u.user_id || ' ' || u.used_limit_fen || ' unpaid '"
  "         || coalesce(x.p, 0), u.used_limit_fen = coalesce(x.p, 0)"
  "    FROM users u LEFT JOIN (SELECT l.user_id,"
  "                                   sum(i.principal_fen - i.principal_reduced_fen - i.paid_principal_fen) AS p"
  "                              FROM loans l JOIN installments i ON i.loan_id = l.loan_id"
  "                             WHERE l.status = 'ACTIVE' GROUP BY l.user_id) x ON x.user_id = u.user_id)"
  " SELECT coalesce(string_agg(msg, '; '), '') FROM checks WHERE NOT ok";

static void
assert_invariants(PGconn *c, const char *date)
{
  const char *d[] = { date };
  g_autofree char *broken = q(c, sql_invariants, 1, d);
  if (*broken)
    fprintf(stderr, "\n  invariants broken after %s: %s\n", date, broken);
  ITEST_ASSERT_STR_EQ(broken, "");
}

typedef struct {
  gint64 aging_rows, penalty_fen, writeoff_rows, writeoff_fen;
} Night;

/* The part of a night under test: billing (simulated), aging, write-off, the risk
 * reports' aggregates, invariants. */
static Night
night(PGconn *c, const char *date)
{
  Night n = { 0 };
  bill_through(c, date);
  CU_ASSERT_FATAL(itest_run_step(c, date, eod_step_aging, &n.aging_rows, &n.penalty_fen));
  CU_ASSERT_FATAL(itest_run_step(c, date, eod_step_writeoff, &n.writeoff_rows, &n.writeoff_fen));
  CU_ASSERT_FATAL(itest_run_step(c, date, eod_step_risk, NULL, NULL));
  assert_invariants(c, date);
  return n;
}

/* Nights FROM..TO inclusive. */
static void
nights(PGconn *c, const char *from, const char *to)
{
  GDate d, end;
  g_date_clear(&d, 1);
  g_date_clear(&end, 1);
  g_date_set_parse(&d, from);
  g_date_set_parse(&end, to);
  CU_ASSERT_FATAL(g_date_valid(&d) && g_date_valid(&end));
  for (; g_date_compare(&d, &end) <= 0; g_date_add_days(&d, 1)) {
    char s[11];
    g_date_strftime(s, sizeof s, "%Y-%m-%d", &d);
    night(c, s);
  }
}

/* First column of the first row of SQL with the loan id as $1. */
static char *
about_loan(PGconn *c, gint64 loan_id, const char *sql)
{
  g_autofree char *id = fen(loan_id);
  const char *v[] = { id };
  return q(c, sql, 1, v);
}

static const char sql_snapshot_rows[] =
  "SELECT coalesce(string_agg(snapshot_date || ' ' || status || ' ' || dpd || ' ' || bucket || ' ' || class"
  "                           || CASE WHEN is_month_end THEN ' ME' ELSE '' END, E'\\n' ORDER BY snapshot_date), '')"
  "  FROM loan_snapshots WHERE loan_id = $1::bigint";

/* ---- penalty -------------------------------------------------------------- */

/* The penalty of each day FROM..TO (SQL date literals), one row per installment and
 * day as the contract states it (penalty_accruals_on: closed and open runs):
 * "date installment base ppm fen; ...". */
#define SQL_DAY_ACCRUALS(from, to)                                                                    \
  "SELECT string_agg(d::date || ' ' || a.installment_no || ' ' || a.base_fen || ' ' || l.penalty_ppm" \
  "                  || ' ' || a.amount_fen, '; ' ORDER BY d, a.loan_id, a.installment_no)"           \
  "  FROM generate_series(" from "::date, " to "::date, '1 day') d"                                   \
  "  CROSS JOIN LATERAL penalty_accruals_on(d::date) a JOIN loans l ON l.loan_id = a.loan_id"

/* §3 "paying on the due date is on time": nothing accrues on or after the due date. */
static void
test_paid_on_due_date_no_penalty(void)
{
  PGconn *c = new_world("aging_ontime");
  seed_user(c, "u1", 5);
  /* purchase 2026-03-04, S = 5: billed 03-05, due 03-14 (§3 example) */
  gint64 once = seed_loan(c, &IF1, "u1", "o-once", 50000, "2026-03-04", 5);
  gint64 fpp = seed_loan(c, &FPP12, "u1", "o-fpp", 100000, "2026-03-04", 5);
  nights(c, "2026-03-04", "2026-03-13");
  pay(c, "2026-03-14", once, 1, 0, 0, 50000);
  pay(c, "2026-03-14", fpp, 1, 0, 500, 8333);
  nights(c, "2026-03-14", "2026-03-20");
  g_autofree char *accruals = q(c, "SELECT count(*) FROM penalty_accruals", 0, NULL);
  ITEST_ASSERT_STR_EQ(accruals, "0");
  /* the loan paid off on the due date gets its final row that night, and none after */
  g_autofree char *rows = about_loan(c, once, sql_snapshot_rows);
  ITEST_ASSERT_STR_EQ(rows, "2026-03-04 ACTIVE 0 C NORMAL\n2026-03-14 PAID_OFF 0 C NORMAL");
  g_autofree char *current = about_loan(c, fpp, sql_snapshot_rows);
  ITEST_ASSERT_STR_EQ(current, "2026-03-04 ACTIVE 0 C NORMAL");
  PQfinish(c);
}

/* §7 example: unpaid 8833 fen at 500 ppm → 4 fen a day (4.4165), never on penalty. */
static void
test_one_day_late_accrues_4_fen_a_day(void)
{
  PGconn *c = new_world("aging_late");
  seed_user(c, "u1", 5);
  gint64 loan = seed_loan(c, &FPP12, "u1", "o1", 100000, "2026-03-04", 5);
  nights(c, "2026-03-04", "2026-03-13");
  Night due_day = night(c, "2026-03-14");
  CU_ASSERT_EQUAL(due_day.penalty_fen, 0);
  CU_ASSERT_EQUAL(due_day.aging_rows, 0);
  Night late1 = night(c, "2026-03-15");
  CU_ASSERT_EQUAL(late1.penalty_fen, 4);
  CU_ASSERT_EQUAL(late1.aging_rows, 2); /* one accrual, one change row (C → M1) */
  Night late2 = night(c, "2026-03-16");
  CU_ASSERT_EQUAL(late2.penalty_fen, 4);
  CU_ASSERT_EQUAL(late2.aging_rows, 0); /* the run goes on: nothing written */
  g_autofree char *accruals = q(c, SQL_DAY_ACCRUALS("'2026-03-14'", "'2026-03-16'"), 0, NULL);
  ITEST_ASSERT_STR_EQ(accruals, "2026-03-15 1 8833 500 4; 2026-03-16 1 8833 500 4");
  g_autofree char *accrued = about_loan(c, loan,
    "SELECT installment_penalty_accrued_fen(i, '2026-03-16') FROM installments i"
    " WHERE loan_id = $1::bigint AND installment_no = 1");
  ITEST_ASSERT_STR_EQ(accrued, "8");
  g_autofree char *income = q(c,
    "SELECT sum(l.credit_fen) FROM journal_lines l JOIN journal_entries e USING (entry_id, business_date)"
    " WHERE l.account_code = '6012' AND e.entry_type = 'PENALTY'", 0, NULL);
  ITEST_ASSERT_STR_EQ(income, "8");
  /* the day it turned M1: balances at the end of that day */
  g_autofree char *row = about_loan(c, loan,
    "SELECT dpd || ' ' || bucket || ' ' || class || ' ' || outstanding_principal_fen || ' '"
    "       || outstanding_fee_fen || ' ' || outstanding_penalty_fen || ' ' || overdue_principal_fen"
    "  FROM loan_snapshots WHERE loan_id = $1::bigint AND snapshot_date = '2026-03-15'");
  ITEST_ASSERT_STR_EQ(row, "1 M1 SPECIAL_MENTION 100000 500 4 8333");
  PQfinish(c);
}

/* A partial payment lowers the base. 03-16: 5837 = penalty 4 + fee 500 + principal
 * 5333 leaves 3000 → 1.5 fen rounds half up to 2; 03-17: 1 fen more leaves 2999 →
 * 1.4995 → 1. */
static void
test_partial_payment_reduces_base(void)
{
  PGconn *c = new_world("aging_partial");
  seed_user(c, "u1", 5);
  gint64 loan = seed_loan(c, &FPP12, "u1", "o1", 100000, "2026-03-04", 5);
  nights(c, "2026-03-04", "2026-03-15");
  pay(c, "2026-03-16", loan, 1, 4, 500, 5333);
  Night d16 = night(c, "2026-03-16");
  CU_ASSERT_EQUAL(d16.penalty_fen, 2);
  pay(c, "2026-03-17", loan, 1, 0, 0, 1);
  Night d17 = night(c, "2026-03-17");
  CU_ASSERT_EQUAL(d17.penalty_fen, 1);
  g_autofree char *days = q(c, SQL_DAY_ACCRUALS("'2026-03-15'", "'2026-03-17'"), 0, NULL);
  ITEST_ASSERT_STR_EQ(days, "2026-03-15 1 8833 500 4; 2026-03-16 1 3000 500 2; 2026-03-17 1 2999 500 1");
  /* two runs closed (8833 for 1 day, 3000 for 1 day), 2999 open since 03-17 */
  g_autofree char *runs = q(c,
    "SELECT string_agg(accrual_date || ' ' || days || ' ' || base_fen || '>' || amount_fen, '; '"
    "                  ORDER BY accrual_date) FROM penalty_accruals", 0, NULL);
  ITEST_ASSERT_STR_EQ(runs, "2026-03-15 1 8833>4; 2026-03-16 1 3000>2");
  /* 7 accrued, 4 paid: 3 receivable */
  g_autofree char *unpaid = q(c,
    "SELECT sum(debit_fen - credit_fen) FROM journal_lines WHERE account_code = '1124'", 0, NULL);
  ITEST_ASSERT_STR_EQ(unpaid, "3");
  PQfinish(c);
}

/* §11: principal and fee paid, penalty not: not overdue, DPD 0, bucket C, and no
 * more penalty. (Reached e.g. through a refund of billed principal; set directly.) */
static void
test_penalty_alone_is_not_overdue(void)
{
  PGconn *c = new_world("aging_penalty_only");
  seed_user(c, "u1", 5);
  gint64 loan = seed_loan(c, &FPP12, "u1", "o1", 100000, "2026-03-04", 5);
  nights(c, "2026-03-04", "2026-03-16");
  pay(c, "2026-03-17", loan, 1, 0, 500, 8333);
  Night d17 = night(c, "2026-03-17");
  CU_ASSERT_EQUAL(d17.penalty_fen, 0);
  CU_ASSERT_EQUAL(d17.aging_rows, 2); /* the run the payment closed, and the cure: M1 → C */
  Night d18 = night(c, "2026-03-18");
  CU_ASSERT_EQUAL(d18.aging_rows, 0);
  g_autofree char *rows = about_loan(c, loan, sql_snapshot_rows);
  ITEST_ASSERT_STR_EQ(rows, "2026-03-04 ACTIVE 0 C NORMAL\n"
                            "2026-03-15 ACTIVE 1 M1 SPECIAL_MENTION\n"
                            "2026-03-17 ACTIVE 0 C NORMAL");
  g_autofree char *inst = about_loan(c, loan,
    "SELECT status || ' ' || penalty_accrued_fen || ' ' || paid_penalty_fen FROM installments"
    " WHERE loan_id = $1::bigint AND installment_no = 1");
  ITEST_ASSERT_STR_EQ(inst, "BILLED 8 0");
  g_autofree char *count = q(c, "SELECT count(*) || ' ' || sum(days) FROM penalty_accruals", 0, NULL);
  ITEST_ASSERT_STR_EQ(count, "1 2"); /* one run of two days, closed by the payment */
  PQfinish(c);
}

/* ---- DPD, buckets, classes, write-off ----------------------------------- */

/* FPP12, 1000.00 yuan, never paid; installment k due 14th, 8333 + 500 each.
 * Change rows on the boundary days only (DPD 1, 31, 61, 91, 121, 151, 181), month
 * ends, and none on DPD 30, 90, 180. Written off on 09-11 (DPD 181 > 180):
 *   principal 100000 (billed 7 × 8333 + unbilled), fee billed 7 × 500 = 3500,
 *   penalty 4 fen × overdue days of installments 1..6 due 03-14 .. 08-14:
 *   181 + 150 + 120 + 89 + 59 + 28 = 627 days → 2508 fen; total 106008;
 *   unbilled fees 5 × 500 = 2500 waived. */
static void
test_buckets_classes_and_writeoff_at_181(void)
{
  PGconn *c = new_world("aging_writeoff");
  seed_user(c, "u1", 5);
  gint64 loan = seed_loan(c, &FPP12, "u1", "o1", 100000, "2026-03-04", 5);
  nights(c, "2026-03-04", "2026-09-10");
  g_autofree char *none_yet = q(c, "SELECT count(*) FROM writeoffs", 0, NULL);
  ITEST_ASSERT_STR_EQ(none_yet, "0");
  Night wo = night(c, "2026-09-11");
  CU_ASSERT_EQUAL(wo.writeoff_rows, 1);
  CU_ASSERT_EQUAL(wo.writeoff_fen, 106008);
  nights(c, "2026-09-12", "2026-09-30");

  g_autofree char *rows = about_loan(c, loan, sql_snapshot_rows);
  ITEST_ASSERT_STR_EQ(rows,
                      "2026-03-04 ACTIVE 0 C NORMAL\n"
                      "2026-03-15 ACTIVE 1 M1 SPECIAL_MENTION\n"
                      "2026-03-31 ACTIVE 17 M1 SPECIAL_MENTION ME\n"
                      "2026-04-14 ACTIVE 31 M2 SPECIAL_MENTION\n"
                      "2026-04-30 ACTIVE 47 M2 SPECIAL_MENTION ME\n"
                      "2026-05-14 ACTIVE 61 M3 SPECIAL_MENTION\n"
                      "2026-05-31 ACTIVE 78 M3 SPECIAL_MENTION ME\n"
                      "2026-06-13 ACTIVE 91 M4 SUBSTANDARD\n"
                      "2026-06-30 ACTIVE 108 M4 SUBSTANDARD ME\n"
                      "2026-07-13 ACTIVE 121 M5 SUBSTANDARD\n"
                      "2026-07-31 ACTIVE 139 M5 SUBSTANDARD ME\n"
                      "2026-08-12 ACTIVE 151 M6 SUBSTANDARD\n"
                      "2026-08-31 ACTIVE 170 M6 SUBSTANDARD ME\n"
                      "2026-09-11 WRITTEN_OFF 181 M7+ LOSS\n"
                      "2026-09-30 WRITTEN_OFF 200 M7+ LOSS ME");
  /* month-end balances 04-30: installments 1, 2 billed (fee 1000); penalty
   * 47 days × 4 + 16 days × 4 = 252; overdue principal 2 × 8333 */
  g_autofree char *me = about_loan(c, loan,
    "SELECT outstanding_principal_fen || ' ' || outstanding_fee_fen || ' ' || outstanding_penalty_fen"
    "       || ' ' || overdue_principal_fen FROM loan_snapshots"
    " WHERE loan_id = $1::bigint AND snapshot_date = '2026-04-30'");
  ITEST_ASSERT_STR_EQ(me, "100000 1000 252 16666");
  g_autofree char *wo_row = about_loan(c, loan,
    "SELECT writeoff_date || ' ' || dpd_at_writeoff || ' ' || principal_fen || ' ' || fee_fen || ' '"
    "       || penalty_fen || ' ' || recovered_fen FROM writeoffs WHERE loan_id = $1::bigint");
  ITEST_ASSERT_STR_EQ(wo_row, "2026-09-11 181 100000 3500 2508 0");
  g_autofree char *inst = about_loan(c, loan,
    "SELECT count(*) FILTER (WHERE status = 'WRITTEN_OFF' AND written_off_date = '2026-09-11') || ' '"
    "       || sum(writeoff_principal_fen) || ' ' || sum(writeoff_fee_fen) || ' '"
    "       || sum(writeoff_penalty_fen) || ' ' || sum(fee_waived_fen)"
    "  FROM installments WHERE loan_id = $1::bigint");
  ITEST_ASSERT_STR_EQ(inst, "12 100000 3500 2508 2500");
  g_autofree char *waivers = q(c,
    "SELECT count(*) || ' ' || sum(amount_fen) || ' ' || bool_and(reason = 'WRITEOFF' AND NOT was_billed"
    "       AND component = 'FEE' AND business_date = '2026-09-11') || ' ' || min(installment_no)"
    "  FROM waivers", 0, NULL);
  ITEST_ASSERT_STR_EQ(waivers, "5 2500 true 8");
  g_autofree char *gl = q(c,
    "SELECT string_agg(l.account_code || ' ' || l.debit_fen || ' ' || l.credit_fen, '; '"
    "                  ORDER BY l.account_code)"
    "  FROM journal_lines l JOIN journal_entries e USING (entry_id, business_date)"
    " WHERE e.entry_type = 'WRITEOFF'", 0, NULL);
  ITEST_ASSERT_STR_EQ(gl, "1122 0 100000; 1123 0 3500; 1124 0 2508; 6701 106008 0");
  g_autofree char *penalty = q(c,
    "SELECT sum(days) || ' ' || sum(amount_fen) || ' ' || max(accrual_date + (days - 1)) || ' ' || count(*)"
    "  FROM penalty_accruals", 0, NULL);
  ITEST_ASSERT_STR_EQ(penalty, "627 2508 2026-09-11 6"); /* 627 days in 6 runs, closed by the write-off */
  g_autofree char *state = about_loan(c, loan,
    "SELECT l.status || ' ' || l.written_off_date || ' ' || l.status_date || ' ' || u.used_limit_fen"
    "  FROM loans l JOIN users u USING (user_id) WHERE l.loan_id = $1::bigint");
  ITEST_ASSERT_STR_EQ(state, "WRITTEN_OFF 2026-09-11 2026-09-11 0");
  PQfinish(c);
}

/* The loan's own writeoff_dpd (30), with a partial payment. FPP3, 1000.00 yuan:
 * 33333 + 500, 33333 + 500, 33334 + 500, due 03-14, 04-14, 05-14.
 *   03-15..03-19: 33833 → 17 fen (16.9165) × 5 = 85;
 *   03-20: pays 1000 = penalty 85 + fee 500 + principal 415 → base 32918 → 16 fen
 *          (16.459) × 26 days (03-20..04-14) = 416;
 *   04-14: DPD 31 > 30 → written off: principal 32918 + 33333 + 33334 = 99585,
 *          billed fee 500 (installment 2), penalty 416; total 100501; fee 500 of
 *          installment 3 waived. Another ACTIVE loan keeps its used limit. */
static void
test_writeoff_uses_the_loans_term(void)
{
  PGconn *c = new_world("aging_wo30");
  seed_user(c, "u1", 5);
  gint64 loan = seed_loan(c, &FPP3_WO30, "u1", "o1", 100000, "2026-03-04", 5);
  gint64 other = seed_loan(c, &FPP12, "u1", "o2", 20000, "2026-04-01", 5);
  nights(c, "2026-03-04", "2026-03-19");
  pay(c, "2026-03-20", loan, 1, 85, 500, 415);
  nights(c, "2026-03-20", "2026-04-13");
  g_autofree char *none_yet = q(c, "SELECT count(*) FROM writeoffs", 0, NULL);
  ITEST_ASSERT_STR_EQ(none_yet, "0");
  Night wo = night(c, "2026-04-14");
  CU_ASSERT_EQUAL(wo.writeoff_rows, 1);
  CU_ASSERT_EQUAL(wo.writeoff_fen, 100501);
  nights(c, "2026-04-15", "2026-04-20");
  g_autofree char *wo_row = about_loan(c, loan,
    "SELECT dpd_at_writeoff || ' ' || principal_fen || ' ' || fee_fen || ' ' || penalty_fen"
    "  FROM writeoffs WHERE loan_id = $1::bigint");
  ITEST_ASSERT_STR_EQ(wo_row, "31 99585 500 416");
  g_autofree char *waived = q(c, "SELECT string_agg(installment_no || ' ' || amount_fen, '; ') FROM waivers",
                              0, NULL);
  ITEST_ASSERT_STR_EQ(waived, "3 500");
  g_autofree char *after = about_loan(c, loan,
    "SELECT count(*) FROM penalty_accruals WHERE loan_id = $1::bigint AND accrual_date + (days - 1) > '2026-04-14'");
  ITEST_ASSERT_STR_EQ(after, "0");
  /* the other loan's installment 1 (due 04-14) is overdue from 04-15 and accrues */
  g_autofree char *others = about_loan(c, other,
    "SELECT count(*) FROM generate_series('2026-03-04'::date, '2026-04-20', '1 day') d,"
    "       penalty_accruals_on(d::date) a WHERE a.loan_id = $1::bigint");
  ITEST_ASSERT_STR_EQ(others, "6");
  g_autofree char *limit = q(c, "SELECT used_limit_fen FROM users WHERE user_id = 'u1'", 0, NULL);
  ITEST_ASSERT_STR_EQ(limit, "20000");
  g_autofree char *last = about_loan(c, loan,
    "SELECT snapshot_date || ' ' || status || ' ' || dpd || ' ' || bucket || ' ' || class || ' '"
    "       || outstanding_principal_fen FROM loan_snapshots WHERE loan_id = $1::bigint"
    " ORDER BY snapshot_date DESC LIMIT 1");
  ITEST_ASSERT_STR_EQ(last, "2026-04-14 WRITTEN_OFF 31 M2 LOSS 0");
  PQfinish(c);
}

/* DOUBTFUL from DPD 271, LOSS from 361 (writeoff_dpd 400, so no write-off). Due
 * 2025-03-14; nights around each boundary only. The first night seen gets a row, and
 * so does the first night after a gap across a month end (no row since the previous
 * month end): in production every month end has one. */
static void
test_doubtful_and_loss(void)
{
  PGconn *c = new_world("aging_loss");
  seed_user(c, "u1", 5);
  gint64 loan = seed_loan(c, &IF1_WO400, "u1", "o1", 10000, "2025-03-04", 5);
  /* the nights skipped below never ran, so they booked no penalty: none accrues here */
  exec(c, "UPDATE loans SET penalty_ppm = 0", 0, NULL);
  nights(c, "2025-12-08", "2025-12-11"); /* DPD 269 .. 272 */
  nights(c, "2026-03-08", "2026-03-11"); /* DPD 359 .. 362 */
  g_autofree char *rows = about_loan(c, loan, sql_snapshot_rows);
  ITEST_ASSERT_STR_EQ(rows, "2025-12-08 ACTIVE 269 M7+ SUBSTANDARD\n"
                            "2025-12-10 ACTIVE 271 M7+ DOUBTFUL\n"
                            "2026-03-08 ACTIVE 359 M7+ DOUBTFUL\n"
                            "2026-03-10 ACTIVE 361 M7+ LOSS");
  g_autofree char *wo = q(c, "SELECT count(*) FROM writeoffs", 0, NULL);
  ITEST_ASSERT_STR_EQ(wo, "0");
  PQfinish(c);
}

/* ---- month end and proportionality -------------------------------------- */

#define CURRENT_LOANS 1000

/* What this backend has counted so far for the tables that matter: rows written and
 * sequential scans of installments. Counts not yet flushed to the shared statistics
 * (pg_stat_xact_*) include earlier transactions, so callers take a difference. */
static const char sql_footprint[] =
  "SELECT CASE WHEN relname LIKE 'loan_snapshots%' THEN 'loan_snapshots'"
  "            WHEN relname LIKE 'penalty_accruals%' THEN 'penalty_accruals' ELSE relname END AS name,"
  "       sum(n_tup_ins + n_tup_upd + n_tup_del) AS written,"
  "       sum(coalesce(seq_scan, 0)) FILTER (WHERE relname = 'installments') AS seq"
  "  FROM pg_stat_xact_user_tables"
  " WHERE schemaname = 'baitiao'"
  "   AND (relname IN ('installments', 'loans', 'users') OR relname LIKE 'loan_snapshots%'"
  "        OR relname LIKE 'penalty_accruals%')"
  " GROUP BY 1";

/* Runs aging for DATE in a transaction of ours and reports what it did to those
 * tables: "name rows-written[ seq scans]; ...". */
static char *
aging_footprint(PGconn *c, const char *date, gint64 *rows)
{
  EodContext ctx = { .conn = c };
  g_autofree char *run = q(c, "INSERT INTO job_runs (command, status, ended_at) VALUES ('itest', 'SUCCEEDED', now())"
                              " RETURNING run_id", 0, NULL);
  ctx.run_id = g_ascii_strtoll(run, NULL, 10);
  g_strlcpy(ctx.date_str, date, sizeof ctx.date_str);
  g_date_clear(&ctx.date, 1);
  g_date_set_parse(&ctx.date, date);
  exec(c, "BEGIN", 0, NULL);
  g_autofree char *before = g_strdup_printf("CREATE TEMP TABLE footprint_before ON COMMIT DROP AS %s", sql_footprint);
  exec(c, before, 0, NULL);
  g_autoptr(GError) error = NULL;
  gboolean ok = eod_step_aging(&ctx, &error);
  if (!ok)
    fprintf(stderr, "\n  aging failed: %s\n", error->message);
  CU_ASSERT_FATAL(ok);
  g_autofree char *after = g_strdup_printf(
    "SELECT string_agg(a.name || ' ' || (a.written - b.written)"
    "                  || coalesce(' seq ' || (a.seq - b.seq), ''), '; ' ORDER BY a.name)"
    "  FROM (%s) a JOIN footprint_before b USING (name)", sql_footprint);
  char *footprint = q(c, after, 0, NULL);
  exec(c, "COMMIT", 0, NULL);
  *rows = ctx.rows;
  return footprint;
}

/* 1000 current loans (originated 02-20, first due 03-14) and one paid off earlier.
 * An ordinary day touches nothing and scans no installments; the month end writes a
 * full row for each live loan and none for the paid-off one; the next day nothing. */
static void
test_month_end_rows_and_quiet_days(void)
{
  PGconn *c = new_world("aging_month_end");
  seed_user(c, "u1", 5);
  gint64 paid = seed_loan(c, &IF1, "u1", "o-paid", 5000, "2026-01-20", 5);
  bill_through(c, "2026-02-05");
  pay(c, "2026-02-10", paid, 1, 0, 0, 5000);
  for (int i = 0; i < CURRENT_LOANS; i++) {
    g_autofree char *order = g_strdup_printf("o%04d", i);
    seed_loan(c, &FPP12, "u1", order, 100000 + i, "2026-02-20", 5);
  }
  /* the planner sees the real sizes, as it would in production */
  g_autofree char *db = g_strdup(PQdb(c));
  PGconn *su = itest_connect(db, "postgres");
  g_autofree char *analyzed = itest_sql(su, "ANALYZE", NULL);
  CU_ASSERT_PTR_NOT_NULL(analyzed);
  PQfinish(su);

  gint64 rows = -1;
  g_autofree char *ordinary = aging_footprint(c, "2026-02-25", &rows);
  CU_ASSERT_EQUAL(rows, 0);
  ITEST_ASSERT_STR_EQ(ordinary, "installments 0 seq 0; loan_snapshots 0; loans 0; penalty_accruals 0; users 0");
  assert_invariants(c, "2026-02-25");

  g_autofree char *month_end = aging_footprint(c, "2026-02-28", &rows);
  CU_ASSERT_EQUAL(rows, CURRENT_LOANS);
  ITEST_ASSERT_CONTAINS(month_end, "installments 0 seq");   /* reads every live loan, writes none */
  ITEST_ASSERT_CONTAINS(month_end, "loan_snapshots 1000;");
  g_autofree char *me_rows = q(c,
    "SELECT count(*) || ' ' || bool_and(is_month_end AND status = 'ACTIVE' AND bucket = 'C'"
    "                                   AND class = 'NORMAL' AND outstanding_fee_fen = 0)"
    "       || ' ' || count(*) FILTER (WHERE outstanding_principal_fen = 100000)"
    "  FROM loan_snapshots WHERE snapshot_date = '2026-02-28'", 0, NULL);
  ITEST_ASSERT_STR_EQ(me_rows, "1000 true 1");
  g_autofree char *of_paid = about_loan(c, paid, "SELECT count(*) FROM loan_snapshots WHERE loan_id = $1::bigint");
  ITEST_ASSERT_STR_EQ(of_paid, "0");

  g_autofree char *next = aging_footprint(c, "2026-03-01", &rows);
  CU_ASSERT_EQUAL(rows, 0);
  ITEST_ASSERT_STR_EQ(next, "installments 0 seq 0; loan_snapshots 0; loans 0; penalty_accruals 0; users 0");
  PQfinish(c);
}


/* ---- written-off loans stay in aging (§11) ------------------------------- */

/* A repayment through the real repayments step (waterfall, recovery capped at what
 * was written off, the rest to the credit balance), then the rest of the night. */
static Night
night_with_repayment(PGconn *c, const char *date, const char *txn, const char *user, gint64 amount)
{
  g_autofree char *a = fen(amount);
  const char *v[] = { txn, user, date, a };
  exec(c, "INSERT INTO inbox_repayments (txn_id, user_id, pay_date, amount_fen, channel)"
          " VALUES ($1, $2, $3::date, $4::bigint, 'ITEST')", 4, v);
  gint64 rows = 0, fen_applied = 0;
  CU_ASSERT_FATAL(itest_run_step(c, date, eod_step_repayments, &rows, &fen_applied));
  CU_ASSERT_EQUAL(fen_applied, amount);
  return night(c, date);
}

/* Closes the calendar dates FROM..TO (as the nights of a real run would have). */
static void
close_dates(PGconn *c, const char *from, const char *to)
{
  GDate d, end;
  g_date_clear(&d, 1);
  g_date_clear(&end, 1);
  g_date_set_parse(&d, from);
  g_date_set_parse(&end, to);
  for (; g_date_compare(&d, &end) <= 0; g_date_add_days(&d, 1)) {
    char day[11];
    g_date_strftime(day, sizeof day, "%Y-%m-%d", &d);
    const char *v[] = { day };
    exec(c, "INSERT INTO business_calendar (business_date, status, closed_at) VALUES ($1::date, 'CLOSED', now())",
         1, v);
  }
}

/* "baitiao report NAME" for the closed DATE,
 * read back by t/check_xlsx.py (an independent reader): its facts, one per line,
 * with a leading newline so that every fact can be looked for as "\nFACT\n". */
static char *
report_facts(PGconn *c, const char *date, const char *name)
{
  g_autofree char *config = itest_write_config(PQdb(c), NULL);
  g_autofree char *out = g_build_filename(itest_tmpdir(), PQdb(c), NULL);
  CU_ASSERT_FATAL(g_mkdir_with_parents(out, 0755) == 0);
  g_autofree char *specs = itest_top_file("reports", NULL);
  g_autoptr(ItestRun) run = itest_baitiao_config(config, (const char *[]) { "report", name, "--date", date,
                                                                            "--out", out, "--specs", specs,
                                                                            "--quiet", NULL }, NULL);
  CU_ASSERT_EQUAL_FATAL(run->status, 0);
  ITEST_ASSERT_STR_EQ(run->out, "");
  g_autofree char *script = itest_top_file("t", "check_xlsx.py");
  g_autofree char *compact = g_strdup(date);
  for (char *from = compact, *to = compact;; from++) {
    if (*from != '-')
      *to++ = *from;
    if (!*from)
      break;
  }
  g_autofree char *file = g_strdup_printf("%s/%s_%s.xlsx", out, name, compact);
  const char *argv[] = { "/usr/bin/python3", script, file, NULL };
  char *facts = NULL;
  int status = -1;
  CU_ASSERT_FATAL(g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &facts, NULL, &status,
                               NULL) && status == 0);
  char *all = g_strconcat("\n", facts, NULL);
  g_free(facts);
  return all;
}

static const char sql_snapshot_offbalance[] =
  "SELECT coalesce(string_agg(snapshot_date || ' ' || status || ' ' || dpd || ' ' || bucket || ' ' || class"
  "                           || ' ' || outstanding_principal_fen || ' ' || offbalance_fen"
  "                           || CASE WHEN is_month_end THEN ' ME' ELSE '' END, E'\\n' ORDER BY snapshot_date), '')"
  "  FROM loan_snapshots WHERE loan_id = $1::bigint AND snapshot_date >= $2::date";

static char *
rows_from(PGconn *c, gint64 loan_id, const char *from)
{
  g_autofree char *id = fen(loan_id);
  const char *v[] = { id, from };
  return q(c, sql_snapshot_offbalance, 2, v);
}

/* The example: 100.00 INTEREST_FREE bought 2025-01-10, statement day 5:
 * billed 2025-02-05, due 2025-02-14, never paid. DPD = D − 02-14: 31 on 03-17, 61 on
 * 04-16, 91 on 05-16, 121 on 06-15, 151 on 07-15, 181 on 08-14 → written off that
 * night: principal 10000 + penalty 181 days × 5 fen (10000 × 500 ppm) = 905, total
 * 10905. It stays in aging: on 08-20 its DPD is 187 (M7+, LOSS); 1.00 recovered that
 * day (penalty first) leaves 10805 off balance. 200.00 on 08-21 recovers the 10805
 * (capped), 9195 goes to the credit balance; DPD 0, bucket C, status WRITTEN_OFF, and
 * the month end 08-31 has no row for it any more. */
static void
test_written_off_stays_in_aging_example(void)
{
  PGconn *c = new_world("aging_wo_example");
  seed_user(c, "u1", 5);
  gint64 loan = seed_loan(c, &IF1, "u1", "o1", 10000, "2025-01-10", 5);
  g_autofree char *sched = about_loan(c, loan,
    "SELECT billing_date || ' ' || due_date FROM installments WHERE loan_id = $1::bigint");
  ITEST_ASSERT_STR_EQ(sched, "2025-02-05 2025-02-14");
  nights(c, "2025-01-10", "2025-08-13");
  Night wo = night(c, "2025-08-14");
  CU_ASSERT_EQUAL(wo.writeoff_rows, 1);
  CU_ASSERT_EQUAL(wo.writeoff_fen, 10905);
  nights(c, "2025-08-15", "2025-08-19");
  night_with_repayment(c, "2025-08-20", "T-0820", "u1", 100);
  night_with_repayment(c, "2025-08-21", "T-0821", "u1", 20000);
  nights(c, "2025-08-22", "2025-09-01");

  g_autofree char *rows = rows_from(c, loan, "2025-01-01");
  ITEST_ASSERT_STR_EQ(rows,
                      "2025-01-10 ACTIVE 0 C NORMAL 10000 0\n"
                      "2025-01-31 ACTIVE 0 C NORMAL 10000 0 ME\n"
                      "2025-02-15 ACTIVE 1 M1 SPECIAL_MENTION 10000 0\n"
                      "2025-02-28 ACTIVE 14 M1 SPECIAL_MENTION 10000 0 ME\n"
                      "2025-03-17 ACTIVE 31 M2 SPECIAL_MENTION 10000 0\n"
                      "2025-03-31 ACTIVE 45 M2 SPECIAL_MENTION 10000 0 ME\n"
                      "2025-04-16 ACTIVE 61 M3 SPECIAL_MENTION 10000 0\n"
                      "2025-04-30 ACTIVE 75 M3 SPECIAL_MENTION 10000 0 ME\n"
                      "2025-05-16 ACTIVE 91 M4 SUBSTANDARD 10000 0\n"
                      "2025-05-31 ACTIVE 106 M4 SUBSTANDARD 10000 0 ME\n"
                      "2025-06-15 ACTIVE 121 M5 SUBSTANDARD 10000 0\n"
                      "2025-06-30 ACTIVE 136 M5 SUBSTANDARD 10000 0 ME\n"
                      "2025-07-15 ACTIVE 151 M6 SUBSTANDARD 10000 0\n"
                      "2025-07-31 ACTIVE 167 M6 SUBSTANDARD 10000 0 ME\n"
                      "2025-08-14 WRITTEN_OFF 181 M7+ LOSS 0 10905\n"
                      "2025-08-20 WRITTEN_OFF 187 M7+ LOSS 0 10805\n"
                      "2025-08-21 WRITTEN_OFF 0 C LOSS 0 0");
  g_autofree char *recovered = about_loan(c, loan,
    "SELECT w.recovered_fen || ' ' || w.last_recovery_date || ' ' || l.status || ' ' || u.credit_balance_fen"
    "  FROM writeoffs w JOIN loans l USING (loan_id) JOIN users u ON u.user_id = l.user_id"
    " WHERE w.loan_id = $1::bigint");
  ITEST_ASSERT_STR_EQ(recovered, "10905 2025-08-21 WRITTEN_OFF 9195");
  g_autofree char *allocated = about_loan(c, loan,
    "SELECT string_agg(business_date || ' ' || component || ' ' || amount_fen, '; '"
    "                  ORDER BY business_date, allocation_id)"
    "  FROM allocations WHERE loan_id = $1::bigint");
  ITEST_ASSERT_STR_EQ(allocated, "2025-08-20 RECOVERY_PENALTY 100; 2025-08-21 RECOVERY_PENALTY 805; "
                                 "2025-08-21 RECOVERY_PRINCIPAL 10000");
  PQfinish(c);
}

/* Every bucket boundary after write-off, then partial and full recovery. FPP3, its
 * writeoff_dpd 30, 1000.00 bought 2026-03-04 (statement day 5): 33333 + 500,
 * 33333 + 500, 33334 + 500 due 03-14, 04-14, 05-14; never paid. Penalty on
 * installment 1 from 03-15: 33833 × 500 ppm = 17 fen a day; written off 04-14 (DPD
 * 31 > 30) after 31 days: principal 100000, billed fee 1000 (installments 1, 2),
 * penalty 527 = 101527. Off balance the DPD still counts from 03-14: M3 from 05-14
 * (61), M4 06-13 (91), M5 07-13 (121), M6 08-12 (151), M7+ 09-11 (181). On 09-15
 * 34360 recovers installment 1 (penalty 527 + fee 500 + principal 33333): the
 * earliest unrecovered due date is now 04-14, DPD 154, back to M6; M7+ again on 10-12
 * (181). On 10-20 70000 recovers the remaining 67167 and 2833 goes to the credit
 * balance: DPD 0, bucket C. */
static void
test_written_off_buckets_and_recovery(void)
{
  PGconn *c = new_world("aging_wo_buckets");
  seed_user(c, "u1", 5);
  gint64 loan = seed_loan(c, &FPP3_WO30, "u1", "o1", 100000, "2026-03-04", 5);
  nights(c, "2026-03-04", "2026-04-13");
  Night wo = night(c, "2026-04-14");
  CU_ASSERT_EQUAL(wo.writeoff_fen, 101527);
  nights(c, "2026-04-15", "2026-09-14");
  night_with_repayment(c, "2026-09-15", "T-0915", "u1", 34360);
  nights(c, "2026-09-16", "2026-10-19");
  night_with_repayment(c, "2026-10-20", "T-1020", "u1", 70000);
  nights(c, "2026-10-21", "2026-11-01");

  g_autofree char *rows = rows_from(c, loan, "2026-04-14");
  ITEST_ASSERT_STR_EQ(rows,
                      "2026-04-14 WRITTEN_OFF 31 M2 LOSS 0 101527\n"
                      "2026-04-30 WRITTEN_OFF 47 M2 LOSS 0 101527 ME\n"
                      "2026-05-14 WRITTEN_OFF 61 M3 LOSS 0 101527\n"
                      "2026-05-31 WRITTEN_OFF 78 M3 LOSS 0 101527 ME\n"
                      "2026-06-13 WRITTEN_OFF 91 M4 LOSS 0 101527\n"
                      "2026-06-30 WRITTEN_OFF 108 M4 LOSS 0 101527 ME\n"
                      "2026-07-13 WRITTEN_OFF 121 M5 LOSS 0 101527\n"
                      "2026-07-31 WRITTEN_OFF 139 M5 LOSS 0 101527 ME\n"
                      "2026-08-12 WRITTEN_OFF 151 M6 LOSS 0 101527\n"
                      "2026-08-31 WRITTEN_OFF 170 M6 LOSS 0 101527 ME\n"
                      "2026-09-11 WRITTEN_OFF 181 M7+ LOSS 0 101527\n"
                      "2026-09-15 WRITTEN_OFF 154 M6 LOSS 0 67167\n"
                      "2026-09-30 WRITTEN_OFF 169 M6 LOSS 0 67167 ME\n"
                      "2026-10-12 WRITTEN_OFF 181 M7+ LOSS 0 67167\n"
                      "2026-10-20 WRITTEN_OFF 0 C LOSS 0 0");
  g_autofree char *state = about_loan(c, loan,
    "SELECT w.recovered_fen || ' ' || l.status || ' ' || u.credit_balance_fen"
    "  FROM writeoffs w JOIN loans l USING (loan_id) JOIN users u ON u.user_id = l.user_id"
    " WHERE w.loan_id = $1::bigint");
  ITEST_ASSERT_STR_EQ(state, "101527 WRITTEN_OFF 2833");

  /* Aging on 09-30: the loan in M6 / LOSS with its 67167 off balance, on-balance
   * totals 0 = GL 1122. Roll rates on 10-31: from 09-30 (M6, 67167 off balance) to C,
   * all of it recovered; no on-balance loan. */
  close_dates(c, "2026-09-30", "2026-10-31");
  g_autofree char *aging = report_facts(c, "2026-09-30", "aging");
  const char *buckets = "aging_20260930.xlsx | 账龄分布";
  g_autofree char *f1 = g_strdup_printf("\ntotal %s | 表外笔数（已核销） | 1\n", buckets);
  g_autofree char *f2 = g_strdup_printf("\ntotal %s | 表外余额（核销未收回） | 67167\n", buckets);
  g_autofree char *f3 = g_strdup_printf("\ntotal %s | 未还本金 | 0\n", buckets);
  g_autofree char *f4 = g_strdup_printf("\ntotal %s | 笔数 | 0\n", buckets);
  ITEST_ASSERT_CONTAINS(aging, f1);
  ITEST_ASSERT_CONTAINS(aging, f2);
  ITEST_ASSERT_CONTAINS(aging, f3);
  ITEST_ASSERT_CONTAINS(aging, f4);
  ITEST_ASSERT_CONTAINS(aging, "\ntotal aging_20260930.xlsx | 五级分类 | 表外余额（核销未收回） | 67167\n");
  g_autofree char *roll = report_facts(c, "2026-10-31", "roll_rates");
  ITEST_ASSERT_CONTAINS(roll, "\nrows roll_rates_20261031.xlsx | 表外迁徙 | 8\n");
  ITEST_ASSERT_CONTAINS(roll, "\ntotal roll_rates_20261031.xlsx | 表外迁徙 | 核销笔数 | 1\n");
  ITEST_ASSERT_CONTAINS(roll, "\ntotal roll_rates_20261031.xlsx | 表外迁徙 | 上月末表外余额 | 67167\n");
  ITEST_ASSERT_CONTAINS(roll, "\ntotal roll_rates_20261031.xlsx | 迁徙矩阵 | 笔数 | 0\n");
  PQfinish(c);
}

/* ---- §7's thresholds: one definition ------------------------------------ */

/* Product rules §7, spelled here independently of the database: the first DPD of each
 * bucket and of each class (a written-off loan is LOSS whatever its DPD). */
static const struct { int first_dpd; const char *name; } RULE_BUCKETS[] = {
  { 0, "C" }, { 1, "M1" }, { 31, "M2" }, { 61, "M3" }, { 91, "M4" }, { 121, "M5" }, { 151, "M6" }, { 181, "M7+" },
};
static const struct { int first_dpd; const char *name; } RULE_CLASSES[] = {
  { 0, "NORMAL" }, { 1, "SPECIAL_MENTION" }, { 91, "SUBSTANDARD" }, { 271, "DOUBTFUL" }, { 361, "LOSS" },
};

static const char *
rule_bucket(int dpd)
{
  const char *name = RULE_BUCKETS[0].name;
  for (guint i = 0; i < G_N_ELEMENTS(RULE_BUCKETS); i++)
    if (dpd >= RULE_BUCKETS[i].first_dpd)
      name = RULE_BUCKETS[i].name;
  return name;
}

static const char *
rule_class(const char *status, int dpd)
{
  const char *name = RULE_CLASSES[0].name;
  for (guint i = 0; i < G_N_ELEMENTS(RULE_CLASSES); i++)
    if (dpd >= RULE_CLASSES[i].first_dpd)
      name = RULE_CLASSES[i].name;
  return strcmp(status, "WRITTEN_OFF") == 0 ? "LOSS" : name;
}

/* dpd_bucket / loan_class give §7's table on every day from DPD 0 to 400 and for each
 * status; dpd_grade_boundaries (the aging step's date arithmetic) are exactly the days
 * where the bucket or the class of a loan that stays overdue changes. */
static void
test_rules_every_boundary_day(void)
{
  g_autofree char *db = itest_create_db("rules", TRUE);
  PGconn *c = itest_connect(db, "baitiao_batch");
  static const char *const statuses[] = { "ACTIVE", "CANCELLED", "PAID_OFF", "WRITTEN_OFF" };
  GString *expected = g_string_new(NULL);
  GString *boundaries = g_string_new("{");
  for (guint s = 0; s < G_N_ELEMENTS(statuses); s++)
    for (int dpd = 0; dpd <= 400; dpd++)
      g_string_append_printf(expected, "%s%s %d %s %s", expected->len ? "\n" : "", statuses[s], dpd,
                             rule_bucket(dpd), rule_class(statuses[s], dpd));
  for (int dpd = 1; dpd <= 400; dpd++)
    if (strcmp(rule_bucket(dpd), rule_bucket(dpd - 1)) || strcmp(rule_class("ACTIVE", dpd), rule_class("ACTIVE", dpd - 1)))
      g_string_append_printf(boundaries, "%s%d", boundaries->len > 1 ? "," : "", dpd);
  g_string_append_c(boundaries, '}');
  g_autofree char *got = q(c,
                           "SELECT string_agg(format('%s %s %s %s', s, d, dpd_bucket(d), loan_class(s, d)), E'\\n'"
                           "                  ORDER BY s, d)"
                           "  FROM unnest(ARRAY['ACTIVE', 'CANCELLED', 'PAID_OFF', 'WRITTEN_OFF']) AS s,"
                           "       generate_series(0, 400) AS d",
                           0, NULL);
  ITEST_ASSERT_STR_EQ(got, expected->str);
  g_autofree char *got_boundaries = q(c, "SELECT dpd_grade_boundaries()::text", 0, NULL);
  ITEST_ASSERT_STR_EQ(got_boundaries, boundaries->str);
  ITEST_ASSERT_STR_EQ(boundaries->str, "{1,31,61,91,121,151,181,271,361}");
  /* beyond the last boundary nothing changes (the scan of dpd_grade_boundaries is bounded) */
  g_autofree char *far = q(c, "SELECT dpd_bucket(100000) || ' ' || loan_class('ACTIVE', 100000)", 0, NULL);
  ITEST_ASSERT_STR_EQ(far, "M7+ LOSS");
  /* the CHECKs of loan_snapshots are the functions: a row disagreeing with them is refused */
  char state[6] = "";
  g_free(itest_sql(c,
                   "INSERT INTO loan_snapshots (loan_id, snapshot_date, user_id, status, dpd, bucket, class,"
                   "  outstanding_principal_fen, outstanding_fee_fen, outstanding_penalty_fen)"
                   " VALUES (1, '2026-03-14', 'u', 'ACTIVE', 31, 'M1', 'SPECIAL_MENTION', 0, 0, 0)",
                   state));
  ITEST_ASSERT_STR_EQ(state, "23514");
  g_autofree char *checks = q(c,
                              "SELECT string_agg(pg_get_constraintdef(oid), ' | ' ORDER BY conname)"
                              "  FROM pg_constraint WHERE conrelid = 'loan_snapshots'::regclass"
                              "   AND conname IN ('loan_snapshots_bucket_from_dpd', 'loan_snapshots_class_from_dpd')",
                              0, NULL);
  ITEST_ASSERT_STR_EQ(checks, "CHECK ((bucket = dpd_bucket(dpd))) | CHECK ((class = loan_class(status, dpd)))");
  g_string_free(expected, TRUE);
  g_string_free(boundaries, TRUE);
  PQfinish(c);
}

/* What spells a §7 threshold: a CASE arm naming a bucket past C or a class between
 * NORMAL and LOSS, a DPD compared (<=, <, >) with a bucket or class limit, or a date
 * minus a first day of one (the old date arithmetic). "DPD >= 30" is the vintage
 * report's own 30+ measure (risk_vintage_bad_fen), not a §7 threshold. */
#define RULES_THRESHOLD_RE_PCRE                                                       \
  "THEN\\s+'(M[1-7]\\+?|SPECIAL_MENTION|SUBSTANDARD|DOUBTFUL)'"                       \
  "|dpd\\w*\\s*(<=|<|>)\\s*(30|60|90|120|150|180|270|360)\\b"                         \
  "|date\\s*-\\s*(31|61|91|121|151|181|271|361)\\b"
/* The same in PostgreSQL's regular expressions (\M ends a word). */
#define RULES_THRESHOLD_RE_PG                                                         \
  "THEN\\s+''(M[1-7]\\+?|SPECIAL_MENTION|SUBSTANDARD|DOUBTFUL)''"                     \
  "|dpd\\w*\\s*(<=|<|>)\\s*(30|60|90|120|150|180|270|360)\\M"                         \
  "|date\\s*-\\s*(31|61|91|121|151|181|271|361)\\M"

/* Appends "PATH:LINE" to HITS for every line of the files under DIR (recursively)
 * that spells a threshold. */
static void
rules_scan_dir(const char *dir, GRegex *re, GString *hits)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  const char *name;
  while ((name = g_dir_read_name(d))) {
    g_autofree char *path = g_build_filename(dir, name, NULL);
    if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
      rules_scan_dir(path, re, hits);
      continue;
    }
    if (!g_str_has_suffix(name, ".c") && !g_str_has_suffix(name, ".h") && !g_str_has_suffix(name, ".sql")
        && !g_str_has_suffix(name, ".report"))
      continue;
    g_autofree char *text = NULL;
    CU_ASSERT_FATAL(g_file_get_contents(path, &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++)
      if (g_regex_match(re, lines[i], 0, NULL))
        g_string_append_printf(hits, "%s:%u ", path, i + 1);
  }
}

/* §7's thresholds appear in exactly one definition: among the live database objects
 * (every function, constraint, view, index and default of the schema after all the
 * migrations, so a superseded CHECK of an old migration does not count) only
 * dpd_bucket and loan_class spell them, and no step or query file, no C source and no
 * report spec does. */
static void
test_rules_thresholds_in_one_definition(void)
{
  g_autofree char *db = itest_create_db("rules_one", TRUE);
  PGconn *c = itest_connect(db, "baitiao_owner");
  g_autofree char *defined = q(c,
    "SELECT string_agg(DISTINCT what, ', ' ORDER BY what) FROM ("
    "  SELECT 'function ' || p.proname AS what, p.prosrc AS body"
    "    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'baitiao'"
    "  UNION ALL SELECT 'constraint ' || c.conname, pg_get_constraintdef(c.oid)"
    "    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'baitiao'"
    "  UNION ALL SELECT 'view ' || c.relname, pg_get_viewdef(c.oid)"
    "    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    "   WHERE n.nspname = 'baitiao' AND c.relkind IN ('v', 'm')"
    "  UNION ALL SELECT 'index ' || c.relname, pg_get_indexdef(c.oid)"
    "    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    "   WHERE n.nspname = 'baitiao' AND c.relkind IN ('i', 'I')"
    "  UNION ALL SELECT 'default ' || d.adrelid::regclass::text, pg_get_expr(d.adbin, d.adrelid)"
    "    FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
    "   WHERE n.nspname = 'baitiao') x"
    " WHERE body ~* '" RULES_THRESHOLD_RE_PG "'",
    0, NULL);
  ITEST_ASSERT_STR_EQ(defined, "function dpd_bucket, function loan_class");
  PQfinish(c);

  g_autoptr(GRegex) re = g_regex_new(RULES_THRESHOLD_RE_PCRE, G_REGEX_CASELESS, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(re);
  GString *hits = g_string_new(NULL);
  static const char *const dirs[] = { "src", "sql/steps", "sql/queries", "reports" };
  for (guint i = 0; i < G_N_ELEMENTS(dirs); i++) {
    g_autofree char *dir = itest_top_file(dirs[i], NULL);
    if (g_file_test(dir, G_FILE_TEST_IS_DIR))
      rules_scan_dir(dir, re, hits);
  }
  ITEST_ASSERT_STR_EQ(hits->str, "");
  /* the pattern does find the one definition's file (a test that can fail) */
  g_autofree char *migrations = itest_top_file("sql", NULL);
  GString *defs = g_string_new(NULL);
  g_autoptr(GDir) d = g_dir_open(migrations, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    g_autofree char *path = g_build_filename(migrations, name, NULL);
    g_autofree char *text = NULL;
    if (g_str_has_suffix(name, "_risk_class_functions.sql") && g_file_get_contents(path, &text, NULL, NULL)
        && g_regex_match(re, text, 0, NULL))
      g_string_append(defs, name);
  }
  CU_ASSERT(defs->len > 0);
  g_string_free(defs, TRUE);
  g_string_free(hits, TRUE);
}

CU_TestInfo itest_aging_cases[] = {
  { "paid on the due date: no penalty", test_paid_on_due_date_no_penalty },
  { "one day late: 8833 fen at 500 ppm is 4 fen a day, not on penalty", test_one_day_late_accrues_4_fen_a_day },
  { "a partial payment lowers the base (half up)", test_partial_payment_reduces_base },
  { "penalty alone unpaid is not overdue", test_penalty_alone_is_not_overdue },
  { "buckets, classes, month ends, write-off at DPD 181", test_buckets_classes_and_writeoff_at_181 },
  { "write-off at the loan's own writeoff_dpd, after a partial payment", test_writeoff_uses_the_loans_term },
  { "doubtful from DPD 271, loss from 361", test_doubtful_and_loss },
  { "month end rows every live loan; ordinary days touch nothing", test_month_end_rows_and_quiet_days },
  { "written off stays in aging: the contract's example", test_written_off_stays_in_aging_example },
  { "written off: every bucket boundary, partial and full recovery", test_written_off_buckets_and_recovery },
  { "rules: §7's buckets and classes on every boundary day", test_rules_every_boundary_day },
  { "rules: §7's thresholds in exactly one definition", test_rules_thresholds_in_one_definition },
  CU_TEST_INFO_NULL,
};
