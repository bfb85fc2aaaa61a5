/* The topology of a sharded group (shard.h). */
#include "shard.h"

#include <string.h>

#include "exitcode.h"
#include "group.h"
#include "log.h"
#include "stmt.h"

G_DEFINE_QUARK(shard-error-quark, shard_error)

#define SHARD_SQL(what) ("queries/shard/" what)

guint64
shard_hash(const char *key)
{
  guint64 h = G_GUINT64_CONSTANT(14695981039346656037);   /* FNV-1a 64 offset basis */
  for (const guchar *p = (const guchar *) key; *p; p++) {
    h ^= *p;
    h *= G_GUINT64_CONSTANT(1099511628211);                /* FNV-1a 64 prime */
  }
  return h;
}

static guint64
placement_weight(const Config *config, const ConfigShard *s)
{
  if (!s->open)
    return 0;
  return config->shard_placement == CONFIG_PLACEMENT_HASH ? 1 : (guint64) s->weight;
}

const ConfigShard *
shard_place(const Config *config, const char *key)
{
  guint64 total = 0;
  for (guint i = 0; i < config->shards->len; i++)
    total += placement_weight(config, g_ptr_array_index(config->shards, i));
  g_return_val_if_fail(total > 0, NULL);   /* config_load refuses a group open to no one */
  guint64 slot = shard_hash(key) % total;
  for (guint i = 0; i < config->shards->len; i++) {
    const ConfigShard *s = g_ptr_array_index(config->shards, i);
    guint64 w = placement_weight(config, s);
    if (slot < w)
      return s;
    slot -= w;
  }
  g_return_val_if_reached(NULL);
}

PGconn *
shard_connect(const Config *config, const ConfigShard *shard, DbRole role, const char *command, GError **error)
{
  /* the coordinator's settings with the shard's connection: a shallow copy, not freed */
  Config at = *config;
  at.db_host = shard->host ? shard->host : config->db_host;
  at.db_port = shard->port ? shard->port : config->db_port;
  at.db_name = shard->dbname ? shard->dbname : config->db_name;
  g_autoptr(GError) local = NULL;
  PGconn *conn = db_connect(&at, role, command, &local);
  if (!conn) {
    g_propagate_prefixed_error(error, g_steal_pointer(&local), "shard %s: ", shard->name);
    return NULL;
  }
  db_cancel_on_signal(conn);
  return conn;
}

