/* Migration runner. Files are the truth of what the schema should be; the
 * schema_migrations table is the truth of what was done. Drift between the two
 * stops everything, because applying on top of an unknown schema is how data dies. */
#include "migrate.h"

#include <string.h>

#include "db.h"

G_DEFINE_QUARK(migrate-error-quark, migrate_error)

void
migration_file_free(MigrationFile *f)
{
  if (!f)
    return;
  g_free(f->name);
  g_free(f->path);
  g_free(f->sha256);
  g_free(f->sql);
  g_free(f);
}

void
applied_migration_free(AppliedMigration *a)
{
  if (!a)
    return;
  g_free(a->name);
  g_free(a->sha256);
  g_free(a->applied_at);
  g_free(a->applied_by);
  g_free(a);
}

/* "0012_add_index.sql" -> version 12, name "0012_add_index"; FALSE for other names. */
static gboolean
parse_file_name(const char *base, int *version, char **name)
{
  if (!g_str_has_suffix(base, ".sql"))
    return FALSE;
  gsize len = strlen(base) - 4;
  if (len < 6 || base[4] != '_')
    return FALSE;
  for (int i = 0; i < 4; i++)
    if (!g_ascii_isdigit(base[i]))
      return FALSE;
  for (gsize i = 5; i < len; i++)
    if (!(g_ascii_islower(base[i]) || g_ascii_isdigit(base[i]) || base[i] == '_'))
      return FALSE;
  *version = (base[0] - '0') * 1000 + (base[1] - '0') * 100 + (base[2] - '0') * 10 + (base[3] - '0');
  if (*version == 0)
    return FALSE;
  *name = g_strndup(base, len);
  return TRUE;
}

static gint
by_version(gconstpointer a, gconstpointer b)
{
  const MigrationFile *x = *(MigrationFile *const *) a;
  const MigrationFile *y = *(MigrationFile *const *) b;
  return (x->version > y->version) - (x->version < y->version);
}

static MigrationFile *
read_migration(const char *dir, const char *base, int version, char *name, GError **error)
{
  g_autofree char *path = g_build_filename(dir, base, NULL);
  g_autofree char *sql = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &sql, &len, error))
    return NULL;
  if (!g_utf8_validate(sql, len, NULL) || memchr(sql, '\0', len)) {
    g_set_error(error, MIGRATE_ERROR, MIGRATE_ERROR_FILES, "%s: not valid UTF-8 text", path);
    return NULL;
  }
  MigrationFile *f = g_new0(MigrationFile, 1);
  f->version = version;
  f->name = name;
  f->path = g_steal_pointer(&path);
  f->sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) sql, len);
  f->sql = g_steal_pointer(&sql);
  return f;
}

GPtrArray *
migrate_scan(const char *dir, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GDir) d = g_dir_open(dir, 0, &local);
  if (!d) {
    g_set_error(error, MIGRATE_ERROR, MIGRATE_ERROR_FILES, "cannot read migrations directory: %s",
                local->message);
    return NULL;
  }
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func((GDestroyNotify) migration_file_free);
  const char *base;
  while ((base = g_dir_read_name(d))) {
    if (!g_str_has_suffix(base, ".sql"))
      continue;
    int version;
    char *name;
    if (!parse_file_name(base, &version, &name)) {
      g_set_error(error, MIGRATE_ERROR, MIGRATE_ERROR_FILES,
                  "%s/%s: migration files must be named NNNN_lower_snake_case.sql", dir, base);
      return NULL;
    }
    MigrationFile *f = read_migration(dir, base, version, name, error);
    if (!f) {
      g_free(name);
      return NULL;
    }
    g_ptr_array_add(files, f);
  }
  g_ptr_array_sort(files, by_version);
  for (guint i = 0; i < files->len; i++) {
    const MigrationFile *f = files->pdata[i];
    if (f->version != (int) i + 1) {
      g_set_error(error, MIGRATE_ERROR, MIGRATE_ERROR_FILES,
                  f->version == (int) i ? "%s: version %04d is used twice" : "%s: version %04d is missing before it",
                  f->path, f->version == (int) i ? f->version : (int) i + 1);
      return NULL;
    }
  }
  return g_steal_pointer(&files);
}

/* Quietly: "already exists, skipping" on every run is noise for the operator. */
static const char sql_prepare[] =
  "SET client_min_messages = warning;\n"
  "CREATE SCHEMA IF NOT EXISTS " DB_SCHEMA ";\n"
  "CREATE TABLE IF NOT EXISTS " DB_SCHEMA ".schema_migrations (\n"
  "  version     integer PRIMARY KEY CHECK (version > 0),\n"
  "  name        text NOT NULL,\n"
  "  sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),\n"
  "  applied_at  timestamptz NOT NULL DEFAULT now(),\n"
  "  applied_by  text NOT NULL,\n"
  "  duration_ms bigint NOT NULL CHECK (duration_ms >= 0)\n"
  ");\n"
  "COMMENT ON TABLE " DB_SCHEMA ".schema_migrations IS "
  "'Applied SQL migrations (written only by baitiao migrate up)';\n"
  "RESET client_min_messages;";

