/* baitiao report — renders the finance reports (reports/NAME.report) of a closed
 * business date into NAME_YYYYMMDD.xlsx files, as the read-only report role; lists
 * the reports (no NAME, or --list); --all renders them --jobs at a time, each in a
 * child process of its own that reads the snapshot the parent exported; --format csv
 * writes each sheet as a CSV file instead (report_csv.c). With a sharded configuration and
 * no --shard, the reports are the group's: at the coordinator, over every shard, reading
 * the group's book (schema grp_book, sql/0068) of a date the whole group closed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "commands.h"
#include "db.h"
#include "group.h"
#include "log.h"
#include "output.h"
#include "report.h"
#include "shard.h"
#include "stmt.h"

static const char sql_last_closed[] =
  "SELECT coalesce(max(business_date)::text, '') FROM business_calendar WHERE status = 'CLOSED'";
/* The date's state, and the calendar's first and last dates, to say why it cannot be reported. */
static const char sql_date_status[] =
  "SELECT coalesce((SELECT status FROM business_calendar WHERE business_date = $1::date), 'NONE'),"
  "       coalesce((SELECT min(business_date)::text FROM business_calendar), ''),"
  "       coalesce((SELECT max(business_date)::text FROM business_calendar WHERE status = 'CLOSED'), '')";
/* The parent's snapshot, which every child imports (report --jobs). */
static const char sql_begin_export[] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
static const char sql_export_snapshot[] = "SELECT pg_export_snapshot()";

typedef struct {
  gboolean all;
  gboolean list;
  int jobs;
  char *date;
  char *out_dir;
  char *lang;
  char *specs_dir;
  char *format;
  gboolean listing;       /* validated: */
  OutputFormat list_format;
} ReportOptions;

static ReportOptions opts = { .jobs = -1 };

static const GOptionEntry options[] = {
  { "all", 'a', 0, G_OPTION_ARG_NONE, &opts.all, "Every report in the specs directory", NULL },
  { "list", 0, 0, G_OPTION_ARG_NONE, &opts.list, "List the reports (also: no NAME)", NULL },
  { "format", 0, 0, G_OPTION_ARG_STRING, &opts.format,
    "Reports: xlsx (default) or csv (a file per sheet); --list: text (default), csv or json", "FORMAT" },
  { "jobs", 'j', 0, G_OPTION_ARG_INT, &opts.jobs, "--all: reports rendered at once (default: the cores)", "N" },
  { "date", 'd', 0, G_OPTION_ARG_STRING, &opts.date, "Business date (default: the last closed one)", "YYYY-MM-DD" },
  { "out", 'o', 0, G_OPTION_ARG_FILENAME, &opts.out_dir,
    "Directory for the files (default: [paths] reports_dir, else .)", "DIR" },
  { "lang", 'l', 0, G_OPTION_ARG_STRING, &opts.lang, "Labels in zh (default) or en", "zh|en" },
  { "specs", 0, 0, G_OPTION_ARG_FILENAME, &opts.specs_dir,
    "Directory of the report specs (default: [paths] report_specs, $BAITIAO_REPORTS_DIR or the installed reports)",
    "DIR" },
  G_OPTION_ENTRY_NULL,
};

/* Why ASKED cannot be reported: not run yet (its night is open, or it has not
 * started) or it is before the book's first business date. */
static void
date_not_closed(GError **error, const char *asked, const PGresult *res)
{
  const char *state = PQgetvalue(res, 0, 0), *first = PQgetvalue(res, 0, 1), *last = PQgetvalue(res, 0, 2);
  g_autofree char *after = *last ? g_strdup_printf("; the last closed date is %s", last)
                                 : g_strdup(": no night has closed yet");
  if (g_str_equal(state, "OPEN"))
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_DATE, "business date %s has not been run yet: %s is not "
                "closed, its night is open (started, not finished)%s", asked, asked, after);
  else if (*first && strcmp(asked, first) < 0)
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_DATE, "business date %s is before the first business date %s: "
                "there is nothing to report", asked, first);
  else
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_DATE, "business date %s has not been run yet: %s is not "
                "closed, no night of it has started%s", asked, asked, after);
}

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
    date_not_closed(error, asked, res);
    return NULL;
  }
  return g_strdup(asked);
}

