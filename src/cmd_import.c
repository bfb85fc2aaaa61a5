/* baitiao import book DIR — book an opening portfolio from a previous system. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "import.h"
#include "money.h"
#include "shard_import.h"

static void
print_summary(const char *dir, const ImportSummary *s, const GPtrArray *refusals, const char *what)
{
  for (guint k = 0; refusals && k < refusals->len; k++)
    fprintf(stderr, "baitiao: %s/%s\n", dir, (const char *) refusals->pdata[k]);
  if (cli_quiet())
    return;
  if (s->already_done) {
    printf("%s: already imported (cut-over %s): nothing to do\n", dir, s->cutover);
    return;
  }
  g_autofree char *p = money_format_fen_grouped(s->principal_fen);
  g_autofree char *f = money_format_fen_grouped(s->fee_fen);
  g_autofree char *pen = money_format_fen_grouped(s->penalty_fen);
  g_autofree char *c = money_format_fen_grouped(s->credit_fen);
  printf("%s: imported as of %s (%s %" G_GINT64_FORMAT "); the next night is the day after\n"
         "  users         %10" G_GINT64_FORMAT "  (%" G_GINT64_FORMAT " refused)\n"
         "  loans         %10" G_GINT64_FORMAT "  (%" G_GINT64_FORMAT " refused)\n"
         "  installments  %10" G_GINT64_FORMAT "\n"
         "  opening entry: 1122 %s, 1123 %s, 1124 %s, 2241 %s yuan\n",
         dir, s->cutover, what, s->import_id, s->users, s->users_refused, s->loans, s->loans_refused,
         s->installments, p, f, pen, c);
}

static gboolean
validate(CliRun *run, GError **error)
{
  if (strcmp(run->argv[0], "book") == 0)
    return TRUE;
  cli_usage_error(error, "unknown kind of import \"%s\": expected \"import book DIR\"", run->argv[0]);
  return FALSE;
}

/* A sharded group: the set split by user over the shards, all or nothing (shard_import.h). */
static gboolean
import_for_group(CliRun *run, const char *dir, GError **error)
{
  g_auto(ShardImportResult) r = { 0 };
  if (!shard_import_book(run->conn, run->config, dir, &r, error))
    return FALSE;
  if (r.already_done) {
    if (!cli_quiet())
      printf("%s: already imported by the group (group import %" G_GINT64_FORMAT ", cut-over %s): nothing to do\n",
             dir, r.load_id, r.cutover);
    return TRUE;
  }
  g_strlcpy(r.total.cutover, r.cutover, sizeof r.total.cutover);
  r.total.import_id = r.load_id;
  print_summary(dir, &r.total, r.refusals, "group import");
  for (guint i = 0; !cli_quiet() && i < r.parts->len; i++)
    printf("  %s\n", (const char *) r.parts->pdata[i]);
  return TRUE;
}

static gboolean
body(CliRun *run, GError **error)
{
  const char *dir = run->argv[1];
  if (config_sharded(run->config))
    return import_for_group(run, dir, error);
  ImportSummary s;
  g_autoptr(GPtrArray) refusals = NULL;
  if (!import_book(run->conn, run->config, dir, &s, &refusals, error))
    return FALSE;
  print_summary(dir, &s, refusals, "import");
  return TRUE;
}

const CliCommand cmd_import = {
  .name = "import",
  .summary = "book an opening portfolio from a previous system (import book DIR)",
  .description =
    "Book an opening portfolio from a previous system: DIR holds manifest.csv, users.csv,\n"
    "loans.csv, installments.csv and credit_balances.csv (docs/formats.md, \"Portfolio\n"
    "import\"). Only onto a database without business dates; a rerun is a no-op. With [shards]\n"
    "configured: at the coordinator, the set split by user over the shards, every shard or none\n"
    "(docs/operations.md \"A sharded group\").",
  .args = "book DIR",
  .min_args = 2,
  .max_args = 2,
  .db = CLI_DB_BATCH,
  .flags = CLI_FLAG_GROUP,
  .validate = validate,
  .body = body,
};
