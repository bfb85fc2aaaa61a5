/* The tamper suite (issue 12 §3): on the demo book built by the real nights (t/data,
 * 03-04 … 03-18, see t/itest_recon.c), changes made behind the program's back — as
 * superuser postgres, with the triggers off where needed, or as the batch role —
 * each in its own clone of that book. Each case is either refused by the database
 * (an exact SQLSTATE), or found by the nightly recon of the newest date (what the
 * next night's recon runs) or by the full audit (recon --full), at a named check,
 * date and key. The table in docs/operations.md lists the same cases.
 *
 * Ids of the demo book: U1001 FPP12 1000.00 (O20260304001, statement day 5),
 * U1002 ANN12 3999.99 (O20260304002, day 12, 999.99 refunded on 03-10), U1003 no
 * loan; journal: billing of 03-12 posts 1123 / 6011 40.00, repayments of 03-14 post
 * 1002.ALIPAY 88.33 and 1002.WECHAT 500.00. */
#include <stdio.h>
#include <string.h>

#include "itest.h"
#include "recon.h"

typedef enum {
  FOUND_NIGHTLY,  /* the nightly recon of the newest date finds it */
  FOUND_FULL,     /* recon --full finds it */
  REFUSED,        /* the database refuses the change */
} TamperOutcome;

typedef struct {
  const char *name;
  const char *how;          /* what was done, for the printed table */
  const char *role;         /* who runs SQL: "postgres" or "baitiao_batch" */
  const char *sql;          /* one or more statements, search_path baitiao */
  TamperOutcome outcome;
  const char *expect;       /* FOUND_*: "date check key" of a stored break; REFUSED: the SQLSTATE */
} TamperCase;

#define NEWEST "2026-03-18"
#define REPLICA "SET session_replication_role = replica; "
#define INST(order, no) " WHERE order_id = '" order "' AND installment_no = " #no
#define BILLING_0312 "(SELECT entry_id FROM journal_entries WHERE business_date = '2026-03-12' AND entry_type = 'BILLING')"

