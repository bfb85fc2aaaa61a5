/* baitiao status — what an operator looks at first: is the schema current,
 * which business dates are open or closed, open reconciliation breaks, whether the
 * next night waits for partner files, how did the last runs end. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "db.h"
#include "eod_run.h"
#include "log.h"
#include "migrate.h"
#include "spool.h"

static gboolean
print_schema(PGconn *conn, const Config *config, GError **error)
{
  g_autoptr(GPtrArray) files = migrate_scan(config->sql_dir, error);
  if (!files)
    return FALSE;
  g_autoptr(GPtrArray) applied = migrate_applied(conn, error);
  if (!applied)
    return FALSE;
  g_autoptr(GArray) statuses = migrate_compare(files, applied);
  g_autoptr(GError) drift = NULL;
  guint pending = 0;
  for (guint i = 0; i < statuses->len; i++)
    pending += g_array_index(statuses, MigrationStatus, i).state == MIGRATION_PENDING;
  if (!migrate_check_drift(statuses, &drift))
    printf("schema:   DRIFT — %s\n", drift->message);
  else
    printf("schema:   version %04u of %04u (%u pending)%s\n", applied->len, files->len, pending,
           pending ? " — run \"baitiao migrate up\"" : "");
  return TRUE;
}

static const char sql_calendar[] =
  "SELECT count(*) FILTER (WHERE status = 'CLOSED'),"
  "       coalesce(max(business_date) FILTER (WHERE status = 'CLOSED')::text, 'none'),"
  "       coalesce(max(business_date) FILTER (WHERE status = 'OPEN')::text, 'none')"
  "  FROM business_calendar";

static const char sql_last_runs[] =
  "SELECT r.run_id, r.command, coalesce(r.business_date::text, ''), r.status,"
  "       to_char(r.started_at, 'YYYY-MM-DD HH24:MI:SS'),"
  "       coalesce(to_char(r.ended_at - r.started_at, 'HH24:MI:SS'), 'running'),"
  "       coalesce(r.host || ':' || r.pid, ''),"
  "       (SELECT count(*) FROM job_step_runs s WHERE s.run_id = r.run_id AND s.status = 'SUCCEEDED'),"
  "       (SELECT count(*) FROM job_step_runs s WHERE s.run_id = r.run_id),"
  "       coalesce(split_part(r.error, E'\\n', 1), '')"
  "  FROM job_runs r ORDER BY r.run_id DESC LIMIT $1::int";

static gboolean
print_calendar(PGconn *conn, GError **error)
{
  g_autoptr(PGresult) cal = db_query_one(conn, "calendar_summary", sql_calendar, 0, NULL, error);
  if (!cal)
    return FALSE;
  printf("business: %s dates closed, last closed %s, open %s\n", PQgetvalue(cal, 0, 0),
         PQgetvalue(cal, 0, 1), PQgetvalue(cal, 0, 2));
  return TRUE;
}

static const char sql_open_breaks[] =
  "SELECT count(*), coalesce(min(business_date)::text, '')"
  "  FROM recon_breaks WHERE status = 'OPEN'";

static gboolean
print_breaks(PGconn *conn, GError **error)
{
  g_autoptr(PGresult) res = db_query_one(conn, "open_breaks", sql_open_breaks, 0, NULL, error);
  if (!res)
    return FALSE;
  if (g_str_equal(PQgetvalue(res, 0, 0), "0"))
    printf("breaks:   none open\n");
  else
    printf("breaks:   %s open, oldest of %s — \"baitiao recon breaks --open\"\n", PQgetvalue(res, 0, 0),
           PQgetvalue(res, 0, 1));
  return TRUE;
}

/* The last full audit (recon --full, weekly from jobs/): when it ended, how, and what
 * it found; a week without a successful one is said plainly. */
static const char sql_last_audit[] =
  "SELECT business_date::text, status, breaks_found,"
  "       to_char(coalesce(ended_at, started_at), 'YYYY-MM-DD HH24:MI'),"
  "       coalesce(ended_at, started_at) < now() - interval '8 days'"
  "  FROM recon_runs WHERE mode = 'FULL' ORDER BY recon_run_id DESC LIMIT 1";

static gboolean
print_audit(PGconn *conn, GError **error)
{
  g_autoptr(PGresult) res = db_query(conn, "last_full_audit", sql_last_audit, 0, NULL, error);
  if (!res)
    return FALSE;
  if (PQntuples(res) == 0) {
    printf("audit:    no full audit yet — \"baitiao recon --full\" (weekly, jobs/baitiao-audit)\n");
    return TRUE;
  }
  gboolean stale = g_str_equal(PQgetvalue(res, 0, 4), "t");
  printf("audit:    last full audit of %s at %s: %s, %s break(s) found%s\n", PQgetvalue(res, 0, 0),
         PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
         stale ? " — OVERDUE: more than a week ago" : "");
  return TRUE;
}

/* Files of DATE refused by intake that no later file of the same kind and channel
 * replaced: the partner has to send them again. */
