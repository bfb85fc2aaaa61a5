/* GKeyFile with operator-friendly errors: GKeyFile itself reports neither the file
 * nor the line, so we keep the text and find the line of the offending key. */
#include "keyfile.h"

#include <string.h>

G_DEFINE_QUARK(keyfile-error-quark, keyfile_error)

void
keyfile_free(Keyfile *k)
{
  if (!k)
    return;
  g_free(k->path);
  g_free(k->text);
  if (k->kf)
    g_key_file_unref(k->kf);
  g_free(k);
}

/* 1-based line of the first line of TEXT that GKeyFile cannot take, or 0. */
static int
first_malformed_line(const char *text)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (int i = 0; lines[i]; i++) {
    g_autofree char *l = g_strstrip(g_strdup(lines[i]));
    if (*l == '\0' || *l == '#')
      continue;
    if (*l == '[' ? !strchr(l, ']') : (!strchr(l, '=') || *l == '='))
      return i + 1;
  }
  return 0;
}

/* Joins indented continuation lines onto the key line above with an escaped
 * newline, which GKeyFile turns back into a real one: SQL keeps its lines (and
 * its -- comments end where they should). Line numbers are looked up in the
 * original text, where every key stays on its own line. */
static char *
fold_continuations(const char *text)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  GString *out = g_string_new(NULL);
  gboolean in_value = FALSE;
  for (int i = 0; lines[i]; i++) {
    const char *l = lines[i];
    const char *body = l + strspn(l, " \t");
    gboolean blank = *body == '\0' || *body == '\r';
    if (in_value && body != l && !blank && *body != '#') {
      g_string_append(out, "\\n");
      g_string_append(out, body);
      continue;
    }
    if (i > 0)
      g_string_append_c(out, '\n');
    g_string_append(out, l);
    in_value = !blank && *body != '#' && *body != '[' && strchr(body, '=') != NULL;
  }
  return g_string_free(out, FALSE);
}

/* Is line L (raw) an indented continuation of the value above (KEYFILE_FOLD_CONTINUATIONS)? */
static gboolean
continues_value(const char *l, gboolean in_value)
{
  const char *body = l + strspn(l, " \t");
  return in_value && body != l && *body != '\0' && *body != '\r' && *body != '#';
}

/* GKeyFile takes the last of a key written twice in a group, and merges a group written
 * twice: in a catalogue that is an edit nobody sees. Refuses the first repeat, naming
 * both lines. */
static gboolean
check_no_repeats(const char *path, const char *text, gboolean fold, GError **error)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *group = g_strdup("");
  gboolean in_value = FALSE;
  for (int i = 0; lines[i]; i++) {
    if (fold && continues_value(lines[i], in_value))
      continue;
    g_autofree char *l = g_strstrip(g_strdup(lines[i]));
    in_value = FALSE;
    if (*l == '\0' || *l == '#')
      continue;
    g_autofree char *id = NULL;
    if (*l == '[') {
      g_free(group);
      group = g_strdup(l);
      id = g_strdup(l);
    } else {
      const char *eq = strchr(l, '=');
      if (!eq)
        continue;
      g_autofree char *name = g_strstrip(g_strndup(l, eq - l));
      id = g_strconcat(group, "\037", name, NULL);
      in_value = TRUE;
    }
    gpointer first = g_hash_table_lookup(seen, id);
    if (first) {
      const char *sep = strchr(id, '\037');
      if (sep)
        g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_VALUE,
                    "%s:%d: key \"%s\" in group %s is written again (first at line %d): write it once",
                    path, i + 1, sep + 1, group, GPOINTER_TO_INT(first));
      else
        g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_VALUE,
                    "%s:%d: group %s is written again (first at line %d): write it once", path, i + 1, id,
                    GPOINTER_TO_INT(first));
      return FALSE;
    }
    g_hash_table_insert(seen, g_steal_pointer(&id), GINT_TO_POINTER(i + 1));
  }
  return TRUE;
}

Keyfile *
keyfile_load(const char *path, GError **error)
{
  return keyfile_load_with(path, 0, error);
}