static const TamperCase cases[] = {
  /* the kinds named in issue 12 */
  { "triggers off (replica): schedule principal", "replica; installment 2 of O20260304001 +1.00 principal",
    "postgres", REPLICA "UPDATE installments SET principal_fen = principal_fen + 100" INST("O20260304001", 2),
    FOUND_NIGHTLY, NEWEST " R11 installments:U1001" },
  { "DISABLE TRIGGER: due date moved", "mark trigger disabled; installment 3 of O20260304002 due a day later",
    "postgres",
    "ALTER TABLE installments DISABLE TRIGGER installments_mark_update;"
    " UPDATE installments SET due_date = due_date + 1" INST("O20260304002", 3) ";"
    " ALTER TABLE installments ENABLE TRIGGER installments_mark_update",
    FOUND_NIGHTLY, NEWEST " R11 installments:U1002" },
  { "change mark deleted by the batch role", "DELETE FROM recon_changed_users as baitiao_batch",
    "baitiao_batch", "DELETE FROM recon_changed_users", REFUSED, "42501" },
  { "change mark rewritten by the batch role", "UPDATE recon_changed_users as baitiao_batch",
    "baitiao_batch", "UPDATE recon_changed_users SET reconciled_date = '2026-03-18'", REFUSED, "42501" },
  { "marks taken for a future date", "recon_take_changed_users('2099-01-01') as baitiao_batch",
    "baitiao_batch", "SELECT count(*) FROM recon_take_changed_users('2099-01-01')", REFUSED, "22023" },
  { "change mark deleted by superuser", "used limit of U1001 +0.01, then its mark deleted",
    "postgres",
    "UPDATE users SET used_limit_fen = used_limit_fen + 1 WHERE user_id = 'U1001';"
    " DELETE FROM recon_changed_users WHERE reconciled_date IS NULL",
    FOUND_NIGHTLY, NEWEST " R11 users:U1001" },
  { "balanced entry added after the GL close", "entry on 03-17: Dr 1123 / Cr 6011 1.00",
    "postgres",
    "WITH e AS (INSERT INTO journal_entries (business_date, entry_type, step_name)"
    "           VALUES ('2026-03-17', 'BILLING', 'billing') RETURNING entry_id)"
    " INSERT INTO journal_lines (entry_id, line_no, business_date, account_code, debit_fen, credit_fen)"
    " SELECT entry_id, n, '2026-03-17', a, d, c FROM e,"
    "        (VALUES (1, '1123', 100, 0), (2, '6011', 0, 100)) v(n, a, d, c)",
    FOUND_FULL, "2026-03-17 R14 1123:debit" },
  { "consistent edit of the previous day's GL balance", "03-17 1122: debit and closing +1.00",
    "postgres",
    "UPDATE gl_daily_balances SET debit_fen = debit_fen + 100, closing_fen = closing_fen + 100"
    " WHERE business_date = '2026-03-17' AND account_code = '1122'",
    FOUND_FULL, "2026-03-18 R15 1122" },
  { "line moved between income accounts", "replica; billing line of 03-12 6011 → 6012",
    "postgres", REPLICA "UPDATE journal_lines SET account_code = '6012'"
    " WHERE entry_id = " BILLING_0312 " AND account_code = '6011'",
    FOUND_FULL, "2026-03-12 R14 6011:credit" },
  { "line moved between income accounts, triggers on", "superuser; billing line of 03-12 6011 → 6012",
    "postgres", "UPDATE journal_lines SET account_code = '6012'"
    " WHERE entry_id = " BILLING_0312 " AND account_code = '6011'",
    REFUSED, "23001" },
  { "principal moved between two installments (replica)", "replica; 1.00 from installment 6 to 5 of O20260304001",
    "postgres", REPLICA "UPDATE installments SET principal_fen = principal_fen + 100" INST("O20260304001", 5) ";"
    " UPDATE installments SET principal_fen = principal_fen - 100" INST("O20260304001", 6),
    FOUND_NIGHTLY, NEWEST " R11 installments:U1001" },
  { "principal moved between two installments", "superuser; 1.00 from installment 6 to 5 of O20260304001",
    "postgres", "UPDATE installments SET principal_fen = principal_fen + 100" INST("O20260304001", 5) ";"
    " UPDATE installments SET principal_fen = principal_fen - 100" INST("O20260304001", 6),
    FOUND_FULL, "2026-03-04 R13 O20260304001:5:principal" },
  /* more of our own */
  { "paid amount bumped", "installment 1 of O20260304001: paid and principal +1.00",
    "postgres", "UPDATE installments SET paid_principal_fen = paid_principal_fen + 100,"
    " principal_fen = principal_fen + 100" INST("O20260304001", 1),
    FOUND_FULL, "2026-03-04 R2 O20260304001" },
  { "allocation deleted", "the fee allocation of ALI202603140001",
    "postgres", "DELETE FROM allocations WHERE txn_id = 'ALI202603140001' AND component = 'FEE'",
    FOUND_FULL, "2026-03-14 R3 ALI202603140001" },
  { "allocation deleted by the batch role", "DELETE FROM allocations as baitiao_batch",
    "baitiao_batch", "DELETE FROM allocations WHERE txn_id = 'ALI202603140001'", REFUSED, "42501" },
  { "credit balance edited", "U1002 credit balance +1.00",
    "postgres", "UPDATE users SET credit_balance_fen = credit_balance_fen + 100 WHERE user_id = 'U1002'",
    FOUND_NIGHTLY, NEWEST " R4 2241" },
  { "credit balance edited (replica)", "replica; U1002 credit balance +1.00",
    "postgres", REPLICA "UPDATE users SET credit_balance_fen = credit_balance_fen + 100 WHERE user_id = 'U1002'",
    FOUND_NIGHTLY, NEWEST " R11 users:U1002" },
  { "loan principal edited", "O20260304001 principal +1.00",
    "postgres", "UPDATE loans SET principal_fen = principal_fen + 100 WHERE order_id = 'O20260304001'",
    FOUND_FULL, "2026-03-04 R2 O20260304001" },
  { "loan principal edited (replica)", "replica; O20260304001 principal +1.00",
    "postgres", REPLICA "UPDATE loans SET principal_fen = principal_fen + 100 WHERE order_id = 'O20260304001'",
    FOUND_NIGHTLY, NEWEST " R11 loans:U1001" },
  { "used limit edited", "U1001 used limit +0.01",
    "postgres", "UPDATE users SET used_limit_fen = used_limit_fen + 1 WHERE user_id = 'U1001'",
    FOUND_NIGHTLY, NEWEST " R8 U1001" },
  { "used limit edited (replica)", "replica; U1001 used limit +0.01",
    "postgres", REPLICA "UPDATE users SET used_limit_fen = used_limit_fen + 1 WHERE user_id = 'U1001'",
    FOUND_NIGHTLY, NEWEST " R8 U1001" },
  { "installment due date moved", "superuser; installment 3 of O20260304002 due a day later",
    "postgres", "UPDATE installments SET due_date = due_date + 1" INST("O20260304002", 3),
    FOUND_FULL, "2026-03-04 R13 O20260304002:3:due_date" },
  { "fee of a schedule changed", "installment 4 of O20260304001 fee +1.00",
    "postgres", "UPDATE installments SET fee_fen = fee_fen + 100" INST("O20260304001", 4),
    FOUND_FULL, "2026-03-04 R13 O20260304001:4:fee" },
  { "statement edited", "U1001's statement of 03-05: new principal +1.00",
    "postgres", "UPDATE statements SET new_principal_fen = new_principal_fen + 100, total_due_fen = total_due_fen + 100"
    " WHERE user_id = 'U1001' AND statement_date = '2026-03-05'",
    FOUND_FULL, "2026-03-05 R6 U1001" },
  { "statement line edited by the batch role", "UPDATE statement_lines as baitiao_batch",
    "baitiao_batch", "UPDATE statement_lines SET principal_fen = principal_fen + 100", REFUSED, "42501" },
  { "settlement line altered", "ALIPAY line of ALI202603140001 +1.00",
    "postgres", "UPDATE settlement_lines SET amount_fen = amount_fen + 100 WHERE channel_txn_id = 'ALI202603140001'",
    FOUND_NIGHTLY, NEWEST " R7 ALIPAY:ALI202603140001" },
  { "journal line amount changed on both sides", "replica; billing of 03-12 +1.00 on 1123 and 6011",
    "postgres", REPLICA "UPDATE journal_lines SET debit_fen = debit_fen + 100"
    " WHERE entry_id = " BILLING_0312 " AND account_code = '1123';"
    " UPDATE journal_lines SET credit_fen = credit_fen + 100 WHERE entry_id = " BILLING_0312 " AND account_code = '6011'",
    FOUND_FULL, "2026-03-12 R14 1123:debit" },
  { "journal entry deleted", "replica; the billing entry of 03-12, lines and all",
    "postgres", REPLICA "DELETE FROM journal_lines WHERE entry_id = " BILLING_0312 ";"
    " DELETE FROM journal_entries WHERE business_date = '2026-03-12' AND entry_type = 'BILLING'",
    FOUND_FULL, "2026-03-12 R14 6011:credit" },
  { "journal entry deleted, triggers on", "superuser; DELETE a journal line",
    "postgres", "DELETE FROM journal_lines WHERE entry_id = " BILLING_0312, REFUSED, "23001" },
  { "journal line edited by the batch role", "UPDATE journal_lines as baitiao_batch",
    "baitiao_batch", "UPDATE journal_lines SET debit_fen = debit_fen + 1", REFUSED, "42501" },
  { "gl_daily_balances row deleted", "03-14 1002.ALIPAY",
    "postgres", "DELETE FROM gl_daily_balances WHERE business_date = '2026-03-14' AND account_code = '1002.ALIPAY'",
    FOUND_FULL, "2026-03-15 R15 1002.ALIPAY" },
  { "GL balance edited by the batch role", "UPDATE gl_daily_balances as baitiao_batch",
    "baitiao_batch", "UPDATE gl_daily_balances SET closing_fen = closing_fen + 1", REFUSED, "42501" },
  { "GL closing edited alone", "superuser; 03-17 1122 closing +0.01",
    "postgres", "UPDATE gl_daily_balances SET closing_fen = closing_fen + 1"
    " WHERE business_date = '2026-03-17' AND account_code = '1122'", REFUSED, "23514" },
  { "checksums rewritten by the batch role", "UPDATE recon_user_checksums as baitiao_batch",
    "baitiao_batch", "UPDATE recon_user_checksums SET users_sum = 0", REFUSED, "42501" },
  { "repayment amount edited", "inbox row of WX202603140002 +1.00",
    "postgres", "UPDATE inbox_repayments SET amount_fen = amount_fen + 100 WHERE txn_id = 'WX202603140002'",
    FOUND_FULL, "2026-03-14 R3 WX202603140002" },
  { "accepted order amount edited", "inbox row of O20260304002 +1.00",
    "postgres", "UPDATE inbox_orders SET amount_fen = amount_fen + 100 WHERE order_id = 'O20260304002'",
    FOUND_FULL, "2026-03-04 R1 O20260304002" },
  { "installment deleted (replica)", "replica; installment 12 of O20260304001",
    "postgres", REPLICA "DELETE FROM installments" INST("O20260304001", 12),
    FOUND_NIGHTLY, NEWEST " R11 installments:U1001" },
  { "user deleted (replica)", "replica; U1003 (no loan)",
    "postgres", REPLICA "DELETE FROM users WHERE user_id = 'U1003'",
    FOUND_NIGHTLY, NEWEST " R11 users:U1003" },
  { "credit balance movement deleted", "the OVERPAYMENT of WX202603140002",
    "postgres", "DELETE FROM credit_balance_movements WHERE txn_id = 'WX202603140002'",
    FOUND_FULL, "2026-03-14 R3 WX202603140002" },
  { "loan marked paid off", "O20260304001 status PAID_OFF",
    "postgres", "UPDATE loans SET status = 'PAID_OFF' WHERE order_id = 'O20260304001'",
    FOUND_NIGHTLY, NEWEST " R8 U1001" },
  { "stored sub-ledger closing edited by the batch role", "recon_ledger_closings 03-17 PRINCIPAL +1.00",
    "baitiao_batch", "UPDATE recon_ledger_closings SET closing_fen = closing_fen + 100"
    " WHERE business_date = '2026-03-17' AND ledger = 'PRINCIPAL'",
    FOUND_NIGHTLY, NEWEST " R9 PRINCIPAL" },
};