/* The group's date: the one asked for, which every shard must have closed and the group
 * with them (group_closed_dates), or else the group's last closed date. */
static char *
resolve_group_date(PGconn *conn, const char *asked, GError **error)
{
  if (!asked) {
    g_autoptr(PGresult) res = stmt_query_one(conn, "queries/report/10_group_last_closed", 0, NULL, error);
    if (!res)
      return NULL;
    if (!*PQgetvalue(res, 0, 0)) {
      g_set_error(error, REPORT_ERROR, REPORT_ERROR_DATE,
                  "the group has closed no business date yet (group_closed_dates is empty): nothing to report");
      return NULL;
    }
    return g_strdup(PQgetvalue(res, 0, 0));
  }
  const char *params[] = { asked };
  g_autoptr(PGresult) res = stmt_query_one(conn, "queries/report/11_group_date_status", 1, params, error);
  if (!res)
    return NULL;
  if (g_str_equal(PQgetvalue(res, 0, 0), "t"))
    return g_strdup(asked);
  const char *first = PQgetvalue(res, 0, 3), *last = PQgetvalue(res, 0, 4);
  g_autofree char *after = *last ? g_strdup_printf("; the group's last closed date is %s", last)
                                 : g_strdup(": the group has closed no date yet");
  if (*first && strcmp(asked, first) < 0)
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_DATE, "business date %s is before the group's first closed date %s: "
                "there is nothing to report", asked, first);
  else
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_DATE, "business date %s is not closed for the group: %s of its %s "
                "shard(s) closed it%s", asked, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), after);
  return NULL;
}

/* Before a report of the group: every member configured (exit 2 otherwise), read by the
 * group's views (a member never attached would be left out of every figure), the group's
 * book made (sql/0068), and every shard answering (exit 75 naming it). */
static gboolean
group_ready(PGconn *conn, const Config *config, GError **error)
{
  if (!shard_check_topology(conn, config, error))
    return FALSE;
  g_autoptr(PGresult) res = stmt_query_one(conn, "queries/report/12_group_unattached", 0, NULL, error);
  if (!res)
    return FALSE;
  if (*PQgetvalue(res, 0, 0)) {
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_SQL, "shard(s) %s of the group are not attached to the group's "
                "reads: their users would be missing from every figure (baitiao shard add NAME attaches one)",
                PQgetvalue(res, 0, 0));
    return FALSE;
  }
  if (!g_str_equal(PQgetvalue(res, 0, 1), "t")) {
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_SQL, "the coordinator has no group book (schema grp_book): "
                "baitiao migrate up applies sql/0068");
    return FALSE;
  }
  return group_probe_shards(conn, error);
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The report names DIR holds (its *.report files), sorted. */
static GPtrArray *
known_names(const char *dir)
{
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  for (const char *f; d && (f = g_dir_read_name(d));)
    if (g_str_has_suffix(f, ".report"))
      g_ptr_array_add(names, g_strndup(f, strlen(f) - strlen(".report")));
  g_ptr_array_sort(names, compare_names);
  return names;
}

static void
unknown_report(GError **error, const char *dir, const char *name)
{
  g_autoptr(GPtrArray) names = known_names(dir);
  if (names->len == 0) {
    cli_usage_error(error, "no report \"%s\": %s holds no report specs (*.report)", name, dir);
    return;
  }
  const char *guess = cli_closest_name((const char *const *) names->pdata, names->len, name);
  g_ptr_array_add(names, NULL);
  g_autofree char *list = g_strjoinv(", ", (char **) names->pdata);
  g_autofree char *hint = guess ? g_strdup_printf(" (did you mean \"%s\"?)", guess) : g_strdup("");
  cli_usage_error(error, "no report \"%s\"%s; the reports are: %s", name, hint, list);
}

