/* baitiao migrate against a real server: apply, dry run, drift refusal, rollback, lock. */
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "itest.h"

static guint
count_migration_files(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  guint n = 0;
  const char *name;
  while (d && (name = g_dir_read_name(d)))
    n += g_str_has_suffix(name, ".sql");
  return n;
}

/* Runs "baitiao migrate ACTION [EXTRA]" on DB with the migrations in SQL_DIR. */
static ItestRun *
migrate(const char *db, const char *sql_dir, const char *action, const char *extra)
{
  g_autofree char *config = itest_write_config(db, NULL);
  g_autofree char *env_sql = g_strdup_printf("BAITIAO_SQL_DIR=%s", sql_dir);
  const char *env[] = { env_sql, NULL };
  const char *args[] = { "migrate", action, "--config", config, extra, NULL };
  return itest_baitiao(args, env);
}

static char *
applied_count(const char *db)
{
  PGconn *c = itest_connect(db, "baitiao_owner");
  char *n = itest_sql(c, "SELECT count(*) FROM baitiao.schema_migrations", NULL);
  PQfinish(c);
  return n;
}

/* Tables, columns, constraints and functions of schema baitiao, as one text. */
static char *
catalog_digest(const char *db)
{
  PGconn *c = itest_connect(db, "baitiao_owner");
  char *d = itest_sql(c,
    "SELECT md5(coalesce(string_agg(x, ',' ORDER BY x), '')) FROM ("
    " SELECT c.relname::text || ':' || c.relkind::text AS x FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    "  WHERE n.nspname = 'baitiao'"
    " UNION ALL SELECT conname::text FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace"
    "  WHERE n.nspname = 'baitiao'"
    " UNION ALL SELECT proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
    "  WHERE n.nspname = 'baitiao') s", NULL);
  PQfinish(c);
  return d;
}

static void
test_up_applies_everything_once(void)
{
  const char *sql_dir = g_getenv("BAITIAO_SQL_DIR");
  guint nfiles = count_migration_files(sql_dir);
  CU_ASSERT_FATAL(nfiles > 0);
  g_autofree char *db = itest_create_db("mig_up", FALSE);

  g_autoptr(ItestRun) status = migrate(db, sql_dir, "status", NULL);
  CU_ASSERT_EQUAL(status->status, 0);
  g_autofree char *pending = g_strdup_printf("0 applied, %u pending", nfiles);
  ITEST_ASSERT_CONTAINS(status->out, pending);

  g_autoptr(ItestRun) dry = migrate(db, sql_dir, "up", "--dry-run");
  CU_ASSERT_EQUAL(dry->status, 0);
  ITEST_ASSERT_CONTAINS(dry->out, "would apply 0001_");
  g_autofree char *would = g_strdup_printf("%u migrations would be applied", nfiles);
  ITEST_ASSERT_CONTAINS(dry->out, would);
  PGconn *c = itest_connect(db, "baitiao_owner");
  g_autofree char *exists = itest_sql(c, "SELECT to_regclass('baitiao.schema_migrations') IS NULL", NULL);
  ITEST_ASSERT_STR_EQ(exists, "t");  /* a dry run creates nothing */
  PQfinish(c);

  g_autoptr(ItestRun) up = migrate(db, sql_dir, "up", NULL);
  CU_ASSERT_EQUAL(up->status, 0);
  g_autofree char *n = applied_count(db);
  g_autofree char *expect = g_strdup_printf("%u", nfiles);
  ITEST_ASSERT_STR_EQ(n, expect);

  g_autoptr(ItestRun) again = migrate(db, sql_dir, "up", NULL);
  CU_ASSERT_EQUAL(again->status, 0);
  ITEST_ASSERT_CONTAINS(again->err, "0 migrations applied");
  g_autoptr(ItestRun) verify = migrate(db, sql_dir, "verify", NULL);
  CU_ASSERT_EQUAL(verify->status, 0);
  ITEST_ASSERT_CONTAINS(verify->out, "ok:");
}