static char *demo_base;

static void
run_ok(const char *config, const char *const *args)
{
  g_autoptr(ItestRun) r = itest_baitiao_config(config, args, NULL);
  if (r->status != 0)
    fprintf(stderr, "\n  %s: exit %d\n%s\n%s\n", args[0], r->status, r->out, r->err);
  CU_ASSERT_EQUAL_FATAL(r->status, 0);
}

/* The demo book through the night of 03-18, both channels' settlement files in. */
static const char *
base(void)
{
  if (demo_base)
    return demo_base;
  g_autofree char *config = NULL;
  demo_base = itest_example_db("tamper_base", ITEST_EXAMPLE_KINDS, &config);
  itest_load_example_settlements(config);
  run_ok(config, (const char *[]) { "eod", "--date", "2026-03-04", "--catch-up", "--until", NEWEST, NULL });
  return demo_base;
}

/* Runs the pass for the newest date through the library; FALSE (printed) on error. */
static gboolean
recon(PGconn *c, ReconMode mode, gint64 *breaks)
{
  ReconSummary s;
  if (!itest_recon(c, NEWEST, mode, &s))
    return FALSE;
  *breaks = s.breaks;
  return TRUE;
}

static const char sql_breaks[] =
  "SELECT coalesce(string_agg(business_date || ' ' || check_id || ' ' || break_key, ', '"
  "                           ORDER BY business_date, check_id, break_key), '') FROM recon_breaks";