static GPtrArray *
load_specs(const ReportOptions *o, const char *name, GError **error)
{
  if (!name)
    return report_spec_load_dir(o->specs_dir, error);
  if (strpbrk(name, "/\\") || name[0] == '.') {
    cli_usage_error(error, "\"%s\" is not a report name", name);
    return NULL;
  }
  g_autofree char *file = g_strconcat(name, ".report", NULL);
  g_autofree char *path = g_build_filename(o->specs_dir, file, NULL);
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
    unknown_report(error, o->specs_dir, name);
    return NULL;
  }
  ReportSpec *spec = report_spec_load(path, error);
  if (!spec)
    return NULL;
  GPtrArray *specs = g_ptr_array_new_with_free_func((GDestroyNotify) report_spec_free);
  g_ptr_array_add(specs, spec);
  return specs;
}

static const OutputColumn list_columns[] = {
  { "name", OUTPUT_COL_TEXT, -22, 0, NULL },
  { "title_en", OUTPUT_COL_TEXT, -34, 1, NULL },
  { "title_zh", OUTPUT_COL_TEXT, -14, 1, NULL },
  { "sheets", OUTPUT_COL_TEXT, 0, 2, NULL },
};

/* The reports of the specs directory: no database needed. */
static gboolean
list_reports(const ReportOptions *o, OutputFormat format, GError **error)
{
  g_autoptr(GPtrArray) specs = report_spec_load_dir(o->specs_dir, error);
  if (!specs)
    return FALSE;
  g_autoptr(OutputTable) t = output_table_new(list_columns, G_N_ELEMENTS(list_columns));
  for (guint i = 0; i < specs->len; i++) {
    const ReportSpec *spec = specs->pdata[i];
    g_autoptr(GString) sheets = g_string_new(NULL);
    for (guint s = 0; s < spec->sheets->len; s++) {
      const ReportSheet *sh = spec->sheets->pdata[s];
      g_string_append_printf(sheets, "%s%s", s ? ", " : "", sh->key);
    }
    const char *v[] = { spec->name, spec->title[REPORT_LANG_EN], spec->title[REPORT_LANG_ZH], sheets->str };
    output_table_add_row(t, v);
  }
  output_table_print(t, format, stdout);
  if (format == OUTPUT_TEXT)
    printf("%u report(s) in %s: \"baitiao report NAME\" writes one, --all every one\n", specs->len, o->specs_dir);
  return TRUE;
}

/* What rendering one report came to, told in spec order whatever order they ran in. */
typedef struct {
  gboolean ok;
  gboolean unreachable;   /* the connection was lost: the whole command is a temporary failure */
  gint64 rows;
  char *path;
  char *message;
} ReportResult;

static void
report_result_clear(gpointer p)
{
  ReportResult *r = p;
  g_free(r->path);
  g_free(r->message);
}

/* How a report is written: the workbook, or one CSV file per sheet (--format csv). */
typedef gboolean (*RenderFn)(PGconn *conn, const ReportSpec *spec, const ReportRequest *req, char **paths_out,
                             gint64 *rows_out, GError **error);

static void
render_one(RenderFn render, PGconn *conn, const ReportSpec *spec, const ReportRequest *req, ReportResult *res)
{
  g_autoptr(GError) local = NULL;
  gint64 t0 = g_get_monotonic_time();
  res->ok = render(conn, spec, req, &res->path, &res->rows, &local);
  if (res->ok) {
    double secs = (double) (g_get_monotonic_time() - t0) / 1e6;
    log_info("%s: %" G_GINT64_FORMAT " rows in %.2f s", spec->name, res->rows, secs);
    return;
  }
  res->unreachable = local->domain == DB_ERROR && local->code == DB_ERROR_UNREACHABLE;
  res->message = g_strdup(local->message);
}

/* Prints the paths written; one failing report does not stop the others (the night's
 * other files are still useful), but the command fails with the first error, or with
 * the lost connection (exit 75: retry) when one was lost. */