static gboolean
check_members(PGconn *coordinator, const Config *config, gboolean all_added, GError **error)
{
  g_autoptr(PGresult) members = stmt_query(coordinator, SHARD_SQL("10_members"), 0, NULL, error);
  if (!members)
    return FALSE;
  for (int i = 0; i < PQntuples(members); i++)
    if (!config_find_shard(config, PQgetvalue(members, i, 0))) {
      g_set_error(error, SHARD_ERROR, BT_EXIT_USAGE,
                  "%s drops shard %s, which the group added: its users would be lost to the group"
                  " (a shard is closed to new users with open=false, never removed)",
                  config->path, PQgetvalue(members, i, 0));
      return FALSE;
    }
  for (guint s = 0; all_added && s < config->shards->len; s++) {
    const ConfigShard *shard = g_ptr_array_index(config->shards, s);
    gboolean member = FALSE;
    for (int i = 0; i < PQntuples(members) && !member; i++)
      member = strcmp(PQgetvalue(members, i, 0), shard->name) == 0;
    if (!member) {
      g_set_error(error, SHARD_ERROR, BT_EXIT_USAGE,
                  "shard %s is configured but not in the group yet: run \"baitiao shard add %s\" first",
                  shard->name, shard->name);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
shard_check_topology(PGconn *coordinator, const Config *config, GError **error)
{
  return check_members(coordinator, config, TRUE, error);
}

gboolean
shard_check_no_drop(PGconn *coordinator, const Config *config, GError **error)
{
  return check_members(coordinator, config, FALSE, error);
}

static gboolean
same_schema_version(PGconn *coordinator, PGconn *shard_conn, const char *name, GError **error)
{
  gint64 here = 0, there = 0;
  g_autoptr(PGresult) a = stmt_query_one(coordinator, SHARD_SQL("15_schema_version"), 0, NULL, error);
  g_autoptr(PGresult) b = a ? stmt_query_one(shard_conn, SHARD_SQL("15_schema_version"), 0, NULL, error) : NULL;
  if (!b)
    return FALSE;
  here = g_ascii_strtoll(PQgetvalue(a, 0, 0), NULL, 10);
  there = g_ascii_strtoll(PQgetvalue(b, 0, 0), NULL, 10);
  if (here == there)
    return TRUE;
  g_set_error(error, SHARD_ERROR, BT_EXIT_FAILURE,
              "shard %s is at schema version %" G_GINT64_FORMAT " and the coordinator at %" G_GINT64_FORMAT
              ": run \"baitiao migrate up\" on both (baitiao --shard %s migrate up)",
              name, there, here, name);
  return FALSE;
}

/* The shard's side: already ours under this name, or empty and now ours. */
static gboolean
claim_shard(PGconn *shard_conn, const char *name, const char *group_id, GError **error)
{
  g_autoptr(PGresult) id = stmt_query_one(shard_conn, SHARD_SQL("13_identity"), 0, NULL, error);
  if (!id)
    return FALSE;
  if (!PQgetisnull(id, 0, 0)) {
    if (strcmp(PQgetvalue(id, 0, 0), name) == 0 && strcmp(PQgetvalue(id, 0, 1), group_id) == 0)
      return TRUE;
    g_set_error(error, SHARD_ERROR, BT_EXIT_USAGE, "shard %s: that database is already shard %s of group %s%s",
                name, PQgetvalue(id, 0, 0), PQgetvalue(id, 0, 1),
                strcmp(PQgetvalue(id, 0, 1), group_id) == 0 ? " (this group)" : " (another group)");
    return FALSE;
  }
  if (strcmp(PQgetvalue(id, 0, 3), "t") == 0) {   /* a [shard] whose unset keys fell back to [database] */
    g_set_error(error, SHARD_ERROR, BT_EXIT_USAGE,
                "shard %s: that database is a group's coordinator (maybe the coordinator itself: [shard %s] needs"
                " its own host, port or dbname)", name, name);
    return FALSE;
  }
  if (strcmp(PQgetvalue(id, 0, 2), "t") == 0) {
    g_set_error(error, SHARD_ERROR, BT_EXIT_USAGE,
                "shard %s: that database already holds users of its own; a shard joins a group empty", name);
    return FALSE;
  }
  const char *params[] = { name, group_id };
  return stmt_exec(shard_conn, SHARD_SQL("14_set_identity"), 2, params, error);
}

gboolean
shard_add(PGconn *coordinator, const Config *config, const char *name, GError **error)
{
  const ConfigShard *shard = config_find_shard(config, name);
  if (!shard) {
    g_set_error(error, SHARD_ERROR, BT_EXIT_USAGE, "%s names no shard %s: add [shard %s] and its name to [shards] names",
                config->path ? config->path : "the configuration", name, name);
    return FALSE;
  }
  g_autoptr(PGconn) shard_conn = shard_connect(config, shard, DB_ROLE_OWNER, "shard", error);
  if (!shard_conn || !same_schema_version(coordinator, shard_conn, name, error))
    return FALSE;
  g_autoptr(PGresult) group = stmt_query_one(coordinator, SHARD_SQL("11_group_id"), 0, NULL, error);
  if (!group || !claim_shard(shard_conn, name, PQgetvalue(group, 0, 0), error))
    return FALSE;
  const char *params[] = { name };
  /* then the group's reads of it: its foreign server, mappings, tables, the grp views */
  return stmt_exec(coordinator, SHARD_SQL("12_add_member"), 1, params, error)
         && group_attach_shard(coordinator, name, shard->host, shard->port, shard->dbname, error);
}

PGconn *
shard_connect_member(PGconn *coordinator, const Config *config, const ConfigShard *shard, DbRole role,
                     const char *command, GError **error)
{
  g_autoptr(PGconn) conn = shard_connect(config, shard, role, command, error);
  if (!conn || !same_schema_version(coordinator, conn, shard->name, error))
    return NULL;
  g_autoptr(PGresult) group = stmt_query_one(coordinator, SHARD_SQL("18_group_id_read"), 0, NULL, error);
  g_autoptr(PGresult) id = group ? stmt_query_one(conn, SHARD_SQL("13_identity"), 0, NULL, error) : NULL;
  if (!id)
    return NULL;
  const char *name = PQgetisnull(id, 0, 0) ? NULL : PQgetvalue(id, 0, 0);
  const char *gid = PQgetisnull(id, 0, 1) ? NULL : PQgetvalue(id, 0, 1);
  if (name && strcmp(name, shard->name) == 0 && !PQgetisnull(group, 0, 0) && strcmp(gid, PQgetvalue(group, 0, 0)) == 0)
    return g_steal_pointer(&conn);
  g_autofree char *what = !name ? g_strdup("no shard of any group (was \"baitiao shard add\" run?)")
                          : strcmp(name, shard->name) != 0 ? g_strdup_printf("shard %s", name)
                                                           : g_strdup("that shard of another group");
  g_set_error(error, SHARD_ERROR, BT_EXIT_USAGE,
              "shard %s: the database [shard %s] connects to is %s: check its host, port and dbname in %s",
              shard->name, shard->name, what, config->path);
  return NULL;
}

gboolean
shard_check_selected(PGconn *conn, const char *name, GError **error)
{
  g_autoptr(PGresult) has = stmt_query_one(conn, SHARD_SQL("19_has_identity"), 0, NULL, error);
  if (!has)
    return FALSE;
  if (strcmp(PQgetvalue(has, 0, 0), "t") != 0)
    return TRUE;   /* not migrated that far yet: `migrate up --shard NAME` is how it gets there */
  g_autoptr(PGresult) id = stmt_query_one(conn, SHARD_SQL("13_identity"), 0, NULL, error);
  if (!id)
    return FALSE;
  if (strcmp(PQgetvalue(id, 0, 3), "t") == 0) {
    g_set_error(error, SHARD_ERROR, BT_EXIT_USAGE,
                "--shard %s: that database is the group's coordinator: check [shard %s]'s host, port and dbname",
                name, name);
    return FALSE;
  }
  if (PQgetisnull(id, 0, 0) || strcmp(PQgetvalue(id, 0, 0), name) == 0)
    return TRUE;
  g_set_error(error, SHARD_ERROR, BT_EXIT_USAGE,
              "--shard %s: that database is shard %s: check [shard %s]'s host, port and dbname", name,
              PQgetvalue(id, 0, 0), name);
  return FALSE;
}

gboolean
shard_check_not_coordinator(PGconn *conn, const Config *config, GError **error)
{
  g_autoptr(PGresult) has = stmt_query_one(conn, SHARD_SQL("19_has_identity"), 0, NULL, error);
  if (!has)
    return FALSE;
  if (strcmp(PQgetvalue(has, 0, 0), "t") != 0)
    return TRUE;
  g_autoptr(PGresult) id = stmt_query_one(conn, SHARD_SQL("13_identity"), 0, NULL, error);
  if (!id)
    return FALSE;
  if (strcmp(PQgetvalue(id, 0, 3), "t") != 0)
    return TRUE;
  g_set_error(error, SHARD_ERROR, BT_EXIT_USAGE,
              "%s: its [database] is a sharded group's coordinator, but it names no shards: the group's"
              " configuration needs its [shards] and [shard NAME] groups", config->path ? config->path : "the configuration");
  return FALSE;
}
