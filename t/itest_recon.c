/* Reconciliation (product-rules §9): the demo nights through the real binary are
 * clean; then one fault per check, made behind the system's back, is found by
 * exactly that check with exactly its key and diff. Also: reruns find the same
 * breaks, the settlement wait and late matches (R7), the life of a break, and the
 * exit codes of recon and eod.
 *
 * The demo (t/data): U1001 FPP12 1000.00 on 03-04 (period 1 = 83.33 + 5.00, billed
 * 03-05, paid 88.33 by ALIPAY on 03-14); U1002 ANN12 3999.99 on 03-04, 999.99
 * refunded on 03-10 (installments 12 and 11 to zero, 299.68 off 10), 500.00 paid by
 * WECHAT on 03-14 (315.39 + 40.00 of period 1, 144.61 left as credit balance). On
 * 03-18: outstanding principal 916.67 + 2,684.61 = 3,601.28, no fee or penalty
 * outstanding, credit balance 144.61. */
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "itest.h"
#include "recon.h"

static char *
data_file(const char *name)
{
  return g_build_filename(g_getenv("top_srcdir"), "t/data", name, NULL);
}

static ItestRun *
baitiao(const char *config, const char *const *args)
{
  return itest_baitiao_config(config, args, NULL);
}

static void
expect_status(ItestRun *run, int status)
{
  if (run->status != status)
    fprintf(stderr, "\n  exit %d, expected %d:\n%s\n%s\n", run->status, status, run->out, run->err);
  CU_ASSERT_EQUAL(run->status, status);
}

static void
load(const char *config, const char *kind, const char *channel, const char *path)
{
  g_autoptr(ItestRun) r = channel ? baitiao(config, (const char *[]) { "load", kind, "--channel", channel, path, NULL })
                                  : baitiao(config, (const char *[]) { "load", kind, path, NULL });
  expect_status(r, 0);
}

/* The demo data, with or without both channels' settlement files of 03-14, run
 * through the night of UNTIL by the binary. */
static char *
demo_db(const char *prefix, gboolean settlement, const char *until, int expect)
{
  g_autofree char *config = NULL;
  char *db = itest_example_db(prefix, ITEST_EXAMPLE_KINDS, &config);
  if (settlement)
    itest_load_example_settlements(config);
  g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "eod", "--date", "2026-03-04", "--catch-up",
                                                               "--until", until, NULL });
  expect_status(run, expect);
  return db;
}

/* Databases built once and cloned per test, so each test costs a clone. */
static char *clean_base;
static char *unsettled_base;

static char *
clone_of(char **base, const char *prefix, gboolean settlement, const char *until)
{
  if (!*base)
    *base = demo_db(prefix, settlement, until, 0);
  g_autofree char *clone = g_strdup_printf("%s_c", prefix);
  return itest_clone_db(clone, *base);
}

static char *
clean_clone(void)
{
  return clone_of(&clean_base, "recon_clean", TRUE, "2026-03-18");
}

/* Runs the pass for DATE through the library; returns its breaks as
 * "check/type/key/expected/actual/diff" in key order ("" when clean). */
static char *
recon_breaks(PGconn *c, const char *date, gint64 *found)
{
  ReconSummary s;
  CU_ASSERT_FATAL(itest_recon(c, date, RECON_NIGHTLY, &s));
  if (found)
    *found = s.breaks;
  /* what the pass found is what the date holds: each break of the date, once */
  g_autofree char *sql = g_strdup_printf(
    "SELECT coalesce(string_agg(concat_ws('/', check_id, break_type, break_key, expected_fen, actual_fen, diff_fen),"
    "                           ' ' ORDER BY check_id, break_key), '') || '#' || count(*)"
    "  FROM recon_breaks WHERE business_date = '%s'", date);
  g_autofree char *row = itest_query(c, sql);
  CU_ASSERT_PTR_NOT_NULL_FATAL(row);
  char *hash = strrchr(row, '#');
  CU_ASSERT_EQUAL(g_ascii_strtoll(hash + 1, NULL, 10), s.breaks);
  char *got = g_strndup(row, (gsize) (hash - row));
  return got;
}

static void
exec_as(const char *db, const char *user, const char *sql)
{
  PGconn *c = itest_connect(db, user);
  g_autofree char *ok = itest_query(c, sql);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ok);
  PQfinish(c);
}

/* ---- clean ------------------------------------------------------------------ */

