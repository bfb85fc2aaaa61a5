/* Penalty runs (product-rules §7; sql migration penalty_runs, src/eod_penalty.c) as a
 * property: on a generated book of a few hundred users run night by night for two
 * months — payments, partial payments, prepayments, refunds, write-offs (half the
 * products at writeoff_dpd 3) — the run detail (closed runs in penalty_accruals, open
 * runs on installments) expanded to one amount per installment and day equals an
 * independent recompute from the contract: on each day D after the due date, up to
 * and including the write-off night, an installment whose principal + fee are not
 * fully settled at the end of D accrues round_half_up(base × penalty_ppm / 10^6), the
 * base being what the installment's own movements (allocations of principal and fee,
 * fee waivers) left of its schedule by the end of D. The recompute is written here in
 * C from those movement rows, not from the step's SQL. The day's GL posting
 * (Dr 1124 / Cr 6012) and penalty_accrued_on_fen equal the recompute's daily total,
 * and GL 1124 equals the sub-ledger's outstanding penalty. */
#include "itest.h"

#define START_DATE "2026-01-05"
#define LAST_DATE "2026-03-07"   /* START_DATE + 61 days */
#define DAYS 62
#define USERS 200

typedef struct {
  gint64 loan_id;
  int installment_no;
  gint64 schedule_fen;   /* principal + fee */
  int ppm;
  guint32 due;           /* julian days */
  guint32 written_off;   /* 0: never */
  GArray *moves;         /* Move, by date */
} Item;

typedef struct {
  guint32 day;
  gint64 fen;
} Move;

static guint32
julian(const char *text)
{
  GDate d;
  g_date_clear(&d, 1);
  g_date_set_parse(&d, text);
  CU_ASSERT_FATAL(g_date_valid(&d));
  return g_date_get_julian(&d);
}

static char *
date_text(guint32 day)
{
  GDate d;
  g_date_clear(&d, 1);
  g_date_set_julian(&d, day);
  char text[11];
  g_date_strftime(text, sizeof text, "%Y-%m-%d", &d);
  return g_strdup(text);
}

static void
item_free(gpointer p)
{
  Item *it = p;
  g_array_free(it->moves, TRUE);
  g_free(it);
}

static PGresult *
rows(PGconn *c, const char *sql)
{
  PGresult *res = PQexec(c, sql);
  if (PQresultStatus(res) != PGRES_TUPLES_OK)
    fprintf(stderr, "\n  query failed: %s\n", PQerrorMessage(c));
  CU_ASSERT_FATAL(PQresultStatus(res) == PGRES_TUPLES_OK);
  return res;
}

