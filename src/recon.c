/* The reconciliation pass (product-rules §9). A check is a row of one table
 * (checks[] below): its id, title, where it applies and the statements it runs,
 * each a file under sql/queries/recon/. One loop runs them; whatever is special
 * about a check is a field of its row, never a test of its name. A compare
 * statement compares two independent sources row by row, returns (rows compared,
 * total compared) and puts every difference into the transaction's recon_found
 * table; the breaks are then stored with ON CONFLICT DO NOTHING on recon_breaks'
 * UNIQUE key, so a rerun over the same data finds the same breaks, never new copies.
 *
 * Cost. The night must cost what the day's activity costs. The day checks (R1, R2,
 * R3, R5, R6, R7, R9's movements, R10) read only the day's rows through date
 * indexes. R4, R8 and R9's closing compare *balances*: recon keeps its own
 * sub-ledger per user (recon_user_ledgers) and carries it forward each night by
 * the user's movements of the day (migration recon_ledger_deltas): cost follows
 * the day's movement rows, not the users' history. The users the movements cannot
 * speak for are recomputed from their rows: those whose loans row changed (status),
 * those changed behind the triggers (R11) and, on a book's first recon, every
 * marked user. Portfolio totals are the sum of that narrow table. Balances are the
 * current state, so R4 and R8 are meaningful only for the newest business date.
 *
 * Trigger bypass (R11): the marks cannot be deleted by the batch role, and a change
 * that left no mark is found by per-user checksums (sql/0036). The tables are hashed
 * only when PostgreSQL's row-version counters, read before the pass's snapshot
 * (recon_read_row_versions), disagree with the rows the triggers recorded (migration
 * recon_bypass_by_row_versions), and always in the full audit. The full audit
 * (recon --full) trusts none of this: it compares the carried ledgers with every
 * user recomputed from the rows (R17), reruns the day checks for every closed date,
 * recomputes every schedule (R13) and ties the journal to the GL (R14, R15).
 *
 * Keys are business identifiers (order id, txn id, user id, account, ledger), so a
 * break reads without lookups. expected is the side the check recomputes from the
 * detail, actual the side under test; diff = actual − expected. A missing row
 * counts as 0 on its side. */
#include "recon.h"

#include <string.h>

#include "date.h"
#include "db.h"
#include "log.h"
#include "recon_full.h"
#include "stmt.h"

G_DEFINE_QUARK(recon-error-quark, recon_error)

/* R12 nightly re-verifies the last week's sealed days; recon --full every date. */
#define RECON_CHAIN_NIGHTLY_DAYS 7

/* What a check's statements are given; each statement lists its parameters in the
 * order its header declares them. */
typedef enum {
  RP_END = 0,
  RP_DATE,              /* the date under check */
  RP_NEWEST,            /* it is the newest business date */
  RP_SETTLEMENT_WAIT,   /* [recon] settlement_wait_days */
  RP_CHAIN_FROM,        /* R12's first date: a week back, NULL (every date) in the full audit */
  RP_RUN,               /* the recon run */
  RP_RESOLVER,          /* who resolves a break the data now matches */
  RP_FULL_AUDIT,        /* the pass is the full audit (recon --full) */
} ReconParam;

#define RECON_MAX_PARAMS 3

typedef struct {
  const char *name;     /* under sql/, without .sql; NULL: none */
  ReconParam params[RECON_MAX_PARAMS];
} ReconStmt;

/* When in the pass a check runs (the loop takes the phases in order). */
typedef enum {
  RECON_AT_MARKS,       /* the change marks taken, no ledger moved yet: R11 adds users to recompute */
  RECON_AT_DELTAS,      /* the ledgers as the nights carried them, before the full audit rewrites them */
  RECON_AT_LEDGERS,     /* the ledgers of D */
} ReconPhase;

typedef struct {
  const char *id;
  const char *title;
  ReconPhase phase;
  gboolean newest_only;   /* compares current balances: only for the newest date */
  gboolean full_only;     /* reads the whole book: only in the full audit (recon --full) */
  gboolean every_date;    /* a day check the full audit reruns for every earlier closed date */
  gboolean of_movements;  /* compares the day's intake with its movements: not run on the cut-over date
                           * of a portfolio import, whose book was not made by movements here */
  ReconStmt resolve;      /* first: resolves earlier breaks the data now matches, returns how many */
  ReconPrepareFn prepare; /* C work the compare needs first */
  ReconStmt compare;      /* one row (rows compared, total compared); differences into recon_found */
  ReconStmt detail;       /* one text, printed after the title */
  ReconStmt keep;         /* newest date only: what the checks of later dates read */
} ReconCheck;