static void
test_demo_nights_are_clean(void)
{
  g_autofree char *db = clean_clone();
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *runs = itest_query(c, "SELECT count(*) || ' ' || sum(breaks_found) || ' ' || min(checks_run)"
                                         "  FROM recon_runs WHERE status = 'SUCCEEDED'");
  ITEST_ASSERT_STR_EQ(runs, "15 0 14");   /* one per night 03-04 … 03-18, every nightly check ran */
  g_autofree char *breaks = itest_query(c, "SELECT count(*) FROM recon_breaks");
  ITEST_ASSERT_STR_EQ(breaks, "0");
  /* R9 closings of the last night, hand-computed above */
  g_autofree char *closings = itest_query(c, "SELECT string_agg(ledger || '=' || closing_fen, ' ' ORDER BY ledger)"
                                             "  FROM recon_ledger_closings WHERE business_date = '2026-03-18'");
  ITEST_ASSERT_STR_EQ(closings, "CREDIT_BALANCE=14461 FEE=0 PENALTY=0 PRINCIPAL=360128 WRITTEN_OFF=0");
  /* R7 saw both 03-14 repayments matched */
  g_autofree char *matched = itest_query(c, "SELECT count(*) FROM settlement_lines s JOIN inbox_repayments r"
                                            "  ON r.txn_id = s.channel_txn_id AND r.amount_fen = s.amount_fen");
  ITEST_ASSERT_STR_EQ(matched, "2");
  g_autofree char *got = recon_breaks(c, "2026-03-18", NULL);
  ITEST_ASSERT_STR_EQ(got, "");
  PQfinish(c);
}

/* ---- one fault per check ----------------------------------------------------- */

static void
test_r1_order_amount(void)
{
  g_autofree char *db = clean_clone();
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_free(itest_query(c, "UPDATE inbox_orders SET amount_fen = amount_fen + 1 WHERE order_id = 'O20260304001'"));
  gint64 n1 = 0, n2 = 0;
  g_autofree char *first = recon_breaks(c, "2026-03-04", &n1);
  ITEST_ASSERT_STR_EQ(first, "R1/MISMATCH/O20260304001/100001/100000/-1");
  /* a rerun finds the same break, not a new one */
  g_autofree char *again = recon_breaks(c, "2026-03-04", &n2);
  ITEST_ASSERT_STR_EQ(again, "R1/MISMATCH/O20260304001/100001/100000/-1");
  CU_ASSERT_EQUAL(n1, 1);
  CU_ASSERT_EQUAL(n2, 1);
  g_autofree char *rows = itest_query(c, "SELECT count(*) FROM recon_breaks");
  ITEST_ASSERT_STR_EQ(rows, "1");
  PQfinish(c);
}

static void
test_r2_installment_principal(void)
{
  g_autofree char *db = clean_clone();
  PGconn *c = itest_connect(db, "baitiao_batch");
  /* one more fen in the schedule, reduced again so no balance moves: only the
   * schedule-vs-loan tie breaks */
  g_free(itest_query(c, "UPDATE installments SET principal_fen = principal_fen + 1,"
                        "       principal_reduced_fen = principal_reduced_fen + 1"
                        " WHERE order_id = 'O20260304001' AND installment_no = 12"));
  g_autofree char *got = recon_breaks(c, "2026-03-04", NULL);
  ITEST_ASSERT_STR_EQ(got, "R2/MISMATCH/O20260304001/100000/100001/1");
  PQfinish(c);
}

static void
test_r3_repayment_amount(void)
{
  g_autofree char *db = clean_clone();
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_free(itest_query(c, "UPDATE inbox_repayments SET amount_fen = amount_fen + 1 WHERE txn_id = 'ALI202603140001'"));
  /* on 03-14 the settlement file is not due yet: R7 stays quiet */
  g_autofree char *got = recon_breaks(c, "2026-03-14", NULL);
  ITEST_ASSERT_STR_EQ(got, "R3/MISMATCH/ALI202603140001/8834/8833/-1");
  PQfinish(c);
}

static void
test_r4_gl_balance(void)
{
  g_autofree char *db = clean_clone();
  /* a balanced change to the GL alone: 1122 up one fen, 2202 too */
  exec_as(db, "baitiao_owner",
          "UPDATE baitiao.gl_daily_balances SET debit_fen = debit_fen + 1, closing_fen = closing_fen + 1"
          " WHERE business_date = '2026-03-18' AND account_code = '1122';"
          "UPDATE baitiao.gl_daily_balances SET credit_fen = credit_fen + 1, closing_fen = closing_fen - 1"
          " WHERE business_date = '2026-03-18' AND account_code = '2202'");
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *got = recon_breaks(c, "2026-03-18", NULL);
  ITEST_ASSERT_STR_EQ(got, "R4/MISMATCH/1122/360128/360129/1");
  PQfinish(c);
}