gboolean
migrate_prepare(PGconn *conn, GError **error)
{
  return db_exec_script(conn, "prepare_schema_migrations", sql_prepare, NULL, error);
}

static const char sql_applied[] =
  "SELECT version, name, sha256, to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS'), applied_by, duration_ms"
  "  FROM " DB_SCHEMA ".schema_migrations ORDER BY version";
static const char sql_has_table[] =
  "SELECT pg_catalog.to_regclass('" DB_SCHEMA ".schema_migrations') IS NOT NULL";

GPtrArray *
migrate_applied(PGconn *conn, GError **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify) applied_migration_free);
  g_autoptr(PGresult) has = db_query_one(conn, "has_schema_migrations", sql_has_table, 0, NULL, error);
  if (!has)
    return NULL;
  if (strcmp(PQgetvalue(has, 0, 0), "t") != 0)
    return g_steal_pointer(&out);
  g_autoptr(PGresult) res = db_query(conn, "list_schema_migrations", sql_applied, 0, NULL, error);
  if (!res)
    return NULL;
  for (int i = 0; i < PQntuples(res); i++) {
    AppliedMigration *a = g_new0(AppliedMigration, 1);
    a->version = atoi(PQgetvalue(res, i, 0));
    a->name = g_strdup(PQgetvalue(res, i, 1));
    a->sha256 = g_strdup(PQgetvalue(res, i, 2));
    a->applied_at = g_strdup(PQgetvalue(res, i, 3));
    a->applied_by = g_strdup(PQgetvalue(res, i, 4));
    a->duration_ms = g_ascii_strtoll(PQgetvalue(res, i, 5), NULL, 10);
    g_ptr_array_add(out, a);
  }
  return g_steal_pointer(&out);
}

const char *
migrate_state_label(MigrationState state)
{
  switch (state) {
  case MIGRATION_APPLIED: return "applied";
  case MIGRATION_PENDING: return "pending";
  case MIGRATION_CHANGED: return "CHANGED";
  case MIGRATION_SKIPPED: return "SKIPPED";
  case MIGRATION_FILE_MISSING: return "FILE MISSING";
  }
  return "?";
}

GArray *
migrate_compare(GPtrArray *files, GPtrArray *applied)
{
  GArray *out = g_array_new(FALSE, TRUE, sizeof(MigrationStatus));
  int max_applied = 0;
  for (guint j = 0; j < applied->len; j++)
    max_applied = MAX(max_applied, ((AppliedMigration *) applied->pdata[j])->version);
  guint i = 0, j = 0;
  while (i < files->len || j < applied->len) {
    const MigrationFile *f = i < files->len ? files->pdata[i] : NULL;
    const AppliedMigration *a = j < applied->len ? applied->pdata[j] : NULL;
    MigrationStatus s = { 0 };
    if (f && (!a || f->version < a->version)) {
      s = (MigrationStatus) { f->version, f->name,
                              f->version < max_applied ? MIGRATION_SKIPPED : MIGRATION_PENDING, f, NULL };
      i++;
    } else if (a && (!f || a->version < f->version)) {
      s = (MigrationStatus) { a->version, a->name, MIGRATION_FILE_MISSING, NULL, a };
      j++;
    } else {
      gboolean same = strcmp(f->sha256, a->sha256) == 0 && strcmp(f->name, a->name) == 0;
      s = (MigrationStatus) { f->version, f->name, same ? MIGRATION_APPLIED : MIGRATION_CHANGED, f, a };
      i++;
      j++;
    }
    g_array_append_val(out, s);
  }
  return out;
}

gboolean
migrate_check_drift(GArray *statuses, GError **error)
{
  for (guint i = 0; i < statuses->len; i++) {
    const MigrationStatus *s = &g_array_index(statuses, MigrationStatus, i);
    switch (s->state) {
    case MIGRATION_APPLIED:
    case MIGRATION_PENDING:
      break;
    case MIGRATION_CHANGED:
      g_set_error(error, MIGRATE_ERROR, MIGRATE_ERROR_DRIFT,
                  "%s was changed after it was applied (file sha256 %.12s…, applied %.12s… on %s)\n"
                  "hint: never edit an applied migration; restore the file and add a new one",
                  s->file->path, s->file->sha256, s->applied->sha256, s->applied->applied_at);
      return FALSE;
    case MIGRATION_SKIPPED:
      g_set_error(error, MIGRATE_ERROR, MIGRATE_ERROR_DRIFT,
                  "%s (version %04d) was never applied although later versions were",
                  s->file->path, s->version);
      return FALSE;
    case MIGRATION_FILE_MISSING:
      g_set_error(error, MIGRATE_ERROR, MIGRATE_ERROR_DRIFT,
                  "the database has version %04d (%s) for which there is no file\n"
                  "hint: this binary's migrations are older than the database; use the matching release",
                  s->version, s->name);
      return FALSE;
    }
  }
  return TRUE;
}

