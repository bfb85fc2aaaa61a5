/* A thin layer over libpq with fixed contracts: every statement has a name that
 * errors report, every value is a parameter, and failures carry the SQLSTATE. */
#ifndef BAITIAO_DB_H
#define BAITIAO_DB_H

#include <glib.h>
#include <libpq-fe.h>

#include "config.h"

#define DB_ERROR (db_error_quark())
GQuark db_error_quark(void);

typedef enum {
  DB_ERROR_UNREACHABLE,  /* could not connect, or the connection was lost: retry later */
  DB_ERROR_LOCK_HELD,    /* another process holds our advisory lock: retry later */
  DB_ERROR_STATEMENT,    /* a statement failed; the message names it and the SQLSTATE */
  DB_ERROR_CONTRACT,     /* a statement returned another shape than its contract says */
  DB_ERROR_REFUSED,      /* the server refused the connection for good (wrong password, unknown
                          * role or database: SQLSTATE class 28, 3D000): retrying cannot help */
} DbError;

typedef enum {
  DB_ROLE_OWNER,   /* migrations */
  DB_ROLE_BATCH,   /* the nightly run */
  DB_ROLE_REPORT,  /* reports, status: read only */
} DbRole;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PGresult, PQclear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PGconn, PQfinish)

/* Schema every session works in (search_path is set right after connecting). */
#define DB_SCHEMA "baitiao"

/* Advisory lock keys (two-int form: class, object). */
#define DB_LOCK_CLASS 0x62740000 /* "bt" */
typedef enum {
  DB_LOCK_MIGRATE = 1,
  DB_LOCK_NIGHT = 2,
  /* The intake cut (docs/architecture.md, "Intake cut-off"): a load holds it shared for
   * its transaction, the night exclusively while it opens D; so a file is judged either
   * wholly before D's cut (its rows of D are the night's) or wholly after it (they are
   * DATE_CLOSED). */
  DB_LOCK_INTAKE_CUT = 3,
  /* At a sharded group's coordinator: one group load or group night at a time
   * (shard_load.h). */
  DB_LOCK_GROUP_INTAKE = 4,
} DbLock;

/* Connects as the configured user for ROLE, with application_name "baitiao/COMMAND".
 * Fails with DB_ERROR_UNREACHABLE naming the host or socket, never a password, or with
 * DB_ERROR_REFUSED when the server answered with a permanent refusal. */
PGconn *db_connect(const Config *config, DbRole role, const char *command, GError **error);

/* A PostgreSQL array literal for a text[] parameter: "{"a","b\"c",NULL}", every
 * element quoted with '"' and '\' escaped, a NULL value written NULL. */
char *db_array_literal(const char *const *values, guint n);
/* The same of column COLUMN of every row of RES. */
char *db_array_of_column(PGresult *res, int column);

/* "host ... port ... dbname ... user" of a connection, for messages (no password). */
char *db_describe(PGconn *conn);

/* Contract: the statement returns COMMAND_OK. */
gboolean db_exec(PGconn *conn, const char *name, const char *sql, int nparams,
                 const char *const *params, GError **error);
/* Contract: the statement returns rows (TUPLES_OK), any number. */
PGresult *db_query(PGconn *conn, const char *name, const char *sql, int nparams,
                   const char *const *params, GError **error);
/* Contract: the statement returns exactly one row. */
PGresult *db_query_one(PGconn *conn, const char *name, const char *sql, int nparams,
                       const char *const *params, GError **error);

/* Contract: the statement returns exactly one row of one non-NULL integer column (a
 * count, a sum, a flag); *OUT receives it. */
gboolean db_query_int64(PGconn *conn, const char *name, const char *sql, int nparams,
                        const char *const *params, gint64 *out, GError **error);

/* The one way a step makes a work table: temporary table TABLE (in pg_temp) exists and is
 * empty for the current transaction. CREATE_SQL (named NAME in errors) defines it, empty:
 * CREATE TEMP TABLE pg_temp.TABLE (...) ON COMMIT DROP; it runs when the table does not
 * exist yet, and a TRUNCATE when an earlier call of the same transaction made it. */
gboolean db_temp_table(PGconn *conn, const char *table, const char *name, const char *create_sql,
                       GError **error);

/* Runs a multi-statement SQL script (simple query protocol; no parameters).
 * On failure *ERROR_OFFSET, when not NULL, is the 0-based character offset of the
 * error in SCRIPT as the server reported it, or -1. */
gboolean db_exec_script(PGconn *conn, const char *name, const char *script, int *error_offset,
                        GError **error);

gboolean db_begin(PGconn *conn, GError **error);

/* The isolation level a transaction asks for (BEGIN ISOLATION LEVEL …). */
typedef enum {
  DB_READ_COMMITTED,    /* each statement sees what committed before it: the server's default */
  DB_REPEATABLE_READ,   /* one snapshot for the whole transaction */
} DbIsolation;

gboolean db_begin_isolated(PGconn *conn, DbIsolation isolation, GError **error);
gboolean db_commit(PGconn *conn, GError **error);
/* Best effort, used on error paths: the error already being reported matters more. */
void db_rollback(PGconn *conn);

/* Takes LOCK for this session or fails with DB_ERROR_LOCK_HELD naming the holder. */
gboolean db_lock_or_fail(PGconn *conn, DbLock lock, const char *what, GError **error);
void db_unlock(PGconn *conn, DbLock lock);
/* Fails with DB_ERROR_LOCK_HELD naming the holder ("WHAT is running: …") when another
 * session holds LOCK; takes nothing. A migration and a night lock each other out this
 * way: each takes its own lock, then checks that the other one is free. */
gboolean db_lock_free_or_fail(PGconn *conn, DbLock lock, const char *what, GError **error);
/* Waits for LOCK for the rest of the current transaction: SHARED with other holders
 * of the shared mode, or exclusively. */
gboolean db_xact_lock(PGconn *conn, DbLock lock, gboolean shared, GError **error);

/* COPY ... FROM STDIN in text format, streamed: rows are appended to a buffer that
 * is sent in large chunks. Check the contract: start must see PGRES_COPY_IN, finish
 * reads every result until NULL. */
typedef struct DbCopy DbCopy;
DbCopy *db_copy_start(PGconn *conn, const char *name, const char *sql, GError **error);
/* Appends one field in COPY text format (NULL value: \N); LAST ends the row. */
void db_copy_field(DbCopy *copy, const char *value, gboolean last);
void db_copy_field_int(DbCopy *copy, gint64 value, gboolean last);
/* Sends what is buffered when it is large; call after each row. */
gboolean db_copy_flush_if_full(DbCopy *copy, GError **error);
/* Ends the COPY; *ROWS (when not NULL) is the server's row count. Frees COPY. */
gboolean db_copy_finish(DbCopy *copy, gint64 *rows, GError **error);
/* Abandons the COPY (the transaction is then aborted). Frees COPY. */
void db_copy_abort(DbCopy *copy);

/* SQLSTATE of the last failed statement of an error raised here, or NULL. */
const char *db_error_sqlstate(const GError *error);

/* How many times a transaction that failed on a concurrent one is run in all. */
#define DB_CONFLICT_ATTEMPTS 3

/* TRUE when ERROR is a transaction's failure on a concurrent one: serialization
 * failure (40001) or deadlock (40P01). The server rolled it back; run as a whole on
 * a new snapshot it may succeed. */
gboolean db_error_is_conflict(const GError *error);

/* Cancels the running query of CONN when SIGINT or SIGTERM arrives. */
void db_cancel_on_signal(PGconn *conn);

#endif
