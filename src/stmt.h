/* The batch's SQL statements, one per file under sql/steps/ (the night's steps) and
 * sql/queries/ (commands, checks, reports' engine), compiled into the binary by
 * glib-compile-resources (sql/stmt.am lists them). A statement is named by its path
 * under sql/ without ".sql" ("steps/gl_close/10_daily_balances"); errors name the
 * file. Its parameters are declared in its header, one line each:
 *   -- $1 date: the business date D
 * so the count is known before it runs, and `baitiao sql show NAME` can print a
 * PREPARE a DBA runs in psql. */
#ifndef BAITIAO_STMT_H
#define BAITIAO_STMT_H

#include <glib.h>
#include <libpq-fe.h>

#include "db.h"

typedef struct {
  char *name;        /* "steps/gl_close/10_daily_balances" */
  char *file;        /* "sql/steps/gl_close/10_daily_balances.sql": what errors name */
  char *summary;     /* the header's first line, without "-- " */
  char *sql;         /* the whole file, header comments included */
  guint nparams;
  char **types;      /* nparams SQL type names, as declared */
  char **meanings;   /* nparams descriptions, as declared */
} Stmt;

/* The statement NAME, loaded once and kept for the life of the process. Fails with
 * DB_ERROR_CONTRACT when no such statement is compiled in or its header is malformed. */
const Stmt *stmt_get(const char *name, GError **error);
/* Its text, or NULL with ERROR set. */
const char *stmt_sql(const char *name, GError **error);
/* Every compiled statement's name, sorted (free with g_strfreev). */
char **stmt_list(void);
/* Checks a statement's text: the header declares $1..$n in order, and the body uses
 * exactly those (a parameter declared and unused, or used and undeclared, is an
 * error). Used by the unit tests over every compiled statement. */
gboolean stmt_check(const char *name, GError **error);

/* The db layer's contracts (db.h), on a compiled statement. NPARAMS must equal the
 * declared count: a mismatch is DB_ERROR_CONTRACT before anything is sent. */
gboolean stmt_exec(PGconn *conn, const char *name, guint nparams, const char *const *params,
                   GError **error);
PGresult *stmt_query(PGconn *conn, const char *name, guint nparams, const char *const *params,
                     GError **error);
PGresult *stmt_query_one(PGconn *conn, const char *name, guint nparams,
                         const char *const *params, GError **error);
/* db_temp_table with the CREATE TEMP TABLE held in statement NAME (no parameters). */
gboolean stmt_temp_table(PGconn *conn, const char *table, const char *name, GError **error);
/* COPY … FROM STDIN held in a file (no parameters). */
DbCopy *stmt_copy_start(PGconn *conn, const char *name, GError **error);

#endif