/* Makes case T in a clone of the demo book; returns what happened, for the table. */
static const char *
try_case(const TamperCase *t)
{
  g_autofree char *db = itest_clone_db("tamper", base());
  PGconn *c = itest_connect(db, t->role);
  g_autofree char *sql = g_strdup_printf("SET search_path = baitiao; %s", t->sql);
  char state[6] = "";
  g_autofree char *done = itest_sql(c, sql, state);
  PQfinish(c);
  if (t->outcome == REFUSED) {
    if (!done && strcmp(state, t->expect) == 0)
      return "refused";
    fprintf(stderr, "\n  %s: expected refusal %s, got %s\n", t->name, t->expect, done ? "success" : state);
    return "missed";
  }
  if (!done) {
    fprintf(stderr, "\n  %s: the change itself failed (%s)\n", t->name, state);
    return "missed";
  }
  PGconn *batch = itest_connect(db, "baitiao_batch");
  gint64 n = 0;
  gboolean ok = recon(batch, t->outcome == FOUND_FULL ? RECON_FULL : RECON_NIGHTLY, &n);
  g_autofree char *found = ok ? itest_query(batch, sql_breaks) : NULL;
  PQfinish(batch);
  gboolean hit = found && n > 0 && strstr(found, t->expect) != NULL;
  if (!hit)
    fprintf(stderr, "\n  %s: expected break %s, found: %s\n", t->name, t->expect, found ? found : "(recon failed)");
  return hit ? (t->outcome == FOUND_FULL ? "found (full)" : "found (nightly)") : "missed";
}

static void
test_tamper_cases(void)
{
  int found = 0, refused = 0, missed = 0;
  printf("\n  %-52s %-16s %s\n", "case", "outcome", "check / SQLSTATE");
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    const char *got = try_case(&cases[i]);
    found += g_str_has_prefix(got, "found");
    refused += strcmp(got, "refused") == 0;
    missed += strcmp(got, "missed") == 0;
    printf("  %-52s %-16s %s\n", cases[i].name, got, cases[i].expect);
  }
  printf("  %zu cases: %d found, %d refused, %d missed\n", G_N_ELEMENTS(cases), found, refused, missed);
  CU_ASSERT(G_N_ELEMENTS(cases) >= 30);
  CU_ASSERT_EQUAL(missed, 0);
  CU_ASSERT_EQUAL(found + refused, (int) G_N_ELEMENTS(cases));
}

/* The untouched book is clean in both passes: no case above is found by accident. */
static void
test_clean_book_has_no_breaks(void)
{
  g_autofree char *db = itest_clone_db("tamper_clean", base());
  PGconn *c = itest_connect(db, "baitiao_batch");
  gint64 nightly = -1, full = -1;
  CU_ASSERT_FATAL(recon(c, RECON_NIGHTLY, &nightly));
  CU_ASSERT_FATAL(recon(c, RECON_FULL, &full));
  CU_ASSERT_EQUAL(nightly, 0);
  CU_ASSERT_EQUAL(full, 0);
  g_autofree char *runs = itest_query(c, "SELECT string_agg(mode || ':' || checks_run, ' ' ORDER BY recon_run_id)"
                                         "  FROM recon_runs WHERE business_date = '" NEWEST "'");
  /* the night's own pass, then the two above; the full audit runs every check */
  ITEST_ASSERT_STR_EQ(runs, "NIGHTLY:14 NIGHTLY:14 FULL:20");
  PQfinish(c);
}

/* A change with the triggers off is found by the next night's eod through the
 * binary: exit 3, the break stored under the new date, the user recomputed. */
