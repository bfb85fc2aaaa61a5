/* baitiao migrate status | up | verify — the DBA's view of the schema. */
#include <stdio.h>

#include "commands.h"
#include "db.h"
#include "log.h"
#include "migrate.h"
#include "group.h"
#include "shard.h"
#include "stmt.h"

typedef struct {
  GPtrArray *files;
  GPtrArray *applied;
  GArray *statuses;
} MigrationView;

static void
view_clear(MigrationView *v)
{
  g_clear_pointer(&v->statuses, g_array_unref);
  g_clear_pointer(&v->applied, g_ptr_array_unref);
  g_clear_pointer(&v->files, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(MigrationView, view_clear)

static gboolean
view_load(PGconn *conn, const Config *config, MigrationView *v, GError **error)
{
  v->files = migrate_scan(config->sql_dir, error);
  if (!v->files)
    return FALSE;
  v->applied = migrate_applied(conn, error);
  if (!v->applied)
    return FALSE;
  v->statuses = migrate_compare(v->files, v->applied);
  return TRUE;
}

static void
print_status_table(GArray *statuses)
{
  printf("%-7s  %-40s  %-12s  %-19s  %8s  %s\n", "version", "name", "state", "applied at",
         "ms", "applied by");
  guint applied = 0, pending = 0;
  for (guint i = 0; i < statuses->len; i++) {
    const MigrationStatus *s = &g_array_index(statuses, MigrationStatus, i);
    const AppliedMigration *a = s->applied;
    g_autofree char *ms = a ? g_strdup_printf("%" G_GINT64_FORMAT, a->duration_ms) : g_strdup("");
    printf("%04d     %-40s  %-12s  %-19s  %8s  %s\n", s->version, s->name,
           migrate_state_label(s->state), a ? a->applied_at : "", ms, a ? a->applied_by : "");
    applied += s->state == MIGRATION_APPLIED;
    pending += s->state == MIGRATION_PENDING;
  }
  printf("%u applied, %u pending\n", applied, pending);
}

static void
announce(const MigrationFile *file, gboolean dry_run, gpointer data)
{
  (void) data;
  if (dry_run)
    printf("would apply %s (sha256 %s)\n", file->name, file->sha256);
  else
    log_info("applying %s", file->name);
}

static gboolean
migrate_action(const char *action, PGconn *conn, const Config *config, gboolean dry_run,
               GError **error)
{
  g_auto(MigrationView) v = { 0 };
  if (g_str_equal(action, "up")) {
    g_autoptr(GPtrArray) files = migrate_scan(config->sql_dir, error);
    guint count = 0;
    if (!files || !migrate_up(conn, files, dry_run, announce, NULL, &count, error))
      return FALSE;
    if (dry_run)
      printf("%u migration%s would be applied\n", count, count == 1 ? "" : "s");
    else
      log_info("%u migration%s applied; schema at version %04u", count, count == 1 ? "" : "s",
               files->len);
    return TRUE;
  }
  if (!view_load(conn, config, &v, error))
    return FALSE;
  if (g_str_equal(action, "status")) {
    print_status_table(v.statuses);
    return TRUE;
  }
  if (!migrate_check_drift(v.statuses, error))
    return FALSE;
  if (!cli_quiet())
    printf("ok: %u applied migrations match their files, %u pending\n", v.applied->len,
           v.files->len - v.applied->len);
  return TRUE;
}

static gboolean
validate(CliRun *run, GError **error)
{
  if (!g_strv_contains((const char *const[]) { "status", "up", "verify", NULL }, run->argv[0])) {
    cli_usage_error(error, "expected one action: status, up or verify");
    return FALSE;
  }
  if (run->dry_run && !g_str_equal(run->argv[0], "up")) {
    cli_usage_error(error, "--dry-run goes with \"up\"");
    return FALSE;
  }
  return TRUE;
}

static gboolean
is_member(PGresult *members, const char *name)
{
  for (int i = 0; i < PQntuples(members); i++)
    if (g_str_equal(PQgetvalue(members, i, 0), name))
      return TRUE;
  return FALSE;
}

/* A sharded group: the coordinator, then every shard; after "up", a member shard is
 * attached again, so the coordinator's foreign tables follow its new schema. */
static gboolean
migrate_group(CliRun *run, GError **error)
{
  const Config *config = run->config;
  if (!cli_quiet())
    printf("== coordinator\n");
  if (!migrate_action(run->argv[0], run->conn, config, run->dry_run, error))
    return FALSE;
  /* the members, to attach again after "up" (status and verify may run before sql/0065) */
  gboolean attach = g_str_equal(run->argv[0], "up") && !run->dry_run;
  g_autoptr(PGresult) members = attach ? stmt_query(run->conn, "queries/shard/10_members", 0, NULL, error) : NULL;
  if (attach && !members)
    return FALSE;
  for (guint i = 0; i < config->shards->len; i++) {
    const ConfigShard *shard = g_ptr_array_index(config->shards, i);
    if (!cli_quiet())
      printf("== shard %s\n", shard->name);
    log_set_shard(shard->name);   /* the shard's lines say migrate@NAME */
    g_autoptr(PGconn) conn = shard_connect(config, shard, DB_ROLE_OWNER, "migrate", error);
    gboolean ok = conn && shard_check_selected(conn, shard->name, error)
                  && migrate_action(run->argv[0], conn, config, run->dry_run, error);
    log_set_shard(NULL);
    if (!ok)
      return FALSE;
    if (attach && is_member(members, shard->name)
        && !group_attach_shard(run->conn, shard->name, shard->host, shard->port, shard->dbname, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
body(CliRun *run, GError **error)
{
  if (config_sharded(run->config))
    return migrate_group(run, error);
  return migrate_action(run->argv[0], run->conn, run->config, run->dry_run, error);
}

const CliCommand cmd_migrate = {
  .name = "migrate",
  .summary = "show, apply or verify the SQL migrations",
  .description = "Show, apply or verify the SQL migrations.\n"
                 "A sharded group: the coordinator's, then every shard's (a member shard is attached\n"
                 "again after \"up\", its foreign tables re-imported); one shard with --shard NAME.",
  .args = "status|up|verify",
  .min_args = 1,
  .max_args = 1,
  .db = CLI_DB_OWNER,
  .flags = CLI_FLAG_GROUP,   /* with shards: the coordinator and every shard; one shard with --shard NAME */
  .dry_run = "With up: print what would be applied",
  .validate = validate,
  .body = body,
};