static gboolean
tell_results(GPtrArray *specs, GArray *results, GError **error)
{
  guint failed = 0, first = G_MAXUINT;
  for (guint i = 0; i < specs->len; i++) {
    const ReportResult *r = &g_array_index(results, ReportResult, i);
    if (r->ok) {
      if (!cli_quiet())
        printf("%s\n", r->path);
      continue;
    }
    failed++;
    if (first == G_MAXUINT || (r->unreachable && !g_array_index(results, ReportResult, first).unreachable))
      first = i;
  }
  if (failed == 0)
    return TRUE;
  for (guint i = 0; i < specs->len; i++) {
    const ReportResult *r = &g_array_index(results, ReportResult, i);
    const ReportSpec *spec = specs->pdata[i];
    if (!r->ok && i != first)
      log_error("report %s: %s", spec->name, r->message);
  }
  const ReportResult *r = &g_array_index(results, ReportResult, first);
  const ReportSpec *spec = specs->pdata[first];
  g_set_error(error, r->unreachable ? DB_ERROR : REPORT_ERROR,
              r->unreachable ? (int) DB_ERROR_UNREACHABLE : (int) REPORT_ERROR_OUTPUT, "report %s: %s", spec->name,
              r->message);
  if (failed > 1)
    g_prefix_error(error, "%u of %u reports failed; first: ", failed, specs->len);
  return FALSE;
}

static GArray *
results_new(guint n)
{
  GArray *results = g_array_sized_new(FALSE, TRUE, sizeof(ReportResult), n);
  g_array_set_size(results, n);
  g_array_set_clear_func(results, report_result_clear);
  return results;
}

static gboolean
render_sequential(RenderFn render, PGconn *conn, GPtrArray *specs, const ReportRequest *req, GError **error)
{
  g_autoptr(GArray) results = results_new(specs->len);
  for (guint i = 0; i < specs->len; i++) {
    ReportResult *r = &g_array_index(results, ReportResult, i);
    render_one(render, conn, specs->pdata[i], req, r);
    if (r->unreachable)   /* the others would fail the same way */
      break;
  }
  for (guint i = 0; i < specs->len; i++) {
    ReportResult *r = &g_array_index(results, ReportResult, i);
    if (!r->ok && !r->message) {
      r->unreachable = TRUE;
      r->message = g_strdup("not rendered: the database connection was lost");
    }
  }
  return tell_results(specs, results, error);
}

/* A child's report: "OK\tROWS\tPATH" or "ERR\tLOST\tMESSAGE" (LOST 1 when its
 * connection was lost), one write smaller than a pipe's buffer. */
#define CHILD_MESSAGE_MAX 4000

static void G_GNUC_NORETURN
child_main(RenderFn render, const CliRun *run, const ReportSpec *spec, const ReportRequest *req, int fd)
{
  /* a report whose parent was killed stops too; its temporary file is then removed
   * by the next run (report_remove_stale_temps) */
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  ReportResult r = { 0 };
  GError *local = NULL;
  PGconn *conn = cli_connect_new(run, &local);
  if (conn) {
    render_one(render, conn, spec, req, &r);
    PQfinish(conn);
  } else {
    r.unreachable = local->domain == DB_ERROR && local->code == DB_ERROR_UNREACHABLE;
    r.message = g_strdup(local->message);
    g_error_free(local);
  }
  g_autofree char *msg = r.ok ? g_strdup_printf("OK\t%" G_GINT64_FORMAT "\t%s", r.rows, r.path)
                              : g_strdup_printf("ERR\t%d\t%s", r.unreachable, r.message);
  size_t n = MIN(strlen(msg), CHILD_MESSAGE_MAX);
  ssize_t w = write(fd, msg, n);
  _exit(w == (ssize_t) n ? 0 : 1);
}

static void
read_child(int fd, int status, ReportResult *r)
{
  char buf[CHILD_MESSAGE_MAX + 1];
  ssize_t n, got = 0;
  while (got < CHILD_MESSAGE_MAX && (n = read(fd, buf + got, (size_t) (CHILD_MESSAGE_MAX - got))) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      break;
    got += n;
  }
  buf[got] = '\0';
  g_auto(GStrv) f = g_strsplit(buf, "\t", 3);
  if (g_strv_length(f) == 3 && g_str_equal(f[0], "OK")) {
    r->ok = TRUE;
    r->rows = g_ascii_strtoll(f[1], NULL, 10);
    r->path = g_strdup(f[2]);
  } else if (g_strv_length(f) == 3 && g_str_equal(f[0], "ERR")) {
    r->unreachable = g_str_equal(f[1], "1");
    r->message = g_strdup(f[2]);
  } else if (WIFSIGNALED(status)) {
    r->message = g_strdup_printf("its process was killed by signal %d (%s)", WTERMSIG(status),
                                 g_strsignal(WTERMSIG(status)));
  } else {
    r->message = g_strdup_printf("its process ended with status %d without saying why", WEXITSTATUS(status));
  }
}

