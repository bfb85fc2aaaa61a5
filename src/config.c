/* Configuration loading. GKeyFile does the parsing; this file adds what an operator
 * needs from its errors: the file name and the line of the offending key. */
#include "config.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK(config-error-quark, config_error)

#ifndef BAITIAO_SQL_DIR
#define BAITIAO_SQL_DIR "/usr/local/share/baitiao/sql"
#endif

static const char *const database_keys[] = {
  "host", "port", "dbname", "connect_timeout",
  "owner_user", "batch_user", "report_user", NULL,
};
static const char *const paths_keys[] = { "sql_dir", NULL };

static const struct {
  const char *group;
  const char *const *keys;
} known_groups[] = {
  { "database", database_keys },
  { "paths", paths_keys },
};

Config *
config_new_defaults(void)
{
  Config *c = g_new0(Config, 1);
  c->db_name = g_strdup("baitiao");
  c->connect_timeout_s = 10;
  c->owner_user = g_strdup("baitiao_owner");
  c->batch_user = g_strdup("baitiao_batch");
  c->report_user = g_strdup("baitiao_report");
  const char *sql_dir = g_getenv("BAITIAO_SQL_DIR");
  c->sql_dir = g_strdup(sql_dir && *sql_dir ? sql_dir : BAITIAO_SQL_DIR);
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
  g_free(c);
}

/* 1-based line of the first line of TEXT that GKeyFile cannot take, or 0. */
static int
first_malformed_line(const char *text)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (int i = 0; lines[i]; i++) {
    const char *l = lines[i];
    while (*l == ' ' || *l == '\t')
      l++;
    if (*l == '\0' || *l == '#' || *l == '\r')
      continue;
    if (*l == '[') {
      if (!strchr(l, ']'))
        return i + 1;
      continue;
    }
    if (!strchr(l, '=') || *l == '=')
      return i + 1;
  }
  return 0;
}

/* 1-based line where KEY is set inside [GROUP], or 0 when not found. */
static int
key_line(const char *text, const char *group, const char *key)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autofree char *header = g_strdup_printf("[%s]", group);
  gboolean in_group = FALSE;
  for (int i = 0; lines[i]; i++) {
    g_autofree char *l = g_strstrip(g_strdup(lines[i]));
    if (*l == '[') {
      in_group = g_str_equal(l, header);
      continue;
    }
    if (!in_group)
      continue;
    const char *eq = strchr(l, '=');
    if (eq) {
      g_autofree char *k = g_strstrip(g_strndup(l, eq - l));
      if (g_str_equal(k, key))
        return i + 1;
    }
  }
  return 0;
}

static const char *const *
group_keys(const char *group)
{
  for (gsize i = 0; i < G_N_ELEMENTS(known_groups); i++)
    if (g_str_equal(known_groups[i].group, group))
      return known_groups[i].keys;
  return NULL;
}

static gboolean
check_known_keys(GKeyFile *kf, const char *path, const char *text, GError **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
  for (int g = 0; groups[g]; g++) {
    const char *const *known = group_keys(groups[g]);
    if (!known) {
      g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_UNKNOWN,
                  "%s: unknown group [%s]", path, groups[g]);
      return FALSE;
    }
    g_auto(GStrv) keys = g_key_file_get_keys(kf, groups[g], NULL, NULL);
    for (int k = 0; keys && keys[k]; k++) {
      if (!g_strv_contains(known, keys[k])) {
        g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_UNKNOWN,
                    "%s:%d: unknown key \"%s\" in group [%s]", path,
                    key_line(text, groups[g], keys[k]), keys[k], groups[g]);
        return FALSE;
      }
    }
  }
  return TRUE;
}

/* Replaces *SLOT with the string value of GROUP.KEY when the file sets it. */
static void
take_string(GKeyFile *kf, const char *group, const char *key, char **slot)
{
  char *value = g_key_file_get_string(kf, group, key, NULL);
  if (!value)
    return;
  g_strstrip(value);
  g_free(*slot);
  *slot = value;
}

static gboolean
take_int(GKeyFile *kf, const char *path, const char *text, const char *group,
         const char *key, int min, int max, int *slot, GError **error)
{
  if (!g_key_file_has_key(kf, group, key, NULL))
    return TRUE;
  g_autofree char *raw = g_key_file_get_string(kf, group, key, NULL);
  gint64 v;
  if (!raw || !g_ascii_string_to_signed(g_strstrip(raw), 10, min, max, &v, NULL)) {
    g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_VALUE,
                "%s:%d: key \"%s\" in group [%s] must be a whole number from %d to %d, not \"%s\"",
                path, key_line(text, group, key), key, group, min, max, raw ? raw : "");
    return FALSE;
  }
  *slot = (int) v;
  return TRUE;
}

Config *
config_load(const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents(path, &text, NULL, &local)) {
    g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_FILE, "cannot read configuration %s: %s",
                path, local->message);
    return NULL;
  }
  g_autoptr(GKeyFile) kf = g_key_file_new();
  if (!g_key_file_load_from_data(kf, text, -1, G_KEY_FILE_NONE, &local)) {
    int line = first_malformed_line(text);
    g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_FILE, "%s:%d: malformed configuration: %s",
                path, line, local->message);
    return NULL;
  }
  if (!check_known_keys(kf, path, text, error))
    return NULL;

  g_autoptr(Config) c = config_new_defaults();
  c->path = g_strdup(path);
  take_string(kf, "database", "host", &c->db_host);
  take_string(kf, "database", "port", &c->db_port);
  take_string(kf, "database", "dbname", &c->db_name);
  take_string(kf, "database", "owner_user", &c->owner_user);
  take_string(kf, "database", "batch_user", &c->batch_user);
  take_string(kf, "database", "report_user", &c->report_user);
  if (!take_int(kf, path, text, "database", "connect_timeout", 1, 3600,
                &c->connect_timeout_s, error))
    return NULL;
  if (c->db_port) {
    if (!g_ascii_string_to_unsigned(c->db_port, 10, 1, 65535, NULL, NULL)) {
      g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_VALUE,
                  "%s:%d: key \"port\" in group [database] must be a port number, not \"%s\"",
                  path, key_line(text, "database", "port"), c->db_port);
      return NULL;
    }
  }
  take_string(kf, "paths", "sql_dir", &c->sql_dir);
  if (!g_path_is_absolute(c->sql_dir)) {
    /* Relative paths are relative to the configuration file, not the cwd of cron. */
    g_autofree char *dir = g_path_get_dirname(path);
    char *abs = g_build_filename(dir, c->sql_dir, NULL);
    g_free(c->sql_dir);
    c->sql_dir = abs;
  }
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