static void
test_r5_unbalanced_entry(void)
{
  g_autofree char *db = clean_clone();
  /* the database refuses this; a superuser with triggers off simulates corruption */
  exec_as(db, "postgres",
          "SET session_replication_role = replica;"
          "WITH e AS (INSERT INTO baitiao.journal_entries (business_date, entry_type, step_name, posting_key)"
          "           VALUES ('2026-03-18', 'ADJUSTMENT', 'test', 'test:unbalanced') RETURNING entry_id)"
          " INSERT INTO baitiao.journal_lines (entry_id, line_no, business_date, account_code, debit_fen)"
          " SELECT entry_id, 1, '2026-03-18', '6701', 1 FROM e");
  PGconn *c = itest_connect(db, "baitiao_batch");
  /* keyed by the entry's posting key; R12 also sees an entry added after the seal */
  g_autofree char *got = recon_breaks(c, "2026-03-18", NULL);
  ITEST_ASSERT_STR_EQ(got, "R12/MISMATCH/2026-03-18 test:unbalanced UNEXPECTED "
                           "R5/MISMATCH/entry:test:unbalanced/1/0/-1");
  PQfinish(c);
}

static void
test_r6_statement_new_charge(void)
{
  g_autofree char *db = clean_clone();
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_free(itest_query(c, "UPDATE statements SET new_fee_fen = new_fee_fen + 1, total_due_fen = total_due_fen + 1"
                        " WHERE user_id = 'U1001' AND statement_date = '2026-03-05'"));
  g_autofree char *got = recon_breaks(c, "2026-03-05", NULL);
  ITEST_ASSERT_STR_EQ(got, "R6/MISMATCH/U1001/8833/8834/1");
  PQfinish(c);
}

static void
test_r7_settlement_faults(void)
{
  g_autofree char *db = clean_clone();
  /* a line dropped, a line altered, a line we never saw */
  exec_as(db, "baitiao_owner",
          "DELETE FROM baitiao.settlement_lines WHERE channel_txn_id = 'WX202603140002';"
          "UPDATE baitiao.settlement_lines SET amount_fen = amount_fen + 1 WHERE channel_txn_id = 'ALI202603140001'");
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *file = g_strdup_printf("%s/settlement_ALIPAY_20260314_ghost_%d.csv", itest_tmpdir(), (int) getpid());
  CU_ASSERT_FATAL(g_file_set_contents(file, "channel_txn_id,pay_date,amount\nALI_GHOST,2026-03-14,12.34\n", -1, NULL));
  g_autofree char *config = itest_write_config(db, NULL);
  load(config, "settlement", "ALIPAY", file);
  g_autofree char *got = recon_breaks(c, "2026-03-17", NULL);
  ITEST_ASSERT_STR_EQ(got, "R7/AMOUNT_MISMATCH/ALIPAY:ALI202603140001/8833/8834/1 "
                           "R7/CHANNEL_ONLY/ALIPAY:ALI_GHOST/0/1234/1234 "
                           "R7/SYSTEM_ONLY/WECHAT:WX202603140002/50000/0/-50000");
  /* the next night does not report the same items again */
  g_autofree char *next = recon_breaks(c, "2026-03-18", NULL);
  ITEST_ASSERT_STR_EQ(next, "");
  PQfinish(c);
}

static void
test_r8_used_limit(void)
{
  g_autofree char *db = clean_clone();
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_free(itest_query(c, "UPDATE users SET used_limit_fen = used_limit_fen + 1 WHERE user_id = 'U1001'"));
  g_autofree char *got = recon_breaks(c, "2026-03-18", NULL);
  ITEST_ASSERT_STR_EQ(got, "R8/MISMATCH/U1001/91667/91668/1");
  PQfinish(c);
}

static void
test_r9_movement_removed(void)
{
  g_autofree char *db = clean_clone();
  /* the refund of 03-10 reduced 299.68 off installment 10: one fen of that
   * movement disappears (the installment still says 299.68) */
  exec_as(db, "baitiao_owner",
          "UPDATE baitiao.allocations SET amount_fen = amount_fen - 1"
          " WHERE source = 'REFUND' AND installment_no = 10");
  PGconn *c = itest_connect(db, "baitiao_batch");
  /* principal on 03-10: 4,999.99 originated less 999.99 refunded = 4,000.00 */
  g_autofree char *got = recon_breaks(c, "2026-03-10", NULL);
  ITEST_ASSERT_STR_EQ(got, "R9/MISMATCH/PRINCIPAL/400001/400000/-1");
  PQfinish(c);
}

/* ---- settlement wait, late matches, eod exit 3 ----------------------------- */

static char *
unsettled_clone(void)
{
  return clone_of(&unsettled_base, "recon_unsettled", FALSE, "2026-03-16");
}

