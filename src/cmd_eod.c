/* baitiao eod [--date D] [--catch-up [--until D]] [--dry-run] — the nightly run. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "date.h"
#include "db.h"
#include "eod_run.h"
#include "log.h"
#include "metrics.h"
#include "migrate.h"
#include "money.h"
#include "recon.h"
#include "shard_eod.h"
#include "spool.h"

static char *opt_date;
static char *opt_until;
static gboolean opt_catch_up;
static char **opt_allow_missing;
static gboolean opt_allow_future;
static int opt_jobs;

static const GOptionEntry options[] = {
  { "date", 'd', 0, G_OPTION_ARG_STRING, &opt_date, "Business date to run (default: the next open date)", "YYYY-MM-DD" },
  { "catch-up", 0, 0, G_OPTION_ARG_NONE, &opt_catch_up, "Run every open date up to --until (default yesterday), oldest first", NULL },
  { "until", 0, 0, G_OPTION_ARG_STRING, &opt_until, "Last date for --catch-up", "YYYY-MM-DD" },
  { "allow-missing", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_allow_missing,
    "Close the date without this expected file (repeatable; recorded on the run)", "KIND[:CHANNEL]" },
  { "allow-future", 0, 0, G_OPTION_ARG_NONE, &opt_allow_future,
    "Run dates that have not ended yet (simulations, replays; also [calendar] allow_future)", NULL },
  { "jobs", 'j', 0, G_OPTION_ARG_INT, &opt_jobs,
    "A sharded group: run at most N shards' nights at once (default: all)", "N" },
  G_OPTION_ENTRY_NULL,
};

/* What validate made of the options. */
typedef struct {
  gboolean has_date, has_until;
  GDate date, until;
  gboolean catch_up;
  gboolean dry_run;
  gboolean allow_future;
} EodArgs;

static EodArgs args;
static char **allow_missing;   /* canonical KIND:CHANNEL */

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(EodReport, eod_report_clear)

/* The batch refuses to run on a schema that is not exactly the one it was built for. */
static gboolean
check_schema(PGconn *conn, const Config *config, GError **error)
{
  g_autoptr(GPtrArray) files = migrate_scan(config->sql_dir, error);
  g_autoptr(GPtrArray) applied = files ? migrate_applied(conn, error) : NULL;
  if (!applied)
    return FALSE;
  g_autoptr(GArray) statuses = migrate_compare(files, applied);
  if (!migrate_check_drift(statuses, error))
    return FALSE;
  if (applied->len != files->len) {
    g_set_error(error, EOD_ERROR, EOD_ERROR_DATE,
                "the schema is at version %04u but this baitiao needs %04u\n"
                "hint: run \"baitiao migrate up\" first", applied->len, files->len);
    return FALSE;
  }
  return TRUE;
}

static void
print_report(const EodReport *r, const Config *config, gboolean dry_run)
{
  if (cli_quiet())
    return;
  g_autofree char *shard = config->selected_shard ? g_strdup_printf("  shard %s", config->selected_shard)
                                                  : g_strdup("");
  printf("%s%s  run %" G_GINT64_FORMAT "%s\n", r->date_str, dry_run ? "  (dry run: nothing committed)" : "",
         r->run_id, shard);
  for (guint i = 0; i < r->steps->len; i++) {
    const EodStepReport *s = &g_array_index(r->steps, EodStepReport, i);
    g_autofree char *amount = money_format_fen_grouped(s->amount_fen);
    if (s->skipped)
      printf("  %-12s %12s\n", s->name, "done earlier");
    else
      printf("  %-12s %12" G_GINT64_FORMAT " rows %18s yuan %8.2f s\n", s->name, s->rows, amount,
             s->duration_us / 1e6);
  }
}

static void
today(GDate *d)
{
  g_date_clear(d, 1);
  g_date_set_time_t(d, time(NULL));
}

static void
yesterday(GDate *d)
{
  today(d);
  g_date_subtract_days(d, 1);
}

/* A night for a date that has not ended yet (today by the local clock, or later) would
 * close the date before its files arrive; only a simulation or replay may ask for it
 * ([calendar] allow_future, --allow-future). Exit 2: the request, not the data. */
static gboolean
check_date_ended(const GDate *last, gboolean allowed, GError **error)
{
  GDate now;
  today(&now);
  if (allowed || g_date_compare(last, &now) < 0)
    return TRUE;
  char last_str[DATE_TEXT_SIZE], now_str[DATE_TEXT_SIZE];
  date_format(last, last_str);
  date_format(&now, now_str);
  g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE,
              "cannot run %s: the date has not ended yet (today is %s)\n"
              "hint: a simulation or replay may set [calendar] allow_future = true or pass --allow-future",
              last_str, now_str);
  return FALSE;
}