typedef struct {
  pid_t pid;
  int fd;
} Child;

static gboolean
start_child(RenderFn render, const CliRun *run, const ReportSpec *spec, const ReportRequest *req, Child *child,
            GError **error)
{
  int p[2];
  if (pipe(p) != 0) {
    int err = errno;
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_OUTPUT, "cannot start report %s: pipe: %s", spec->name,
                g_strerror(err));
    return FALSE;
  }
  fflush(NULL);   /* nothing buffered is written twice */
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(p[0]);
    close(p[1]);
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_OUTPUT, "cannot start report %s: fork: %s", spec->name,
                g_strerror(err));
    return FALSE;
  }
  if (pid == 0) {
    close(p[0]);
    child_main(render, run, spec, req, p[1]);
  }
  close(p[1]);
  *child = (Child) { .pid = pid, .fd = p[0] };
  return TRUE;
}

/* Waits for one of the N running children, records its result and closes its pipe. */
static void
reap_child(Child *running, guint *n, GArray *slots, GArray *results)
{
  int status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, 0)) < 0 && errno == EINTR)
    ;
  for (guint i = 0; i < *n; i++) {
    if (running[i].pid != pid)
      continue;
    guint index = g_array_index(slots, guint, i);
    read_child(running[i].fd, status, &g_array_index(results, ReportResult, index));
    close(running[i].fd);
    running[i] = running[*n - 1];
    g_array_index(slots, guint, i) = g_array_index(slots, guint, *n - 1);
    (*n)--;
    return;
  }
}

/* --jobs N: each report in a child process with a connection of its own, at most N at
 * a time, all reading the snapshot CONN exported (the set is consistent, as one
 * report is); CONN keeps its transaction open until the last child has finished. */
static gboolean
render_parallel(RenderFn render, const CliRun *run, GPtrArray *specs, const ReportRequest *req, guint jobs,
                GError **error)
{
  PGconn *conn = run->conn;
  if (!db_exec(conn, "report_begin_export", sql_begin_export, 0, NULL, error))
    return FALSE;
  g_autoptr(PGresult) snap = db_query_one(conn, "report_export_snapshot", sql_export_snapshot, 0, NULL, error);
  if (!snap) {
    db_rollback(conn);
    return FALSE;
  }
  ReportRequest child_req = *req;
  child_req.snapshot = PQgetvalue(snap, 0, 0);
  g_autoptr(GArray) results = results_new(specs->len);
  g_autofree Child *running = g_new0(Child, jobs);
  g_autoptr(GArray) slots = g_array_sized_new(FALSE, TRUE, sizeof(guint), jobs);
  g_array_set_size(slots, jobs);
  guint n = 0, next = 0;
  gboolean ok = TRUE;
  while (next < specs->len || n > 0) {
    if (ok && next < specs->len && n < jobs) {
      g_array_index(slots, guint, n) = next;
      if (start_child(render, run, specs->pdata[next], &child_req, &running[n], error)) {
        n++;
        next++;
        continue;
      }
      ok = FALSE;   /* no more children: wait for the running ones, then fail */
    }
    if (n == 0)
      break;
    reap_child(running, &n, slots, results);
  }
  db_rollback(conn);   /* read only: ends the exported snapshot */
  guint stale = 0;
  g_autoptr(GError) cleanup = NULL;
  if (!report_remove_stale_temps(req->out_dir, &stale, &cleanup))
    log_warning("%s", cleanup->message);
  if (!ok)
    return FALSE;
  return tell_results(specs, results, error);
}