static void
test_recorded_checksums_match_files(void)
{
  const char *sql_dir = g_getenv("BAITIAO_SQL_DIR");
  PGconn *c = itest_connect("baitiao", "baitiao_report");
  PGresult *res = PQexec(c, "SELECT name, sha256, applied_by, duration_ms FROM baitiao.schema_migrations ORDER BY version");
  CU_ASSERT_EQUAL_FATAL(PQresultStatus(res), PGRES_TUPLES_OK);
  CU_ASSERT_EQUAL((guint) PQntuples(res), count_migration_files(sql_dir));
  for (int i = 0; i < PQntuples(res); i++) {
    g_autofree char *path = g_strdup_printf("%s/%s.sql", sql_dir, PQgetvalue(res, i, 0));
    g_autofree char *text = NULL;
    gsize len = 0;
    CU_ASSERT_FATAL(g_file_get_contents(path, &text, &len, NULL));
    g_autofree char *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guchar *) text, len);
    ITEST_ASSERT_STR_EQ(PQgetvalue(res, i, 1), sha);
    ITEST_ASSERT_CONTAINS(PQgetvalue(res, i, 2), " as baitiao_owner");
  }
  PQclear(res);
  PQfinish(c);
}

static void
append_to(const char *dir, const char *file, const char *text)
{
  g_autofree char *path = g_build_filename(dir, file, NULL);
  g_autofree char *old = NULL;
  CU_ASSERT_FATAL(g_file_get_contents(path, &old, NULL, NULL));
  g_autofree char *new = g_strconcat(old, text, NULL);
  CU_ASSERT_FATAL(g_file_set_contents(path, new, -1, NULL));
}

static char *
first_file(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *n;
  while (d && (n = g_dir_read_name(d)))
    if (g_str_has_prefix(n, "0001_"))
      return g_strdup(n);
  return NULL;
}

static void
test_tampered_file_refused(void)
{
  g_autofree char *db = itest_create_db("mig_tamper", TRUE);
  g_autofree char *dir = itest_copy_sql_dir();
  g_autofree char *first = first_file(dir);
  CU_ASSERT_PTR_NOT_NULL_FATAL(first);
  append_to(dir, first, "\n-- an innocent-looking edit\n");

  g_autoptr(ItestRun) verify = migrate(db, dir, "verify", NULL);
  CU_ASSERT_EQUAL(verify->status, 1);
  ITEST_ASSERT_CONTAINS(verify->err, first);
  ITEST_ASSERT_CONTAINS(verify->err, "was changed after it was applied");
  g_autoptr(ItestRun) up = migrate(db, dir, "up", NULL);
  CU_ASSERT_EQUAL(up->status, 1);
  ITEST_ASSERT_CONTAINS(up->err, first);
}

static void
test_database_ahead_of_files_refused(void)
{
  g_autofree char *db = itest_create_db("mig_ahead", TRUE);
  g_autofree char *dir = itest_copy_sql_dir();
  guint n = count_migration_files(dir);
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;
  g_autofree char *prefix = g_strdup_printf("%04u_", n);
  while ((name = g_dir_read_name(d)))
    if (g_str_has_prefix(name, prefix)) {
      g_autofree char *path = g_build_filename(dir, name, NULL);
      g_unlink(path);
    }
  g_autoptr(ItestRun) verify = migrate(db, dir, "verify", NULL);
  CU_ASSERT_EQUAL(verify->status, 1);
  g_autofree char *msg = g_strdup_printf("the database has version %04u", n);
  ITEST_ASSERT_CONTAINS(verify->err, msg);
}

static void
test_unapplied_gap_refused(void)
{
  g_autofree char *db = itest_create_db("mig_gap", TRUE);
  PGconn *c = itest_connect(db, "baitiao_owner");
  g_autofree char *r = itest_sql(c, "DELETE FROM baitiao.schema_migrations WHERE version = 1", NULL);
  CU_ASSERT_PTR_NOT_NULL(r);
  PQfinish(c);
  g_autoptr(ItestRun) verify = migrate(db, g_getenv("BAITIAO_SQL_DIR"), "verify", NULL);
  CU_ASSERT_EQUAL(verify->status, 1);
  ITEST_ASSERT_CONTAINS(verify->err, "(version 0001) was never applied");
}