static void
test_eod_exits_3_and_late_match_closes_break(void)
{
  g_autofree char *db = unsettled_clone();
  g_autofree char *config = itest_write_config(db, NULL);
  g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "eod", "--catch-up", "--until", "2026-03-18", NULL });
  expect_status(run, 3);
  ITEST_ASSERT_CONTAINS(run->err, "2026-03-17 2");
  PGconn *c = itest_connect(db, "baitiao_batch");
  /* closed by default; not a break before the wait (2 days) has passed */
  g_autofree char *cal = itest_query(c, "SELECT max(business_date) FROM business_calendar WHERE status = 'CLOSED'");
  ITEST_ASSERT_STR_EQ(cal, "2026-03-18");
  g_autofree char *breaks = itest_query(c, "SELECT string_agg(business_date || ' ' || break_type || ' ' || break_key,"
                                           " ', ' ORDER BY break_key) FROM recon_breaks");
  ITEST_ASSERT_STR_EQ(breaks, "2026-03-17 SYSTEM_ONLY ALIPAY:ALI202603140001, "
                              "2026-03-17 SYSTEM_ONLY WECHAT:WX202603140002");
  /* the ALIPAY file comes late: recon resolves that break, the other stays open */
  g_autofree char *ali = data_file("settlement_ALIPAY_20260314.csv");
  load(config, "settlement", "ALIPAY", ali);
  g_autoptr(ItestRun) again = baitiao(config, (const char *[]) { "recon", NULL });
  expect_status(again, 0);   /* nothing new on 03-18 */
  ITEST_ASSERT_CONTAINS(again->out, "1 earlier settlement break(s) resolved by late matches");
  g_autofree char *status = itest_query(c, "SELECT string_agg(break_key || ' ' || status || ' ' || coalesce(note, '-'),"
                                           " ', ' ORDER BY break_key) FROM recon_breaks");
  ITEST_ASSERT_STR_EQ(status, "ALIPAY:ALI202603140001 RESOLVED matched late: settlement file "
                              "settlement_ALIPAY_20260314.csv line 2, recon of 2026-03-18, "
                              "WECHAT:WX202603140002 OPEN -");
  PQfinish(c);
}

static void
test_breaks_block_close(void)
{
  g_autofree char *db = unsettled_clone();
  g_autofree char *config = itest_write_config(db, "[recon]\nbreaks_block_close=true\n");
  g_autoptr(ItestRun) run = baitiao(config, (const char *[]) { "eod", "--catch-up", "--until", "2026-03-18", NULL });
  expect_status(run, 3);
  ITEST_ASSERT_CONTAINS(run->err, "stays open");
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *cal = itest_query(c, "SELECT string_agg(business_date || ':' || status, ' ' ORDER BY business_date)"
                                        "  FROM business_calendar WHERE business_date >= '2026-03-16'");
  ITEST_ASSERT_STR_EQ(cal, "2026-03-16:CLOSED 2026-03-17:OPEN");
  /* explained breaks no longer block: the rerun closes the date */
  g_autofree char *ids = itest_query(c, "SELECT string_agg(break_id::text, ' ' ORDER BY break_id) FROM recon_breaks");
  g_auto(GStrv) id = g_strsplit(ids, " ", -1);
  CU_ASSERT_EQUAL_FATAL(g_strv_length(id), 2);
  for (int i = 0; i < 2; i++) {
    g_autoptr(ItestRun) ex = baitiao(config, (const char *[]) { "recon", "explain", id[i], "--note", "file late", NULL });
    expect_status(ex, 0);
  }
  g_autoptr(ItestRun) rerun = baitiao(config, (const char *[]) { "eod", NULL });
  expect_status(rerun, 0);
  g_autofree char *cal2 = itest_query(c, "SELECT status FROM business_calendar WHERE business_date = '2026-03-17'");
  ITEST_ASSERT_STR_EQ(cal2, "CLOSED");
  PQfinish(c);
}

/* ---- the life of a break, through the binary -------------------------------- */