#define Q(name) "queries/recon/" name
#define D_ONLY { RP_DATE }

static const ReconCheck checks[RECON_N_CHECKS] = {
  { "R1", "accepted orders = loans originated", RECON_AT_LEDGERS, FALSE, FALSE, TRUE, TRUE,
    .compare = { Q("r01_orders_loans"), D_ONLY } },
  { "R2", "installment principal = loan principal", RECON_AT_LEDGERS, FALSE, FALSE, TRUE, FALSE,
    .compare = { Q("r02_schedule_principal"), D_ONLY } },
  { "R3", "repayments = allocations + credit added", RECON_AT_LEDGERS, FALSE, FALSE, TRUE, TRUE,
    .compare = { Q("r03_repayments_allocated"), D_ONLY } },
  { "R4", "GL 1122/1123/1124/2241 = sub-ledgers", RECON_AT_LEDGERS, TRUE, FALSE, FALSE, FALSE,
    .compare = { Q("r04_gl_subledgers"), D_ONLY } },
  { "R5", "journal entries balanced", RECON_AT_LEDGERS, FALSE, FALSE, TRUE, FALSE,
    .compare = { Q("r05_journal_balanced"), D_ONLY } },
  { "R6", "statement new charges = billing", RECON_AT_LEDGERS, FALSE, FALSE, TRUE, TRUE,
    .compare = { Q("r06_statement_charges"), D_ONLY } },
  { "R7", "settlement files = repayments", RECON_AT_LEDGERS, FALSE, FALSE, FALSE, FALSE,
    .resolve = { Q("r07_late_matches"), { RP_DATE, RP_RESOLVER } },
    .compare = { Q("r07_settlement"), { RP_DATE, RP_SETTLEMENT_WAIT } } },
  { "R8", "used limit = unpaid principal", RECON_AT_LEDGERS, TRUE, FALSE, FALSE, FALSE,
    .compare = { Q("r08_used_limit"), D_ONLY } },
  { "R9", "sub-ledger roll-forward", RECON_AT_LEDGERS, FALSE, FALSE, TRUE, FALSE,
    .compare = { Q("r09_roll_forward"), { RP_DATE, RP_NEWEST } },
    .keep = { Q("r09_store_closings"), { RP_DATE, RP_RUN } } },
  { "R10", "intake complete: received = applied + rejected", RECON_AT_LEDGERS, FALSE, FALSE, TRUE, TRUE,
    .compare = { Q("r10_intake_complete"), D_ONLY } },
  { "R11", "no change behind the triggers", RECON_AT_MARKS, TRUE, FALSE, FALSE, FALSE,
    .compare = { Q("r11_unmarked_changes"), { RP_DATE, RP_RUN, RP_FULL_AUDIT } } },
  { "R12", "journal hash chain", RECON_AT_LEDGERS, FALSE, FALSE, FALSE, FALSE,
    .compare = { Q("r12_chain"), { RP_CHAIN_FROM, RP_DATE } },
    .detail = { Q("r12_head"), D_ONLY } },
  { "R13", "schedules = schedule engine", RECON_AT_LEDGERS, FALSE, TRUE, FALSE, FALSE,
    .prepare = recon_full_r13_schedules,
    .compare = { Q("r13_schedules"), D_ONLY } },
  { "R14", "journal = GL daily debits/credits", RECON_AT_LEDGERS, FALSE, TRUE, FALSE, FALSE,
    .compare = { Q("r14_journal_gl"), D_ONLY } },
  { "R15", "GL opening = previous closing", RECON_AT_LEDGERS, FALSE, TRUE, FALSE, FALSE,
    .compare = { Q("r15_gl_chain"), D_ONLY } },
  { "R16", "risk aggregates = recompute from the book", RECON_AT_LEDGERS, FALSE, TRUE, FALSE, FALSE,
    .compare = { Q("r16_risk_aggregates"), { RP_DATE, RP_NEWEST } } },
  { "R17", "sub-ledger deltas = recompute from the rows", RECON_AT_DELTAS, TRUE, TRUE, FALSE, FALSE,
    .compare = { Q("r17_ledger_deltas"), D_ONLY } },
  { "R18", "campaign discounts = postings; budgets; coupons", RECON_AT_LEDGERS, FALSE, FALSE, TRUE, FALSE,
    .compare = { Q("r18_campaigns"), D_ONLY } },
  { "R19", "GL 2203 = subsidies pending", RECON_AT_LEDGERS, TRUE, FALSE, FALSE, FALSE,
    .compare = { Q("r19_subsidy_balances"), D_ONLY } },
  { "R20", "GL 6601 = platform subsidies, from every row", RECON_AT_LEDGERS, TRUE, TRUE, FALSE, FALSE,
    .compare = { Q("r20_marketing_expense"), D_ONLY } },
};

