/* The full audit's own checks (recon --full; see recon_full.h). They read the
 * whole book, so they run only on demand and weekly (docs/operations.md), never in
 * the night; docs/performance.md has their cost. Keys are business identifiers:
 * R13 <order>:<installment>:<field>, R14 <account>:debit|credit, R15 <account>,
 * R14 and R15 stored under the date of the GL row they compare. */
#include "recon_full.h"

#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "db.h"
#include "schedule.h"

/* Loans come through a cursor FETCH_LOANS at a time; each batch's schedules go to
 * the temp table by one COPY, then one statement compares them with installments. */
#define FETCH_LOANS 5000

static const char sql_r13_table[] =
  "CREATE TEMP TABLE recon_schedule (origination_date date NOT NULL, order_id text NOT NULL,"
  "                                  installment_no integer NOT NULL,"
  "                                  billing_date date NOT NULL, due_date date NOT NULL,"
  "                                  principal_fen bigint NOT NULL, fee_fen bigint NOT NULL) ON COMMIT DROP";
/* The terms a loan was originated with are its own columns (sql/0009), the
 * purchase date is its origination date. $1 D. */
static const char sql_r13_cursor[] =
  "DECLARE recon_loans NO SCROLL CURSOR FOR"
  " SELECT order_id, principal_fen, method, term, rate_ppm, grace_days, statement_day, origination_date::text"
  "   FROM loans WHERE origination_date <= $1::date";
static const char sql_r13_fetch[] = "FETCH " G_STRINGIFY(FETCH_LOANS) " FROM recon_loans";
static const char sql_r13_close[] = "CLOSE recon_loans";
static const char sql_r13_copy[] = "COPY pg_temp.recon_schedule FROM STDIN";

/* Field by field, so a break says what differs; dates compare as YYYYMMDD. A row on
 * one side only counts 0 on the other. Stored under the loan's origination date, so
 * a later audit finds the same break, not a new one. $1 D. */
static const char sql_r13[] =
  "WITH i AS (SELECT l.origination_date, i.order_id, i.installment_no, i.billing_date, i.due_date, i.principal_fen, i.fee_fen"
  "             FROM installments i JOIN loans l ON l.loan_id = i.loan_id WHERE l.origination_date <= $1::date),"
  " j2 AS (SELECT coalesce(s.origination_date, i.origination_date) AS bd, order_id, installment_no, s.principal_fen AS sp, i.principal_fen AS ip,"
  "                s.fee_fen AS sf, i.fee_fen AS if_,"
  "                to_char(s.billing_date, 'YYYYMMDD')::bigint AS sb, to_char(i.billing_date, 'YYYYMMDD')::bigint AS ib,"
  "                to_char(s.due_date, 'YYYYMMDD')::bigint AS sd, to_char(i.due_date, 'YYYYMMDD')::bigint AS id_"
  "           FROM pg_temp.recon_schedule s FULL JOIN i USING (order_id, installment_no)),"
  " cmp AS (SELECT bd, order_id || ':' || installment_no || ':principal' AS k, coalesce(sp, 0) AS e,"
  "                coalesce(ip, 0) AS a, coalesce(sp, 0) AS t FROM j2"
  "         UNION ALL SELECT bd, order_id || ':' || installment_no || ':fee', coalesce(sf, 0), coalesce(if_, 0),"
  "                coalesce(sf, 0) FROM j2"
  "         UNION ALL SELECT bd, order_id || ':' || installment_no || ':billing_date', coalesce(sb, 0),"
  "                coalesce(ib, 0), 0 FROM j2"
  "         UNION ALL SELECT bd, order_id || ':' || installment_no || ':due_date', coalesce(sd, 0),"
  "                coalesce(id_, 0), 0 FROM j2),"
  " ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen, business_date)"
  "         SELECT 'R13', k, e, a, bd FROM cmp WHERE e <> a)"
  " SELECT (SELECT count(*) FROM j2), coalesce(sum(t), 0)::bigint FROM cmp";

