/* baitiao intake [--spool DIR] — load every partner file that arrived in the spool
 * (docs/formats.md "The spool"), oldest business day first, and move each to done/
 * or refused/. */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "db.h"
#include "log.h"
#include "spool.h"

gboolean
cmd_intake(int argc, char **argv, GError **error)
{
  g_auto(CliCommon) common = { 0 };
  g_autofree char *spool = NULL;
  GOptionEntry entries[] = {
    { "spool", 0, 0, G_OPTION_ARG_FILENAME, &spool, "The spool folder (default: [intake] spool_dir)", "DIR" },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GOptionContext) ctx = cli_context_new("intake", NULL,
    "Take in the partner files delivered to the spool (SPOOL/YYYYMMDD/KIND[_CHANNEL].csv):\n"
    "each is loaded as \"baitiao load\" would, its optional NAME.csv.ctl control totals\n"
    "checked first, then moved to SPOOL/done/ or SPOOL/refused/ (with NAME.reason).\n"
    "Names ending .part are not taken. Exit 1 when a file was refused (the others are taken).", &common);
  g_option_context_add_main_entries(ctx, entries, NULL);
  if (!cli_parse(ctx, "intake", &argc, &argv, error))
    return FALSE;
  if (argc != 1) {
    cli_usage_error(error, "intake", "unexpected argument \"%s\"", argv[1]);
    return FALSE;
  }
  g_autoptr(Config) config = NULL;
  g_autoptr(PGconn) conn = cli_connect(&common, DB_ROLE_BATCH, "intake", &config, error);
  if (!conn)
    return FALSE;
  const char *dir = spool ? spool : config->intake_spool_dir;
  /* an installation that never set up a spool: jobs/baitiao-night runs intake anyway */
  if (!spool && g_str_equal(dir, CONFIG_DEFAULT_SPOOL_DIR) && !g_file_test(dir, G_FILE_TEST_IS_DIR)) {
    log_info("no spool folder %s ([intake] spool_dir): nothing to take in", dir);
    return TRUE;
  }
  SpoolIntakeSummary s;
  gboolean ok = spool_intake(conn, dir, &s, error);
  log_info("%s: %u files taken, %u refused, %u other names left alone", dir, s.taken, s.refused, s.ignored);
  return ok;
}