static void
test_next_night_finds_bypass(void)
{
  g_autofree char *db = itest_clone_db("tamper_night", base());
  PGconn *su = itest_connect(db, "postgres");
  g_free(itest_query(su, "SET search_path = baitiao; " REPLICA
                         "UPDATE installments SET principal_fen = principal_fen + 100" INST("O20260304001", 2)));
  PQfinish(su);
  g_autofree char *config = itest_write_config(db, NULL);
  g_autoptr(ItestRun) r = itest_baitiao_config(config, (const char *[]) { "eod", "--date", "2026-03-19", NULL }, NULL);
  if (r->status != 3)
    fprintf(stderr, "\n  eod: exit %d\n%s\n%s\n", r->status, r->out, r->err);
  CU_ASSERT_EQUAL(r->status, 3);
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *found = itest_query(c, "SELECT string_agg(check_id || ' ' || break_key || ' '"
                                          "  || coalesce(diff_fen::text, '-'), ', ' ORDER BY check_id, break_key)"
                                          "  FROM recon_breaks WHERE business_date = '2026-03-19'");
  /* R11 names the table and user; R4, R8 and R9 then see the 1.00 it added */
  ITEST_ASSERT_STR_EQ(found, "R11 installments:U1001 -, R4 1122 -100, R8 U1001 -100, R9 PRINCIPAL 100");
  PQfinish(c);
}

/* R11 hashes installments and loans column by column (sql/0036): every column of
 * the table must be in its hash, or a change to the one left out goes unseen. */
static void
assert_hash_covers(PGconn *c, const char *table, const char *alias, const char *columns)
{
  g_autofree char *sql_left = g_strdup_printf(
    "SELECT coalesce(string_agg(attname, ','), '') FROM pg_attribute"
    " WHERE attrelid = 'baitiao.%ss'::regclass AND attnum > 0 AND NOT attisdropped"
    "   AND pg_get_functiondef('baitiao.recon_%s_hash(baitiao.%ss)'::regprocedure)"
    "       !~ ('\\m%s\\.' || attname || '\\M')", table, table, table, alias);
  g_autofree char *left_out = itest_query(c, sql_left);
  ITEST_ASSERT_STR_EQ(left_out, "");
  g_autofree char *sql_n = g_strdup_printf("SELECT count(*) FROM pg_attribute WHERE attrelid = 'baitiao.%ss'::regclass"
                                           "   AND attnum > 0 AND NOT attisdropped", table);
  g_autofree char *n = itest_query(c, sql_n);
  ITEST_ASSERT_STR_EQ(n, columns);
}

static void
test_row_hashes_cover_every_column(void)
{
  PGconn *c = itest_connect("baitiao", "postgres");
  assert_hash_covers(c, "installment", "i", "27");   /* + the open penalty run (3) */
  assert_hash_covers(c, "loan", "l", "22");
  PQfinish(c);
}

/* ---- R11 by row versions (migration recon_bypass_by_row_versions) -------------
 * A clone starts with empty statistics, so its first pass hashes (its counters are
 * not the baseline's); each case below first stores a baseline with a pass of its
 * own, runs a clean night that must only compare counters, then makes its change in
 * a session that has ended before the next night (a backend hands its counts to the
 * server at the latest when it exits, before it leaves pg_stat_activity), and runs
 * the next night through the binary. What R11 did is recon_runs.r11_pass / r11_why. */

static void
wait_session_ended(const char *db, int pid)
{
  PGconn *w = itest_connect(db, "postgres");
  g_autofree char *sql = g_strdup_printf("SELECT count(*) FROM pg_stat_activity WHERE pid = %d", pid);
  for (int i = 0; i < 200; i++) {
    g_autofree char *n = itest_query(w, sql);
    if (n && strcmp(n, "0") == 0)
      break;
    g_usleep(50000);
  }
  PQfinish(w);
}

/* SQL as ROLE (search_path baitiao) in a session of its own, ended before returning. */
static void
in_ended_session(const char *db, const char *role, const char *sql)
{
  PGconn *c = itest_connect(db, role);
  int pid = PQbackendPID(c);
  g_free(itest_query(c, "SET search_path = baitiao"));
  g_autofree char *done = itest_query(c, sql);  /* one statement string: VACUUM FULL may be it */
  PQfinish(c);
  CU_ASSERT_PTR_NOT_NULL_FATAL(done);
  wait_session_ended(db, pid);
}

/* A clone of the demo book with a baseline (a pass of its own) and the clean night of
 * 03-19 behind it, which must only have compared the counters. */
static char *
counted_clone(const char *prefix, char **config)
{
  char *db = itest_clone_db(prefix, base());
  PGconn *c = itest_connect(db, "baitiao_batch");
  int pid = PQbackendPID(c);
  gint64 n = -1;
  CU_ASSERT_FATAL(recon(c, RECON_NIGHTLY, &n));
  CU_ASSERT_EQUAL(n, 0);
  PQfinish(c);
  wait_session_ended(db, pid);
  *config = itest_write_config(db, NULL);
  g_autoptr(ItestRun) r = itest_baitiao_config(*config, (const char *[]) { "eod", "--date", "2026-03-19", NULL },
                                               NULL);
  if (r->status != 0)
    fprintf(stderr, "\n  eod 2026-03-19: exit %d\n%s\n%s\n", r->status, r->out, r->err);
  CU_ASSERT_EQUAL_FATAL(r->status, 0);
  return db;
}

