/* baitiao shard add NAME | list — the shards of a sharded group (issue 16). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "exitcode.h"
#include "log.h"
#include "output.h"
#include "shard.h"
#include "stmt.h"

static char *opt_format;

static const GOptionEntry options[] = {
  { "format", 0, 0, G_OPTION_ARG_STRING, &opt_format, "list: text (default), csv or json", "FORMAT" },
  G_OPTION_ENTRY_NULL,
};

static gboolean
validate(CliRun *run, GError **error)
{
  OutputFormat format;
  gboolean add = g_str_equal(run->argv[0], "add"), list = g_str_equal(run->argv[0], "list");
  if ((add && run->argc == 2) || (list && run->argc == 1))
    return output_parse_format(opt_format, &format, error);
  cli_usage_error(error, "expected \"add NAME\" or \"list\"");
  return FALSE;
}

static gboolean
need_shards(const Config *config, GError **error)
{
  if (config_sharded(config))
    return TRUE;
  g_set_error(error, SHARD_ERROR, BT_EXIT_USAGE, "%s names no shards ([shards] names): there is nothing to %s",
              config->path ? config->path : "the configuration", "do");
  return FALSE;
}

static const OutputColumn list_columns[] = {
  { "shard", OUTPUT_COL_TEXT, -12, 0, NULL },
  { "open", OUTPUT_COL_BOOL, -5, 2, NULL },
  { "weight", OUTPUT_COL_INT, 6, 2, NULL },
  { "added_at", OUTPUT_COL_TEXT, -16, 2, NULL },
  { "users", OUTPUT_COL_INT, 10, 2, NULL },
  { "last_closed", OUTPUT_COL_TEXT, -11, 2, NULL },
  { "open_date", OUTPUT_COL_TEXT, -10, 2, NULL },
};

/* One shard's row: the coordinator's figures and the shard's own calendar; a shard
 * that cannot be reached says so in the row and makes the command exit 75. */
static void
list_row(OutputTable *table, const Config *config, const ConfigShard *s, PGresult *placed, GError **unreachable)
{
  const char *added = "", *users = "0";
  for (int i = 0; i < PQntuples(placed); i++)
    if (strcmp(PQgetvalue(placed, i, 0), s->name) == 0) {
      added = PQgetvalue(placed, i, 1);
      users = PQgetvalue(placed, i, 2);
    }
  g_autofree char *weight = g_strdup_printf("%d", s->weight);
  g_autoptr(GError) local = NULL;
  g_autoptr(PGconn) conn = shard_connect(config, s, DB_ROLE_REPORT, "shard", &local);
  g_autoptr(PGresult) cal = conn ? stmt_query_one(conn, "queries/shard/17_last_closed", 0, NULL, &local) : NULL;
  const char *closed = cal ? PQgetvalue(cal, 0, 0) : "unreachable";
  const char *open_date = cal ? PQgetvalue(cal, 0, 1) : "";
  const char *row[] = { s->name, s->open ? "t" : "f", weight, added, users, closed, open_date };
  output_table_add_row(table, row);
  if (local && unreachable && !*unreachable)
    *unreachable = g_steal_pointer(&local);
}

static gboolean
list(CliRun *run, GError **error)
{
  OutputFormat format;
  output_parse_format(opt_format, &format, NULL);
  g_autoptr(PGresult) placed = stmt_query(run->conn, "queries/shard/16_placed_users", 0, NULL, error);
  if (!placed)
    return FALSE;
  g_autoptr(OutputTable) table = output_table_new(list_columns, G_N_ELEMENTS(list_columns));
  g_autoptr(GError) unreachable = NULL;
  for (guint i = 0; i < run->config->shards->len; i++)
    list_row(table, run->config, g_ptr_array_index(run->config->shards, i), placed, &unreachable);
  output_table_print(table, format, stdout);
  if (unreachable) {
    g_propagate_error(error, g_steal_pointer(&unreachable));
    return FALSE;
  }
  return TRUE;
}

static gboolean
body(CliRun *run, GError **error)
{
  if (!need_shards(run->config, error))
    return FALSE;
  if (g_str_equal(run->argv[0], "list"))
    return shard_check_no_drop(run->conn, run->config, error)
           && list(run, error);   /* a shard configured but not added shows with no added_at */
  if (!shard_add(run->conn, run->config, run->argv[1], error))
    return FALSE;
  log_info("shard %s is in the group: users not yet placed may land on it%s", run->argv[1],
           config_find_shard(run->config, run->argv[1])->open ? "" : " once it is open (open=true)");
  return TRUE;
}

const CliCommand cmd_shard = {
  .name = "shard",
  .summary = "the shards of a sharded group: add one, list them",
  .description =
    "A sharded group: the coordinator ([database]) and shards ([shards] names, one\n"
    "[shard NAME] group each), every shard a complete baitiao database of its users.\n"
    "add NAME: after adding [shard NAME] to the configuration (migrated, products loaded),\n"
    "make it a member: users not yet placed may land on it, no existing row moves.\n"
    "list: each shard, open to new users or not, its users and its last closed date.",
  .args = "add NAME | list",
  .min_args = 1,
  .max_args = 2,
  .db = CLI_DB_OWNER,
  .flags = CLI_FLAG_GROUP,
  .options = options,
  .validate = validate,
  .body = body,
};