static gint64
int_at(PGresult *res, int row, int col)
{
  return g_ascii_strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/* Every billed installment of the book with what reduced its base, by date. */
static GPtrArray *
load_items(PGconn *c)
{
  GPtrArray *items = g_ptr_array_new_with_free_func(item_free);
  g_autoptr(GHashTable) by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  PGresult *res = rows(c,
    "SELECT i.loan_id, i.installment_no, i.principal_fen + i.fee_fen, l.penalty_ppm, i.due_date,"
    "       coalesce(i.written_off_date::text, '')"
    "  FROM installments i JOIN loans l ON l.loan_id = i.loan_id"
    " WHERE i.billed_date IS NOT NULL ORDER BY i.loan_id, i.installment_no");
  for (int r = 0; r < PQntuples(res); r++) {
    Item *it = g_new0(Item, 1);
    it->loan_id = int_at(res, r, 0);
    it->installment_no = (int) int_at(res, r, 1);
    it->schedule_fen = int_at(res, r, 2);
    it->ppm = (int) int_at(res, r, 3);
    it->due = julian(PQgetvalue(res, r, 4));
    it->written_off = *PQgetvalue(res, r, 5) ? julian(PQgetvalue(res, r, 5)) : 0;
    it->moves = g_array_new(FALSE, FALSE, sizeof(Move));
    g_ptr_array_add(items, it);
    g_hash_table_insert(by_key, g_strdup_printf("%" G_GINT64_FORMAT "/%d", it->loan_id, it->installment_no), it);
  }
  PQclear(res);
  /* principal and fee settled by payments, credit balance, prepayments and refunds
   * (allocations), and fees waived (prepayment, refund, write-off of unbilled fees) */
  res = rows(c,
    "SELECT loan_id, installment_no, business_date, sum(amount_fen) FROM ("
    "  SELECT loan_id, installment_no, business_date, amount_fen FROM allocations"
    "   WHERE component IN ('PRINCIPAL', 'FEE')"
    "  UNION ALL"
    "  SELECT loan_id, installment_no, business_date, amount_fen FROM waivers WHERE component = 'FEE') m"
    " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3");
  for (int r = 0; r < PQntuples(res); r++) {
    g_autofree char *key = g_strdup_printf("%s/%s", PQgetvalue(res, r, 0), PQgetvalue(res, r, 1));
    Item *it = g_hash_table_lookup(by_key, key);
    if (!it)
      continue;   /* never billed: never overdue */
    Move m = { julian(PQgetvalue(res, r, 2)), int_at(res, r, 3) };
    g_array_append_val(it->moves, m);
  }
  PQclear(res);
  return items;
}

/* The contract's penalty, one line "loan no date fen" per installment and overdue
 * day (0-fen days included), and each day's total in TOTALS (indexed from FIRST). */
static GString *
recompute(GPtrArray *items, guint32 first, guint32 last, gint64 *totals)
{
  GString *out = g_string_new("");
  for (guint k = 0; k < items->len; k++) {
    const Item *it = g_ptr_array_index(items, k);
    gint64 base = it->schedule_fen;
    guint m = 0;
    for (guint32 day = first; day <= last; day++) {
      for (; m < it->moves->len && g_array_index(it->moves, Move, m).day <= day; m++)
        base -= g_array_index(it->moves, Move, m).fen;
      gboolean accrues = day > it->due && base > 0 && (!it->written_off || day <= it->written_off);
      if (!accrues)
        continue;
      gint64 fen = (base * it->ppm + 500000) / 1000000;   /* round half up, base > 0 */
      totals[day - first] += fen;
      g_autofree char *d = date_text(day);
      g_string_append_printf(out, "%" G_GINT64_FORMAT " %d %s %" G_GINT64_FORMAT "\n", it->loan_id,
                             it->installment_no, d, fen);
    }
  }
  return out;
}

/* The stored detail, expanded: each closed run's days, each open run's days up to
 * LAST_DATE, in the same order and shape. */
static GString *
stored_detail(PGconn *c)
{
  PGresult *res = rows(c,
    "SELECT loan_id || ' ' || installment_no || ' ' || d::date || ' ' || fen FROM ("
    "  SELECT a.loan_id, a.installment_no, d, a.amount_fen / a.days AS fen"
    "    FROM penalty_accruals a,"
    "         generate_series(a.accrual_date::timestamp, (a.accrual_date + a.days - 1)::timestamp, '1 day') d"
    "  UNION ALL"
    "  SELECT i.loan_id, i.installment_no, d, i.penalty_run_fen_per_day"
    "    FROM installments i,"
    "         generate_series(i.penalty_run_from::timestamp, '" LAST_DATE "'::timestamp, '1 day') d"
    "   WHERE i.penalty_run_from IS NOT NULL) x"
    " ORDER BY loan_id, installment_no, d");
  GString *out = g_string_new("");
  for (int r = 0; r < PQntuples(res); r++)
    g_string_append_printf(out, "%s\n", PQgetvalue(res, r, 0));
  PQclear(res);
  return out;
}

/* The first line where A and B differ, or NULL. */
static char *
first_difference(const char *a, const char *b)
{
  g_auto(GStrv) la = g_strsplit(a, "\n", -1), lb = g_strsplit(b, "\n", -1);
  for (guint i = 0;; i++) {
    if (!la[i] && !lb[i])
      return NULL;
    if (!la[i] || !lb[i] || strcmp(la[i], lb[i]) != 0)
      return g_strdup_printf("line %u: recomputed \"%s\", stored \"%s\"", i + 1, la[i] ? la[i] : "(end)",
                             lb[i] ? lb[i] : "(end)");
  }
}

/* "date fen" per day with a non-zero total, from TOTALS. */
static char *
daily_text(const gint64 *totals, guint32 first, guint32 last)
{
  GString *out = g_string_new("");
  for (guint32 day = first; day <= last; day++)
    if (totals[day - first]) {
      g_autofree char *d = date_text(day);
      g_string_append_printf(out, "%s %" G_GINT64_FORMAT "\n", d, totals[day - first]);
    }
  return g_string_free(out, FALSE);
}

static char *
query_lines(PGconn *c, const char *sql)
{
  PGresult *res = rows(c, sql);
  GString *out = g_string_new("");
  for (int r = 0; r < PQntuples(res); r++)
    g_string_append_printf(out, "%s\n", PQgetvalue(res, r, 0));
  PQclear(res);
  return g_string_free(out, FALSE);
}

static void
test_runs_equal_the_contract_day_by_day(void)
{
  g_autofree char *products = itest_write_products("penalty", 5, 2);
  g_autofree char *portfolio = itest_gen_portfolio("penalty-portfolio", USERS, DAYS, 29, START_DATE, products);
  g_autofree char *db = itest_create_db("penalty", TRUE);
  g_autofree char *config = itest_write_config(db, NULL);
  itest_load_portfolio(config, portfolio, products);
  g_autoptr(ItestRun) run = itest_baitiao_config(config, (const char *[]) { "eod", "--date", START_DATE,
                                                 "--catch-up", "--until", LAST_DATE, "--quiet", NULL }, NULL);
  if (run->status != 0 && run->status != 3)
    fprintf(stderr, "\n  nights exited %d: %s\n", run->status, run->err);
  CU_ASSERT_FATAL(run->status == 0 || run->status == 3);

  PGconn *c = itest_connect(db, "baitiao_report");
  /* the book has the cases: write-offs with penalty, refunds, runs of several days,
   * runs closed by a payment, runs at a base a partial payment lowered, runs still open */
  g_autofree char *facts = itest_query(c,
    "SELECT (SELECT count(*) > 1 FROM writeoffs WHERE penalty_fen > 0)"
    " || ' ' || (SELECT count(*) > 0 FROM refund_applications)"
    " || ' ' || (SELECT count(*) > 10 FROM penalty_accruals WHERE days > 1)"
    " || ' ' || (SELECT count(*) > 3 FROM penalty_accruals a WHERE EXISTS (SELECT 1 FROM allocations m"
    "             WHERE m.loan_id = a.loan_id AND m.installment_no = a.installment_no"
    "               AND m.business_date = a.accrual_date + a.days AND m.source = 'REPAYMENT'))"
    " || ' ' || (SELECT count(*) > 3 FROM penalty_accruals a JOIN installments i USING (loan_id, installment_no)"
    "             WHERE a.base_fen < i.principal_fen + i.fee_fen)"
    " || ' ' || (SELECT count(*) > 0 FROM installments WHERE penalty_run_from IS NOT NULL)");
  ITEST_ASSERT_STR_EQ(facts, "true true true true true true");

  guint32 first = julian(START_DATE), last = julian(LAST_DATE);
  g_autofree gint64 *totals = g_new0(gint64, last - first + 1);
  g_autoptr(GPtrArray) items = load_items(c);
  g_autoptr(GString) expected = recompute(items, first, last, totals);
  g_autoptr(GString) stored = stored_detail(c);
  g_autofree char *diff = first_difference(expected->str, stored->str);
  if (diff)
    fprintf(stderr, "\n  penalty detail differs at %s\n", diff);
  CU_ASSERT_PTR_NULL(diff);
  CU_ASSERT(expected->len > 1000);
  /* the figure of the change (printed, not asserted): rows the row-per-day method would
   * have written (one per overdue installment and day) against the runs written */
  guint days = 0;
  for (const char *p = expected->str; *p; p++)
    days += *p == '\n';
  g_autofree char *runs = itest_query(c,
    "SELECT (SELECT count(*) FROM penalty_accruals) || ' closed + '"
    "       || (SELECT count(*) FROM installments WHERE penalty_run_from IS NOT NULL) || ' open; aging steps '"
    "       || (SELECT round(extract(epoch FROM sum(ended_at - started_at))::numeric, 1) FROM job_step_runs"
    "            WHERE step_name = 'aging' AND status = 'SUCCEEDED') || ' s'");
  printf("\n  penalty: %u overdue installment-days (a row each before runs), runs %s\n", days, runs);

  /* each day's posting and penalty_accrued_on_fen are the recompute's total */
  g_autofree char *want = daily_text(totals, first, last);
  g_autofree char *posted = query_lines(c,
    "SELECT l.business_date || ' ' || sum(l.debit_fen) FROM journal_lines l"
    "  JOIN journal_entries e USING (entry_id, business_date)"
    " WHERE e.entry_type = 'PENALTY' AND l.account_code = '1124'"
    " GROUP BY l.business_date HAVING sum(l.debit_fen) > 0 ORDER BY 1");
  ITEST_ASSERT_STR_EQ(posted, want);
  g_autofree char *on = query_lines(c,
    "SELECT d::date || ' ' || penalty_accrued_on_fen(d::date)"
    "  FROM generate_series('" START_DATE "'::date, '" LAST_DATE "'::date, '1 day') d"
    " WHERE penalty_accrued_on_fen(d::date) > 0 ORDER BY 1");
  ITEST_ASSERT_STR_EQ(on, want);

  /* GL 1124 = the sub-ledger's outstanding penalty; accrued = Σ of every day */
  g_autofree char *tie = itest_query(c,
    "SELECT (gl_balance_fen('1124', '" LAST_DATE "') = sum(installment_penalty_out_fen(i, '" LAST_DATE "')))"
    "       || ' ' || sum(installment_penalty_accrued_fen(i, '" LAST_DATE "'))"
    "  FROM installments i");
  gint64 all = 0;
  for (guint32 day = first; day <= last; day++)
    all += totals[day - first];
  g_autofree char *want_tie = g_strdup_printf("true %" G_GINT64_FORMAT, all);
  ITEST_ASSERT_STR_EQ(tie, want_tie);
  PQfinish(c);
}

CU_TestInfo itest_penalty_cases[] = {
  { "runs equal the contract, day by day", test_runs_equal_the_contract_day_by_day },
  CU_TEST_INFO_NULL,
};
