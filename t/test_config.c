/* Configuration files: defaults, values, and errors that name the file and line. */
#include <CUnit/CUnit.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "config.h"
#include "keyfile.h"
#include "unit_suites.h"

static char *
write_temp(const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp("bt-config-XXXXXX.conf", &path, &error);
  CU_ASSERT_FATAL(fd >= 0);
  close(fd);
  CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, &error));
  return path;
}

static void
check_error(const char *text, int code, const char *line_tag, const char *fragment)
{
  g_autofree char *path = write_temp(text);
  g_autoptr(GError) error = NULL;
  g_autoptr(Config) c = config_load(path, &error);
  CU_ASSERT_PTR_NULL(c);
  CU_ASSERT_PTR_NOT_NULL_FATAL(error);
  CU_ASSERT_TRUE(g_error_matches(error, KEYFILE_ERROR, code));
  g_autofree char *where = g_strdup_printf("%s%s", path, line_tag);
  CU_ASSERT_TRUE(g_str_has_prefix(error->message, where));
  CU_ASSERT_PTR_NOT_NULL(strstr(error->message, fragment));
  g_unlink(path);
}

static void
test_defaults(void)
{
  g_autoptr(Config) c = config_new_defaults();
  CU_ASSERT_STRING_EQUAL(c->db_name, "baitiao");
  CU_ASSERT_STRING_EQUAL(c->owner_user, "baitiao_owner");
  CU_ASSERT_STRING_EQUAL(c->batch_user, "baitiao_batch");
  CU_ASSERT_STRING_EQUAL(c->report_user, "baitiao_report");
  CU_ASSERT_PTR_NULL(c->db_host);
  CU_ASSERT_EQUAL(c->connect_timeout_s, 10);
  CU_ASSERT_EQUAL(c->batch_work_mem_mb, CONFIG_DEFAULT_BATCH_WORK_MEM_MB);
}

static void
test_values(void)
{
  g_autofree char *path = write_temp("# comment\n[database]\nhost = /tmp/sock \nport=6543\n"
                                     "dbname=night\nconnect_timeout=3\nbatch_work_mem_mb=64\n[paths]\nsql_dir=migrations\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(Config) c = config_load(path, &error);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_STRING_EQUAL(c->db_host, "/tmp/sock");
  CU_ASSERT_STRING_EQUAL(c->db_port, "6543");
  CU_ASSERT_STRING_EQUAL(c->db_name, "night");
  CU_ASSERT_EQUAL(c->connect_timeout_s, 3);
  CU_ASSERT_EQUAL(c->batch_work_mem_mb, 64);
  g_autofree char *dir = g_path_get_dirname(path);
  g_autofree char *expect = g_build_filename(dir, "migrations", NULL);
  CU_ASSERT_STRING_EQUAL(c->sql_dir, expect);
  CU_ASSERT_PTR_NULL(c->reports_dir);
  CU_ASSERT_PTR_NULL(c->report_specs);
  g_unlink(path);
}

static void
test_report_paths(void)
{
  g_autofree char *path = write_temp("[paths]\nreports_dir=out\nreport_specs=/opt/specs\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(Config) c = config_load(path, &error);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  g_autofree char *dir = g_path_get_dirname(path);
  g_autofree char *expect = g_build_filename(dir, "out", NULL);
  CU_ASSERT_STRING_EQUAL(c->reports_dir, expect);   /* relative to the file, as every path */
  CU_ASSERT_STRING_EQUAL(c->report_specs, "/opt/specs");
  g_unlink(path);
}

static void
test_errors_name_file_and_line(void)
{
  check_error("[database]\nhost=x\nthis is not a setting\n", KEYFILE_ERROR_FILE, ":3:", "malformed");
  check_error("[database]\nhost=x\n[paths\n", KEYFILE_ERROR_FILE, ":3:", "malformed");
  check_error("[database]\n\nport=abc\n", KEYFILE_ERROR_VALUE, ":3:", "port number");
  check_error("[database]\nhost=x\nconnect_timeout=0\n", KEYFILE_ERROR_VALUE, ":3:", "1 to 3600");
  check_error("[database]\nhost=x\nbatch_work_mem_mb=1GB\n", KEYFILE_ERROR_VALUE, ":3:", "batch_work_mem_mb");
  check_error("[database]\nhost=x\npasword=secret\n", KEYFILE_ERROR_UNKNOWN, ":3:", "pasword");
  check_error("[databse]\nhost=x\n", KEYFILE_ERROR_UNKNOWN, ":", "[databse]");
}

static void
test_unreadable_file(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Config) c = config_load("/nonexistent/baitiao.conf", &error);
  CU_ASSERT_PTR_NULL(c);
  CU_ASSERT_TRUE(g_error_matches(error, KEYFILE_ERROR, KEYFILE_ERROR_FILE));
  CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "/nonexistent/baitiao.conf"));
}