enum { L_ORDER, L_PRINCIPAL, L_METHOD, L_TERM, L_RATE, L_GRACE, L_SDAY, L_DATE };

static void
copy_date(DbCopy *copy, const GDate *d)
{
  char buf[11];
  g_date_strftime(buf, sizeof buf, "%Y-%m-%d", d);
  db_copy_field(copy, buf, FALSE);
}

/* The schedule the engine gives the loan of ROW. A loan whose terms the engine
 * refuses gets no rows: every installment of it is then a break. */
static void
copy_schedule(DbCopy *copy, PGresult *res, int row)
{
  SchedTerms t = { 0 };
  GDate purchase;
  if (!date_parse(PQgetvalue(res, row, L_DATE), &purchase, NULL)
      || !sched_method_from_string(PQgetvalue(res, row, L_METHOD), &t.method, NULL))
    return;
  t.term = atoi(PQgetvalue(res, row, L_TERM));
  t.rate_ppm = g_ascii_strtoll(PQgetvalue(res, row, L_RATE), NULL, 10);
  t.grace_days = atoi(PQgetvalue(res, row, L_GRACE));
  if (!sched_terms_validate(&t, NULL))
    return;
  SchedInstallment inst[SCHED_TERM_MAX];
  gint64 principal = g_ascii_strtoll(PQgetvalue(res, row, L_PRINCIPAL), NULL, 10);
  if (!sched_build(principal, &t, &purchase, atoi(PQgetvalue(res, row, L_SDAY)), inst, NULL))
    return;
  for (int k = 0; k < t.term; k++) {
    db_copy_field(copy, PQgetvalue(res, row, L_DATE), FALSE);
    db_copy_field(copy, PQgetvalue(res, row, L_ORDER), FALSE);
    db_copy_field_int(copy, inst[k].no, FALSE);
    copy_date(copy, &inst[k].billing_date);
    copy_date(copy, &inst[k].due_date);
    db_copy_field_int(copy, inst[k].principal_fen, FALSE);
    db_copy_field_int(copy, inst[k].fee_fen, TRUE);
  }
}

/* One batch of loans from the cursor into recon_schedule; *N = loans fetched. */
static gboolean
copy_batch(ReconPass *p, int *n, GError **error)
{
  g_autoptr(PGresult) res = db_query(p->conn, "recon_R13_fetch", sql_r13_fetch, 0, NULL, error);
  if (!res)
    return FALSE;
  *n = PQntuples(res);
  if (*n == 0)
    return TRUE;
  DbCopy *copy = db_copy_start(p->conn, "recon_R13_copy", sql_r13_copy, error);
  if (!copy)
    return FALSE;
  for (int r = 0; r < *n; r++) {
    copy_schedule(copy, res, r);
    if (!db_copy_flush_if_full(copy, error)) {
      db_copy_abort(copy);
      return FALSE;
    }
  }
  return db_copy_finish(copy, NULL, error);
}

gboolean
recon_full_r13(ReconPass *p, ReconCheckSummary *out, GError **error)
{
  const char *d[] = { p->date };
  if (!db_exec(p->conn, "recon_R13_table", sql_r13_table, 0, NULL, error)
      || !db_exec(p->conn, "recon_R13_cursor", sql_r13_cursor, 1, d, error))
    return FALSE;
  for (int n = FETCH_LOANS; n == FETCH_LOANS;)
    if (!copy_batch(p, &n, error))
      return FALSE;
  return db_exec(p->conn, "recon_R13_close", sql_r13_close, 0, NULL, error)
         && recon_check_sql(p, "recon_R13", sql_r13, 1, d, out, error);
}

/* R14: per closed date and account, Σ journal lines = the GL day's debit and credit.
 * A line posted after the close (even a balanced entry), a line moved between
 * accounts, an edited amount or a deleted line or GL row all differ here. $1 D. */
