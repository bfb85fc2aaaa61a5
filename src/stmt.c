/* Compiled statements: lookup, header parsing, and the db layer's contracts on them. */
#include "stmt.h"

#include <gio/gio.h>
#include <string.h>

#include "stmt_resources.h"

#define STMT_PREFIX "/baitiao/sql/"

static GHashTable *stmt_cache; /* name → Stmt*, never freed: statements live as long as the process */
G_LOCK_DEFINE_STATIC(stmt_cache);

/* "-- $3 timestamp with time zone: when it was sent" → 3, type, meaning. */
static gboolean
parse_param_line(const char *line, guint *n, char **type, char **meaning)
{
  if (!g_str_has_prefix(line, "-- $") || !g_ascii_isdigit(line[4]))
    return FALSE;
  char *end = NULL;
  guint64 k = g_ascii_strtoull(line + 4, &end, 10);
  const char *colon = end ? strchr(end, ':') : NULL;
  if (!end || *end != ' ' || !colon || k == 0 || k > 100)
    return FALSE;
  *n = (guint) k;
  *type = g_strstrip(g_strndup(end, (gsize) (colon - end)));
  *meaning = g_strstrip(g_strdup(colon + 1));
  return **type != '\0';
}

/* The header is the comment lines the file starts with. */
static gboolean
parse_header(Stmt *stmt, GError **error)
{
  g_auto(GStrv) lines = g_strsplit(stmt->sql, "\n", -1);
  g_autoptr(GPtrArray) types = g_ptr_array_new();
  g_autoptr(GPtrArray) meanings = g_ptr_array_new();
  for (guint i = 0; lines[i] && g_str_has_prefix(lines[i], "--"); i++) {
    const char *line = lines[i];
    guint n = 0;
    char *type = NULL, *meaning = NULL;
    if (i == 0)
      stmt->summary = g_strstrip(g_strdup(line + 2));
    if (!g_str_has_prefix(line, "-- $"))
      continue;
    if (!parse_param_line(line, &n, &type, &meaning) || n != types->len + 1) {
      g_free(type);
      g_free(meaning);
      g_set_error(error, DB_ERROR, DB_ERROR_CONTRACT,
                  "%s:%u: parameter declaration must read \"-- $%u TYPE: meaning\"", stmt->file, i + 1,
                  types->len + 1);
      return FALSE;
    }
    g_ptr_array_add(types, type);
    g_ptr_array_add(meanings, meaning);
  }
  if (!stmt->summary || !*stmt->summary) {
    g_set_error(error, DB_ERROR, DB_ERROR_CONTRACT, "%s:1: a statement starts with a comment saying what it does",
                stmt->file);
    return FALSE;
  }
  stmt->nparams = types->len;
  g_ptr_array_add(types, NULL);
  g_ptr_array_add(meanings, NULL);
  stmt->types = (char **) g_ptr_array_steal(types, NULL);
  stmt->meanings = (char **) g_ptr_array_steal(meanings, NULL);
  return TRUE;
}

static void
stmt_free(Stmt *stmt)
{
  g_free(stmt->name);
  g_free(stmt->file);
  g_free(stmt->summary);
  g_free(stmt->sql);
  g_strfreev(stmt->types);
  g_strfreev(stmt->meanings);
  g_free(stmt);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Stmt, stmt_free)

static Stmt *
stmt_load(const char *name, GError **error)
{
  g_autofree char *path = g_strconcat(STMT_PREFIX, name, ".sql", NULL);
  g_autoptr(GBytes) bytes = g_resource_lookup_data(baitiao_stmt_get_resource(), path,
                                                   G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  g_autoptr(Stmt) stmt = g_new0(Stmt, 1);
  stmt->name = g_strdup(name);
  stmt->file = g_strconcat("sql/", name, ".sql", NULL);
  if (!bytes) {
    g_set_error(error, DB_ERROR, DB_ERROR_CONTRACT, "%s is not compiled into this binary (sql/stmt.am)",
                stmt->file);
    return NULL;
  }
  gsize len = 0;
  const char *data = g_bytes_get_data(bytes, &len);
  stmt->sql = g_strndup(data, len);
  if (!parse_header(stmt, error))
    return NULL;
  return g_steal_pointer(&stmt);
}

const Stmt *
stmt_get(const char *name, GError **error)
{
  G_LOCK(stmt_cache);
  if (!stmt_cache)
    stmt_cache = g_hash_table_new(g_str_hash, g_str_equal);
  Stmt *stmt = g_hash_table_lookup(stmt_cache, name);
  if (!stmt) {
    stmt = stmt_load(name, error);
    if (stmt)
      g_hash_table_insert(stmt_cache, stmt->name, stmt);
  }
  G_UNLOCK(stmt_cache);
  return stmt;
}

const char *
stmt_sql(const char *name, GError **error)
{
  const Stmt *stmt = stmt_get(name, error);
  return stmt ? stmt->sql : NULL;
}

static void
list_under(const char *dir, GPtrArray *names)
{
  g_autofree char *path = g_strconcat(STMT_PREFIX, dir, NULL);
  g_auto(GStrv) children = g_resource_enumerate_children(baitiao_stmt_get_resource(), path,
                                                         G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  for (guint i = 0; children && children[i]; i++) {
    g_autofree char *child = g_strconcat(dir, children[i], NULL);
    if (g_str_has_suffix(child, "/"))
      list_under(child, names);
    else if (g_str_has_suffix(child, ".sql"))
      g_ptr_array_add(names, g_strndup(child, strlen(child) - 4));
  }
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *) a, *(char *const *) b);
}