static void
test_break_lifecycle_and_exit_codes(void)
{
  g_autofree char *db = clean_clone();
  g_autofree char *config = itest_write_config(db, NULL);
  g_autoptr(ItestRun) clean = baitiao(config, (const char *[]) { "recon", NULL });
  expect_status(clean, 0);
  ITEST_ASSERT_CONTAINS(clean->out, "recon 2026-03-18");
  ITEST_ASSERT_CONTAINS(clean->out, "0 break(s)");
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_free(itest_query(c, "UPDATE users SET used_limit_fen = used_limit_fen + 1 WHERE user_id = 'U1001'"));
  g_autoptr(ItestRun) broken = baitiao(config, (const char *[]) { "recon", NULL });
  expect_status(broken, 3);
  /* R8 compares the users changed since the last recon: the one tampered with */
  ITEST_ASSERT_CONTAINS(broken->out, "R8                1");
  ITEST_ASSERT_CONTAINS(broken->err, "found 1 break(s)");
  g_autofree char *id = itest_query(c, "SELECT break_id FROM recon_breaks");
  g_autoptr(ItestRun) list = baitiao(config, (const char *[]) { "recon", "breaks", "--open", NULL });
  expect_status(list, 0);
  ITEST_ASSERT_CONTAINS(list->out, "U1001");
  ITEST_ASSERT_CONTAINS(list->out, "OPEN");
  g_autoptr(ItestRun) no_note = baitiao(config, (const char *[]) { "recon", "explain", id, NULL });
  expect_status(no_note, 2);
  g_autoptr(ItestRun) ex = baitiao(config, (const char *[]) { "recon", "explain", id, "--note", "test fault", NULL });
  expect_status(ex, 0);
  g_autofree char *who = recon_who();
  g_autofree char *explained = itest_query(c, "SELECT status || ' ' || explained_by || ' ' || note FROM recon_breaks");
  g_autofree char *want = g_strdup_printf("EXPLAINED %s test fault", who);
  ITEST_ASSERT_STR_EQ(explained, want);
  g_autoptr(ItestRun) res = baitiao(config, (const char *[]) { "recon", "resolve", id, "--note", "limit fixed", NULL });
  expect_status(res, 0);
  g_autofree char *resolved = itest_query(c, "SELECT status || ' ' || (resolved_by IS NOT NULL) || ' '"
                                             " || replace(note, E'\\n', '|') FROM recon_breaks");
  ITEST_ASSERT_STR_EQ(resolved, "RESOLVED true test fault|limit fixed");
  g_autoptr(ItestRun) twice = baitiao(config, (const char *[]) { "recon", "resolve", id, NULL });
  expect_status(twice, 1);
  ITEST_ASSERT_CONTAINS(twice->err, "already resolved");
  g_autoptr(ItestRun) open = baitiao(config, (const char *[]) { "recon", "breaks", "--open", NULL });
  ITEST_ASSERT_CONTAINS(open->out, "0 break(s)");
  /* never deleted, facts never rewritten */
  char state[6] = "";
  g_autofree char *del = itest_sql(c, "DELETE FROM recon_breaks", state);
  CU_ASSERT_PTR_NULL(del);
  ITEST_ASSERT_STR_EQ(state, "42501");
  g_autofree char *upd = itest_sql(c, "UPDATE recon_breaks SET diff_fen = 0", state);
  CU_ASSERT_PTR_NULL(upd);
  ITEST_ASSERT_STR_EQ(state, "42501");
  PQfinish(c);
}

static void
test_settlement_load(void)
{
  g_autofree char *db = clean_clone();
  g_autofree char *config = itest_write_config(db, NULL);
  g_autofree char *ali = data_file("settlement_ALIPAY_20260314.csv");
  g_autoptr(ItestRun) no_channel = baitiao(config, (const char *[]) { "load", "settlement", ali, NULL });
  expect_status(no_channel, 2);
  g_autofree char *users = data_file("users.csv");
  g_autoptr(ItestRun) stray = baitiao(config, (const char *[]) { "load", "users", "--channel", "ALIPAY", users, NULL });
  expect_status(stray, 2);
  /* the same line in another file: DUPLICATE_SETTLEMENT, even though 03-14 is closed */
  g_autofree char *dup = g_strdup_printf("%s/settlement_dup_%d.csv", itest_tmpdir(), (int) getpid());
  CU_ASSERT_FATAL(g_file_set_contents(dup, "channel_txn_id,pay_date,amount\nALI202603140001,2026-03-14,88.33\n"
                                           "ALI202603140009,2026-03-14,1.00\n", -1, NULL));
  g_autoptr(ItestRun) d = baitiao(config, (const char *[]) { "load", "settlement", "--channel", "ALIPAY", dup, NULL });
  expect_status(d, 0);
  ITEST_ASSERT_CONTAINS(d->out, "2 rows, 1 accepted, 1 rejected (DUPLICATE_SETTLEMENT 1)");
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *file = itest_query(c, "SELECT channel || ' ' || file_date FROM load_files"
                                         " WHERE kind = 'settlement' ORDER BY file_id DESC LIMIT 1");
  ITEST_ASSERT_STR_EQ(file, "ALIPAY 2026-03-14");
  PQfinish(c);
}

/* recon --full through the binary: clean book exit 0 with every check run and the
 * run recorded as FULL; a schedule edited behind the program's back exit 3 with
 * R13 naming installment and field, the same break (not a copy) on a second audit;
 * an earlier --date skips the balance checks; --full goes with run only. */