static const char sql_r14[] =
  "WITH j AS (SELECT business_date, account_code, sum(debit_fen)::bigint AS d, sum(credit_fen)::bigint AS c"
  "             FROM journal_lines WHERE business_date <= $1::date GROUP BY business_date, account_code),"
  " g AS (SELECT business_date, account_code, debit_fen AS d, credit_fen AS c"
  "         FROM gl_daily_balances WHERE business_date <= $1::date),"
  " x AS (SELECT business_date, account_code, coalesce(j.d, 0) AS jd, coalesce(j.c, 0) AS jc,"
  "              coalesce(g.d, 0) AS gd, coalesce(g.c, 0) AS gc"
  "         FROM j FULL JOIN g USING (business_date, account_code)),"
  " cmp AS (SELECT business_date AS bd, account_code || ':debit' AS k, jd AS e, gd AS a FROM x"
  "         UNION ALL SELECT business_date, account_code || ':credit', jc, gc FROM x),"
  " ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen, business_date)"
  "         SELECT 'R14', k, e, a, bd FROM cmp WHERE e <> a)"
  " SELECT (SELECT count(*) FROM x), coalesce(sum(e), 0)::bigint FROM cmp";

/* R15: for every closed date after the first and every account, the GL opening =
 * the closing of the previous closed date (a missing row counts 0), so a
 * consistent edit of one day's balance row, or a deleted row, breaks the chain. $1 D. */
static const char sql_r15[] =
  "WITH d AS (SELECT business_date, lag(business_date) OVER (ORDER BY business_date) AS prev_date"
  "             FROM (SELECT DISTINCT business_date FROM job_step_runs"
  "                    WHERE step_name = 'gl_close' AND status = 'SUCCEEDED' AND business_date <= $1::date) c),"
  " cmp AS (SELECT d.business_date AS bd, a.account_code AS k, coalesce(p.closing_fen, 0) AS e,"
  "                coalesce(o.opening_fen, 0) AS a"
  "           FROM d CROSS JOIN gl_accounts a"
  "           LEFT JOIN gl_daily_balances p ON p.business_date = d.prev_date AND p.account_code = a.account_code"
  "           LEFT JOIN gl_daily_balances o ON o.business_date = d.business_date AND o.account_code = a.account_code"
  "          WHERE d.prev_date IS NOT NULL),"
  " ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen, business_date)"
  "         SELECT 'R15', k, e, a, bd FROM cmp WHERE e <> a)"
  " SELECT count(*), coalesce(sum(abs(e)), 0)::bigint FROM cmp";

gboolean
recon_full_r14(ReconPass *p, ReconCheckSummary *out, GError **error)
{
  const char *d[] = { p->date };
  return recon_check_sql(p, "recon_R14", sql_r14, 1, d, out, error);
}

gboolean
recon_full_r15(ReconPass *p, ReconCheckSummary *out, GError **error)
{
  const char *d[] = { p->date };
  return recon_check_sql(p, "recon_R15", sql_r15, 1, d, out, error);
}

/* R16: the risk reports' aggregates (sql/0043) = their definition recomputed from
 * the whole book (the same functions with no bound on the snapshots read): of
 * DATE, the vintage rows its report reads (DATE's and the month ends' before it),
 * the roll-rate cells and, when DATE is the newest date (aging's balances are the
 * installments' current ones), the aging cells. Keys: vintage:<obs>:<cohort
 * month>:<field>, roll:<book>:<from>:<to status>:<to bucket>:<field>,
 * aging:<status>:<bucket>:<class>:<field>; a row on one side counts 0 on the
 * other. $1 D, $2 whether D is the newest date. */