/* "PASS why" of the night's recon of DATE (the last run of the date). */
static char *
r11_pass(const char *db, const char *date)
{
  g_autofree char *sql = g_strdup_printf("SELECT r11_pass || ' ' || coalesce(r11_why, '-') FROM baitiao.recon_runs"
                                         " WHERE business_date = '%s' ORDER BY recon_run_id DESC LIMIT 1", date);
  return itest_db_value(db, "baitiao_batch", sql);
}

static char *
breaks_of(const char *db, const char *date)
{
  g_autofree char *sql = g_strdup_printf("SELECT coalesce(string_agg(check_id || ' ' || break_key, ', '"
                                         "  ORDER BY check_id, break_key), '') FROM baitiao.recon_breaks"
                                         " WHERE business_date = '%s'", date);
  return itest_db_value(db, "baitiao_batch", sql);
}

static int
night(const char *config, const char *date)
{
  g_autoptr(ItestRun) r = itest_baitiao_config(config, (const char *[]) { "eod", "--date", date, NULL }, NULL);
  if (r->status != 0 && r->status != 3)
    fprintf(stderr, "\n  eod %s: exit %d\n%s\n%s\n", date, r->status, r->out, r->err);
  return r->status;
}

/* Nights without a change behind the triggers hash no table: the night of 03-19 (in
 * counted_clone), then one with an online change made with the triggers on. */
static void
test_clean_nights_only_compare_counters(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = counted_clone("tamper_counted", &config);
  g_autofree char *first = r11_pass(db, "2026-03-19");
  ITEST_ASSERT_STR_EQ(first, "COUNTERS -");
  in_ended_session(db, "postgres", "UPDATE users SET credit_limit_fen = credit_limit_fen + 100 WHERE user_id = 'U1003'");
  CU_ASSERT_EQUAL(night(config, "2026-03-20"), 0);
  g_autofree char *second = r11_pass(db, "2026-03-20");
  ITEST_ASSERT_STR_EQ(second, "COUNTERS -");
  g_autofree char *found = breaks_of(db, "2026-03-20");
  ITEST_ASSERT_STR_EQ(found, "");
}

/* A change with the triggers off after a night that only compared counters: the
 * counters of the next night differ, the tables are hashed, R11 names the user. */
static void
test_bypass_after_a_counted_night_is_found(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = counted_clone("tamper_counted_bypass", &config);
  in_ended_session(db, "postgres", REPLICA "UPDATE installments SET principal_fen = principal_fen + 100"
                                   INST("O20260304001", 2));
  CU_ASSERT_EQUAL(night(config, "2026-03-20"), 3);
  g_autofree char *pass = r11_pass(db, "2026-03-20");
  ITEST_ASSERT_STR_EQ(pass, "HASHED installments: the counters differ from the recorded rows by 0 inserted,"
                            " 1 updated, 0 deleted");
  g_autofree char *found = breaks_of(db, "2026-03-20");
  ITEST_ASSERT_STR_EQ(found, "R11 installments:U1001, R4 1122, R8 U1001, R9 PRINCIPAL");
  /* found again each night until the user's checksum is brought forward, as before */
  CU_ASSERT_EQUAL(night(config, "2026-03-21"), 3);
  g_autofree char *again = r11_pass(db, "2026-03-21");
  ITEST_ASSERT_STR_EQ(again, "HASHED the last pass found changes behind the triggers");
}

/* An aborted transaction: the counters saw its row versions, its recorded rows rolled
 * back. It costs one night's hashing, which finds nothing; the next night counts. */
static void
test_aborted_transaction_costs_one_hashed_night(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = counted_clone("tamper_counted_abort", &config);
  in_ended_session(db, "postgres", "BEGIN; UPDATE installments SET fee_fen = fee_fen + 1" INST("O20260304002", 3)
                                   "; ROLLBACK");
  CU_ASSERT_EQUAL(night(config, "2026-03-20"), 0);
  g_autofree char *pass = r11_pass(db, "2026-03-20");
  ITEST_ASSERT_STR_EQ(pass, "HASHED installments: the counters differ from the recorded rows by 0 inserted,"
                            " 1 updated, 0 deleted");
  g_autofree char *found = breaks_of(db, "2026-03-20");
  ITEST_ASSERT_STR_EQ(found, "");
  CU_ASSERT_EQUAL(night(config, "2026-03-21"), 0);
  g_autofree char *next = r11_pass(db, "2026-03-21");
  ITEST_ASSERT_STR_EQ(next, "COUNTERS -");
}

/* A new file node (VACUUM FULL here; TRUNCATE and CLUSTER alike) changes no counter,
 * and a TRUNCATE would empty the table: the tables are hashed. So are they after a
 * statistics reset, and when a mark was deleted behind the take. */