static void
test_full_audit_cli(void)
{
  g_autofree char *db = clean_clone();
  g_autofree char *config = itest_write_config(db, NULL);
  g_autoptr(ItestRun) clean = baitiao(config, (const char *[]) { "recon", "--full", NULL });
  expect_status(clean, 0);
  ITEST_ASSERT_CONTAINS(clean->out, "recon 2026-03-18  run ");
  ITEST_ASSERT_CONTAINS(clean->out, "(full audit)");
  ITEST_ASSERT_CONTAINS(clean->out, "0 break(s), 0 new");
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *run = itest_query(c, "SELECT mode || ' ' || status || ' ' || checks_run || ' ' || breaks_found"
                                        "  FROM recon_runs ORDER BY recon_run_id DESC LIMIT 1");
  ITEST_ASSERT_STR_EQ(run, "FULL SUCCEEDED 20 0");
  exec_as(db, "postgres", "UPDATE baitiao.installments SET fee_fen = fee_fen + 7"
                          " WHERE order_id = 'O20260304002' AND installment_no = 5");
  g_autoptr(ItestRun) found = baitiao(config, (const char *[]) { "recon", "--full", NULL });
  expect_status(found, 3);
  g_autoptr(ItestRun) again = baitiao(config, (const char *[]) { "recon", "--full", NULL });
  expect_status(again, 3);
  ITEST_ASSERT_CONTAINS(again->out, "1 break(s), 0 new");
  /* status shows the last full audit and what it found */
  g_autoptr(ItestRun) status = baitiao(config, (const char *[]) { "status", NULL });
  expect_status(status, 0);
  ITEST_ASSERT_CONTAINS(status->out, "audit:    last full audit of 2026-03-18 at ");
  ITEST_ASSERT_CONTAINS(status->out, ": SUCCEEDED, 1 break(s) found\n");
  g_autofree char *breaks = itest_query(c, "SELECT string_agg(concat_ws('/', business_date, check_id, break_key,"
                                           "                   expected_fen, actual_fen, diff_fen), ' ')"
                                           "  FROM recon_breaks");
  g_autofree char *fee = itest_query(c, "SELECT fee_fen - 7 FROM installments"
                                        " WHERE order_id = 'O20260304002' AND installment_no = 5");
  g_autofree char *want = g_strdup_printf("2026-03-04/R13/O20260304002:5:fee/%s/%" G_GINT64_FORMAT "/7", fee,
                                          g_ascii_strtoll(fee, NULL, 10) + 7);
  ITEST_ASSERT_STR_EQ(breaks, want);
  /* the nightly pass does not look at schedules */
  g_autoptr(ItestRun) nightly = baitiao(config, (const char *[]) { "recon", NULL });
  expect_status(nightly, 0);
  ITEST_ASSERT_CONTAINS(nightly->out, "skipped  schedules = schedule engine (recon --full only)");
  g_autoptr(ItestRun) earlier = baitiao(config, (const char *[]) { "recon", "--full", "--date", "2026-03-10", NULL });
  expect_status(earlier, 3);
  ITEST_ASSERT_CONTAINS(earlier->out, "whole-portfolio balances: newest date only");
  g_autoptr(ItestRun) usage = baitiao(config, (const char *[]) { "recon", "breaks", "--full", NULL });
  expect_status(usage, 2);
  PQfinish(c);
}

/* ---- the ledgers the nights carry, the night's snapshot ---------------------- */

/* The nightly pass carries each user's sub-ledgers forward by the day's movements and
 * does not recompute a user from the rows for a change to an installment (triggers on,
 * no movement): the full audit's R17 compares every user with the rows and finds it,
 * R4 and R9 then show what it does to the balances. */
static void
test_r17_finds_a_ledger_the_movements_did_not_carry(void)
{
  g_autofree char *db = clean_clone();
  PGconn *c = itest_connect(db, "baitiao_batch");
  /* installment 12 of O20260304001 (U1001), not billed yet: 3 fen more principal */
  exec_as(db, "postgres", "UPDATE baitiao.installments SET principal_fen = principal_fen + 3"
                          " WHERE order_id = 'O20260304001' AND installment_no = 12");
  g_autofree char *nightly = recon_breaks(c, "2026-03-18", NULL);
  ITEST_ASSERT_STR_EQ(nightly, "");   /* the day moved nothing: the nightly pass trusts the movements */
  ReconSummary s;
  CU_ASSERT_FATAL(itest_recon(c, "2026-03-18", RECON_FULL, &s));
  CU_ASSERT_STRING_EQUAL(s.checks[16].check_id, "R17");
  g_autofree char *users = itest_query(c, "SELECT count(*) FROM users");
  CU_ASSERT_EQUAL(s.checks[16].rows, g_ascii_strtoll(users, NULL, 10));
  CU_ASSERT_EQUAL(s.checks[16].breaks, 2);
  g_autofree char *got = itest_query(c, "SELECT string_agg(concat_ws('/', check_id, break_key, expected_fen,"
                                        "                            actual_fen, diff_fen), ' ' ORDER BY check_id, break_key)"
                                        "  FROM recon_breaks WHERE business_date = '2026-03-18'");
  /* R16: the aging aggregate of D was made from the installments before the change */
  ITEST_ASSERT_STR_EQ(got, "R16/aging:ACTIVE:C:NORMAL:principal/360131/360128/-3"
                           " R17/U1001:ACTIVE_PRINCIPAL/91670/91667/-3 R17/U1001:PRINCIPAL/91670/91667/-3"
                           " R4/1122/360131/360128/-3 R8/U1001/91670/91667/-3 R9/PRINCIPAL/360128/360131/3");
  /* the audit rewrote U1001 from the rows: the next nightly pass carries that */
  g_autofree char *ledger = itest_query(c, "SELECT principal_fen || ' ' || d_principal_fen FROM recon_user_ledgers"
                                           " WHERE user_id = 'U1001'");
  ITEST_ASSERT_STR_EQ(ledger, "91670 3");
  PQfinish(c);
}