char **
stmt_list(void)
{
  GPtrArray *names = g_ptr_array_new();
  list_under("", names);
  g_ptr_array_sort(names, compare_names);
  g_ptr_array_add(names, NULL);
  return (char **) g_ptr_array_free(names, FALSE);
}

/* Marks the $N the body uses (outside comments and quoted literals) in USED. */
static gboolean
scan_params(const char *sql, gboolean *used, guint max, guint *bad)
{
  for (const char *p = sql; *p; p++) {
    if (p[0] == '-' && p[1] == '-') {
      while (*p && *p != '\n')
        p++;
      if (!*p)
        break;
    } else if (*p == '\'' || *p == '"') {
      char quote = *p++;
      while (*p && *p != quote)
        p++;
      if (!*p)
        break;
    } else if (*p == '$' && g_ascii_isdigit(p[1])) {
      guint64 k = g_ascii_strtoull(p + 1, NULL, 10);
      if (k == 0 || k > max) {
        *bad = (guint) k;
        return FALSE;
      }
      used[k - 1] = TRUE;
    }
  }
  return TRUE;
}

gboolean
stmt_check(const char *name, GError **error)
{
  const Stmt *stmt = stmt_get(name, error);
  if (!stmt)
    return FALSE;
  g_autofree gboolean *used = g_new0(gboolean, stmt->nparams + 1);
  guint bad = 0;
  if (!scan_params(stmt->sql, used, stmt->nparams, &bad)) {
    g_set_error(error, DB_ERROR, DB_ERROR_CONTRACT, "%s uses $%u but declares %u parameter(s)", stmt->file,
                bad, stmt->nparams);
    return FALSE;
  }
  for (guint i = 0; i < stmt->nparams; i++)
    if (!used[i]) {
      g_set_error(error, DB_ERROR, DB_ERROR_CONTRACT, "%s declares $%u (%s) but does not use it", stmt->file,
                  i + 1, stmt->meanings[i]);
      return FALSE;
    }
  return TRUE;
}

static const Stmt *
stmt_for_call(const char *name, guint nparams, GError **error)
{
  const Stmt *stmt = stmt_get(name, error);
  if (stmt && stmt->nparams != nparams) {
    g_set_error(error, DB_ERROR, DB_ERROR_CONTRACT, "%s declares %u parameter(s), called with %u", stmt->file,
                stmt->nparams, nparams);
    return NULL;
  }
  return stmt;
}

gboolean
stmt_exec(PGconn *conn, const char *name, guint nparams, const char *const *params, GError **error)
{
  const Stmt *stmt = stmt_for_call(name, nparams, error);
  return stmt && db_exec(conn, stmt->file, stmt->sql, (int) nparams, params, error);
}

PGresult *
stmt_query(PGconn *conn, const char *name, guint nparams, const char *const *params, GError **error)
{
  const Stmt *stmt = stmt_for_call(name, nparams, error);
  return stmt ? db_query(conn, stmt->file, stmt->sql, (int) nparams, params, error) : NULL;
}

PGresult *
stmt_query_one(PGconn *conn, const char *name, guint nparams, const char *const *params, GError **error)
{
  const Stmt *stmt = stmt_for_call(name, nparams, error);
  return stmt ? db_query_one(conn, stmt->file, stmt->sql, (int) nparams, params, error) : NULL;
}

DbCopy *
stmt_copy_start(PGconn *conn, const char *name, GError **error)
{
  const Stmt *stmt = stmt_for_call(name, 0, error);
  return stmt ? db_copy_start(conn, stmt->file, stmt->sql, error) : NULL;
}

gboolean
stmt_temp_table(PGconn *conn, const char *table, const char *name, GError **error)
{
  const Stmt *stmt = stmt_for_call(name, 0, error);
  return stmt && db_temp_table(conn, table, stmt->file, stmt->sql, error);
}
