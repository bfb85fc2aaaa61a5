/* R13's expected side (recon --full; see recon_full.h): the schedule engine's rows
 * for every loan. Loans come through a cursor 5 000 at a time (r13_fetch); each
 * batch's schedules go to the temp table by one COPY, then the check's compare
 * statement (r13_schedules) puts them against the installments. The full audit
 * reads the whole book, so it runs only on demand and weekly (docs/operations.md),
 * never in the night; docs/performance.md has its cost. */
#include "recon_full.h"

#include <stdlib.h>

#include "date.h"
#include "db.h"
#include "schedule.h"
#include "stmt.h"

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
  g_autoptr(PGresult) res = stmt_query(p->conn, "queries/recon/r13_fetch", 0, NULL, error);
  if (!res)
    return FALSE;
  *n = PQntuples(res);
  if (*n == 0)
    return TRUE;
  DbCopy *copy = stmt_copy_start(p->conn, "queries/recon/r13_copy", error);
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
recon_full_r13_schedules(ReconPass *p, GError **error)
{
  const char *d[] = { p->date };
  if (!stmt_exec(p->conn, "queries/recon/r13_table", 0, NULL, error)
      || !stmt_exec(p->conn, "queries/recon/r13_cursor", 1, d, error))
    return FALSE;
  for (int n = 1; n > 0;)   /* until a FETCH finds no more loans */
    if (!copy_batch(p, &n, error))
      return FALSE;
  return stmt_exec(p->conn, "queries/recon/r13_close", 0, NULL, error);
}