/* A rerun of the newest date applies that date's movements once: the ledgers after
 * two nightly passes and a full audit in between are the rows' (R17 clean). */
static void
test_rerun_carries_the_day_once(void)
{
  g_autofree char *db = clean_clone();
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *before = itest_query(c, "SELECT string_agg(user_id || '=' || principal_fen, ' ' ORDER BY user_id)"
                                           "  FROM recon_user_ledgers WHERE principal_fen <> 0");
  /* U1001 owes 916.67, U1002 2,684.61 (the file's comment) */
  ITEST_ASSERT_STR_EQ(before, "U1001=91667 U1002=268461");
  g_autofree char *first = recon_breaks(c, "2026-03-18", NULL);
  ITEST_ASSERT_STR_EQ(first, "");
  g_autofree char *second = recon_breaks(c, "2026-03-18", NULL);
  ITEST_ASSERT_STR_EQ(second, "");
  ReconSummary s;
  CU_ASSERT_FATAL(itest_recon(c, "2026-03-18", RECON_FULL, &s));
  CU_ASSERT_EQUAL(s.breaks, 0);
  g_autofree char *after = itest_query(c, "SELECT string_agg(user_id || '=' || principal_fen, ' ' ORDER BY user_id)"
                                          "  FROM recon_user_ledgers WHERE principal_fen <> 0");
  ITEST_ASSERT_STR_EQ(after, "U1001=91667 U1002=268461");
  PQfinish(c);
}

/* TRUE once one session waits for a lock in a statement on recon_ledger_closings
 * (polled for up to 60 s): the child has reached the row the test holds. */
static gboolean
waits_for_closings_lock(PGconn *watch)
{
  for (int i = 0; i < 600; i++) {
    g_autofree char *n = itest_query(watch, "SELECT count(*) FROM pg_stat_activity"
                                            " WHERE wait_event_type = 'Lock' AND query LIKE '%recon_ledger_closings%'");
    if (n && strcmp(n, "1") == 0)
      return TRUE;
    g_usleep(100000);
  }
  return FALSE;
}

/* The night's recon step runs in one REPEATABLE READ snapshot and is run again when
 * it meets a concurrent transaction: another session holds the row of D's PRINCIPAL
 * closing that the step writes last, and commits once the step waits for it. In
 * READ COMMITTED the step would simply go on; in its snapshot it fails with 40001,
 * is rolled back and runs again, and the night ends as a clean one. */
static void
test_night_recon_runs_again_after_a_serialization_failure(void)
{
  g_autofree char *db = clean_clone();
  g_autofree char *config = itest_write_config(db, NULL);
  PGconn *hold = itest_connect(db, "postgres");
  g_autofree char *begun = itest_query(hold, "BEGIN; INSERT INTO baitiao.recon_ledger_closings"
                                             " (business_date, ledger, closing_fen, recon_run_id)"
                                             " SELECT '2026-03-19', 'PRINCIPAL', -1, max(recon_run_id)"
                                             "   FROM baitiao.recon_runs");
  CU_ASSERT_PTR_NOT_NULL_FATAL(begun);
  g_autofree char *err = g_build_filename(g_get_tmp_dir(), "recon_conflict.err", NULL);
  GPid pid = itest_spawn_baitiao(config, (const char *[]) { "eod", "--date", "2026-03-19", NULL }, NULL, err);
  PGconn *watch = itest_connect(db, "postgres");
  CU_ASSERT(waits_for_closings_lock(watch));
  g_free(itest_query(hold, "COMMIT"));
  int status = itest_wait_child(pid, FALSE);
  CU_ASSERT_EQUAL(status, 0);
  g_autofree char *steps = itest_query(watch, "SELECT string_agg(status || CASE WHEN error LIKE '%(SQLSTATE 40001)%'"
                                              " THEN ':40001' ELSE '' END, ' ' ORDER BY step_run_id)"
                                              "  FROM baitiao.job_step_runs"
                                              " WHERE business_date = '2026-03-19' AND step_name = 'recon'");
  ITEST_ASSERT_STR_EQ(steps, "FAILED:40001 SUCCEEDED");
  g_autofree char *closing = itest_query(watch, "SELECT closing_fen FROM baitiao.recon_ledger_closings"
                                                " WHERE business_date = '2026-03-19' AND ledger = 'PRINCIPAL'");
  ITEST_ASSERT_STR_EQ(closing, "360128");   /* the second attempt's, not the other session's */
  g_autofree char *log = NULL;
  CU_ASSERT(g_file_get_contents(err, &log, NULL, NULL));
  ITEST_ASSERT_CONTAINS(log, "(attempt 1 of 3), running the step again");
  g_unlink(err);
  PQfinish(watch);
  PQfinish(hold);
}

