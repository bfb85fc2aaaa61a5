/* baitiao group recon [--date D] | gl [--date D] — the group's reads at the coordinator
 * of a sharded configuration (issue 16 §5): the group checks G1–G8 and the consolidated
 * trial balance, over every shard at once through postgres_fdw (group.h). A recon that
 * finds differences prints them and fails with RECON_ERROR_BREAKS (exit 3); a shard
 * that does not answer is exit 75, named. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "date.h"
#include "group.h"
#include "money.h"
#include "output.h"
#include "recon.h"
#include "shard.h"

typedef struct {
  char *date;
  char *format;
  GDate date_value;       /* validated: */
  OutputFormat output;
  gboolean recon;         /* the action: recon, else gl */
} GroupArgs;

static GroupArgs args;

static const GOptionEntry options[] = {
  { "date", 'd', 0, G_OPTION_ARG_STRING, &args.date,
    "Business date (default: the last one the whole group closed)", "YYYY-MM-DD" },
  { "format", 0, 0, G_OPTION_ARG_STRING, &args.format,
    "text (default), csv or json (money in fen; docs/formats.md)", "text|csv|json" },
  G_OPTION_ENTRY_NULL,
};

static const OutputColumn tb_columns[] = {
  { "account_code", OUTPUT_COL_TEXT, -14, 0, "account" },
  { "name", OUTPUT_COL_TEXT, -24, 2, NULL },
  { "opening_fen", OUTPUT_COL_MONEY, 18, 1, "opening" },
  { "debit_fen", OUTPUT_COL_MONEY, 18, 1, "debit" },
  { "credit_fen", OUTPUT_COL_MONEY, 18, 1, "credit" },
  { "closing_fen", OUTPUT_COL_MONEY, 18, 1, "closing" },
  { "shards", OUTPUT_COL_INT, 6, 1, NULL },
};

static const OutputColumn found_columns[] = {
  { "check_id", OUTPUT_COL_TEXT, -5, 0, "check" },
  { "break_type", OUTPUT_COL_TEXT, -16, 1, "type" },
  { "break_key", OUTPUT_COL_TEXT, -32, 1, "key" },
  { "shard", OUTPUT_COL_TEXT, -8, 1, NULL },
  { "expected_fen", OUTPUT_COL_MONEY, 14, 1, "expected" },
  { "actual_fen", OUTPUT_COL_MONEY, 14, 1, "actual" },
  { "diff_fen", OUTPUT_COL_MONEY, 14, 1, "diff" },
};

/* RES's rows as a table of COLUMNS (one result column each, in order). */
static OutputTable *
result_table(const PGresult *res, const OutputColumn *columns, guint n_columns)
{
  OutputTable *t = output_table_new(columns, n_columns);
  for (int r = 0; r < PQntuples(res); r++) {
    const char *v[8];
    g_assert(n_columns <= G_N_ELEMENTS(v));
    for (guint c = 0; c < n_columns; c++)
      v[c] = PQgetisnull(res, r, (int) c) ? NULL : PQgetvalue(res, r, (int) c);
    output_table_add_row(t, v);
  }
  return t;
}

static gboolean
action_gl(PGconn *conn, const GDate *date, OutputFormat format, GError **error)
{
  g_autoptr(PGresult) res = group_trial_balance(conn, date, error);
  if (!res)
    return FALSE;
  char d[DATE_TEXT_SIZE];
  date_format(date, d);
  if (format == OUTPUT_TEXT)
    printf("consolidated trial balance %s (yuan; debit-positive)\n", d);
  g_autoptr(OutputTable) t = result_table(res, tb_columns, G_N_ELEMENTS(tb_columns));
  output_table_print(t, format, stdout);
  return TRUE;
}

static void
print_summary(const GroupRecon *g)
{
  printf("group recon %s\n", g->date_str);
  printf("  %-5s %13s %24s %7s  %-8s %s\n", "check", "rows compared", "total compared (yuan)", "breaks",
         "status", "what");
  for (int i = 0; i < GROUP_N_CHECKS; i++) {
    const GroupCheckSummary *c = &g->checks[i];
    g_autofree char *total = money_format_fen_grouped(c->total_fen);
    printf("  %-5s %13" G_GINT64_FORMAT " %24s %7" G_GINT64_FORMAT "  %-8s %s\n", c->check_id, c->rows, total,
           c->breaks, c->breaks ? "BREAKS" : "ok", c->title);
  }
  printf("%" G_GINT64_FORMAT " break(s)\n", g->breaks);
}

