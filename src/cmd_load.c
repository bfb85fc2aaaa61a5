/* baitiao load users|orders|repayments|refunds FILE.csv, or settlement --channel NAME
 * FILE.csv — partner files into the inbox (settlement lines: for recon R7). */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "db.h"
#include "intake.h"
#include "log.h"

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

gboolean
cmd_load(int argc, char **argv, GError **error)
{
  g_auto(CliCommon) common = { 0 };
  g_autofree char *channel = NULL;
  GOptionEntry entries[] = {
    { "channel", 0, 0, G_OPTION_ARG_STRING, &channel, "The channel of a settlement file (required for it)",
      "NAME" },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GOptionContext) ctx = cli_context_new(
    "load", "users|orders|repayments|refunds|settlement FILE.csv",
    "Take in a partner file: good rows go to the inbox, bad rows to rejects (file, line,\n"
    "field, reason). The same file twice loads nothing new. A channel's settlement file\n"
    "(load settlement --channel NAME FILE.csv) feeds reconciliation R7. See docs/formats.md.", &common);
  g_option_context_add_main_entries(ctx, entries, NULL);
  if (!cli_parse(ctx, "load", &argc, &argv, error))
    return FALSE;
  if (argc != 3) {
    cli_usage_error(error, "load", "expected a kind (users, orders, repayments, refunds, settlement) and a file");
    return FALSE;
  }
  gboolean settlement = g_str_equal(argv[1], "settlement");
  if (settlement != (channel != NULL)) {
    cli_usage_error(error, "load", settlement ? "a settlement file needs --channel NAME"
                                              : "--channel goes with settlement files only");
    return FALSE;
  }
  g_autoptr(Config) config = NULL;
  g_autoptr(PGconn) conn = cli_connect(&common, DB_ROLE_BATCH, "load", &config, error);
  if (!conn)
    return FALSE;
  g_auto(IntakeResult) result = { 0 };
  if (!intake_load_file(conn, argv[1], channel, argv[2], &result, error))
    return FALSE;
  print_result(argv[2], &result);
  /* the file is loaded like any file with rejected lines, but this is the one
   * rejection a partner can only fix by sending the rows again: exit 5 says so */
  return !intake_late_rows(&result, argv[2], error);
}