/* 1-based line of the character at OFFSET in TEXT (the server counts characters). */
static int
line_of_offset(const char *text, int offset)
{
  int line = 1;
  for (const char *p = text; *p && offset > 0; p = g_utf8_next_char(p), offset--)
    if (*p == '\n')
      line++;
  return line;
}

static const char sql_record[] =
  "INSERT INTO " DB_SCHEMA ".schema_migrations (version, name, sha256, applied_by, duration_ms)"
  " VALUES ($1::int, $2, $3, $4 || ' as ' || current_user, $5::bigint)";

static gboolean
run_migration_script(PGconn *conn, const MigrationFile *f, GError **error)
{
  int offset = -1;
  g_autoptr(GError) local = NULL;
  if (db_exec_script(conn, f->name, f->sql, &offset, &local))
    return TRUE;
  if (offset >= 0)
    g_set_error(error, MIGRATE_ERROR, MIGRATE_ERROR_FAILED, "%s:%d: migration failed, rolled back\n%s",
                f->path, line_of_offset(f->sql, offset), local->message);
  else
    g_set_error(error, MIGRATE_ERROR, MIGRATE_ERROR_FAILED, "%s: migration failed, rolled back\n%s",
                f->path, local->message);
  return FALSE;
}

static gboolean
record_migration(PGconn *conn, const MigrationFile *f, gint64 started_us, GError **error)
{
  g_autofree char *version = g_strdup_printf("%d", f->version);
  g_autofree char *by = g_strdup_printf("%s@%s", g_get_user_name(), g_get_host_name());
  g_autofree char *ms = g_strdup_printf("%" G_GINT64_FORMAT, (g_get_monotonic_time() - started_us) / 1000);
  const char *params[] = { version, f->name, f->sha256, by, ms };
  return db_exec(conn, "record_migration", sql_record, 5, params, error);
}

/* One migration, one transaction: it is applied and recorded entirely, or not at all. */
static gboolean
apply_one(PGconn *conn, const MigrationFile *f, GError **error)
{
  gint64 started_us = g_get_monotonic_time();
  gboolean ok = db_begin(conn, error)
                && db_exec(conn, "set_local_search_path",
                           "SET LOCAL search_path = " DB_SCHEMA ", pg_catalog", 0, NULL, error)
                && run_migration_script(conn, f, error)
                && record_migration(conn, f, started_us, error)
                && db_commit(conn, error);
  if (!ok)
    db_rollback(conn);
  return ok;
}

static gboolean
apply_pending(PGconn *conn, GPtrArray *files, gboolean dry_run, MigrateProgress progress,
              gpointer data, guint *applied_count, GError **error)
{
  g_autoptr(GPtrArray) applied = migrate_applied(conn, error);
  if (!applied)
    return FALSE;
  g_autoptr(GArray) statuses = migrate_compare(files, applied);
  if (!migrate_check_drift(statuses, error))
    return FALSE;
  for (guint i = 0; i < statuses->len; i++) {
    const MigrationStatus *s = &g_array_index(statuses, MigrationStatus, i);
    if (s->state != MIGRATION_PENDING)
      continue;
    if (progress)
      progress(s->file, dry_run, data);
    if (!dry_run && !apply_one(conn, s->file, error))
      return FALSE;
    (*applied_count)++;
  }
  return TRUE;
}

gboolean
migrate_up(PGconn *conn, GPtrArray *files, gboolean dry_run, MigrateProgress progress,
           gpointer data, guint *applied_count, GError **error)
{
  *applied_count = 0;
  if (!db_lock_or_fail(conn, DB_LOCK_MIGRATE, "migration", error))
    return FALSE;
  /* never under a running night: its steps would see the schema change mid-way */
  if (!dry_run && !db_lock_free_or_fail(conn, DB_LOCK_NIGHT, "a night (eod)", error)) {
    db_unlock(conn, DB_LOCK_MIGRATE);
    return FALSE;
  }
  gboolean ok = (dry_run || migrate_prepare(conn, error))
                && apply_pending(conn, files, dry_run, progress, data, applied_count, error);
  db_unlock(conn, DB_LOCK_MIGRATE);
  return ok;
}
