/* baitiao status — what an operator looks at first: is the schema current,
 * which business dates are open or closed, open reconciliation breaks, whether the
 * next night waits for partner files, how did the last runs end. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "db.h"
#include "eod_run.h"
#include "log.h"
#include "migrate.h"
#include "money.h"
#include "output.h"
#include "spool.h"
#include "stmt.h"

/* What status found: printed as it goes in text; in csv and json collected as typed
 * facts (key, value) and the runs table, printed at the end (docs/formats.md). */
typedef struct {
  OutputFormat format;
  GPtrArray *keys;       /* char * */
  GPtrArray *values;     /* char *, NULL = null */
  GArray *types;         /* OutputColumnType */
  OutputTable *runs;
} Status;

static void
status_clear(Status *st)
{
  g_clear_pointer(&st->keys, g_ptr_array_unref);
  g_clear_pointer(&st->values, g_ptr_array_unref);
  g_clear_pointer(&st->types, g_array_unref);
  g_clear_pointer(&st->runs, output_table_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Status, status_clear)

static gboolean
text(const Status *st)
{
  return st->format == OUTPUT_TEXT;
}

static void
fact(Status *st, const char *key, OutputColumnType type, const char *value)
{
  if (text(st))
    return;
  g_ptr_array_add(st->keys, g_strdup(key));
  g_ptr_array_add(st->values, g_strdup(value));
  g_array_append_val(st->types, type);
}

static void
fact_uint(Status *st, const char *key, guint value)
{
  g_autofree char *v = g_strdup_printf("%u", value);
  fact(st, key, OUTPUT_COL_INT, v);
}

static gboolean
print_schema(Status *st, PGconn *conn, const Config *config, GError **error)
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
  gboolean ok = migrate_check_drift(statuses, &drift);
  fact_uint(st, "schema_version", applied->len);
  fact_uint(st, "schema_files", files->len);
  fact_uint(st, "schema_pending", pending);
  fact(st, "schema_drift", OUTPUT_COL_TEXT, ok ? NULL : drift->message);
  if (!text(st))
    return TRUE;
  if (!ok)
    printf("schema:   DRIFT — %s\n", drift->message);
  else
    printf("schema:   version %04u of %04u (%u pending)%s\n", applied->len, files->len, pending,
           pending ? " — run \"baitiao migrate up\"" : "");
  return TRUE;
}

static gboolean
print_calendar(Status *st, PGconn *conn, GError **error)
{
  g_autoptr(PGresult) cal = stmt_query_one(conn, "queries/status/10_calendar", 0, NULL, error);
  if (!cal)
    return FALSE;
  const char *last = PQgetvalue(cal, 0, 1), *open = PQgetvalue(cal, 0, 2);
  fact(st, "dates_closed", OUTPUT_COL_INT, PQgetvalue(cal, 0, 0));
  fact(st, "last_closed", OUTPUT_COL_TEXT, g_str_equal(last, "none") ? NULL : last);
  fact(st, "open_date", OUTPUT_COL_TEXT, g_str_equal(open, "none") ? NULL : open);
  if (text(st))
    printf("business: %s dates closed, last closed %s, open %s\n", PQgetvalue(cal, 0, 0),
         PQgetvalue(cal, 0, 1), PQgetvalue(cal, 0, 2));
  return TRUE;
}

static gboolean
print_breaks(Status *st, PGconn *conn, GError **error)
{
  g_autoptr(PGresult) res = stmt_query_one(conn, "queries/status/20_open_breaks", 0, NULL, error);
  if (!res)
    return FALSE;
  fact(st, "open_breaks", OUTPUT_COL_INT, PQgetvalue(res, 0, 0));
  fact(st, "oldest_open_break", OUTPUT_COL_TEXT, *PQgetvalue(res, 0, 1) ? PQgetvalue(res, 0, 1) : NULL);
  if (!text(st))
    return TRUE;
  if (g_str_equal(PQgetvalue(res, 0, 0), "0"))
    printf("breaks:   none open\n");
  else
    printf("breaks:   %s open, oldest of %s — \"baitiao recon breaks --open\"\n", PQgetvalue(res, 0, 0),
           PQgetvalue(res, 0, 1));
  return TRUE;
}