static const char sql_r16[] =
  "WITH vf AS (SELECT * FROM risk_vintage_compute($1::date, '-infinity')),"
  " vs AS (SELECT obs_date, cohort_month, loans, principal_fen, bad_fen FROM risk_vintage"
  "         WHERE cohort_month >= risk_vintage_first_cohort($1::date)"
  "           AND (obs_date = $1::date"
  "                OR (obs_date >= cohort_month AND obs_date < date_trunc('month', $1::date)"
  "                    AND extract(day FROM obs_date + 1) = 1))),"
  " v AS (SELECT obs_date || ':' || to_char(cohort_month, 'YYYY-MM') AS k,"
  "              coalesce(f.loans, 0) AS el, coalesce(s.loans, 0) AS al,"
  "              coalesce(f.principal_fen, 0) AS ep, coalesce(s.principal_fen, 0) AS ap,"
  "              coalesce(f.bad_fen, 0) AS eb, coalesce(s.bad_fen, 0) AS ab"
  "         FROM vf f FULL JOIN vs s USING (obs_date, cohort_month)),"
  " rf AS (SELECT * FROM risk_roll_compute($1::date, '-infinity')),"
  " rs AS (SELECT book, from_bucket, to_status, to_bucket, loans, from_fen, to_offbalance_fen"
  "          FROM risk_roll WHERE business_date = $1::date),"
  " r AS (SELECT book || ':' || from_bucket || ':' || to_status || ':' || to_bucket AS k,"
  "              coalesce(f.loans, 0) AS el, coalesce(s.loans, 0) AS al,"
  "              coalesce(f.from_fen, 0) AS ef, coalesce(s.from_fen, 0) AS af,"
  "              coalesce(f.to_offbalance_fen, 0) AS eo, coalesce(s.to_offbalance_fen, 0) AS ao"
  "         FROM rf f FULL JOIN rs s USING (book, from_bucket, to_status, to_bucket)),"
  " af AS (SELECT * FROM risk_aging_compute($1::date, '-infinity') WHERE $2::boolean),"
  " s_ AS (SELECT status, bucket, class, loans, principal_fen, fee_fen, penalty_fen, offbalance_fen"
  "          FROM risk_aging WHERE business_date = $1::date AND $2::boolean),"
  " a AS (SELECT status || ':' || bucket || ':' || class AS k,"
  "              coalesce(f.loans, 0) AS el, coalesce(s.loans, 0) AS al,"
  "              coalesce(f.principal_fen, 0) AS ep, coalesce(s.principal_fen, 0) AS ap,"
  "              coalesce(f.fee_fen, 0) AS ef, coalesce(s.fee_fen, 0) AS af_,"
  "              coalesce(f.penalty_fen, 0) AS en, coalesce(s.penalty_fen, 0) AS an,"
  "              coalesce(f.offbalance_fen, 0) AS eo, coalesce(s.offbalance_fen, 0) AS ao"
  "         FROM af f FULL JOIN s_ s USING (status, bucket, class)),"
  " cmp AS (SELECT 'vintage:' || k || ':loans' AS k, el AS e, al AS a, 0 AS t FROM v"
  "         UNION ALL SELECT 'vintage:' || k || ':principal', ep, ap, 0 FROM v"
  "         UNION ALL SELECT 'vintage:' || k || ':bad', eb, ab, eb FROM v"
  "         UNION ALL SELECT 'roll:' || k || ':loans', el, al, 0 FROM r"
  "         UNION ALL SELECT 'roll:' || k || ':from', ef, af, ef FROM r"
  "         UNION ALL SELECT 'roll:' || k || ':offbalance', eo, ao, 0 FROM r"
  "         UNION ALL SELECT 'aging:' || k || ':loans', el, al, 0 FROM a"
  "         UNION ALL SELECT 'aging:' || k || ':principal', ep, ap, ep FROM a"
  "         UNION ALL SELECT 'aging:' || k || ':fee', ef, af_, ef FROM a"
  "         UNION ALL SELECT 'aging:' || k || ':penalty', en, an, en FROM a"
  "         UNION ALL SELECT 'aging:' || k || ':offbalance', eo, ao, eo FROM a),"
  " ins AS (INSERT INTO pg_temp.recon_found (check_id, break_key, expected_fen, actual_fen, business_date)"
  "         SELECT 'R16', k, e, a, $1::date FROM cmp WHERE e <> a)"
  " SELECT count(*), coalesce(sum(t), 0)::bigint FROM cmp";

gboolean
recon_full_r16(ReconPass *p, ReconCheckSummary *out, GError **error)
{
  const char *params[] = { p->date, p->newest ? "true" : "false" };
  return recon_check_sql(p, "recon_R16", sql_r16, 2, params, out, error);
}