/* Standalone recon retries the same way: another session holds D's PRINCIPAL closing
 * row (updated, uncommitted) and commits once recon waits for it; recon's snapshot then
 * cannot write the row (40001), the pass is rolled back and run again, exit 0. */
static void
test_standalone_recon_runs_again_after_a_serialization_failure(void)
{
  g_autofree char *db = clean_clone();
  g_autofree char *config = itest_write_config(db, NULL);
  PGconn *hold = itest_connect(db, "postgres");
  g_autofree char *begun = itest_query(hold, "BEGIN; UPDATE baitiao.recon_ledger_closings SET closing_fen = -1"
                                             " WHERE business_date = '2026-03-18' AND ledger = 'PRINCIPAL'");
  CU_ASSERT_PTR_NOT_NULL_FATAL(begun);
  g_autofree char *err = g_build_filename(g_get_tmp_dir(), "recon_conflict_cli.err", NULL);
  GPid pid = itest_spawn_baitiao(config, (const char *[]) { "recon", NULL }, NULL, err);
  PGconn *watch = itest_connect(db, "postgres");
  CU_ASSERT(waits_for_closings_lock(watch));
  g_free(itest_query(hold, "COMMIT"));
  CU_ASSERT_EQUAL(itest_wait_child(pid, FALSE), 0);
  g_autofree char *closing = itest_query(watch, "SELECT closing_fen FROM baitiao.recon_ledger_closings"
                                                " WHERE business_date = '2026-03-18' AND ledger = 'PRINCIPAL'");
  ITEST_ASSERT_STR_EQ(closing, "360128");
  g_autofree char *runs = itest_query(watch, "SELECT count(*) FROM baitiao.recon_runs"
                                             " WHERE business_date = '2026-03-18' AND job_run_id IS NULL");
  ITEST_ASSERT_STR_EQ(runs, "1");   /* the failed attempt left no run: it was rolled back */
  g_autofree char *log = NULL;
  CU_ASSERT(g_file_get_contents(err, &log, NULL, NULL));
  ITEST_ASSERT_CONTAINS(log, "(attempt 1 of 3), running it again");
  ITEST_ASSERT_CONTAINS(log, "SQLSTATE 40001");
  g_unlink(err);
  PQfinish(watch);
  PQfinish(hold);
}

CU_TestInfo itest_recon_cases[] = {
  { "full audit through the binary", test_full_audit_cli },
  { "settlement files load with their channel", test_settlement_load },
  { "demo nights are clean", test_demo_nights_are_clean },
  { "R1 order amount, rerun finds the same break", test_r1_order_amount },
  { "R2 installment principal", test_r2_installment_principal },
  { "R3 repayment amount", test_r3_repayment_amount },
  { "R4 GL balance", test_r4_gl_balance },
  { "R5 unbalanced entry", test_r5_unbalanced_entry },
  { "R6 statement new charge", test_r6_statement_new_charge },
  { "R7 dropped, altered and unknown settlement lines", test_r7_settlement_faults },
  { "R8 used limit", test_r8_used_limit },
  { "R9 movement removed", test_r9_movement_removed },
  { "eod exits 3, wait, late match closes a break", test_eod_exits_3_and_late_match_closes_break },
  { "breaks_block_close keeps the date open", test_breaks_block_close },
  { "break lifecycle and exit codes", test_break_lifecycle_and_exit_codes },
  { "R17 finds a ledger the movements did not carry", test_r17_finds_a_ledger_the_movements_did_not_carry },
  { "a rerun carries the day once", test_rerun_carries_the_day_once },
  { "night recon runs again after a serialization failure",
    test_night_recon_runs_again_after_a_serialization_failure },
  { "standalone recon runs again after a serialization failure",
    test_standalone_recon_runs_again_after_a_serialization_failure },
  CU_TEST_INFO_NULL,
};