/* The last full audit (recon --full, weekly from jobs/): when it ended, how, and what
 * it found; a week without a successful one is said plainly. */
static gboolean
print_audit(Status *st, PGconn *conn, GError **error)
{
  g_autoptr(PGresult) res = stmt_query(conn, "queries/status/40_last_audit", 0, NULL, error);
  if (!res)
    return FALSE;
  gboolean any = PQntuples(res) > 0;
  fact(st, "audit_date", OUTPUT_COL_TEXT, any ? PQgetvalue(res, 0, 0) : NULL);
  fact(st, "audit_at", OUTPUT_COL_TEXT, any ? PQgetvalue(res, 0, 3) : NULL);
  fact(st, "audit_status", OUTPUT_COL_TEXT, any ? PQgetvalue(res, 0, 1) : NULL);
  fact(st, "audit_breaks", OUTPUT_COL_INT, any ? PQgetvalue(res, 0, 2) : NULL);
  fact(st, "audit_overdue", OUTPUT_COL_BOOL, any ? PQgetvalue(res, 0, 4) : "t");
  if (!text(st))
    return TRUE;
  if (!any) {
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
static gboolean
print_refused(Status *st, PGconn *conn, const char *date, GError **error)
{
  const char *params[] = { date };
  g_autoptr(PGresult) res = stmt_query(conn, "queries/status/50_refused_files", 1, params, error);
  if (!res)
    return FALSE;
  fact_uint(st, "files_refused", (guint) PQntuples(res));
  for (int i = 0; i < PQntuples(res); i++) {
    g_autofree char *key = g_strdup_printf("refused.%s", PQgetvalue(res, i, 0));
    fact(st, key, OUTPUT_COL_TEXT, PQgetvalue(res, i, 1));
  }
  for (int i = 0; text(st) && i < PQntuples(res); i++)
    printf("refused:  %s %s: %s\n", date, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
  return TRUE;
}

/* The expected files of the next date to run that have not arrived: waiting once the
 * date has ended, OVERDUE past [intake] wait_deadline. */
static gboolean
print_files(Status *st, PGconn *conn, const Config *config, GError **error)
{
  if (!config->intake_expected || !config->intake_expected[0]) {
    fact(st, "files_state", OUTPUT_COL_TEXT, "not_configured");
    if (text(st))
      printf("files:    no expected files configured ([intake] expected)\n");
    return TRUE;
  }
  GDate next;
  gboolean found;
  if (!eod_next_date(conn, &next, &found, error))
    return FALSE;
  if (!found) {
    fact(st, "files_state", OUTPUT_COL_TEXT, "no_night_yet");
    if (text(st))
      printf("files:    no night has run yet\n");
    return TRUE;
  }
  char date[11];
  g_date_strftime(date, sizeof date, "%Y-%m-%d", &next);
  g_autoptr(GPtrArray) missing = spool_missing(conn, config, date, error);
  if (!missing)
    return FALSE;
  GDate today;
  g_date_clear(&today, 1);
  g_date_set_time_t(&today, time(NULL));
  gboolean ended = g_date_compare(&next, &today) < 0;
  gboolean overdue = missing->len > 0 && ended && spool_overdue(config, date);
  g_ptr_array_add(missing, NULL);
  g_autofree char *list = g_strjoinv(",", (char **) missing->pdata);
  g_ptr_array_remove_index(missing, missing->len - 1);
  fact(st, "files_date", OUTPUT_COL_TEXT, date);
  fact(st, "files_state", OUTPUT_COL_TEXT, missing->len == 0 ? "complete" : ended ? "waiting" : "not_ended");
  fact_uint(st, "files_missing", missing->len);
  fact(st, "files_missing_list", OUTPUT_COL_TEXT, list);
  fact(st, "files_overdue", OUTPUT_COL_BOOL, overdue ? "t" : "f");
  if (text(st) && missing->len == 0)
    printf("files:    %s: every expected file has arrived\n", date);
  if (text(st) && missing->len > 0) {
    printf("files:    %s: %s %u expected file(s):", date, ended ? "WAITING for" : "not ended yet, still to come:",
           missing->len);
    for (guint i = 0; i < missing->len; i++) {
      g_auto(GStrv) kv = g_strsplit(missing->pdata[i], ":", 2);
      printf("%s %s%s%s", i ? "," : "", kv[0], *kv[1] ? " " : "", kv[1]);
    }
    printf("%s\n", overdue ? " — OVERDUE (past [intake] wait_deadline)" : "");
  }
  return print_refused(st, conn, date, error);
}

static const OutputColumn run_columns[] = {
  { "run_id", OUTPUT_COL_INT, 0, 0, NULL },
  { "command", OUTPUT_COL_TEXT, 0, 0, NULL },
  { "business_date", OUTPUT_COL_TEXT, 0, 0, NULL },
  { "status", OUTPUT_COL_TEXT, 0, 0, NULL },
  { "started_at", OUTPUT_COL_TEXT, 0, 0, NULL },
  { "took", OUTPUT_COL_TEXT, 0, 0, NULL },
  { "where", OUTPUT_COL_TEXT, 0, 0, NULL },
  { "steps_succeeded", OUTPUT_COL_INT, 0, 0, NULL },
  { "steps", OUTPUT_COL_INT, 0, 0, NULL },
  { "error", OUTPUT_COL_TEXT, 0, 0, NULL },
};

static void
collect_runs(Status *st, PGresult *runs)
{
  st->runs = output_table_new(run_columns, G_N_ELEMENTS(run_columns));
  for (int i = 0; i < PQntuples(runs); i++) {
    const char *v[G_N_ELEMENTS(run_columns)];
    for (int c = 0; c < (int) G_N_ELEMENTS(run_columns); c++)
      v[c] = *PQgetvalue(runs, i, c) ? PQgetvalue(runs, i, c) : NULL;
    output_table_add_row(st->runs, v);
    for (int c = 1; st->format == OUTPUT_CSV && c < (int) G_N_ELEMENTS(run_columns); c++) {
      g_autofree char *key = g_strdup_printf("run.%s.%s", v[0], run_columns[c].name);
      fact(st, key, run_columns[c].type, v[c]);
    }
  }
}

static gboolean
print_last_runs(Status *st, PGconn *conn, int limit, GError **error)
{
  g_autofree char *n = g_strdup_printf("%d", limit);
  const char *params[] = { n };
  g_autoptr(PGresult) runs = stmt_query(conn, "queries/status/60_last_runs", 1, params, error);
  if (!runs)
    return FALSE;
  if (!text(st)) {
    collect_runs(st, runs);
    return TRUE;
  }
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

/* Settlement items of the window R7 has not judged yet, up to the last closed date
 * (sql/queries/status/30_settlement_waiting.sql says which). */
static gboolean
print_settlement(Status *st, PGconn *conn, const Config *config, GError **error)
{
  g_autoptr(PGresult) last = stmt_query_one(conn, "queries/status/10_calendar", 0, NULL, error);
  if (!last)
    return FALSE;
  const char *d = PQgetvalue(last, 0, 1);
  if (g_str_equal(d, "none"))
    return TRUE;
  g_autofree char *wait = g_strdup_printf("%d", config->recon_settlement_wait_days);
  const char *params[] = { d, wait };
  g_autoptr(PGresult) res = stmt_query_one(conn, "queries/status/30_settlement_waiting", 2, params, error);
  if (!res)
    return FALSE;
  fact(st, "settlement_waiting", OUTPUT_COL_INT, PQgetvalue(res, 0, 0));
  fact(st, "settlement_waiting_fen", OUTPUT_COL_MONEY, PQgetvalue(res, 0, 1));
  fact(st, "settlement_wait_days", OUTPUT_COL_INT, wait);
  if (text(st)) {
    g_autofree char *yuan = money_format_fen_grouped(g_ascii_strtoll(PQgetvalue(res, 0, 1), NULL, 10));
    printf("settle:   %s item(s), %s yuan, of the last %d day(s) to %s not matched yet: inside the settlement\n"
           "          window ([recon] settlement_wait_days), not breaks yet\n", PQgetvalue(res, 0, 0), yuan,
           config->recon_settlement_wait_days + 1, d);
  }
  return TRUE;
}

/* csv: one "key,value" record per fact, each run as run.ID.COLUMN; json: one object
 * {"facts": {...}, "runs": [...]}. */
static void
print_machine(const Status *st)
{
  g_autoptr(GString) out = g_string_new(NULL);
  if (st->format == OUTPUT_CSV) {
    g_string_append(out, "key,value\r\n");
    for (guint i = 0; i < st->keys->len; i++) {
      output_csv_field(out, st->keys->pdata[i]);
      g_string_append_c(out, ',');
      if (st->values->pdata[i])
        output_csv_field(out, st->values->pdata[i]);
      g_string_append(out, "\r\n");
    }
  } else {
    g_string_append(out, "{\"facts\": {");
    for (guint i = 0; i < st->keys->len; i++) {
      g_string_append(out, i ? ",\n  " : "\n  ");
      output_json_string(out, st->keys->pdata[i]);
      g_string_append(out, ": ");
      output_json_value(out, g_array_index(st->types, OutputColumnType, i), st->values->pdata[i]);
    }
    g_string_append(out, "},\n\"runs\": ");
    output_table_append(st->runs, OUTPUT_JSON, out);
    g_string_truncate(out, out->len - 1);
    g_string_append(out, "}\n");
  }
  fputs(out->str, stdout);
}

static int opt_runs = 10;
static char *opt_format;
static OutputFormat format;

static const GOptionEntry options[] = {
  { "runs", 'r', 0, G_OPTION_ARG_INT, &opt_runs, "How many of the last runs to show (default 10)", "N" },
  { "format", 0, 0, G_OPTION_ARG_STRING, &opt_format, "text (default), csv or json (docs/formats.md)",
    "text|csv|json" },
  G_OPTION_ENTRY_NULL,
};

static gboolean
validate(CliRun *run, GError **error)
{
  (void) run;
  if (opt_runs < 0 || opt_runs > 1000) {
    cli_usage_error(error, "--runs takes a number from 0 to 1000");
    return FALSE;
  }
  return output_parse_format(opt_format, &format, error);
}

static gboolean
body(CliRun *run, GError **error)
{
  PGconn *conn = run->conn;
  Config *config = run->config;
  g_auto(Status) st = { .format = format };
  st.keys = g_ptr_array_new_with_free_func(g_free);
  st.values = g_ptr_array_new_with_free_func(g_free);
  st.types = g_array_new(FALSE, FALSE, sizeof(OutputColumnType));
  g_autofree char *where = db_describe(conn);
  fact(&st, "database", OUTPUT_COL_TEXT, where);
  if (text(&st))
    printf("database: %s\n", where);
  if (!(print_schema(&st, conn, config, error) && print_calendar(&st, conn, error) && print_breaks(&st, conn, error)
        && print_settlement(&st, conn, config, error) && print_audit(&st, conn, error)
        && print_files(&st, conn, config, error) && print_last_runs(&st, conn, opt_runs, error)))
    return FALSE;
  if (!text(&st))
    print_machine(&st);
  return TRUE;
}

const CliCommand cmd_status = {
  .name = "status",
  .summary = "show the schema, business dates, open breaks, waiting files and last runs",
  .description =
    "Show the schema version, business dates, open reconciliation breaks, the last full\n"
    "audit, the expected files the next night waits for, and the last runs.",
  .db = CLI_DB_REPORT,
  .options = options,
  .validate = validate,
  .body = body,
};