Keyfile *
keyfile_load_with(const char *path, KeyfileFlags flags, GError **error)
{
  g_autoptr(Keyfile) k = g_new0(Keyfile, 1);
  g_autoptr(GError) local = NULL;
  k->path = g_strdup(path);
  if (!g_file_get_contents(path, &k->text, NULL, &local)) {
    g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_FILE, "cannot read %s: %s", path, local->message);
    return NULL;
  }
  g_autofree char *folded = flags & KEYFILE_FOLD_CONTINUATIONS ? fold_continuations(k->text) : NULL;
  k->kf = g_key_file_new();
  if (!g_key_file_load_from_data(k->kf, folded ? folded : k->text, -1, G_KEY_FILE_NONE, &local)) {
    g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_FILE, "%s:%d: malformed file: %s", path,
                first_malformed_line(k->text), local->message);
    return NULL;
  }
  if ((flags & KEYFILE_REFUSE_REPEATS) && !check_no_repeats(path, k->text, (flags & KEYFILE_FOLD_CONTINUATIONS) != 0, error))
    return NULL;
  return g_steal_pointer(&k);
}

int
keyfile_line(const Keyfile *k, const char *group, const char *key)
{
  g_auto(GStrv) lines = g_strsplit(k->text, "\n", -1);
  g_autofree char *header = g_strdup_printf("[%s]", group);
  gboolean in_group = FALSE;
  for (int i = 0; lines[i]; i++) {
    g_autofree char *l = g_strstrip(g_strdup(lines[i]));
    if (*l == '[') {
      in_group = g_str_equal(l, header);
      if (in_group && !key)
        return i + 1;
      continue;
    }
    const char *eq = strchr(l, '=');
    if (in_group && key && eq) {
      g_autofree char *name = g_strstrip(g_strndup(l, eq - l));
      if (g_str_equal(name, key))
        return i + 1;
    }
  }
  return 0;
}

gboolean
keyfile_check_keys(const Keyfile *k, const char *group, const char *const *known, GError **error)
{
  g_auto(GStrv) keys = g_key_file_get_keys(k->kf, group, NULL, NULL);
  for (int i = 0; keys && keys[i]; i++) {
    if (!g_strv_contains(known, keys[i])) {
      g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_UNKNOWN, "%s:%d: unknown key \"%s\" in group [%s]",
                  k->path, keyfile_line(k, group, keys[i]), keys[i], group);
      return FALSE;
    }
  }
  return TRUE;
}

void
keyfile_value_error(GError **error, const Keyfile *k, const char *group, const char *key,
                    const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *why = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  int line = keyfile_line(k, group, key);
  if (!line)
    line = keyfile_line(k, group, NULL);
  g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_VALUE, "%s:%d: key \"%s\" in group [%s] %s",
              k->path, line, key, group, why);
}

char *
keyfile_string(const Keyfile *k, const char *group, const char *key)
{
  char *value = g_key_file_get_string(k->kf, group, key, NULL);
  return value ? g_strstrip(value) : NULL;
}

gboolean
keyfile_int(const Keyfile *k, const char *group, const char *key, gint64 min, gint64 max,
            gint64 *out, GError **error)
{
  g_autofree char *raw = keyfile_string(k, group, key);
  if (!raw)
    return TRUE;
  if (!g_ascii_string_to_signed(raw, 10, min, max, out, NULL)) {
    keyfile_value_error(error, k, group, key,
                        "must be a whole number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                        ", not \"%s\"", min, max, raw);
    return FALSE;
  }
  return TRUE;
}

gboolean
keyfile_bool(const Keyfile *k, const char *group, const char *key, gboolean *out, GError **error)
{
  g_autofree char *raw = keyfile_string(k, group, key);
  if (!raw)
    return TRUE;
  if (g_str_equal(raw, "true") || g_str_equal(raw, "false")) {
    *out = g_str_equal(raw, "true");
    return TRUE;
  }
  keyfile_value_error(error, k, group, key, "must be true or false, not \"%s\"", raw);
  return FALSE;
}