/* Decides the first date to run and checks it against the calendar's sequence. */
static gboolean
first_date(PGconn *conn, const EodArgs *a, GDate *date, GError **error)
{
  GDate next;
  gboolean found;
  if (!eod_next_date(conn, &next, &found, error))
    return FALSE;
  if (!a->has_date) {
    if (!found) {
      g_set_error(error, EOD_ERROR, EOD_ERROR_DATE,
                  "no night has run yet: give the first business date with --date YYYY-MM-DD");
      return FALSE;
    }
    *date = next;
    return TRUE;
  }
  *date = a->date;
  if (found && a->catch_up && g_date_compare(date, &next) < 0) {
    *date = next;  /* catching up from a date already closed: start at the next open one */
    return TRUE;
  }
  if (found && g_date_compare(date, &next) > 0) {
    char want[DATE_TEXT_SIZE], asked[DATE_TEXT_SIZE];
    date_format(&next, want);
    date_format(date, asked);
    g_set_error(error, EOD_ERROR, EOD_ERROR_DATE,
                "cannot run %s: the next date to run is %s (a night never runs before the previous one closed)\n"
                "hint: run \"baitiao eod --catch-up --until %s\"", asked, want, asked);
    return FALSE;
  }
  return TRUE;
}

/* Nights whose recon left OPEN breaks: the run fails with RECON_ERROR_BREAKS (exit 3)
 * once the dates it could run are done. */
static gboolean
breaks_outcome(const GString *broken, gboolean kept_open, GError **error)
{
  if (broken->len == 0)
    return TRUE;
  g_set_error(error, RECON_ERROR, RECON_ERROR_BREAKS,
              "reconciliation left open breaks: %s; %s\n"
              "hint: \"baitiao recon breaks --open\" lists them; explain or resolve each (docs/operations.md)%s",
              broken->str, kept_open ? "the last date stays open (breaks_block_close=true)" : "the dates are closed",
              kept_open ? ", then run \"baitiao eod\" again to close it" : "");
  return FALSE;
}

static gboolean
run_nights(PGconn *conn, const Config *config, const EodArgs *a, GError **error)
{
  g_autoptr(GString) broken = g_string_new(NULL);
  GDate date, until;
  if (!first_date(conn, a, &date, error))
    return FALSE;
  if (a->has_until) {
    until = a->until;
  } else if (a->catch_up || !a->has_date) {
    yesterday(&until);
  } else {
    until = date;
  }
  if (!check_date_ended(&until, a->allow_future || config->calendar_allow_future, error))
    return FALSE;
  if (g_date_compare(&date, &until) > 0) {
    char d[DATE_TEXT_SIZE];
    date_format(&date, d);
    log_info("nothing to do: the next business date %s has not ended yet", d);
    return TRUE;
  }
  for (;;) {
    g_auto(EodReport) report;
    eod_report_init(&report);
    char day[DATE_TEXT_SIZE];
    date_format(&date, day);
    if (!spool_night_gate(conn, config, day, error)) {
      if (broken->len)
        log_warning("reconciliation left open breaks: %s", broken->str);
      return FALSE;
    }
    gboolean ok = eod_run_night(conn, config, &date, a->dry_run, &report, error);
    if (report.steps->len > 0)
      print_report(&report, config, a->dry_run);
    if (!a->dry_run)
      metrics_write_night(config, &report, ok);
    if (!ok)
      return FALSE;
    if (report.open_breaks > 0)
      g_string_append_printf(broken, "%s%s %" G_GINT64_FORMAT, broken->len ? ", " : "", report.date_str,
                             report.open_breaks);
    if (report.kept_open)
      return breaks_outcome(broken, TRUE, error);
    g_date_add_days(&date, 1);
    if (a->dry_run || !a->catch_up || g_date_compare(&date, &until) > 0)
      return breaks_outcome(broken, FALSE, error);
  }
}

/* --allow-missing KIND[:CHANNEL], each in the canonical KIND:CHANNEL form. It closes
 * one date: with --catch-up it would close every date of the run without the file. */