static gboolean
action_recon(PGconn *conn, const Config *config, const GDate *date, OutputFormat format, GError **error)
{
  g_auto(GroupRecon) g = { 0 };
  if (!group_recon(conn, config, date, &g, error))
    return FALSE;
  /* text: the checks, then the differences; csv and json: the differences only */
  if (format == OUTPUT_TEXT && !cli_quiet())
    print_summary(&g);
  if (format != OUTPUT_TEXT || g.breaks > 0) {
    g_autoptr(OutputTable) t = result_table(g.found, found_columns, G_N_ELEMENTS(found_columns));
    output_table_print(t, format, stdout);
  }
  if (g.breaks == 0)
    return TRUE;
  g_set_error(error, RECON_ERROR, RECON_ERROR_BREAKS,
              "the group's reconciliation of %s found %" G_GINT64_FORMAT " break(s)\n"
              "hint: each shard's own breaks: baitiao recon breaks --open --shard NAME; docs/operations.md",
              g.date_str, g.breaks);
  return FALSE;
}

/* The action and the date are checked before anything connects. */
static gboolean
validate(CliRun *run, GError **error)
{
  const char *action = run->argv[0];
  if (strcmp(action, "recon") != 0 && strcmp(action, "gl") != 0) {
    cli_usage_error(error, "unknown action \"%s\": recon or gl", action);
    return FALSE;
  }
  args.recon = strcmp(action, "recon") == 0;
  return output_parse_format(args.format, &args.output, error)
         && (!args.date || cli_parse_date("--date", args.date, &args.date_value, error));
}

/* The group's reads run at the coordinator of a sharded configuration, over every
 * member the configuration still names (shard_check_topology: exit 2 otherwise). */
static gboolean
at_coordinator(CliRun *run, GError **error)
{
  if (run->shard) {
    cli_usage_error(error, "group reads every shard from the coordinator: leave out --shard");
    return FALSE;
  }
  if (!config_sharded(run->config)) {
    cli_usage_error(error, "%s names no shards ([shards] names): there is no group to read",
                    run->config->path ? run->config->path : "the configuration");
    return FALSE;
  }
  return shard_check_topology(run->conn, run->config, error);
}

static gboolean
body(CliRun *run, GError **error)
{
  if (!at_coordinator(run, error))
    return FALSE;
  GDate date = args.date_value;
  if (!args.date && !group_default_date(run->conn, &date, error))
    return FALSE;
  return args.recon ? action_recon(run->conn, run->config, &date, args.output, error)
                    : action_gl(run->conn, &date, args.output, error);
}

const CliCommand cmd_group = {
  .name = "group",
  .summary = "a sharded group's reads: checks G1-G8 (recon) and the consolidated trial balance (gl)",
  .description =
    "At the coordinator of a sharded configuration ([shards]), read every shard at once\n"
    "through postgres_fdw (docs/architecture.md, \"Group reads\").\n"
    "\"recon\": the group's checks of a business date: G1 consolidated trial balance balanced\n"
    "and the sum of the shards', G2 every shard closed the group's dates, G3 the directory\n"
    "and the shards agree on who lives where, G4 no user on two shards, G5 the coordinator's\n"
    "channel-only settlement lines (长款) past the wait, G6 every member attached and itself,\n"
    "G7 no group load half-committed, G8 every shard reconciled the date itself, no break open.\n"
    "Exit 3 when any differs, 75 when a shard is unreachable.\n"
    "\"gl\": the consolidated trial balance (per account, the sum over the shards).",
  .args = "recon|gl",
  .min_args = 1,
  .max_args = 1,
  .db = CLI_DB_REPORT,
  .flags = CLI_FLAG_GROUP,
  .options = options,
  .validate = validate,
  .body = body,
};
