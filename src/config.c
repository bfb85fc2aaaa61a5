/* Configuration loading over built-in defaults; errors name the file and line. */
#include "config.h"

#include <string.h>

#include "keyfile.h"
#include "spool.h"

#ifndef BAITIAO_SQL_DIR
#define BAITIAO_SQL_DIR "/usr/local/share/baitiao/sql"
#endif

static const char *const database_keys[] = {
  "host", "port", "dbname", "connect_timeout", "batch_work_mem_mb",
  "owner_user", "batch_user", "report_user", NULL,
};
static const char *const paths_keys[] = { "sql_dir", "metrics_file", "reports_dir", "report_specs", NULL };
static const char *const recon_keys[] = { "breaks_block_close", "settlement_wait_days", NULL };
static const char *const intake_keys[] = { "spool_dir", "expected", "wait_deadline", NULL };
static const char *const calendar_keys[] = { "allow_future", NULL };
static const char *const report_keys[] = { "timezone", NULL };
static const char *const shards_keys[] = { "names", "placement", NULL };
static const char *const shard_keys[] = { "host", "port", "dbname", "weight", "open", NULL };
#define SHARD_GROUP_PREFIX "shard "

static void
shard_free(gpointer p)
{
  ConfigShard *s = p;
  g_free(s->name);
  g_free(s->host);
  g_free(s->port);
  g_free(s->dbname);
  g_free(s);
}

Config *
config_new_defaults(void)
{
  Config *c = g_new0(Config, 1);
  c->db_name = g_strdup("baitiao");
  c->connect_timeout_s = 10;
  c->batch_work_mem_mb = CONFIG_DEFAULT_BATCH_WORK_MEM_MB;
  c->owner_user = g_strdup("baitiao_owner");
  c->batch_user = g_strdup("baitiao_batch");
  c->report_user = g_strdup("baitiao_report");
  const char *sql_dir = g_getenv("BAITIAO_SQL_DIR");
  c->sql_dir = g_strdup(sql_dir && *sql_dir ? sql_dir : BAITIAO_SQL_DIR);
  c->recon_breaks_block_close = FALSE;
  c->recon_settlement_wait_days = 2;
  c->intake_spool_dir = g_strdup(CONFIG_DEFAULT_SPOOL_DIR);
  c->intake_wait_deadline_min = -1;
  c->report_timezone = g_strdup(CONFIG_DEFAULT_REPORT_TIMEZONE);
  c->shards = g_ptr_array_new_with_free_func(shard_free);
  c->shard_placement = CONFIG_PLACEMENT_HASH;
  return c;
}

void
config_free(Config *c)
{
  if (!c)
    return;
  g_free(c->path);
  g_free(c->db_host);
  g_free(c->db_port);
  g_free(c->db_name);
  g_free(c->owner_user);
  g_free(c->batch_user);
  g_free(c->report_user);
  g_free(c->sql_dir);
  g_free(c->metrics_file);
  g_free(c->reports_dir);
  g_free(c->report_specs);
  g_free(c->intake_spool_dir);
  g_strfreev(c->intake_expected);
  g_strfreev(c->intake_allow_missing);
  g_free(c->report_timezone);
  g_ptr_array_unref(c->shards);
  g_free(c->selected_shard);
  g_free(c);
}

/* A password in the file would sit in backups and in every copy of it: libpq reads it
 * from ~/.pgpass (or PGPASSFILE) instead. The value is never repeated. */
static gboolean
refuse_password(const Keyfile *k, GError **error)
{
  if (!g_key_file_has_key(k->kf, "database", "password", NULL))
    return TRUE;
  keyfile_value_error(error, k, "database", "password",
                      "is not read: put the password in ~/.pgpass (or the file PGPASSFILE names), "
                      "never in the configuration");
  return FALSE;
}

static gboolean
check_groups(const Keyfile *k, GError **error)
{
  if (!refuse_password(k, error))
    return FALSE;
  g_auto(GStrv) groups = g_key_file_get_groups(k->kf, NULL);
  for (int g = 0; groups[g]; g++) {
    const char *const *known = g_str_equal(groups[g], "database") ? database_keys
                               : g_str_equal(groups[g], "paths") ? paths_keys
                               : g_str_equal(groups[g], "recon") ? recon_keys
                               : g_str_equal(groups[g], "intake") ? intake_keys
                               : g_str_equal(groups[g], "calendar") ? calendar_keys
                               : g_str_equal(groups[g], "report") ? report_keys
                               : g_str_equal(groups[g], "shards") ? shards_keys
                               : g_str_has_prefix(groups[g], SHARD_GROUP_PREFIX) ? shard_keys : NULL;
    if (!known) {
      g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_UNKNOWN, "%s:%d: unknown group [%s]", k->path,
                  keyfile_line(k, groups[g], NULL), groups[g]);
      return FALSE;
    }
    if (!keyfile_check_keys(k, groups[g], known, error))
      return FALSE;
  }
  return TRUE;
}

