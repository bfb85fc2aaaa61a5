/* baitiao intake [--spool DIR] — load every partner file that arrived in the spool
 * (docs/formats.md "The spool"), oldest business day first, and move each to done/
 * or refused/. */
#include <stdio.h>

#include "commands.h"
#include "db.h"
#include "log.h"
#include "shard_load.h"
#include "spool.h"

static char *opt_spool;

static const GOptionEntry options[] = {
  { "spool", 0, 0, G_OPTION_ARG_FILENAME, &opt_spool, "The spool folder (default: [intake] spool_dir)", "DIR" },
  G_OPTION_ENTRY_NULL,
};

static gboolean
body(CliRun *run, GError **error)
{
  const char *dir = opt_spool ? opt_spool : run->config->intake_spool_dir;
  /* an installation that never set up a spool: jobs/baitiao-night runs intake anyway */
  if (!opt_spool && g_str_equal(dir, CONFIG_DEFAULT_SPOOL_DIR) && !g_file_test(dir, G_FILE_TEST_IS_DIR)) {
    log_info("no spool folder %s ([intake] spool_dir): nothing to take in", dir);
    return TRUE;
  }
  SpoolIntakeSummary s;
  /* a sharded group: each file routed over the shards (shard_load.h) */
  gboolean group = config_sharded(run->config);
  gboolean ok = spool_intake(run->conn, dir, group ? shard_spool_load : NULL, group ? run->config : NULL, &s, error);
  log_info("%s: %u files taken, %u refused, %u other names left alone", dir, s.taken, s.refused, s.ignored);
  return ok;
}

const CliCommand cmd_intake = {
  .name = "intake",
  .summary = "take in every partner file delivered to the spool folder",
  .description =
    "Take in the partner files delivered to the spool (SPOOL/YYYYMMDD/KIND[_CHANNEL].csv):\n"
    "each is loaded as \"baitiao load\" would, its optional NAME.csv.ctl control totals\n"
    "checked first, then moved to SPOOL/done/ or SPOOL/refused/ (with NAME.reason).\n"
    "Names ending .part are not taken. Exit 1 when a file was refused (the others are taken).\n"
    "A sharded group: the spool is the coordinator's, each file routed over the shards.",
  .db = CLI_DB_BATCH,
  .flags = CLI_FLAG_GROUP,
  .options = options,
  .body = body,
};
