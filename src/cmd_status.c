/* baitiao status — what an operator looks at first: is the schema current,
 * which business dates are open or closed, how did the last runs end. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "db.h"
#include "log.h"
#include "migrate.h"

static gboolean
print_schema(PGconn *conn, const Config *config, GError **error)
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
  if (!migrate_check_drift(statuses, &drift))
    printf("schema:   DRIFT — %s\n", drift->message);
  else
    printf("schema:   version %04u of %04u (%u pending)%s\n", applied->len, files->len, pending,
           pending ? " — run \"baitiao migrate up\"" : "");
  return TRUE;
}

gboolean
cmd_status(int argc, char **argv, GError **error)
{
  g_auto(CliCommon) common = { 0 };
  g_autoptr(GOptionContext) ctx = cli_context_new("status", NULL,
                                                  "Show the schema version, business dates and last runs.",
                                                  &common);
  if (!cli_parse(ctx, "status", &argc, &argv, error))
    return FALSE;
  if (argc != 1) {
    cli_usage_error(error, "status", "unexpected argument \"%s\"", argv[1]);
    return FALSE;
  }
  g_autoptr(Config) config = cli_setup(&common, error);
  if (!config)
    return FALSE;
  g_autoptr(PGconn) conn = db_connect(config, DB_ROLE_REPORT, "status", error);
  if (!conn)
    return FALSE;
  g_autofree char *where = db_describe(conn);
  printf("database: %s\n", where);
  return print_schema(conn, config, error);
}
