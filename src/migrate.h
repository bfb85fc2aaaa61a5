/* Versioned, forward-only SQL migrations: sql/NNNN_description.sql, each applied
 * in its own transaction and recorded with its sha256 in schema_migrations. */
#ifndef BAITIAO_MIGRATE_H
#define BAITIAO_MIGRATE_H

#include <glib.h>
#include <libpq-fe.h>

#define MIGRATE_ERROR (migrate_error_quark())
GQuark migrate_error_quark(void);

typedef enum {
  MIGRATE_ERROR_FILES,     /* the sql directory is unreadable or its names are wrong */
  MIGRATE_ERROR_DRIFT,     /* the database and the files disagree (tampering, gaps) */
  MIGRATE_ERROR_FAILED,    /* a migration failed and was rolled back */
} MigrateError;

typedef struct {
  int version;
  char *name;      /* "0003_users" */
  char *path;
  char *sha256;
  char *sql;
} MigrationFile;

typedef struct {
  int version;
  char *name;
  char *sha256;
  char *applied_at;
  char *applied_by;
  gint64 duration_ms;
} AppliedMigration;

typedef enum {
  MIGRATION_APPLIED,
  MIGRATION_PENDING,
  MIGRATION_CHANGED,       /* applied, but the file's checksum differs */
  MIGRATION_SKIPPED,       /* pending although a later version is applied */
  MIGRATION_FILE_MISSING,  /* applied, but no file has that version */
} MigrationState;

typedef struct {
  int version;
  const char *name;
  MigrationState state;
  const MigrationFile *file;        /* NULL when FILE_MISSING */
  const AppliedMigration *applied;  /* NULL when PENDING or SKIPPED */
} MigrationStatus;

/* Reads DIR: files must be NNNN_lower_snake.sql, numbered from 0001 without gaps. */
GPtrArray *migrate_scan(const char *dir, GError **error);

/* Creates the schema and schema_migrations when missing (owner only). */
gboolean migrate_prepare(PGconn *conn, GError **error);
/* The applied migrations, in version order. */
GPtrArray *migrate_applied(PGconn *conn, GError **error);

/* Pairs files with applied rows, by version, in version order. */
GArray *migrate_compare(GPtrArray *files, GPtrArray *applied);
/* Fails naming the first file (or version) in a drifted state. */
gboolean migrate_check_drift(GArray *statuses, GError **error);

const char *migrate_state_label(MigrationState state);

/* Takes the migration lock, checks for drift, applies pending migrations in order,
 * each in its own transaction. ON_APPLY is told each file before it runs. */
typedef void (*MigrateProgress)(const MigrationFile *file, gboolean dry_run, gpointer data);
gboolean migrate_up(PGconn *conn, GPtrArray *files, gboolean dry_run, MigrateProgress progress,
                    gpointer data, guint *applied_count, GError **error);

void migration_file_free(MigrationFile *file);
void applied_migration_free(AppliedMigration *applied);

#endif