/* Replaces *SLOT with the value of GROUP.KEY when the file sets it. */
static void
take_string(const Keyfile *k, const char *group, const char *key, char **slot)
{
  char *value = keyfile_string(k, group, key);
  if (!value)
    return;
  g_free(*slot);
  *slot = value;
}

static gboolean
read_database(const Keyfile *k, Config *c, GError **error)
{
  take_string(k, "database", "host", &c->db_host);
  take_string(k, "database", "port", &c->db_port);
  take_string(k, "database", "dbname", &c->db_name);
  take_string(k, "database", "owner_user", &c->owner_user);
  take_string(k, "database", "batch_user", &c->batch_user);
  take_string(k, "database", "report_user", &c->report_user);
  gint64 timeout = c->connect_timeout_s;
  if (!keyfile_int(k, "database", "connect_timeout", 1, 3600, &timeout, error))
    return FALSE;
  c->connect_timeout_s = (int) timeout;
  gint64 work_mem = c->batch_work_mem_mb;
  if (!keyfile_int(k, "database", "batch_work_mem_mb", 4, 65536, &work_mem, error))
    return FALSE;
  c->batch_work_mem_mb = (int) work_mem;
  if (c->db_port && !g_ascii_string_to_unsigned(c->db_port, 10, 1, 65535, NULL, NULL)) {
    keyfile_value_error(error, k, "database", "port", "must be a port number, not \"%s\"", c->db_port);
    return FALSE;
  }
  return TRUE;
}

/* A true/false key; *SLOT keeps its default when the key is not given. */
static gboolean
read_boolean(const Keyfile *k, const char *group, const char *key, gboolean *slot, GError **error)
{
  g_autofree char *value = keyfile_string(k, group, key);
  if (!value)
    return TRUE;
  if (g_ascii_strcasecmp(value, "true") == 0)
    *slot = TRUE;
  else if (g_ascii_strcasecmp(value, "false") == 0)
    *slot = FALSE;
  else {
    keyfile_value_error(error, k, group, key, "must be true or false, not \"%s\"", value);
    return FALSE;
  }
  return TRUE;
}

/* [recon]: whether breaks keep the date open, and how long an unmatched settlement
 * item waits for the channel's T+1 file before it is a break. */
static gboolean
read_recon(const Keyfile *k, Config *c, GError **error)
{
  if (!read_boolean(k, "recon", "breaks_block_close", &c->recon_breaks_block_close, error))
    return FALSE;
  gint64 wait = c->recon_settlement_wait_days;
  if (!keyfile_int(k, "recon", "settlement_wait_days", 0, 366, &wait, error))
    return FALSE;
  c->recon_settlement_wait_days = (int) wait;
  return TRUE;
}

/* [intake] expected: "orders, repayments:ALIPAY, settlement:ALIPAY", each checked
 * and kept in the canonical KIND:CHANNEL form. */
static gboolean
read_expected(const Keyfile *k, Config *c, GError **error)
{
  g_autofree char *list = keyfile_string(k, "intake", "expected");
  if (!list)
    return TRUE;
  g_auto(GStrv) items = g_strsplit(list, ",", -1);
  g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; items[i]; i++) {
    g_strstrip(items[i]);
    if (!*items[i])
      continue;
    g_autoptr(GError) local = NULL;
    char *spec = spool_parse_file_spec(items[i], &local);
    if (!spec) {
      keyfile_value_error(error, k, "intake", "expected", "%s", local->message);
      return FALSE;
    }
    g_ptr_array_add(specs, spec);
  }
  g_ptr_array_add(specs, NULL);
  c->intake_expected = (char **) g_ptr_array_free(g_steal_pointer(&specs), FALSE);
  return TRUE;
}

/* [intake] wait_deadline: HH:MM, local time on the day after the business date. */
static gboolean
read_deadline(const Keyfile *k, Config *c, GError **error)
{
  g_autofree char *text = keyfile_string(k, "intake", "wait_deadline");
  if (!text)
    return TRUE;
  guint64 h, m;
  g_auto(GStrv) hm = g_strsplit(text, ":", -1);
  if (g_strv_length(hm) != 2 || strlen(hm[0]) != 2 || strlen(hm[1]) != 2
      || !g_ascii_string_to_unsigned(hm[0], 10, 0, 23, &h, NULL)
      || !g_ascii_string_to_unsigned(hm[1], 10, 0, 59, &m, NULL)) {
    keyfile_value_error(error, k, "intake", "wait_deadline", "must be HH:MM (00:00 to 23:59), not \"%s\"", text);
    return FALSE;
  }
  c->intake_wait_deadline_min = (int) (h * 60 + m);
  return TRUE;
}

