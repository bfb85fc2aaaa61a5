/* baitiao recon [run] [--full] [--date D] | breaks [--open] [--date D] | explain ID --note TEXT
 * | resolve ID [--note TEXT] — the reconciliation pass and the life of its breaks.
 * A pass that finds breaks prints its summary and fails with RECON_ERROR_BREAKS,
 * which main turns into exit 3. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "db.h"
#include "log.h"
#include "money.h"
#include "output.h"
#include "recon.h"
#include "stmt.h"

typedef struct {
  char *date;
  char *note;
  char *format;
  gboolean open_only;
  gboolean full;
  GDate date_value;       /* validated: */
  OutputFormat output;
  const char *action;
  gint64 id;
} ReconArgs;

static ReconArgs args;

static const GOptionEntry options[] = {
  { "date", 'd', 0, G_OPTION_ARG_STRING, &args.date,
    "Business date (run: default the latest whose GL is closed; breaks: only that date)", "YYYY-MM-DD" },
  { "open", 0, 0, G_OPTION_ARG_NONE, &args.open_only, "breaks: only the OPEN ones", NULL },
  { "full", 0, 0, G_OPTION_ARG_NONE, &args.full,
    "run: the full audit, everything recomputed from the detail rows (weekly; see docs/operations.md)", NULL },
  { "note", 0, 0, G_OPTION_ARG_STRING, &args.note, "explain/resolve: what was found or done", "TEXT" },
  { "format", 0, 0, G_OPTION_ARG_STRING, &args.format,
    "breaks: text (default), csv or json (money in fen; docs/formats.md)", "text|csv|json" },
  G_OPTION_ENTRY_NULL,
};

static void
print_summary(const ReconSummary *s)
{
  if (cli_quiet())
    return;
  printf("recon %s  run %" G_GINT64_FORMAT "%s\n", s->date_str, s->recon_run_id,
         s->mode == RECON_FULL ? "  (full audit)" : "");
  printf("  %-5s %13s %24s %7s  %-8s %s\n", "check", "rows compared", "total compared (yuan)", "breaks",
         "status", "what");
  for (int i = 0; i < RECON_N_CHECKS; i++) {
    const ReconCheckSummary *c = &s->checks[i];
    if (c->skipped) {
      printf("  %-5s %13s %24s %7s  %-8s %s (%s)\n", c->check_id, "-", "-", "-", "skipped", c->title,
             c->skipped_why);
      continue;
    }
    g_autofree char *total = money_format_fen_grouped(c->total_fen);
    printf("  %-5s %13" G_GINT64_FORMAT " %24s %7" G_GINT64_FORMAT "  %-8s %s%s%s\n", c->check_id, c->rows, total,
           c->breaks, c->breaks ? "BREAKS" : "ok", c->title, c->detail[0] ? ": " : "", c->detail);
  }
  printf("%" G_GINT64_FORMAT " break(s), %" G_GINT64_FORMAT " new", s->breaks, s->new_breaks);
  if (s->late_matches)
    printf("; %" G_GINT64_FORMAT " earlier settlement break(s) resolved by late matches", s->late_matches);
  printf("\n");
}

static gboolean
action_run(PGconn *conn, const Config *config, const ReconArgs *a, GError **error)
{
  GDate date = a->date_value;
  if (!a->date && !recon_default_date(conn, &date, error))
    return FALSE;
  ReconSummary s;
  if (!recon_run_mode(conn, config, &date, 0, a->full ? RECON_FULL : RECON_NIGHTLY, &s, error))
    return FALSE;
  print_summary(&s);
  if (s.breaks == 0)
    return TRUE;
  g_set_error(error, RECON_ERROR, RECON_ERROR_BREAKS,
              "reconciliation of %s found %" G_GINT64_FORMAT " break(s)\n"
              "hint: \"baitiao recon breaks --open\" lists them; docs/operations.md says what to do",
              s.date_str, s.breaks);
  return FALSE;
}

/* The listing's columns; text is the operators' layout of before (notes on one line). */
static const OutputColumn break_columns[] = {
  { "break_id", OUTPUT_COL_INT, 6, 0, "id" },
  { "business_date", OUTPUT_COL_TEXT, -10, 2, "date" },
  { "check_id", OUTPUT_COL_TEXT, -5, 1, "check" },
  { "break_type", OUTPUT_COL_TEXT, -15, 1, "type" },
  { "break_key", OUTPUT_COL_TEXT, -32, 1, "key" },
  { "expected_fen", OUTPUT_COL_MONEY, 14, 1, "expected" },
  { "actual_fen", OUTPUT_COL_MONEY, 14, 1, "actual" },
  { "diff_fen", OUTPUT_COL_MONEY, 14, 1, "diff" },
  { "severity", OUTPUT_COL_TEXT, -6, 2, "sev" },
  { "status", OUTPUT_COL_TEXT, -9, 1, NULL },
  { "note", OUTPUT_COL_TEXT, 0, 1, NULL },
};