static const char sql_refused[] =
  "SELECT a.file_name, coalesce(split_part(a.reason, E'\\n', 1), '')"
  "  FROM spool_arrivals a"
  " WHERE a.business_date = $1::date AND a.outcome = 'REFUSED'"
  "   AND NOT EXISTS (SELECT 1 FROM spool_arrivals b WHERE b.business_date = a.business_date"
  "                      AND b.kind = a.kind AND b.channel = a.channel AND b.outcome <> 'REFUSED'"
  "                      AND b.arrival_id > a.arrival_id)"
  " ORDER BY a.arrival_id";

static gboolean
print_refused(PGconn *conn, const char *date, GError **error)
{
  const char *params[] = { date };
  g_autoptr(PGresult) res = db_query(conn, "refused_files", sql_refused, 1, params, error);
  if (!res)
    return FALSE;
  for (int i = 0; i < PQntuples(res); i++)
    printf("refused:  %s %s: %s\n", date, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
  return TRUE;
}

/* The expected files of the next date to run that have not arrived: waiting once the
 * date has ended, OVERDUE past [intake] wait_deadline. */
static gboolean
print_files(PGconn *conn, const Config *config, GError **error)
{
  if (!config->intake_expected || !config->intake_expected[0]) {
    printf("files:    no expected files configured ([intake] expected)\n");
    return TRUE;
  }
  GDate next;
  gboolean found;
  if (!eod_next_date(conn, &next, &found, error))
    return FALSE;
  if (!found) {
    printf("files:    no night has run yet\n");
    return TRUE;
  }
  char date[11];
  g_date_strftime(date, sizeof date, "%Y-%m-%d", &next);
  g_autoptr(GPtrArray) missing = spool_missing(conn, config, date, error);
  if (!missing)
    return FALSE;
  if (missing->len == 0) {
    printf("files:    %s: every expected file has arrived\n", date);
    return print_refused(conn, date, error);
  }
  GDate today;
  g_date_clear(&today, 1);
  g_date_set_time_t(&today, time(NULL));
  gboolean ended = g_date_compare(&next, &today) < 0;
  printf("files:    %s: %s %u expected file(s):", date, ended ? "WAITING for" : "not ended yet, still to come:",
         missing->len);
  for (guint i = 0; i < missing->len; i++) {
    g_auto(GStrv) kv = g_strsplit(missing->pdata[i], ":", 2);
    printf("%s %s%s%s", i ? "," : "", kv[0], *kv[1] ? " " : "", kv[1]);
  }
  printf("%s\n", ended && spool_overdue(config, date) ? " — OVERDUE (past [intake] wait_deadline)" : "");
  return print_refused(conn, date, error);
}

static gboolean
print_last_runs(PGconn *conn, int limit, GError **error)
{
  g_autofree char *n = g_strdup_printf("%d", limit);
  const char *params[] = { n };
  g_autoptr(PGresult) runs = db_query(conn, "last_runs", sql_last_runs, 1, params, error);
  if (!runs)
    return FALSE;
  if (PQntuples(runs) == 0) {
    printf("runs:     none yet\n");
    return TRUE;
  }
  printf("\n%6s  %-10s  %-10s  %-9s  %-19s  %-8s  %-5s  %s\n", "run", "command", "date", "status",
         "started", "took", "steps", "where / error");
  for (int i = 0; i < PQntuples(runs); i++) {
    const char *err = PQgetvalue(runs, i, 9);
    g_autofree char *steps = g_strdup_printf("%s/%s", PQgetvalue(runs, i, 7), PQgetvalue(runs, i, 8));
    printf("%6s  %-10s  %-10s  %-9s  %-19s  %-8s  %-5s  %s\n", PQgetvalue(runs, i, 0),
           PQgetvalue(runs, i, 1), PQgetvalue(runs, i, 2), PQgetvalue(runs, i, 3),
           PQgetvalue(runs, i, 4), PQgetvalue(runs, i, 5), steps,
           *err ? err : PQgetvalue(runs, i, 6));
  }
  return TRUE;
}

gboolean
cmd_status(int argc, char **argv, GError **error)
{
  g_auto(CliCommon) common = { 0 };
  int runs = 10;
  GOptionEntry entries[] = {
    { "runs", 'r', 0, G_OPTION_ARG_INT, &runs, "How many of the last runs to show (default 10)", "N" },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GOptionContext) ctx = cli_context_new("status", NULL,
                                                  "Show the schema version, business dates, open reconciliation breaks, the last full\n"
                                                  "audit, the expected files the next night waits for, and the last runs.",
                                                  &common);
  g_option_context_add_main_entries(ctx, entries, NULL);
  if (!cli_parse(ctx, "status", &argc, &argv, error))
    return FALSE;
  if (argc != 1) {
    cli_usage_error(error, "status", "unexpected argument \"%s\"", argv[1]);
    return FALSE;
  }
  if (runs < 0 || runs > 1000) {
    cli_usage_error(error, "status", "--runs takes a number from 0 to 1000");
    return FALSE;
  }
  g_autoptr(Config) config = NULL;
  g_autoptr(PGconn) conn = cli_connect(&common, DB_ROLE_REPORT, "status", &config, error);
  if (!conn)
    return FALSE;
  g_autofree char *where = db_describe(conn);
  printf("database: %s\n", where);
  return print_schema(conn, config, error) && print_calendar(conn, error) && print_breaks(conn, error)
         && print_audit(conn, error)
         && print_files(conn, config, error) && print_last_runs(conn, runs, error);
}
