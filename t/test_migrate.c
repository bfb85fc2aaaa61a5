/* Migration files and their comparison with what the database recorded (no database). */
#include <CUnit/CUnit.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "migrate.h"
#include "unit_suites.h"

static char *
make_dir(const char *const *names)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp("bt-mig-XXXXXX", &error);
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  for (int i = 0; names[i]; i++) {
    g_autofree char *path = g_build_filename(dir, names[i], NULL);
    g_autofree char *sql = g_strdup_printf("-- %s\nSELECT 1;\n", names[i]);
    CU_ASSERT_FATAL(g_file_set_contents(path, sql, -1, &error));
  }
  return dir;
}

static void
remove_dir(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *n;
  while (d && (n = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(dir, n, NULL);
    g_unlink(p);
  }
  g_rmdir(dir);
}

static void
scan_fails(const char *const *names, const char *fragment)
{
  g_autofree char *dir = make_dir(names);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) files = migrate_scan(dir, &error);
  CU_ASSERT_PTR_NULL(files);
  CU_ASSERT_TRUE(g_error_matches(error, MIGRATE_ERROR, MIGRATE_ERROR_FILES));
  if (error && !strstr(error->message, fragment))
    fprintf(stderr, "\nunexpected message: %s (wanted %s)\n", error->message, fragment);
  CU_ASSERT_PTR_NOT_NULL(error ? strstr(error->message, fragment) : NULL);
  remove_dir(dir);
}

static void
test_scan_orders_and_hashes(void)
{
  const char *names[] = { "0002_second.sql", "0001_first.sql", "README.txt", NULL };
  g_autofree char *dir = make_dir(names);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) files = migrate_scan(dir, &error);
  CU_ASSERT_PTR_NOT_NULL_FATAL(files);
  CU_ASSERT_EQUAL(files->len, 2);
  const MigrationFile *f = files->pdata[0];
  CU_ASSERT_EQUAL(f->version, 1);
  CU_ASSERT_STRING_EQUAL(f->name, "0001_first");
  /* sha256 of "-- 0001_first.sql\nSELECT 1;\n", computed independently with sha256sum */
  CU_ASSERT_STRING_EQUAL(f->sha256, "b288a2f381b81500161d1cacf4239af07cc8c67b2511d3a9fdcdccc96f94622c");
  CU_ASSERT_EQUAL(((MigrationFile *) files->pdata[1])->version, 2);
  remove_dir(dir);
}

static void
test_scan_refuses_bad_names_and_gaps(void)
{
  scan_fails((const char *[]) { "0001_a.sql", "0003_c.sql", NULL }, "version 0002 is missing");
  scan_fails((const char *[]) { "0001_a.sql", "0001_b.sql", NULL }, "used twice");
  scan_fails((const char *[]) { "0001_a.sql", "2_b.sql", NULL }, "NNNN_lower_snake_case");
  scan_fails((const char *[]) { "0001_Upper.sql", NULL }, "NNNN_lower_snake_case");
  scan_fails((const char *[]) { "0000_zero.sql", NULL }, "NNNN_lower_snake_case");
}

static MigrationFile *
file(int version, const char *name, const char *sha)
{
  MigrationFile *f = g_new0(MigrationFile, 1);
  f->version = version;
  f->name = g_strdup(name);
  f->path = g_strdup_printf("sql/%s.sql", name);
  f->sha256 = g_strdup(sha);
  f->sql = g_strdup("");
  return f;
}

static AppliedMigration *
applied(int version, const char *name, const char *sha)
{
  AppliedMigration *a = g_new0(AppliedMigration, 1);
  a->version = version;
  a->name = g_strdup(name);
  a->sha256 = g_strdup(sha);
  a->applied_at = g_strdup("2026-01-01 00:00:00");
  a->applied_by = g_strdup("dba@host as baitiao_owner");
  return a;
}

static MigrationState
state_at(GArray *s, guint i)
{
  return g_array_index(s, MigrationStatus, i).state;
}

static void
test_compare_states(void)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func((GDestroyNotify) migration_file_free);
  g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func((GDestroyNotify) applied_migration_free);
  g_ptr_array_add(files, file(1, "0001_a", "aa"));
  g_ptr_array_add(files, file(2, "0002_b", "bb"));
  g_ptr_array_add(files, file(3, "0003_c", "cc"));
  g_ptr_array_add(done, applied(1, "0001_a", "aa"));
  g_autoptr(GArray) s = migrate_compare(files, done);
  CU_ASSERT_EQUAL_FATAL(s->len, 3);
  CU_ASSERT_EQUAL(state_at(s, 0), MIGRATION_APPLIED);
  CU_ASSERT_EQUAL(state_at(s, 1), MIGRATION_PENDING);
  CU_ASSERT_EQUAL(state_at(s, 2), MIGRATION_PENDING);
  CU_ASSERT_TRUE(migrate_check_drift(s, NULL));
}

static void
test_compare_drift(void)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func((GDestroyNotify) migration_file_free);
  g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func((GDestroyNotify) applied_migration_free);
  g_ptr_array_add(files, file(1, "0001_a", "aa"));
  g_ptr_array_add(files, file(2, "0002_b", "bX"));
  g_ptr_array_add(done, applied(1, "0001_a", "aa"));
  g_ptr_array_add(done, applied(2, "0002_b", "bb"));
  g_ptr_array_add(done, applied(3, "0003_c", "cc"));
  g_autoptr(GArray) s = migrate_compare(files, done);
  CU_ASSERT_EQUAL_FATAL(s->len, 3);
  CU_ASSERT_EQUAL(state_at(s, 1), MIGRATION_CHANGED);
  CU_ASSERT_EQUAL(state_at(s, 2), MIGRATION_FILE_MISSING);
  g_autoptr(GError) error = NULL;
  CU_ASSERT_FALSE(migrate_check_drift(s, &error));
  CU_ASSERT_PTR_NOT_NULL(error ? strstr(error->message, "sql/0002_b.sql was changed") : NULL);
}

static void
test_compare_skipped(void)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func((GDestroyNotify) migration_file_free);
  g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func((GDestroyNotify) applied_migration_free);
  g_ptr_array_add(files, file(1, "0001_a", "aa"));
  g_ptr_array_add(files, file(2, "0002_b", "bb"));
  g_ptr_array_add(done, applied(2, "0002_b", "bb"));
  g_autoptr(GArray) s = migrate_compare(files, done);
  CU_ASSERT_EQUAL(state_at(s, 0), MIGRATION_SKIPPED);
  g_autoptr(GError) error = NULL;
  CU_ASSERT_FALSE(migrate_check_drift(s, &error));
  CU_ASSERT_PTR_NOT_NULL(error ? strstr(error->message, "sql/0001_a.sql (version 0001) was never applied") : NULL);
}

CU_TestInfo test_migrate_cases[] = {
  { "scan orders and hashes", test_scan_orders_and_hashes },
  { "scan refuses bad names and gaps", test_scan_refuses_bad_names_and_gaps },
  { "compare states", test_compare_states },
  { "compare drift", test_compare_drift },
  { "compare skipped", test_compare_skipped },
  CU_TEST_INFO_NULL,
};
