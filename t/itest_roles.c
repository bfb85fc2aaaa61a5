/* Least privilege, proven on the real schema: the batch role changes data but never
 * the schema; the report role only reads; the ledger refuses unbalanced entries. */
#include <stdio.h>
#include <string.h>

#include "itest.h"

/* Asserts that SQL fails for CONN with SQLSTATE STATE. */
static void
assert_refused(PGconn *conn, const char *sql, const char *state)
{
  char got[6] = "";
  g_autofree char *r = itest_sql(conn, sql, got);
  if (r || strcmp(got, state) != 0)
    fprintf(stderr, "\n  expected %s to fail with %s, got %s\n", sql, state, r ? "success" : got);
  CU_ASSERT_PTR_NULL(r);
  ITEST_ASSERT_STR_EQ(got, state);
}

static void
assert_ok(PGconn *conn, const char *sql)
{
  char got[6] = "";
  g_autofree char *r = itest_sql(conn, sql, got);
  if (!r)
    fprintf(stderr, "\n  expected %s to succeed, got %s\n", sql, got);
  CU_ASSERT_PTR_NOT_NULL(r);
}

static void
test_batch_role_cannot_change_schema(void)
{
  g_autofree char *db = itest_create_db("roles_batch", TRUE);
  PGconn *c = itest_connect(db, "baitiao_batch");
  assert_refused(c, "DROP TABLE baitiao.loans", "42501");
  assert_refused(c, "ALTER TABLE baitiao.loans ADD COLUMN x int", "42501");
  assert_refused(c, "TRUNCATE baitiao.journal_lines", "42501");
  assert_refused(c, "CREATE TABLE baitiao.sneaky (id int)", "42501");
  assert_refused(c, "CREATE INDEX ON baitiao.loans (user_id)", "42501");
  assert_refused(c, "DELETE FROM baitiao.schema_migrations", "42501");
  assert_refused(c, "INSERT INTO baitiao.schema_migrations VALUES (999, 'x', repeat('0', 64), now(), 'x', 0)", "42501");
  assert_refused(c, "DELETE FROM baitiao.recon_breaks", "42501");
  assert_ok(c, "SELECT count(*) FROM baitiao.loans");
  assert_ok(c, "INSERT INTO baitiao.business_calendar (business_date, status) VALUES ('2026-03-01', 'OPEN')");
  PQfinish(c);
}

static void
test_report_role_only_reads(void)
{
  g_autofree char *db = itest_create_db("roles_report", TRUE);
  PGconn *c = itest_connect(db, "baitiao_report");
  assert_ok(c, "SELECT count(*) FROM baitiao.loans");
  assert_ok(c, "SELECT count(*) FROM baitiao.journal_lines");
  assert_ok(c, "SELECT count(*) FROM baitiao.schema_migrations");
  assert_refused(c, "INSERT INTO baitiao.business_calendar (business_date, status) VALUES ('2026-03-01', 'OPEN')", "42501");
  assert_refused(c, "UPDATE baitiao.users SET credit_limit_fen = 0", "42501");
  assert_refused(c, "DELETE FROM baitiao.loans", "42501");
  assert_refused(c, "DROP TABLE baitiao.loans", "42501");
  assert_refused(c, "CREATE TABLE baitiao.sneaky (id int)", "42501");
  PQfinish(c);
}

static const char sql_entry[] =
  "INSERT INTO baitiao.journal_entries (business_date, entry_type, step_name)"
  " VALUES ('2026-03-05', 'ORIGINATION', 'originate') RETURNING entry_id";