static gint64
int_value(PGresult *res, int row, int col)
{
  return g_ascii_strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/* The values of S's parameters for pass P, in BUF (RECON_MAX_PARAMS slots of 24);
 * returns how many. */
static guint
stmt_params(const ReconPass *p, const ReconStmt *s, const char **out, char (*buf)[24])
{
  guint n = 0;
  for (; n < RECON_MAX_PARAMS && s->params[n] != RP_END; n++) {
    switch (s->params[n]) {
    case RP_DATE:
      out[n] = p->date;
      break;
    case RP_NEWEST:
      out[n] = p->newest ? "true" : "false";
      break;
    case RP_SETTLEMENT_WAIT:
      g_snprintf(buf[n], 24, "%d", p->config->recon_settlement_wait_days);
      out[n] = buf[n];
      break;
    case RP_CHAIN_FROM: {
      GDate from;
      if (!date_parse(p->date, &from, NULL)) /* the pass's date was parsed when it began */
        g_assert_not_reached();
      g_date_subtract_days(&from, RECON_CHAIN_NIGHTLY_DAYS - 1);
      date_format(&from, buf[n]);
      out[n] = p->mode == RECON_FULL ? NULL : buf[n];
      break;
    }
    case RP_RUN:
      out[n] = p->run;
      break;
    case RP_RESOLVER:
      out[n] = p->resolver;
      break;
    case RP_FULL_AUDIT:
      out[n] = p->mode == RECON_FULL ? "true" : "false";
      break;
    case RP_END:
      g_assert_not_reached();
    }
  }
  return n;
}

static PGresult *
query_one(const ReconPass *p, const ReconStmt *s, GError **error)
{
  const char *params[RECON_MAX_PARAMS];
  char buf[RECON_MAX_PARAMS][24];
  guint n = stmt_params(p, s, params, buf);
  return stmt_query_one(p->conn, s->name, n, params, error);
}

static gboolean
exec_stmt(const ReconPass *p, const ReconStmt *s, GError **error)
{
  const char *params[RECON_MAX_PARAMS];
  char buf[RECON_MAX_PARAMS][24];
  guint n = stmt_params(p, s, params, buf);
  return stmt_exec(p->conn, s->name, n, params, error);
}

/* The compare of a check: adds its (rows compared, total compared) to OUT. */
static gboolean
compare(const ReconPass *p, const ReconStmt *s, ReconCheckSummary *out, GError **error)
{
  g_autoptr(PGresult) res = query_one(p, s, error);
  if (!res)
    return FALSE;
  out->rows += int_value(res, 0, 0);
  out->total_fen += int_value(res, 0, 1);
  return TRUE;
}

/* A check that compares the day's intake with its movements does not apply to the
 * cut-over date of a portfolio import. */
static gboolean
is_cutover(const ReconPass *p, gboolean *cutover, GError **error)
{
  const char *d[] = { p->date };
  g_autoptr(PGresult) res = stmt_query_one(p->conn, Q("14_is_cutover"), 1, d, error);
  if (!res)
    return FALSE;
  *cutover = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
  return TRUE;
}

/* One check on P's date, by its row. */
static gboolean
run_check(ReconPass *p, const ReconCheck *c, ReconCheckSummary *out, GError **error)
{
  gboolean cutover = FALSE;
  if (c->of_movements && !is_cutover(p, &cutover, error))
    return FALSE;
  if (cutover) {
    if (p->newest) {
      out->skipped = TRUE;
      out->skipped_why = "cut-over date of a portfolio import: its book was not made by movements here";
    }
    return TRUE;
  }
  if (c->resolve.name) {
    g_autoptr(PGresult) res = query_one(p, &c->resolve, error);
    if (!res)
      return FALSE;
    out->resolved += int_value(res, 0, 0);
    p->summary->late_matches += int_value(res, 0, 0);
  }
  if ((c->prepare && !c->prepare(p, error)) || !compare(p, &c->compare, out, error))
    return FALSE;
  if (c->detail.name) {
    g_autoptr(PGresult) res = query_one(p, &c->detail, error);
    if (!res)
      return FALSE;
    g_strlcpy(out->detail, PQgetvalue(res, 0, 0), sizeof out->detail);
  }
  return !c->keep.name || !p->newest || exec_stmt(p, &c->keep, error);
}

/* The checks of PHASE that apply to the pass; the others are marked skipped, why. */
static gboolean
run_phase(ReconPass *p, ReconPhase phase, GError **error)
{
  for (int i = 0; i < RECON_N_CHECKS; i++) {
    const ReconCheck *c = &checks[i];
    ReconCheckSummary *out = &p->summary->checks[i];
    if (c->phase != phase)
      continue;
    if (c->full_only && p->mode != RECON_FULL) {
      out->skipped = TRUE;
      out->skipped_why = "recon --full only";
    } else if (c->newest_only && !p->newest) {
      out->skipped = TRUE;
      out->skipped_why = "whole-portfolio balances: newest date only";
    } else if (!run_check(p, c, out, error)) {
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
exec_date(const ReconPass *p, const char *name, GError **error)
{
  const char *d[] = { p->date };
  return stmt_exec(p->conn, name, 1, d, error);
}

/* Recomputes the ledgers of pg_temp.recon_recompute from the rows: by a lookup per
 * user, or by one grouped pass over the book when they are most of it (ALL, or as
 * 27_recompute_is_most finds: the cut-over recon of an import recomputes everyone). */
static gboolean
recompute_users(const ReconPass *p, gboolean all, GError **error)
{
  if (!all) {
    g_autoptr(PGresult) most = stmt_query_one(p->conn, Q("27_recompute_is_most"), 0, NULL, error);
    if (!most)
      return FALSE;
    all = strcmp(PQgetvalue(most, 0, 0), "t") == 0;
  }
  const char *params[] = { p->date, all ? "true" : "false" };
  return stmt_exec(p->conn, Q("22_recompute_users"), 2, params, error);
}

/* The checks in their phases, around the sub-ledgers: the marks are taken (newest
 * date), R11 adds the users changed behind the triggers, the ledgers are carried
 * forward (recomputed from the rows where the movements cannot tell); the full
 * audit compares them with the rows (R17), then rewrites every user's from the rows. */
static gboolean
run_checks(ReconPass *p, GError **error)
{
  const char *newest[] = { p->newest ? "true" : "false" };
  if (p->newest && (!exec_date(p, Q("20_take_changed_users"), error) || !exec_date(p, Q("21_recompute_table"), error)))
    return FALSE;
  if (!run_phase(p, RECON_AT_MARKS, error))
    return FALSE;
  if (p->newest && (!recompute_users(p, FALSE, error) || !exec_date(p, Q("23_apply_deltas"), error)))
    return FALSE;
  if (!run_phase(p, RECON_AT_DELTAS, error))
    return FALSE;
  if (p->newest && p->mode == RECON_FULL
      && (!stmt_exec(p->conn, Q("25_everyone"), 0, NULL, error)
          || !stmt_exec(p->conn, Q("26_recompute_everyone"), 0, NULL, error) || !recompute_users(p, TRUE, error)))
    return FALSE;
  return stmt_exec(p->conn, Q("24_ledger_now"), 1, newest, error) && run_phase(p, RECON_AT_LEDGERS, error);
}

/* The full audit: the day checks again for every earlier closed date, their
 * breaks stored under that date (so a nightly break found again is not doubled). */
static gboolean
run_earlier_dates(ReconPass *p, GError **error)
{
  if (!exec_date(p, Q("81_found_date"), error))   /* what D's own checks found */
    return FALSE;
  const char *d[] = { p->date };
  g_autoptr(PGresult) dates = stmt_query(p->conn, Q("80_earlier_dates"), 1, d, error);
  if (!dates)
    return FALSE;
  for (int r = 0; r < PQntuples(dates); r++) {
    ReconPass earlier = *p;
    earlier.date = PQgetvalue(dates, r, 0);
    earlier.newest = FALSE;
    for (int i = 0; i < RECON_N_CHECKS; i++)
      if (checks[i].every_date && !run_check(&earlier, &checks[i], &p->summary->checks[i], error))
        return FALSE;
    if (!exec_date(&earlier, Q("81_found_date"), error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
store_breaks(ReconPass *p, GError **error)
{
  ReconSummary *s = p->summary;
  const char *params[] = { p->date, p->run };
  g_autoptr(PGresult) stored = stmt_query_one(p->conn, Q("82_store_breaks"), 2, params, error);
  g_autoptr(PGresult) counts = stored ? stmt_query(p->conn, Q("83_found_counts"), 0, NULL, error) : NULL;
  if (!counts)
    return FALSE;
  s->new_breaks = int_value(stored, 0, 0);
  for (int r = 0; r < PQntuples(counts); r++) {
    for (int i = 0; i < RECON_N_CHECKS; i++)
      if (strcmp(s->checks[i].check_id, PQgetvalue(counts, r, 0)) == 0)
        s->checks[i].breaks = int_value(counts, r, 1);
    s->breaks += int_value(counts, r, 1);
    s->diff_fen += int_value(counts, r, 2);
  }
  return TRUE;
}

static void
summary_init(ReconSummary *s, const char *date, ReconMode mode)
{
  memset(s, 0, sizeof *s);
  s->mode = mode;
  g_strlcpy(s->date_str, date, sizeof s->date_str);
  for (int i = 0; i < RECON_N_CHECKS; i++) {
    s->checks[i].check_id = checks[i].id;
    s->checks[i].title = checks[i].title;
  }
}

static const char *
mode_name(ReconMode mode)
{
  return mode == RECON_FULL ? "FULL" : "NIGHTLY";
}

static gboolean
end_run(ReconPass *p, GError **error)
{
  int ran = 0;
  for (int i = 0; i < RECON_N_CHECKS; i++)
    ran += !p->summary->checks[i].skipped;
  g_autofree char *ran_text = g_strdup_printf("%d", ran);
  g_autofree char *breaks = g_strdup_printf("%" G_GINT64_FORMAT, p->summary->breaks);
  const char *end_params[] = { p->run, ran_text, breaks };
  return stmt_exec(p->conn, Q("84_end_run"), 3, end_params, error);
}

static gboolean
run_in_transaction(PGconn *conn, const Config *config, const GDate *date, gint64 job_run_id, ReconMode mode,
                   ReconSummary *s, GError **error)
{
  char d[11];
  g_date_strftime(d, sizeof d, "%Y-%m-%d", date);
  summary_init(s, d, mode);
  g_autofree char *job = g_strdup_printf("%" G_GINT64_FORMAT, job_run_id);
  const char *start_params[] = { d, job, mode_name(mode) };
  const char *date_param[] = { d };
  g_autoptr(PGresult) started = stmt_query_one(conn, Q("12_start_run"), 3, start_params, error);
  g_autoptr(PGresult) newest = started ? stmt_query_one(conn, Q("13_is_newest"), 1, date_param, error) : NULL;
  if (!newest || !stmt_exec(conn, Q("15_found_table"), 0, NULL, error))
    return FALSE;
  s->recon_run_id = int_value(started, 0, 0);
  g_autofree char *who = recon_who();
  g_autofree char *resolver = g_strdup_printf("recon (automatic) %s", who);
  ReconPass p = { .conn = conn, .config = config, .date = d, .run = PQgetvalue(started, 0, 0),
                  .newest = strcmp(PQgetvalue(newest, 0, 0), "t") == 0, .mode = mode, .summary = s,
                  .resolver = resolver };
  return run_checks(&p, error) && (mode != RECON_FULL || run_earlier_dates(&p, error)) && store_breaks(&p, error)
         && end_run(&p, error);
}

gboolean
recon_run_in_transaction(PGconn *conn, const Config *config, const GDate *date, gint64 job_run_id,
                         ReconSummary *s, GError **error)
{
  return run_in_transaction(conn, config, date, job_run_id, RECON_NIGHTLY, s, error);
}

gboolean
recon_verify_journal_chain(PGconn *conn, const char *from, const char *to, ReconCheckSummary *out,
                           GError **error)
{
  const char *params[] = { from, to };
  g_autoptr(PGresult) res = stmt_query_one(conn, Q("r12_chain"), 2, params, error);
  g_autoptr(PGresult) head = res ? stmt_query_one(conn, Q("r12_head"), 1, params + 1, error) : NULL;
  if (!head)
    return FALSE;
  out->rows += int_value(res, 0, 0);
  out->total_fen += int_value(res, 0, 1);
  g_strlcpy(out->detail, PQgetvalue(head, 0, 0), sizeof out->detail);
  return TRUE;
}

static gboolean
require_gl_closed(PGconn *conn, const char *date, GError **error)
{
  const char *params[] = { date };
  g_autoptr(PGresult) res = stmt_query_one(conn, Q("10_gl_closed"), 1, params, error);
  if (!res)
    return FALSE;
  if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
    return TRUE;
  g_set_error(error, RECON_ERROR, RECON_ERROR_DATE,
              "cannot reconcile %s: its night has not closed the GL (step gl_close)\n"
              "hint: run \"baitiao eod\" for it first", date);
  return FALSE;
}

static void
record_failure(PGconn *conn, const char *date, gint64 job_run_id, ReconMode mode, const GError *cause)
{
  if (PQstatus(conn) != CONNECTION_OK)
    return;
  g_autofree char *job = g_strdup_printf("%" G_GINT64_FORMAT, job_run_id);
  const char *params[] = { date, job, cause ? cause->message : "unknown error", mode_name(mode) };
  stmt_exec(conn, Q("85_failed_run"), 4, params, NULL);
}

gboolean
recon_run(PGconn *conn, const Config *config, const GDate *date, gint64 job_run_id, ReconSummary *s,
          GError **error)
{
  return recon_run_mode(conn, config, date, job_run_id, RECON_NIGHTLY, s, error);
}

gboolean
recon_read_row_versions(PGconn *conn, GError **error)
{
  g_autoptr(PGresult) flushed = stmt_query_one(conn, "queries/stats/10_flush", 0, NULL, error);
  g_autoptr(PGresult) reading = flushed ? stmt_query_one(conn, Q("06_read_row_versions"), 0, NULL, error) : NULL;
  return reading != NULL;
}

/* One attempt in its own REPEATABLE READ transaction, R11's reading just before it. */
static gboolean
run_attempt(PGconn *conn, const Config *config, const GDate *date, gint64 job_run_id, ReconMode mode,
            ReconSummary *s, GError **error)
{
  gboolean ok = recon_read_row_versions(conn, error) && db_begin_isolated(conn, DB_REPEATABLE_READ, error)
                && run_in_transaction(conn, config, date, job_run_id, mode, s, error) && db_commit(conn, error);
  if (!ok)
    db_rollback(conn);
  return ok;
}

gboolean
recon_run_mode(PGconn *conn, const Config *config, const GDate *date, gint64 job_run_id, ReconMode mode,
               ReconSummary *s, GError **error)
{
  char d[11];
  g_date_strftime(d, sizeof d, "%Y-%m-%d", date);
  if (!require_gl_closed(conn, d, error))
    return FALSE;
  /* One snapshot for every check: online inserts meanwhile are seen by none or all.
   * A concurrent pass (the night's, another recon) that wrote the same ledger rows
   * first makes this one fail with 40001 or 40P01: it is run again on a new snapshot. */
  g_autoptr(GError) conflict = NULL;
  for (int attempt = 1;; attempt++) {
    if (run_attempt(conn, config, date, job_run_id, mode, s, &conflict))
      return TRUE;
    if (attempt >= DB_CONFLICT_ATTEMPTS || !db_error_is_conflict(conflict))
      break;
    log_warning("recon of %s met a concurrent transaction (attempt %d of %d), running it again: %s", d, attempt,
                DB_CONFLICT_ATTEMPTS, conflict->message);
    g_clear_error(&conflict);
  }
  record_failure(conn, d, job_run_id, mode, conflict);
  g_propagate_error(error, g_steal_pointer(&conflict));
  return FALSE;
}

/* Before the night's step, outside its transaction (eod.c): R11's reading. */
gboolean
eod_step_recon_before(EodContext *ctx, GError **error)
{
  return recon_read_row_versions(ctx->conn, error);
}

/* The night's step: the framework opened its REPEATABLE READ transaction (eod.c). */
gboolean
eod_step_recon(EodContext *ctx, GError **error)
{
  ReconSummary s;
  if (!recon_run_in_transaction(ctx->conn, ctx->config, &ctx->date, ctx->run_id, &s, error))
    return FALSE;
  for (int i = 0; i < RECON_N_CHECKS; i++)
    if (s.checks[i].breaks > 0)
      log_warning("%s: %s found %" G_GINT64_FORMAT " break(s): %s", s.date_str, s.checks[i].check_id,
                  s.checks[i].breaks, s.checks[i].title);
  ctx->rows = s.breaks;
  ctx->amount_fen = s.diff_fen;
  return TRUE;
}

gboolean
recon_default_date(PGconn *conn, GDate *date, GError **error)
{
  g_autoptr(PGresult) res = stmt_query_one(conn, "queries/recon/11_default_date", 0, NULL, error);
  if (!res)
    return FALSE;
  const char *text = PQgetvalue(res, 0, 0);
  if (PQgetisnull(res, 0, 0) || !date_parse(text, date, NULL)) {
    g_set_error(error, RECON_ERROR, RECON_ERROR_DATE, "nothing to reconcile: no night has closed its GL yet");
    return FALSE;
  }
  return TRUE;
}

gboolean
recon_open_breaks(PGconn *conn, const char *date_str, gint64 *count, GError **error)
{
  const char *params[] = { date_str };
  g_autoptr(PGresult) res = stmt_query_one(conn, "queries/recon/86_open_breaks", 1, params, error);
  if (!res)
    return FALSE;
  *count = int_value(res, 0, 0);
  return TRUE;
}

/* ---- the life of a break ---------------------------------------------------- */

/* NAME changes break BREAK_ID; *R11 (when asked) says whether it is an R11 break. */
static gboolean
change_break(PGconn *conn, const char *name, gint64 break_id, const char *note,
             const char *who, gboolean *r11, GError **error)
{
  g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT, break_id);
  const char *params[] = { id, note, who };
  g_autoptr(PGresult) res = stmt_query(conn, name, 3, params, error);
  if (!res)
    return FALSE;
  if (PQntuples(res) == 1) {
    if (r11)
      *r11 = strcmp(PQgetvalue(res, 0, 1), "R11") == 0;
    return TRUE;
  }
  const char *id_param[] = { id };
  g_autoptr(PGresult) st = stmt_query(conn, "queries/recon/92_break_status", 1, id_param, error);
  if (!st)
    return FALSE;
  if (PQntuples(st) == 0)
    g_set_error(error, RECON_ERROR, RECON_ERROR_BREAK_ID, "no break %s", id);
  else
    g_set_error(error, RECON_ERROR, RECON_ERROR_BREAK_ID, "break %s is already resolved", id);
  return FALSE;
}

gboolean
recon_explain(PGconn *conn, gint64 break_id, const char *note, const char *who, GError **error)
{
  return change_break(conn, "queries/recon/90_explain", break_id, note, who, NULL, error);
}

/* Resolving an R11 break also accepts the change it found: R11's checksums move only by
 * the triggers' deltas (migration recon_checksum_deltas), so the user's checksum of that
 * table is re-baselined from its rows, in the transaction that resolves the break (the
 * owner's function accepts it there only, logged): both or neither. */
gboolean
recon_resolve(PGconn *conn, gint64 break_id, const char *note, const char *who, GError **error)
{
  g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT, break_id);
  const char *id_param[] = { id };
  gboolean r11 = FALSE;
  if (!db_begin(conn, error))
    return FALSE;
  g_autoptr(PGresult) accepted = NULL;
  gboolean ok = change_break(conn, "queries/recon/91_resolve", break_id, note, who, &r11, error)
                && (!r11 || (accepted = stmt_query_one(conn, "queries/recon/94_accept_unmarked_change", 1, id_param,
                                                       error)) != NULL)
                && db_commit(conn, error);
  if (!ok)
    db_rollback(conn);
  return ok;
}

char *
recon_who(void)
{
  return g_strdup_printf("%s@%s", g_get_user_name(), g_get_host_name());
}