static void
test_file_node_reset_and_lost_mark_force_hashing(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = counted_clone("tamper_counted_node", &config);
  in_ended_session(db, "postgres", "VACUUM FULL baitiao.loans");
  CU_ASSERT_EQUAL(night(config, "2026-03-20"), 0);
  g_autofree char *node = r11_pass(db, "2026-03-20");
  ITEST_ASSERT_STR_EQ(node, "HASHED loans: another relation or file node than the baseline's"
                            " (TRUNCATE, VACUUM FULL, CLUSTER)");
  in_ended_session(db, "postgres", "SELECT pg_stat_reset()");
  CU_ASSERT_EQUAL(night(config, "2026-03-21"), 0);
  g_autofree char *reset = r11_pass(db, "2026-03-21");
  ITEST_ASSERT_STR_EQ(reset, "HASHED the statistics were reset since the baseline (or discarded by a crash)");
  in_ended_session(db, "postgres", "UPDATE users SET used_limit_fen = used_limit_fen + 1 WHERE user_id = 'U1001';"
                                   " DELETE FROM recon_changed_users WHERE reconciled_date IS NULL");
  CU_ASSERT_EQUAL(night(config, "2026-03-22"), 3);
  g_autofree char *mark = r11_pass(db, "2026-03-22");
  ITEST_ASSERT_STR_EQ(mark, "HASHED recon_changed_users: the counters differ from the recorded rows by"
                            " 0 updated, 1 deleted");
  g_autofree char *found = breaks_of(db, "2026-03-22");
  CU_ASSERT_PTR_NOT_NULL(strstr(found, "R11 users:U1001"));
}

/* ---- R11's checksums carried by the triggers' deltas (migration recon_checksum_deltas) ----
 * The checksums move only by the deltas the mark triggers computed, never by a rehash of a
 * marked user's rows: a change behind the triggers to a user the triggers also marked the
 * same day is found (the rehash used to absorb it), it stays found until an operator
 * resolves the break, which re-baselines that checksum from the rows, logged. */

#define BYPASS_APR "UPDATE loans SET apr_bp = apr_bp + 1 WHERE order_id = 'O20260304001'"
#define MARK_U1001 "UPDATE users SET credit_limit_fen = credit_limit_fen + 100 WHERE user_id = 'U1001'"

static const char sql_r11_breaks[] =
  "SELECT coalesce(string_agg(business_date || ' ' || check_id || ' ' || break_key || ' ' || status, ', '"
  "                           ORDER BY break_id), '') FROM recon_breaks";

/* A loan changed with the triggers off (its APR: no ledger sees it), then the same user
 * changed through the triggers (a users mark): R11 names the loan's user. */
static char *
marked_bypass_clone(void)
{
  char *db = itest_clone_db("tamper_marked", base());
  PGconn *su = itest_connect(db, "postgres");
  g_free(itest_query(su, "SET search_path = baitiao; " REPLICA BYPASS_APR
                         "; SET session_replication_role = origin; " MARK_U1001));
  g_autofree char *marks = itest_query(su, "SELECT string_agg(user_id || ' ' || table_name, ',') FROM"
                                           " baitiao.recon_changed_users WHERE reconciled_date IS NULL");
  ITEST_ASSERT_STR_EQ(marks, "U1001 users");
  PQfinish(su);
  return db;
}

static void
test_bypass_on_a_marked_user_is_found(void)
{
  g_autofree char *db = marked_bypass_clone();
  PGconn *c = itest_connect(db, "baitiao_batch");
  gint64 n = -1;
  CU_ASSERT_FATAL(recon(c, RECON_NIGHTLY, &n));
  CU_ASSERT_EQUAL(n, 1);
  g_autofree char *found = itest_query(c, sql_r11_breaks);
  ITEST_ASSERT_STR_EQ(found, NEWEST " R11 loans:U1001 OPEN");
  PQfinish(c);
}

/* The found change never heals by itself: another change of the user through the
 * triggers, another pass, still found. Resolving the break accepts it (the checksum
 * re-baselined from the rows, logged, once); the next pass is clean. */