static void
test_secret_value_not_echoed(void)
{
  g_autofree char *path = write_temp("[database]\npassword=hunter2\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(Config) c = config_load(path, &error);
  CU_ASSERT_PTR_NULL(c);
  CU_ASSERT_PTR_NOT_NULL_FATAL(error);
  CU_ASSERT_PTR_NULL(strstr(error->message, "hunter2"));
  g_unlink(path);
}

/* [intake]: the spool (relative to the file), expected files in canonical
 * KIND:CHANNEL form, the wait deadline in minutes; bad values name the line. */
static void
test_intake(void)
{
  g_autoptr(Config) d = config_new_defaults();
  CU_ASSERT_STRING_EQUAL(d->intake_spool_dir, "/var/lib/baitiao/spool");
  CU_ASSERT_PTR_NULL(d->intake_expected);
  CU_ASSERT_EQUAL(d->intake_wait_deadline_min, -1);
  g_autofree char *path = write_temp("[intake]\nspool_dir=in\nexpected = orders, repayments:wechat,settlement:ALIPAY\n"
                                     "wait_deadline=06:30\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(Config) c = config_load(path, &error);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  g_autofree char *dir = g_path_get_dirname(path);
  g_autofree char *spool = g_build_filename(dir, "in", NULL);
  CU_ASSERT_STRING_EQUAL(c->intake_spool_dir, spool);
  g_autofree char *expected = g_strjoinv(" ", c->intake_expected);
  CU_ASSERT_STRING_EQUAL(expected, "orders: repayments:WECHAT settlement:ALIPAY");
  CU_ASSERT_EQUAL(c->intake_wait_deadline_min, 6 * 60 + 30);
  g_unlink(path);
  check_error("[intake]\n\nexpected=orders, loans\n", KEYFILE_ERROR_VALUE, ":3:", "\"loans\" is not KIND[:CHANNEL]");
  check_error("[intake]\nexpected=settlement\n", KEYFILE_ERROR_VALUE, ":2:", "a settlement file needs its channel");
  check_error("[intake]\nexpected=repayments:WE-CHAT\n", KEYFILE_ERROR_VALUE, ":2:", "1 to 32 letters");
  check_error("[intake]\nwait_deadline=6:00\n", KEYFILE_ERROR_VALUE, ":2:", "HH:MM");
  check_error("[intake]\nwait_deadline=24:00\n", KEYFILE_ERROR_VALUE, ":2:", "HH:MM");
  check_error("[intake]\nspool=x\n", KEYFILE_ERROR_UNKNOWN, ":2:", "spool");
}

/* [calendar] allow_future: off by default, true/false only, errors name the line. */
static void
test_calendar_allow_future(void)
{
  g_autoptr(Config) d = config_new_defaults();
  CU_ASSERT_FALSE(d->calendar_allow_future);
  g_autofree char *path = write_temp("[calendar]\nallow_future=true\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(Config) c = config_load(path, &error);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_TRUE(c->calendar_allow_future);
  g_unlink(path);
  check_error("[calendar]\n\nallow_future=soon\n", KEYFILE_ERROR_VALUE, ":3:", "true or false");
  check_error("[calendar]\nallow_futur=true\n", KEYFILE_ERROR_UNKNOWN, ":2:", "allow_futur");
}

/* [report] timezone: Asia/Shanghai unless set; a name tzdata does not know is refused. */
static void
test_report_timezone(void)
{
  g_autoptr(Config) d = config_new_defaults();
  CU_ASSERT_STRING_EQUAL(d->report_timezone, "Asia/Shanghai");
  g_autofree char *path = write_temp("[report]\ntimezone = UTC\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(Config) c = config_load(path, &error);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_STRING_EQUAL(c->report_timezone, "UTC");
  g_unlink(path);
  check_error("[report]\n\ntimezone=Asia/Atlantis\n", KEYFILE_ERROR_VALUE, ":3:", "Asia/Atlantis");
  check_error("[report]\ntimezone=\n", KEYFILE_ERROR_VALUE, ":2:", "not a time zone");
  check_error("[report]\ntz=UTC\n", KEYFILE_ERROR_UNKNOWN, ":2:", "tz");
}

CU_TestInfo test_config_cases[] = {
  { "report timezone", test_report_timezone },
  { "intake", test_intake },
  { "defaults", test_defaults },
  { "values", test_values },
  { "report paths", test_report_paths },
  { "errors name file and line", test_errors_name_file_and_line },
  { "unreadable file", test_unreadable_file },
  { "secret value not echoed", test_secret_value_not_echoed },
  { "calendar allow_future", test_calendar_allow_future },
  CU_TEST_INFO_NULL,
};