static void
write_file(const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
}

static void
test_failing_migration_rolls_back(void)
{
  g_autofree char *db = itest_create_db("mig_fail", TRUE);
  g_autofree char *dir = itest_copy_sql_dir();
  guint n = count_migration_files(dir);
  g_autofree char *good = g_strdup_printf("%04u_add_probe.sql", n + 1);
  g_autofree char *bad = g_strdup_printf("%04u_broken.sql", n + 2);
  write_file(dir, good, "-- fine\nCREATE TABLE probe_ok (id int);\n");
  write_file(dir, bad, "-- fails on line 4\nCREATE TABLE probe_half (id int);\nINSERT INTO probe_half VALUES (1);\n"
                       "SELECT no_such_column FROM probe_half;\n");
  g_autofree char *before = catalog_digest(db);
  /* the good one is applied in its own transaction; the bad one leaves no trace */
  g_autoptr(ItestRun) up = migrate(db, dir, "up", NULL);
  CU_ASSERT_EQUAL(up->status, 1);
  g_autofree char *where = g_strdup_printf("%s:4: migration failed, rolled back", bad);
  ITEST_ASSERT_CONTAINS(up->err, where);
  ITEST_ASSERT_CONTAINS(up->err, "42703");
  PGconn *c = itest_connect(db, "baitiao_owner");
  g_autofree char *half = itest_sql(c, "SELECT to_regclass('baitiao.probe_half') IS NULL", NULL);
  ITEST_ASSERT_STR_EQ(half, "t");
  g_autofree char *ok = itest_sql(c, "SELECT to_regclass('baitiao.probe_ok') IS NOT NULL", NULL);
  ITEST_ASSERT_STR_EQ(ok, "t");
  g_autofree char *max = itest_sql(c, "SELECT max(version) FROM baitiao.schema_migrations", NULL);
  g_autofree char *want = g_strdup_printf("%u", n + 1);
  ITEST_ASSERT_STR_EQ(max, want);
  /* Exactly as before the broken file: drop the good probe and compare catalogs. */
  g_autofree char *drop = itest_sql(c, "DROP TABLE baitiao.probe_ok", NULL);
  CU_ASSERT_PTR_NOT_NULL(drop);
  PQfinish(c);
  g_autofree char *after = catalog_digest(db);
  ITEST_ASSERT_STR_EQ(before, after);
}

static void
test_lock_keeps_second_migrator_out(void)
{
  g_autofree char *db = itest_create_db("mig_lock", TRUE);
  PGconn *holder = itest_connect(db, "baitiao_owner");
  g_autofree char *pid = itest_sql(holder, "SELECT pg_backend_pid()", NULL);
  g_autofree char *got = itest_sql(holder, "SELECT pg_advisory_lock(1651769344, 1)", NULL);
  CU_ASSERT_PTR_NOT_NULL(got);
  g_autoptr(ItestRun) up = migrate(db, g_getenv("BAITIAO_SQL_DIR"), "up", NULL);
  CU_ASSERT_EQUAL(up->status, 75);
  g_autofree char *msg = g_strdup_printf("lock held by server pid %s", pid);
  ITEST_ASSERT_CONTAINS(up->err, msg);
  ITEST_ASSERT_CONTAINS(up->err, "baitiao/itest");
  PQfinish(holder);
  g_autoptr(ItestRun) retry = migrate(db, g_getenv("BAITIAO_SQL_DIR"), "up", NULL);
  CU_ASSERT_EQUAL(retry->status, 0);
}

CU_TestInfo itest_migrate_cases[] = {
  { "up applies everything once", test_up_applies_everything_once },
  { "recorded checksums match files", test_recorded_checksums_match_files },
  { "tampered file refused", test_tampered_file_refused },
  { "database ahead of files refused", test_database_ahead_of_files_refused },
  { "unapplied gap refused", test_unapplied_gap_refused },
  { "failing migration rolls back", test_failing_migration_rolls_back },
  { "lock keeps second migrator out", test_lock_keeps_second_migrator_out },
  CU_TEST_INFO_NULL,
};