/* Every option combination and value, before the specs are read or anything connects. */
static gboolean
validate(CliRun *run, GError **error)
{
  ReportOptions *o = &opts;
  if ((run->argc == 1 && (o->all || o->list)) || (o->all && o->list)) {
    cli_usage_error(error, "give one report NAME, --all or --list");
    return FALSE;
  }
  o->listing = o->list || (run->argc == 0 && !o->all);
  if (o->listing && !output_parse_format(o->format, &o->list_format, error))
    return FALSE;
  if (!o->listing && o->format && !g_str_equal(o->format, "xlsx") && !g_str_equal(o->format, "csv")) {
    cli_usage_error(error, "--format takes xlsx or csv (text, csv or json with --list), not \"%s\"", o->format);
    return FALSE;
  }
  if (o->jobs != -1 && (!o->all || o->jobs < 1 || o->jobs > 64)) {
    cli_usage_error(error, o->all ? "--jobs takes a number from 1 to 64" : "--jobs goes with --all");
    return FALSE;
  }
  GDate date;
  if (o->date && !cli_parse_date("--date", o->date, &date, error))
    return FALSE;
  if (o->lang && !g_str_equal(o->lang, "zh") && !g_str_equal(o->lang, "en")) {
    cli_usage_error(error, "--lang takes zh or en, not \"%s\"", o->lang);
    return FALSE;
  }
  return TRUE;
}

/* The specs and the output directory are checked before connecting; a listing never connects. */
static gboolean
body(CliRun *run, GError **error)
{
  ReportOptions *o = &opts;
  Config *config = cli_config(run, error);
  if (!config)
    return FALSE;
  if (!o->specs_dir)
    o->specs_dir = g_strdup(config->report_specs ? config->report_specs : report_default_dir());
  if (!o->out_dir)
    o->out_dir = g_strdup(config->reports_dir ? config->reports_dir : ".");
  if (o->listing)
    return list_reports(o, o->list_format, error);
  g_autoptr(GPtrArray) specs = load_specs(o, o->all ? NULL : run->argv[0], error);
  if (!specs)
    return FALSE;
  if (!g_file_test(o->out_dir, G_FILE_TEST_IS_DIR)) {
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_OUTPUT, "output directory %s does not exist or is not a directory",
                o->out_dir);
    return FALSE;
  }
  guint stale = 0;
  if (!report_remove_stale_temps(o->out_dir, &stale, error))
    return FALSE;
  PGconn *conn = cli_connect(run, error);
  if (!conn)
    return FALSE;
  /* --shard NAME made the configuration that shard's alone: sharded here is the group */
  gboolean group = config_sharded(config);
  if (group && !group_ready(conn, config, error))
    return FALSE;
  g_autofree char *date = group ? resolve_group_date(conn, o->date, error) : resolve_date(conn, o->date, error);
  if (!date)
    return FALSE;
  ReportRequest req = {
    .business_date = date,
    .out_dir = o->out_dir,
    .lang = o->lang && g_str_equal(o->lang, "en") ? REPORT_LANG_EN : REPORT_LANG_ZH,
    .timezone = config->report_timezone,
    .group = group,
  };
  RenderFn render = o->format && g_str_equal(o->format, "csv") ? report_render_csv : report_render;
  guint jobs = o->jobs > 0 ? (guint) o->jobs : g_get_num_processors();
  if (jobs > 1 && specs->len > 1)
    return render_parallel(render, run, specs, &req, MIN(jobs, specs->len), error);
  return render_sequential(render, conn, specs, &req, error);
}

const CliCommand cmd_report = {
  .name = "report",
  .summary = "write the finance reports (XLSX or CSV) of a closed business date, or list them",
  .description =
    "Write the finance reports of a closed business date as NAME_YYYYMMDD.xlsx.\n"
    "Without NAME (or with --list) it lists the reports.\n"
    "With [shards] configured: the group's reports at the coordinator, over every shard, of a\n"
    "date the whole group closed; --shard NAME: that shard's own.",
  .args = "[NAME | --all | --list]",
  .min_args = 0,
  .max_args = 1,
  .db = CLI_DB_REPORT,
  .flags = CLI_FLAG_CONNECT_IN_BODY | CLI_FLAG_GROUP,
  .options = options,
  .validate = validate,
  .body = body,
};