/* [report] timezone: an IANA zone name (tzdata), the zone of every time a report shows. */
static gboolean
read_report(const Keyfile *k, Config *c, GError **error)
{
  g_autofree char *zone = keyfile_string(k, "report", "timezone");
  if (!zone)
    return TRUE;
  g_autoptr(GTimeZone) tz = *zone ? g_time_zone_new_identifier(zone) : NULL;
  if (!tz) {
    keyfile_value_error(error, k, "report", "timezone", "is not a time zone name (like Asia/Shanghai or UTC): \"%s\"",
                        zone);
    return FALSE;
  }
  g_free(c->report_timezone);
  c->report_timezone = g_steal_pointer(&zone);
  return TRUE;
}

/* ---- [shards] and [shard NAME] ------------------------------------------------------- */

/* A shard's name is part of object names (the foreign server shard_NAME) and of the
 * configuration's group names: 1 to 32 of a-z, 0-9 and '_', starting with a letter. */
static gboolean
valid_shard_name(const char *name)
{
  gsize len = strlen(name);
  if (len < 1 || len > 32 || !g_ascii_islower(name[0]))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_islower(name[i]) && !g_ascii_isdigit(name[i]) && name[i] != '_')
      return FALSE;
  return TRUE;
}

static gint
shard_by_name(gconstpointer a, gconstpointer b)
{
  return strcmp((*(ConfigShard *const *) a)->name, (*(ConfigShard *const *) b)->name);
}

/* [shard NAME]: its connection (unset keys: the coordinator's), weight and open. */
static ConfigShard *
read_shard(const Keyfile *k, const char *name, GError **error)
{
  g_autofree char *group = g_strconcat(SHARD_GROUP_PREFIX, name, NULL);
  if (!g_key_file_has_group(k->kf, group)) {
    keyfile_value_error(error, k, "shards", "names", "names shard \"%s\", but there is no group [%s]", name, group);
    return NULL;
  }
  ConfigShard *s = g_new0(ConfigShard, 1);
  s->name = g_strdup(name);
  s->host = keyfile_string(k, group, "host");
  s->port = keyfile_string(k, group, "port");
  s->dbname = keyfile_string(k, group, "dbname");
  gint64 weight = 1;
  s->open = TRUE;
  gboolean ok = keyfile_int(k, group, "weight", 0, 1000, &weight, error)
                && read_boolean(k, group, "open", &s->open, error);
  if (ok && s->port && !g_ascii_string_to_unsigned(s->port, 10, 1, 65535, NULL, NULL)) {
    keyfile_value_error(error, k, group, "port", "must be a port number, not \"%s\"", s->port);
    ok = FALSE;
  }
  if (!ok) {
    shard_free(s);
    return NULL;
  }
  s->weight = (int) weight;
  return s;
}

/* Every [shard NAME] group must be a shard [shards] names: a group left behind by a
 * typo in names would otherwise be a shard silently not used. */
static gboolean
check_shard_groups(const Keyfile *k, const Config *c, GError **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups(k->kf, NULL);
  for (int g = 0; groups[g]; g++)
    if (g_str_has_prefix(groups[g], SHARD_GROUP_PREFIX)
        && !config_find_shard(c, groups[g] + strlen(SHARD_GROUP_PREFIX))) {
      g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_UNKNOWN, "%s:%d: group [%s] is not a shard [shards] names",
                  k->path, keyfile_line(k, groups[g], NULL), groups[g]);
      return FALSE;
    }
  return TRUE;
}

/* The shards' placement: new users need a shard open to them with a weight above 0. */
static gboolean
read_placement(const Keyfile *k, Config *c, GError **error)
{
  g_autofree char *placement = keyfile_string(k, "shards", "placement");
  if (placement && strcmp(placement, "weights") == 0)
    c->shard_placement = CONFIG_PLACEMENT_WEIGHTS;
  else if (placement && strcmp(placement, "hash") != 0) {
    keyfile_value_error(error, k, "shards", "placement", "must be hash or weights, not \"%s\"", placement);
    return FALSE;
  }
  gboolean any_open = FALSE;
  for (guint i = 0; i < c->shards->len; i++) {
    const ConfigShard *s = g_ptr_array_index(c->shards, i);
    any_open |= s->open && (c->shard_placement == CONFIG_PLACEMENT_HASH || s->weight > 0);
  }
  if (c->shards->len && !any_open) {
    keyfile_value_error(error, k, "shards", "names", "names no shard open to new users (open=true%s)",
                        c->shard_placement == CONFIG_PLACEMENT_WEIGHTS ? " and weight above 0" : "");
    return FALSE;
  }
  return TRUE;
}