static gboolean
action_breaks(PGconn *conn, const ReconArgs *a, GError **error)
{
  const char *params[] = { a->open_only ? "true" : "false", a->date };
  g_autoptr(PGresult) res = stmt_query(conn, "queries/recon/93_list_breaks", 2, params, error);
  if (!res)
    return FALSE;
  g_autoptr(OutputTable) t = output_table_new(break_columns, G_N_ELEMENTS(break_columns));
  for (int r = 0; r < PQntuples(res); r++) {
    const char *v[G_N_ELEMENTS(break_columns)];
    for (int c = 0; c < (int) G_N_ELEMENTS(break_columns); c++)
      v[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
    if (a->output == OUTPUT_TEXT)
      v[10] = PQgetvalue(res, r, 11);
    output_table_add_row(t, v);
  }
  output_table_print(t, a->output, stdout);
  if (a->output == OUTPUT_TEXT)
    printf("%d break(s)\n", PQntuples(res));
  return TRUE;
}

static gboolean
parse_break_id(int argc, char **argv, gint64 *id, GError **error)
{
  guint64 value = 0;
  if (argc != 2 || !g_ascii_string_to_unsigned(argv[1], 10, 1, G_MAXINT64, &value, NULL)) {
    cli_usage_error(error, "%s needs one break id (see \"baitiao recon breaks\")", argv[0]);
    return FALSE;
  }
  *id = (gint64) value;
  return TRUE;
}

static gboolean
action_change(PGconn *conn, gboolean resolve, gint64 id, const ReconArgs *a, GError **error)
{
  g_autofree char *who = recon_who();
  if (resolve ? !recon_resolve(conn, id, a->note, who, error) : !recon_explain(conn, id, a->note, who, error))
    return FALSE;
  if (!cli_quiet())
    printf("break %" G_GINT64_FORMAT " %s by %s\n", id, resolve ? "resolved" : "explained", who);
  return TRUE;
}

/* The action word, checked against its options before anything connects. */
static gboolean
check_action(int argc, char **argv, const ReconArgs *a, const char **action, gint64 *id, GError **error)
{
  *action = argc >= 1 ? argv[0] : "run";
  gboolean change = strcmp(*action, "explain") == 0 || strcmp(*action, "resolve") == 0;
  if (strcmp(*action, "run") != 0 && strcmp(*action, "breaks") != 0 && !change) {
    cli_usage_error(error, "unknown action \"%s\": run, breaks, explain or resolve", *action);
    return FALSE;
  }
  if (change) {
    if (!parse_break_id(argc, argv, id, error))
      return FALSE;
    if (strcmp(*action, "explain") == 0 && (!a->note || !*a->note)) {
      cli_usage_error(error, "explain needs --note TEXT: say why the break is what it is");
      return FALSE;
    }
    if (a->date || a->open_only || a->full || a->format) {
      cli_usage_error(error, "--date, --open, --full and --format go with run or breaks");
      return FALSE;
    }
    return TRUE;
  }
  if (argc > 1) {
    cli_usage_error(error, "unexpected argument \"%s\"", argv[1]);
    return FALSE;
  }
  if (a->format && strcmp(*action, "breaks") != 0) {
    cli_usage_error(error, "--format goes with breaks");
    return FALSE;
  }
  if (a->full && strcmp(*action, "run") != 0) {
    cli_usage_error(error, "--full goes with run");
    return FALSE;
  }
  if (a->note || (a->open_only && strcmp(*action, "breaks") != 0)) {
    cli_usage_error(error, "%s goes with %s", a->note ? "--note" : "--open",
                    a->note ? "explain or resolve" : "breaks");
    return FALSE;
  }
  return TRUE;
}

/* The action, its options and the date are checked before anything connects. */
static gboolean
validate(CliRun *run, GError **error)
{
  return check_action(run->argc, run->argv, &args, &args.action, &args.id, error)
         && output_parse_format(args.format, &args.output, error)
         && (!args.date || cli_parse_date("--date", args.date, &args.date_value, error));
}

static gboolean
body(CliRun *run, GError **error)
{
  if (strcmp(args.action, "run") == 0)
    return action_run(run->conn, run->config, &args, error);
  if (strcmp(args.action, "breaks") == 0)
    return action_breaks(run->conn, &args, error);
  return action_change(run->conn, strcmp(args.action, "resolve") == 0, args.id, &args, error);
}

const CliCommand cmd_recon = {
  .name = "recon",
  .summary = "reconcile a business date (R1-R12, R18, R19 nightly; R1-R20 with --full); list, explain, resolve breaks",
  .description =
    "Reconcile (对账) a business date: checks R1-R11 of product-rules §9; every difference\n"
    "is stored as a break. Exit 3 when breaks are found. \"run --full\" is the full audit:\n"
    "every user, loan (R13 schedules), journal day (R14), GL day (R15) and the risk\n"
    "reports' aggregates (R16) recomputed.\n"
    "\"breaks\" lists them; \"explain\" and \"resolve\" record what was found and done\n"
    "(a break is never deleted).",
  .args = "[run|breaks|explain ID|resolve ID]",
  .min_args = 0,
  .max_args = 2,
  .db = CLI_DB_BATCH,
  .options = options,
  .validate = validate,
  .body = body,
};
