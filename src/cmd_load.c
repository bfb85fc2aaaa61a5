/* baitiao load users|orders|repayments|refunds|coupons FILE.csv, or settlement --channel
 * NAME FILE.csv — partner files into the inbox (settlement lines: for recon R7; coupons:
 * issued to their users, for the campaigns). */
#include <stdio.h>

#include "commands.h"
#include "db.h"
#include "intake.h"
#include "log.h"
#include "shard_load.h"

static void
print_result(const char *path, const IntakeResult *r)
{
  if (cli_quiet())
    return;
  if (r->already_loaded) {
    printf("%s: already loaded on %s (file %" G_GINT64_FORMAT "): nothing new\n", path, r->loaded_at, r->file_id);
    return;
  }
  printf("%s: file %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT " rows, %" G_GINT64_FORMAT " accepted, %"
         G_GINT64_FORMAT " rejected", path, r->file_id, r->rows_read, r->rows_accepted, r->rows_rejected);
  for (guint i = 0; r->reject_counts && i < r->reject_counts->len; i++)
    printf("%s%s", i ? ", " : " (", (const char *) r->reject_counts->pdata[i]);
  printf("%s\n", r->reject_counts && r->reject_counts->len ? ")" : "");
}

static char *opt_channel;

static void
print_group_result(const char *path, const ShardLoadResult *r)
{
  if (cli_quiet())
    return;
  if (r->already_loaded) {
    printf("%s: already loaded by the group (load %" G_GINT64_FORMAT ", %s): nothing new\n", path, r->load_id,
           (const char *) r->parts->pdata[0]);
    return;
  }
  printf("%s: group load %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT " rows, %" G_GINT64_FORMAT " accepted, %"
         G_GINT64_FORMAT " rejected\n", path, r->load_id, r->rows_read, r->rows_accepted, r->rows_rejected);
  for (guint i = 0; i < r->parts->len; i++)
    printf("  %s\n", (const char *) r->parts->pdata[i]);
}

/* A sharded group: the file routed over the shards, all or nothing (shard_load.h). */
static gboolean
load_for_group(CliRun *run, const char *kind, const char *path, GError **error)
{
  g_auto(ShardLoadResult) result = { 0 };
  if (!shard_load_file(run->conn, run->config, kind, opt_channel, path, &result, error))
    return FALSE;
  print_group_result(path, &result);
  IntakeResult late = { .rows_date_closed = result.rows_date_closed, .cut_date = result.cut_date };
  return !intake_late_rows(&late, path, error);
}

static const GOptionEntry options[] = {
  { "channel", 0, 0, G_OPTION_ARG_STRING, &opt_channel, "The channel of a settlement file (required for it)",
    "NAME" },
  G_OPTION_ENTRY_NULL,
};

static gboolean
validate(CliRun *run, GError **error)
{
  gboolean settlement = g_str_equal(run->argv[0], "settlement");
  if (settlement == (opt_channel != NULL))
    return TRUE;
  cli_usage_error(error, settlement ? "a settlement file needs --channel NAME"
                                    : "--channel goes with settlement files only");
  return FALSE;
}

static gboolean
body(CliRun *run, GError **error)
{
  const char *kind = run->argv[0], *path = run->argv[1];
  if (config_sharded(run->config))
    return load_for_group(run, kind, path, error);
  g_auto(IntakeResult) result = { 0 };
  if (!intake_load_file(run->conn, kind, opt_channel, path, &result, error))
    return FALSE;
  print_result(path, &result);
  /* the file is loaded like any file with rejected lines, but this is the one
   * rejection a partner can only fix by sending the rows again: exit 5 says so */
  return !intake_late_rows(&result, path, error);
}

const CliCommand cmd_load = {
  .name = "load",
  .summary = "take in a partner file (users, orders, repayments, refunds, coupons)",
  .description =
    "Take in a partner file: good rows go to the inbox, bad rows to rejects (file, line,\n"
    "field, reason). The same file twice loads nothing new. A channel's settlement file\n"
    "(load settlement --channel NAME FILE.csv) feeds reconciliation R7; a coupons file issues\n"
    "coupons of the loaded campaigns to users. See docs/formats.md.",
  .args = "users|orders|repayments|refunds|settlement|coupons FILE.csv",
  .min_args = 2,
  .max_args = 2,
  .db = CLI_DB_BATCH,
  .flags = CLI_FLAG_GROUP,
  .options = options,
  .validate = validate,
  .body = body,
};