static gboolean
parse_allow_missing(GError **error)
{
  if (!opt_allow_missing)
    return TRUE;
  if (opt_catch_up) {
    cli_usage_error(error, "--allow-missing closes one date: it does not go with --catch-up");
    return FALSE;
  }
  g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; opt_allow_missing[i]; i++) {
    g_autoptr(GError) local = NULL;
    char *spec = spool_parse_file_spec(opt_allow_missing[i], &local);
    if (!spec) {
      cli_usage_error(error, "--allow-missing %s", local->message);
      return FALSE;
    }
    g_ptr_array_add(specs, spec);
  }
  g_ptr_array_add(specs, NULL);
  allow_missing = (char **) g_ptr_array_free(g_steal_pointer(&specs), FALSE);
  return TRUE;
}

/* A date that does not exist is a usage error, found before connecting (exit 2). */
static gboolean
validate(CliRun *run, GError **error)
{
  if (opt_until && !opt_catch_up) {
    cli_usage_error(error, "--until goes with --catch-up");
    return FALSE;
  }
  if (opt_jobs < 0 || opt_jobs > 256) {
    cli_usage_error(error, "--jobs must be 1 to 256, not %d", opt_jobs);
    return FALSE;
  }
  args = (EodArgs) { .has_date = opt_date != NULL, .has_until = opt_until != NULL, .catch_up = opt_catch_up,
                     .dry_run = run->dry_run, .allow_future = opt_allow_future };
  return (!opt_date || cli_parse_date("--date", opt_date, &args.date, error))
         && (!opt_until || cli_parse_date("--until", opt_until, &args.until, error)) && parse_allow_missing(error);
}

/* The options each shard's night is given: the group's own, as given. */
static GPtrArray *
shard_eod_args(gboolean dry_run)
{
  GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
  if (opt_date)
    g_ptr_array_add(a, g_strdup_printf("--date=%s", opt_date));
  if (opt_catch_up)
    g_ptr_array_add(a, g_strdup("--catch-up"));
  if (opt_until)
    g_ptr_array_add(a, g_strdup_printf("--until=%s", opt_until));
  for (guint i = 0; opt_allow_missing && opt_allow_missing[i]; i++)
    g_ptr_array_add(a, g_strdup_printf("--allow-missing=%s", opt_allow_missing[i]));
  if (opt_allow_future)
    g_ptr_array_add(a, g_strdup("--allow-future"));
  if (dry_run)
    g_ptr_array_add(a, g_strdup("--dry-run"));
  if (cli_quiet())
    g_ptr_array_add(a, g_strdup("--quiet"));
  g_ptr_array_add(a, NULL);
  return a;
}

static gboolean
body(CliRun *run, GError **error)
{
  run->config->intake_allow_missing = g_steal_pointer(&allow_missing);
  if (config_sharded(run->config)) {
    g_autoptr(GPtrArray) eod_args = shard_eod_args(run->dry_run);
    ShardEodArgs group = { .eod_args = (const char *const *) eod_args->pdata, .jobs = (guint) opt_jobs,
                           .dry_run = run->dry_run, .group_date = !opt_date && !opt_catch_up,
                           .date = args.has_date ? &args.date : NULL, .catch_up = args.catch_up,
                           .until = args.has_until ? &args.until : NULL };
    return shard_eod_run(run->conn, run->config, &group, error);
  }
  if (opt_jobs) {
    cli_usage_error(error, "--jobs goes with a sharded group ([shards] in the configuration)");
    return FALSE;
  }
  PGconn *conn = run->conn;
  Config *config = run->config;
  if (!db_lock_or_fail(conn, DB_LOCK_NIGHT, "night (eod)", error))
    return FALSE;
  /* never under a running migration (migrate up checks the night's lock the same way) */
  if (!db_lock_free_or_fail(conn, DB_LOCK_MIGRATE, "a migration (migrate up)", error)) {
    db_unlock(conn, DB_LOCK_NIGHT);
    return FALSE;
  }
  gboolean ok = check_schema(conn, config, error) && run_nights(conn, config, &args, error);
  db_unlock(conn, DB_LOCK_NIGHT);
  return ok;
}

const CliCommand cmd_eod = {
  .name = "eod",
  .summary = "run the night for the next business date (or catch up)",
  .description =
    "Run the night (日终) for a business date: originate, refunds, repayments, billing,\n"
    "penalty and aging, write-off, GL close, reconciliation; then close the date. A rerun\n"
    "resumes. Exit 3 when reconciliation leaves open breaks (see [recon] in the config); exit 4\n"
    "when an expected partner file of the date has not arrived ([intake] expected).\n"
    "A sharded group ([shards]): every shard's night for the same date, --jobs at a time;\n"
    "a date is the group's once every shard closed it.",
  .db = CLI_DB_BATCH,
  .flags = CLI_FLAG_GROUP,
  .options = options,
  .dry_run = "Compute and print the night's totals; commit nothing",
  .validate = validate,
  .body = body,
};