static void
test_resolving_an_r11_break_accepts_the_change(void)
{
  g_autofree char *db = marked_bypass_clone();
  PGconn *c = itest_connect(db, "baitiao_batch");
  gint64 n = -1;
  CU_ASSERT_FATAL(recon(c, RECON_NIGHTLY, &n));
  CU_ASSERT_EQUAL(n, 1);
  PGconn *su = itest_connect(db, "postgres");
  g_free(itest_query(su, "SET search_path = baitiao; " MARK_U1001));
  PQfinish(su);
  CU_ASSERT_FATAL(recon(c, RECON_NIGHTLY, &n));
  CU_ASSERT_EQUAL(n, 1);
  g_autofree char *id = itest_query(c, "SELECT break_id FROM recon_breaks WHERE check_id = 'R11'");
  g_autofree char *config = itest_write_config(db, NULL);
  g_autoptr(ItestRun) r = itest_baitiao_config(config, (const char *[]) { "recon", "resolve", id, "--note",
                                                                          "APR corrected by the DBA, ticket 42",
                                                                          NULL }, NULL);
  CU_ASSERT_EQUAL(r->status, 0);
  g_autofree char *sql_log = g_strdup_printf("SELECT a.user_id || ' ' || a.table_name || ' ' || a.accepted_by || ' '"
                                             "  || (a.sum_before <> a.sum_after) || ' ' || b.status"
                                             " FROM recon_checksum_acceptances a JOIN recon_breaks b USING (break_id)"
                                             " WHERE break_id = %s", id);
  g_autofree char *log = itest_query(c, sql_log);
  ITEST_ASSERT_STR_EQ(log, "U1001 loans baitiao_batch true RESOLVED");
  /* accepted in the resolving transaction only, once */
  g_autofree char *again = g_strdup_printf("SELECT recon_accept_unmarked_change(%s)", id);
  char state[6] = "";
  g_autofree char *refused = itest_sql(c, again, state);
  CU_ASSERT_PTR_NULL(refused);
  ITEST_ASSERT_STR_EQ(state, "22023");
  CU_ASSERT_FATAL(recon(c, RECON_NIGHTLY, &n));
  CU_ASSERT_EQUAL(n, 0);
  g_autofree char *unmarked = itest_query(c, "SELECT count(*) FROM recon_unmarked_changes()");
  ITEST_ASSERT_STR_EQ(unmarked, "0");
  PQfinish(c);
}

/* A take adds each mark's delta once: a take rolled back adds nothing, a committed take
 * rerun for the same date adds nothing again, and a change committed after a take's
 * snapshot keeps its mark (and delta) for the next take. */
static void
test_take_adds_each_delta_once(void)
{
  g_autofree char *db = itest_clone_db("tamper_take", base());
  PGconn *su = itest_connect(db, "postgres");
  PGconn *c = itest_connect(db, "baitiao_batch");
  static const char take[] = "SELECT count(*) FROM recon_take_changed_users('" NEWEST "')";
  static const char unmarked[] = "SELECT coalesce(string_agg(table_name || ':' || user_id, ',' ORDER BY 1), '')"
                                 "  FROM recon_unmarked_changes()";
  g_autofree char *clean = itest_query(c, unmarked);
  ITEST_ASSERT_STR_EQ(clean, "");
  g_free(itest_query(su, "SET search_path = baitiao; " MARK_U1001));
  g_autofree char *waiting = itest_query(c, unmarked);   /* its mark not taken yet */
  ITEST_ASSERT_STR_EQ(waiting, "users:U1001");
  g_free(itest_query(c, "BEGIN"));
  g_free(itest_query(c, take));
  g_free(itest_query(c, "ROLLBACK"));
  g_autofree char *rolled_back = itest_query(c, unmarked);
  ITEST_ASSERT_STR_EQ(rolled_back, "users:U1001");
  g_free(itest_query(c, take));
  g_autofree char *taken = itest_query(c, unmarked);
  ITEST_ASSERT_STR_EQ(taken, "");
  g_free(itest_query(c, take));
  g_autofree char *rerun = itest_query(c, unmarked);
  ITEST_ASSERT_STR_EQ(rerun, "");
  /* a take on a snapshot older than a change committed meanwhile */
  g_free(itest_query(c, "BEGIN ISOLATION LEVEL REPEATABLE READ"));
  g_free(itest_query(c, "SELECT count(*) FROM recon_changed_users"));
  g_free(itest_query(su, "UPDATE users SET credit_limit_fen = credit_limit_fen + 100 WHERE user_id = 'U1003'"));
  g_free(itest_query(c, take));
  g_free(itest_query(c, "COMMIT"));
  g_autofree char *later = itest_query(c, unmarked);
  ITEST_ASSERT_STR_EQ(later, "users:U1003");
  g_autofree char *left = itest_query(c, "SELECT string_agg(user_id || ' ' || table_name, ',') FROM recon_changed_users"
                                         " WHERE reconciled_date IS NULL");
  ITEST_ASSERT_STR_EQ(left, "U1003 users");
  g_free(itest_query(c, take));
  g_autofree char *next = itest_query(c, unmarked);
  ITEST_ASSERT_STR_EQ(next, "");
  PQfinish(c);
  PQfinish(su);
}

CU_TestInfo itest_tamper_cases[] = {
  { "row hashes cover every column", test_row_hashes_cover_every_column },
  { "clean book has no breaks", test_clean_book_has_no_breaks },
  { "tamper cases", test_tamper_cases },
  { "next night finds bypass", test_next_night_finds_bypass },
  { "clean nights only compare counters", test_clean_nights_only_compare_counters },
  { "bypass after a counted night is found", test_bypass_after_a_counted_night_is_found },
  { "aborted transaction costs one hashed night", test_aborted_transaction_costs_one_hashed_night },
  { "file node, reset and lost mark force hashing", test_file_node_reset_and_lost_mark_force_hashing },
  { "bypass on a marked user is found", test_bypass_on_a_marked_user_is_found },
  { "resolving an R11 break accepts the change", test_resolving_an_r11_break_accepts_the_change },
  { "take adds each delta once", test_take_adds_each_delta_once },
  CU_TEST_INFO_NULL,
};
