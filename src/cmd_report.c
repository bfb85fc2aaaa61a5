/* baitiao report — renders the finance reports (reports/NAME.report) of a closed
 * business date into NAME_YYYYMMDD.xlsx files, as the read-only report role. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "db.h"
#include "log.h"
#include "report.h"

static const char sql_last_closed[] =
  "SELECT coalesce(max(business_date)::text, '') FROM business_calendar WHERE status = 'CLOSED'";
static const char sql_date_status[] =
  "SELECT coalesce((SELECT status FROM business_calendar WHERE business_date = $1::date), 'NONE')";

typedef struct {
  gboolean all;
  char *date;
  char *out_dir;
  char *lang;
  char *specs_dir;
} ReportOptions;

static void
report_options_clear(ReportOptions *o)
{
  g_free(o->date);
  g_free(o->out_dir);
  g_free(o->lang);
  g_free(o->specs_dir);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ReportOptions, report_options_clear)

/* The business date to report: the one asked for, which must be closed (an open
 * night's data is half written), or else the last closed one. */
static char *
resolve_date(PGconn *conn, const char *asked, GError **error)
{
  if (!asked) {
    g_autoptr(PGresult) res = db_query_one(conn, "report_last_closed", sql_last_closed, 0, NULL, error);
    if (!res)
      return NULL;
    if (!*PQgetvalue(res, 0, 0)) {
      g_set_error(error, REPORT_ERROR, REPORT_ERROR_DATE, "no business date is closed yet: nothing to report");
      return NULL;
    }
    return g_strdup(PQgetvalue(res, 0, 0));
  }
  const char *params[] = { asked };
  g_autoptr(PGresult) res = db_query_one(conn, "report_date_status", sql_date_status, 1, params, error);
  if (!res)
    return NULL;
  if (strcmp(PQgetvalue(res, 0, 0), "CLOSED") != 0) {
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_DATE, "business date %s is not closed (%s): its night has "
                "not finished, so its reports would be incomplete", asked, PQgetvalue(res, 0, 0));
    return NULL;
  }
  return g_strdup(asked);
}

static gboolean
valid_date(const char *s)
{
  unsigned y, m, d;
  char rest;
  return strlen(s) == 10 && sscanf(s, "%4u-%2u-%2u%c", &y, &m, &d, &rest) == 3 && g_date_valid_dmy(d, m, y);
}

static GPtrArray *
load_specs(const ReportOptions *o, const char *name, GError **error)
{
  if (o->all)
    return report_spec_load_dir(o->specs_dir, error);
  if (strpbrk(name, "/\\") || name[0] == '.') {
    cli_usage_error(error, "report", "\"%s\" is not a report name", name);
    return NULL;
  }
  g_autofree char *file = g_strconcat(name, ".report", NULL);
  g_autofree char *path = g_build_filename(o->specs_dir, file, NULL);
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
    cli_usage_error(error, "report", "no report \"%s\" (no %s)", name, path);
    return NULL;
  }
  ReportSpec *spec = report_spec_load(path, error);
  if (!spec)
    return NULL;
  GPtrArray *specs = g_ptr_array_new_with_free_func((GDestroyNotify) report_spec_free);
  g_ptr_array_add(specs, spec);
  return specs;
}

/* Renders every spec; one failing report does not stop the others (the night's
 * other files are still useful), but the command fails with the first error. */
static gboolean
render_all(PGconn *conn, GPtrArray *specs, const ReportRequest *req, GError **error)
{
  guint failed = 0;
  for (guint i = 0; i < specs->len; i++) {
    const ReportSpec *spec = specs->pdata[i];
    g_autoptr(GError) local = NULL;
    g_autofree char *path = NULL;
    gint64 rows = 0;
    gint64 t0 = g_get_monotonic_time();
    if (report_render(conn, spec, req, &path, &rows, &local)) {
      double secs = (double) (g_get_monotonic_time() - t0) / 1e6;
      log_info("%s: %" G_GINT64_FORMAT " rows in %.2f s", spec->name, rows, secs);
      if (!cli_quiet())
        printf("%s\n", path);
      continue;
    }
    if (local->domain == DB_ERROR && local->code == DB_ERROR_UNREACHABLE) {
      g_propagate_error(error, g_steal_pointer(&local));
      return FALSE;
    }
    if (failed++ == 0)
      g_propagate_prefixed_error(error, g_steal_pointer(&local), "report %s: ", spec->name);
    else
      log_error("report %s: %s", spec->name, local->message);
  }
  if (failed > 1)
    g_prefix_error(error, "%u of %u reports failed; first: ", failed, specs->len);
  return failed == 0;
}

gboolean
cmd_report(int argc, char **argv, GError **error)
{
  g_auto(CliCommon) common = { 0 };
  g_auto(ReportOptions) o = { 0 };
  GOptionEntry entries[] = {
    { "all", 'a', 0, G_OPTION_ARG_NONE, &o.all, "Every report in the specs directory", NULL },
    { "date", 'd', 0, G_OPTION_ARG_STRING, &o.date, "Business date (default: the last closed one)", "YYYY-MM-DD" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &o.out_dir, "Directory for the files (default: .)", "DIR" },
    { "lang", 'l', 0, G_OPTION_ARG_STRING, &o.lang, "Labels in zh (default) or en", "zh|en" },
    { "specs", 0, 0, G_OPTION_ARG_FILENAME, &o.specs_dir,
      "Directory of the report specs (default: $BAITIAO_REPORTS_DIR or the installed reports)", "DIR" },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GOptionContext) ctx = cli_context_new(
    "report", "NAME | --all", "Write the finance reports of a closed business date as NAME_YYYYMMDD.xlsx.", &common);
  g_option_context_add_main_entries(ctx, entries, NULL);
  if (!cli_parse(ctx, "report", &argc, &argv, error))
    return FALSE;
  if ((argc == 2) == o.all || argc > 2) {
    cli_usage_error(error, "report", "give one report NAME or --all");
    return FALSE;
  }
  if (o.date && !valid_date(o.date)) {
    cli_usage_error(error, "report", "--date takes a date YYYY-MM-DD, not \"%s\"", o.date);
    return FALSE;
  }
  if (o.lang && !g_str_equal(o.lang, "zh") && !g_str_equal(o.lang, "en")) {
    cli_usage_error(error, "report", "--lang takes zh or en, not \"%s\"", o.lang);
    return FALSE;
  }
  if (!o.specs_dir)
    o.specs_dir = g_strdup(report_default_dir());
  if (!o.out_dir)
    o.out_dir = g_strdup(".");
  g_autoptr(GPtrArray) specs = load_specs(&o, o.all ? NULL : argv[1], error);
  if (!specs)
    return FALSE;
  if (!g_file_test(o.out_dir, G_FILE_TEST_IS_DIR)) {
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_OUTPUT, "output directory %s does not exist or is not a directory",
                o.out_dir);
    return FALSE;
  }
  guint stale = 0;
  if (!report_remove_stale_temps(o.out_dir, &stale, error))
    return FALSE;
  g_autoptr(Config) config = NULL;
  g_autoptr(PGconn) conn = cli_connect(&common, DB_ROLE_REPORT, "report", &config, error);
  if (!conn)
    return FALSE;
  g_autofree char *date = resolve_date(conn, o.date, error);
  if (!date)
    return FALSE;
  ReportRequest req = {
    .business_date = date,
    .out_dir = o.out_dir,
    .lang = o.lang && g_str_equal(o.lang, "en") ? REPORT_LANG_EN : REPORT_LANG_ZH,
    .timezone = config->report_timezone,
  };
  return render_all(conn, specs, &req, error);
}
