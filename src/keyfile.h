/* GKeyFile helpers shared by every configuration-like file (baitiao.conf, products):
 * loading with errors that name the file and line, and typed getters that say
 * which key is wrong and why. */
#ifndef BAITIAO_KEYFILE_H
#define BAITIAO_KEYFILE_H

#include <glib.h>

#define KEYFILE_ERROR (keyfile_error_quark())
GQuark keyfile_error_quark(void);

typedef enum {
  KEYFILE_ERROR_FILE,     /* unreadable or malformed */
  KEYFILE_ERROR_VALUE,    /* a key with a bad value, or a required key missing */
  KEYFILE_ERROR_UNKNOWN,  /* a key or group we do not know (likely a typo) */
} KeyfileError;

/* A parsed file that remembers its text, so errors can name lines. */
typedef struct {
  char *path;
  char *text;
  GKeyFile *kf;
} Keyfile;

typedef enum {
  /* An indented line continues the value above it (multi-line SQL in report
   * specs); line numbers in errors still refer to the file as written. */
  KEYFILE_FOLD_CONTINUATIONS = 1 << 0,
  /* A key written twice in a group, or a group written twice, is refused naming both
   * lines (GKeyFile would take the last key and merge the groups): for catalogues and
   * specs, where a silent override is an edit nobody reviewed. */
  KEYFILE_REFUSE_REPEATS = 1 << 1,
} KeyfileFlags;

Keyfile *keyfile_load(const char *path, GError **error);
Keyfile *keyfile_load_with(const char *path, KeyfileFlags flags, GError **error);
void keyfile_free(Keyfile *k);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Keyfile, keyfile_free)

/* 1-based line where KEY is set in [GROUP] (or the group header when KEY is NULL); 0 if not found. */
int keyfile_line(const Keyfile *k, const char *group, const char *key);

/* Fails naming the first key of GROUP that is not in KNOWN (NULL terminated). */
gboolean keyfile_check_keys(const Keyfile *k, const char *group, const char *const *known,
                            GError **error);

/* Sets a KEYFILE_ERROR_VALUE "path:line: key "K" in [G] ..." error. */
void keyfile_value_error(GError **error, const Keyfile *k, const char *group, const char *key,
                         const char *fmt, ...) G_GNUC_PRINTF(5, 6);

/* The trimmed string value, or NULL when the key is absent. */
char *keyfile_string(const Keyfile *k, const char *group, const char *key);
/* An optional "true" or "false": *OUT untouched when the key is absent; anything else
 * is refused naming file:line:key. */
gboolean keyfile_bool(const Keyfile *k, const char *group, const char *key, gboolean *out, GError **error);
/* A whole number in [MIN, MAX]; *OUT keeps its default when the key is absent. */
gboolean keyfile_int(const Keyfile *k, const char *group, const char *key, gint64 min, gint64 max,
                     gint64 *out, GError **error);

#endif