static gboolean
read_shards(const Keyfile *k, Config *c, GError **error)
{
  g_autofree char *list = keyfile_string(k, "shards", "names");
  g_auto(GStrv) names = g_strsplit(list ? list : "", ",", -1);
  for (guint i = 0; names[i]; i++) {
    g_strstrip(names[i]);
    if (!*names[i])
      continue;
    if (!valid_shard_name(names[i])) {
      keyfile_value_error(error, k, "shards", "names",
                          "holds \"%s\": a shard's name is 1 to 32 of a-z, 0-9 and '_', starting with a letter",
                          names[i]);
      return FALSE;
    }
    if (config_find_shard(c, names[i])) {
      keyfile_value_error(error, k, "shards", "names", "names shard \"%s\" twice", names[i]);
      return FALSE;
    }
    ConfigShard *s = read_shard(k, names[i], error);
    if (!s)
      return FALSE;
    g_ptr_array_add(c->shards, s);
  }
  g_ptr_array_sort(c->shards, shard_by_name);
  if (g_key_file_has_group(k->kf, "shards") && c->shards->len == 0) {
    /* an empty list would make the coordinator the one database, silently */
    keyfile_value_error(error, k, "shards", "names", "%s: [shards] needs the names of the shards",
                        list ? "names no shard" : "is missing");
    return FALSE;
  }
  return check_shard_groups(k, c, error) && read_placement(k, c, error);
}

gboolean
config_sharded(const Config *config)
{
  return config->shards->len > 0;
}

const ConfigShard *
config_find_shard(const Config *config, const char *name)
{
  for (guint i = 0; i < config->shards->len; i++) {
    const ConfigShard *s = g_ptr_array_index(config->shards, i);
    if (strcmp(s->name, name) == 0)
      return s;
  }
  return NULL;
}

static void
replace_if_set(char **slot, const char *value)
{
  if (!value)
    return;
  g_free(*slot);
  *slot = g_strdup(value);
}

gboolean
config_select_shard(Config *config, const char *name, GError **error)
{
  const ConfigShard *s = config_find_shard(config, name);
  if (!s) {
    g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_VALUE, "%s: no shard \"%s\" in [shards] names",
                config->path ? config->path : "the configuration", name);
    return FALSE;
  }
  replace_if_set(&config->db_host, s->host);
  replace_if_set(&config->db_port, s->port);
  replace_if_set(&config->db_name, s->dbname);
  g_free(config->selected_shard);
  config->selected_shard = g_strdup(name);
  g_clear_pointer(&config->intake_expected, g_strfreev);
  g_ptr_array_set_size(config->shards, 0);
  return TRUE;
}

/* Relative paths are relative to the configuration file, not the cwd of cron. */
static void
make_relative_to(const char *config_path, char **slot)
{
  if (!*slot || g_path_is_absolute(*slot))
    return;
  g_autofree char *dir = g_path_get_dirname(config_path);
  char *abs = g_build_filename(dir, *slot, NULL);
  g_free(*slot);
  *slot = abs;
}

Config *
config_load(const char *path, GError **error)
{
  g_autoptr(Keyfile) k = keyfile_load(path, error);
  if (!k || !check_groups(k, error))
    return NULL;
  g_autoptr(Config) c = config_new_defaults();
  c->path = g_strdup(path);
  if (!read_database(k, c, error) || !read_recon(k, c, error) || !read_expected(k, c, error)
      || !read_deadline(k, c, error) || !read_report(k, c, error)
      || !read_boolean(k, "calendar", "allow_future", &c->calendar_allow_future, error)
      || !read_shards(k, c, error))
    return NULL;
  take_string(k, "intake", "spool_dir", &c->intake_spool_dir);
  make_relative_to(path, &c->intake_spool_dir);
  take_string(k, "paths", "sql_dir", &c->sql_dir);
  take_string(k, "paths", "metrics_file", &c->metrics_file);
  make_relative_to(path, &c->sql_dir);
  make_relative_to(path, &c->metrics_file);
  take_string(k, "paths", "reports_dir", &c->reports_dir);
  take_string(k, "paths", "report_specs", &c->report_specs);
  make_relative_to(path, &c->reports_dir);
  make_relative_to(path, &c->report_specs);
  return g_steal_pointer(&c);
}

Config *
config_resolve(const char *path, GError **error)
{
  if (!path || !*path)
    path = g_getenv("BAITIAO_CONFIG");
  if (!path || !*path)
    return config_new_defaults();
  return config_load(path, error);
}