static char *
post_entry(PGconn *c, gint64 debit, gint64 credit)
{
  g_autofree char *begin = itest_sql(c, "BEGIN", NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(begin);
  char *id = itest_sql(c, sql_entry, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(id);
  g_autofree char *lines = g_strdup_printf(
    "INSERT INTO baitiao.journal_lines (entry_id, line_no, business_date, account_code, debit_fen, credit_fen)"
    " VALUES (%s, 1, '2026-03-05', '1122', %" G_GINT64_FORMAT ", 0),"
    "        (%s, 2, '2026-03-05', '2202', 0, %" G_GINT64_FORMAT ")", id, debit, id, credit);
  g_autofree char *ins = itest_sql(c, lines, NULL);
  CU_ASSERT_PTR_NOT_NULL(ins);
  return id;
}

static void
test_ledger_refuses_unbalanced_entry(void)
{
  g_autofree char *db = itest_create_db("roles_ledger", TRUE);
  PGconn *c = itest_connect(db, "baitiao_batch");
  g_autofree char *good = post_entry(c, 100000, 100000);
  assert_ok(c, "COMMIT");
  g_autofree char *bad = post_entry(c, 100000, 99999);
  assert_refused(c, "COMMIT", "23514");
  /* only the balanced entry is kept */
  g_autofree char *kept = itest_sql(c, "SELECT string_agg(entry_id::text, ',') FROM baitiao.journal_entries", NULL);
  ITEST_ASSERT_STR_EQ(kept, good);
  CU_ASSERT_STRING_NOT_EQUAL(good, bad);
  g_autofree char *sum = itest_sql(c, "SELECT sum(debit_fen) - sum(credit_fen) FROM baitiao.journal_lines", NULL);
  ITEST_ASSERT_STR_EQ(sum, "0");
  /* posted lines are never edited: corrections are new entries */
  assert_refused(c, "UPDATE baitiao.journal_lines SET debit_fen = 1 WHERE line_no = 1", "42501");
  PQfinish(c);
}

/* The change marks recon trusts (sql/0031, 0035) and the checksums of R11 (0036):
 * the batch role reads them and takes marks only through the owner's function. */
static void
test_recon_marks_are_tamper_proof(void)
{
  g_autofree char *db = itest_create_db("roles_marks", TRUE);
  PGconn *c = itest_connect(db, "baitiao_batch");
  assert_ok(c, "INSERT INTO baitiao.business_calendar (business_date, status) VALUES ('2026-03-05', 'OPEN')");
  assert_refused(c, "INSERT INTO baitiao.recon_changed_users (user_id) VALUES ('U1')", "42501");
  assert_refused(c, "DELETE FROM baitiao.recon_changed_users", "42501");
  assert_refused(c, "UPDATE baitiao.recon_changed_users SET reconciled_date = '2026-03-05'", "42501");
  assert_refused(c, "TRUNCATE baitiao.recon_changed_users", "42501");
  assert_refused(c, "INSERT INTO baitiao.recon_user_checksums VALUES ('U1', 0, 0, 0, '2026-03-05')", "42501");
  assert_refused(c, "UPDATE baitiao.recon_user_checksums SET users_sum = 0", "42501");
  assert_refused(c, "DELETE FROM baitiao.recon_user_checksums", "42501");
  /* marks are taken for the newest business date, never a later or an earlier one */
  assert_refused(c, "SELECT count(*) FROM baitiao.recon_take_changed_users('2026-03-06')", "22023");
  assert_ok(c, "SELECT count(*) FROM baitiao.recon_take_changed_users('2026-03-05')");
  assert_refused(c, "SELECT count(*) FROM baitiao.recon_take_changed_users('2026-03-04')", "22023");
  assert_refused(c, "SELECT baitiao.recon_checkpoint_users('2026-03-05')", "42501");
  assert_refused(c, "DELETE FROM baitiao.recon_mark_takes", "42501");
  g_autofree char *log = itest_query(c, "SELECT string_agg(business_date || ' ' || taken_by, ',') FROM baitiao.recon_mark_takes");
  ITEST_ASSERT_STR_EQ(log, "2026-03-05 baitiao_batch");
  assert_ok(c, "SELECT count(*) FROM baitiao.recon_unmarked_changes()");
  /* the report role may not take them at all */
  PGconn *r = itest_connect(db, "baitiao_report");
  assert_refused(r, "SELECT count(*) FROM baitiao.recon_take_changed_users('2026-03-05')", "42501");
  PQfinish(r);
  PQfinish(c);
}

CU_TestInfo itest_roles_cases[] = {
  { "recon marks are tamper-proof", test_recon_marks_are_tamper_proof },
  { "ledger refuses unbalanced entry", test_ledger_refuses_unbalanced_entry },
  { "batch role cannot change schema", test_batch_role_cannot_change_schema },
  { "report role only reads", test_report_role_only_reads },
  CU_TEST_INFO_NULL,
};
