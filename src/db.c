/* libpq wrapper: connection, statements with contracts, transactions, locks. */
#include "db.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "log.h"

/* DB errors carry the SQLSTATE so callers decide retries on it, not on text. */
typedef struct {
  char sqlstate[6];
} DbErrorPrivate;

static void
db_error_private_init(DbErrorPrivate *priv)
{
  priv->sqlstate[0] = '\0';
}

static void
db_error_private_copy(const DbErrorPrivate *src, DbErrorPrivate *dest)
{
  memcpy(dest->sqlstate, src->sqlstate, sizeof dest->sqlstate);
}

static void
db_error_private_clear(DbErrorPrivate *priv)
{
  priv->sqlstate[0] = '\0';
}

G_DEFINE_EXTENDED_ERROR(DbError, db_error)

const char *
db_error_sqlstate(const GError *error)
{
  if (!error || error->domain != DB_ERROR)
    return NULL;
  DbErrorPrivate *priv = db_error_get_private(error);
  return priv && priv->sqlstate[0] ? priv->sqlstate : NULL;
}

gboolean
db_error_is_conflict(const GError *error)
{
  const char *state = db_error_sqlstate(error);
  return state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0);
}

static void
route_notice(void *arg, const char *message)
{
  (void) arg;
  g_autofree char *line = g_strchomp(g_strdup(message));
  log_info("server: %s", line);
}

static const char *
role_user(const Config *config, DbRole role)
{
  switch (role) {
  case DB_ROLE_OWNER: return config->owner_user;
  case DB_ROLE_BATCH: return config->batch_user;
  case DB_ROLE_REPORT: return config->report_user;
  }
  return NULL;
}

char *
db_describe(PGconn *conn)
{
  const char *host = PQhost(conn);
  const char *port = PQport(conn);
  const char *db = PQdb(conn);
  const char *user = PQuser(conn);
  gboolean socket = !host || !*host || host[0] == '/' || host[0] == '@';
  return g_strdup_printf("%s \"%s\" port %s, database \"%s\" as user \"%s\"",
                         socket ? "socket directory" : "host",
                         host && *host ? host : "(default)", port && *port ? port : "(default)",
                         db ? db : "?", user ? user : "?");
}

/* First line of libpq's message, which never includes the password. */
static char *
first_line(const char *message)
{
  const char *nl = message ? strchr(message, '\n') : NULL;
  return nl ? g_strndup(message, nl - message) : g_strdup(message ? message : "");
}

/* libpq keeps the SQLSTATE of a failed connection to itself; with verbose errors
 * the server's refusal reads "FATAL:  28P01: …", and the code is taken from there.
 * Permanent: class 28 (invalid authorization: wrong password, unknown role, no
 * pg_hba entry), 3D000 (no such database), 42501 (no CONNECT privilege). Anything
 * else (no server, 57P03 starting up, 53300 too many clients) may pass. */
static gboolean
refused_for_good(const char *message, char state[6])
{
  for (const char *p = message ? strstr(message, "FATAL:  ") : NULL; p; p = strstr(p + 1, "FATAL:  ")) {
    const char *code = p + strlen("FATAL:  ");
    gboolean is_code = strlen(code) > 5 && code[5] == ':';
    for (int i = 0; is_code && i < 5; i++)
      is_code = g_ascii_isdigit(code[i]) || g_ascii_isupper(code[i]);
    if (!is_code)
      continue;
    memcpy(state, code, 5);
    state[5] = '\0';
    return strncmp(state, "28", 2) == 0 || strcmp(state, "3D000") == 0 || strcmp(state, "42501") == 0;
  }
  state[0] = '\0';
  return FALSE;
}

/* PQconnectPoll until done or TIMEOUT_S (0: no limit) has passed. */
static PostgresPollingStatusType
poll_connection(PGconn *conn, int timeout_s)
{
  gint64 deadline = g_get_monotonic_time() + (gint64) timeout_s * G_USEC_PER_SEC;
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
    struct pollfd pfd = { .fd = PQsocket(conn), .events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT };
    int wait_ms = -1;
    if (timeout_s > 0) {
      wait_ms = (int) ((deadline - g_get_monotonic_time()) / 1000);
      if (wait_ms <= 0)
        return PGRES_POLLING_FAILED;
    }
    int r = poll(&pfd, 1, wait_ms);
    if (r < 0 && errno == EINTR)
      continue;
    if (r == 0)
      return PGRES_POLLING_FAILED;
    st = PQconnectPoll(conn);
  }
  return st;
}

static void
set_connect_error(PGconn *conn, gboolean timed_out, GError **error)
{
  g_autofree char *where = db_describe(conn);
  g_autofree char *why = timed_out ? g_strdup("timeout expired") : first_line(PQerrorMessage(conn));
  char state[6];
  if (!timed_out && refused_for_good(PQerrorMessage(conn), state)) {
    g_set_error(error, DB_ERROR, DB_ERROR_REFUSED,
                "the database at %s refused the connection (SQLSTATE %s): retrying will not help\n%s\n"
                "hint: check the configured user, its password (~/.pgpass) and the database name", where,
                state, why);
    DbErrorPrivate *priv = error && *error ? db_error_get_private(*error) : NULL;
    if (priv)
      g_strlcpy(priv->sqlstate, state, sizeof priv->sqlstate);
    return;
  }
  g_set_error(error, DB_ERROR, DB_ERROR_UNREACHABLE, "could not connect to the database at %s\n%s", where, why);
}

PGconn *
db_connect(const Config *config, DbRole role, const char *command, GError **error)
{
  g_autofree char *appname = g_strdup_printf("baitiao/%s", command);
  const char *keys[9];
  const char *values[9];
  int n = 0;
#define ADD(k, v) do { if ((v) && *(v)) { keys[n] = (k); values[n] = (v); n++; } } while (0)
  ADD("host", config->db_host);
  ADD("port", config->db_port);
  ADD("dbname", config->db_name);
  ADD("user", role_user(config, role));
  ADD("application_name", appname);
  /* The night's statements are large but run once: JIT compiling them costs more
   * than it saves; and they group the book at a month end: work_mem from the config. */
  g_autofree char *batch_options = g_strdup_printf("-c jit=off -c work_mem=%dMB", config->batch_work_mem_mb);
  ADD("options", role == DB_ROLE_BATCH ? batch_options : NULL);
#undef ADD
  keys[n] = NULL;
  values[n] = NULL;

  g_autoptr(PGconn) conn = PQconnectStartParams(keys, values, 0);
  if (!conn) {
    g_set_error(error, DB_ERROR, DB_ERROR_UNREACHABLE, "out of memory connecting to the database");
    return NULL;
  }
  /* verbose while connecting only, so that a refusal carries its SQLSTATE */
  PQsetErrorVerbosity(conn, PQERRORS_VERBOSE);
  PostgresPollingStatusType st = PQstatus(conn) == CONNECTION_BAD ? PGRES_POLLING_FAILED
                                                                  : poll_connection(conn, config->connect_timeout_s);
  if (st != PGRES_POLLING_OK || PQstatus(conn) != CONNECTION_OK) {
    set_connect_error(conn, PQstatus(conn) != CONNECTION_BAD, error);
    return NULL;
  }
  PQsetErrorVerbosity(conn, PQERRORS_DEFAULT);
  PQsetNoticeProcessor(conn, route_notice, NULL);
  if (!db_exec(conn, "set_search_path", "SET search_path = " DB_SCHEMA ", pg_catalog", 0, NULL,
               error))
    return NULL;
  return g_steal_pointer(&conn);
}

/* The session is gone rather than the statement wrong: the connection broke (class
 * 08, or libpq saw it close), or the server is shutting down or restarting (57P01
 * admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now). Whatever the
 * open transaction did is rolled back by the server; retrying later is the cure. */
static gboolean
connection_lost(PGconn *conn, const char *state)
{
  return PQstatus(conn) == CONNECTION_BAD
         || (state && (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0
                       || strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0));
}

static void
set_statement_error(PGconn *conn, const PGresult *res, const char *name, GError **error)
{
  const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
  g_autofree char *msg = g_strchomp(g_strdup(res ? PQresultErrorMessage(res) : PQerrorMessage(conn)));
  if (!msg || !*msg) {
    g_free(msg);
    msg = g_strdup("connection to the server was lost");
  }
  /* every error the server sends carries a SQLSTATE; one without is libpq's own: it
   * lost the server (a restart between two statements reads "server closed the
   * connection unexpectedly" while PQstatus may still say OK) */
  if (connection_lost(conn, state) || !state)
    g_set_error(error, DB_ERROR, DB_ERROR_UNREACHABLE,
                "database connection lost during statement \"%s\"%s%s%s: %s\n"
                "hint: its transaction was not committed; retry when the database is back"
                " (a rerun resumes where this one stopped)", name,
                state ? " (SQLSTATE " : "", state ? state : "", state ? ")" : "", msg);
  else
    g_set_error(error, DB_ERROR, DB_ERROR_STATEMENT, "statement \"%s\" failed%s%s%s: %s", name,
                state ? " (SQLSTATE " : "", state ? state : "", state ? ")" : "", msg);
  if (error && *error && state) {
    DbErrorPrivate *priv = db_error_get_private(*error);
    g_strlcpy(priv->sqlstate, state, sizeof priv->sqlstate);
  }
}

static PGresult *
run(PGconn *conn, const char *name, const char *sql, int nparams, const char *const *params,
    ExecStatusType want, GError **error)
{
  fault_statement(name);
  PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
  if (PQresultStatus(res) != want) {
    if (res && PQresultStatus(res) != PGRES_FATAL_ERROR && PQresultStatus(res) != PGRES_NONFATAL_ERROR
        && PQstatus(conn) == CONNECTION_OK)
      g_set_error(error, DB_ERROR, DB_ERROR_CONTRACT, "statement \"%s\" returned %s, expected %s",
                  name, PQresStatus(PQresultStatus(res)), PQresStatus(want));
    else
      set_statement_error(conn, res, name, error);
    PQclear(res);
    return NULL;
  }
  return res;
}

gboolean
db_exec(PGconn *conn, const char *name, const char *sql, int nparams,
        const char *const *params, GError **error)
{
  PGresult *res = run(conn, name, sql, nparams, params, PGRES_COMMAND_OK, error);
  PQclear(res);
  return res != NULL;
}

PGresult *
db_query(PGconn *conn, const char *name, const char *sql, int nparams,
         const char *const *params, GError **error)
{
  return run(conn, name, sql, nparams, params, PGRES_TUPLES_OK, error);
}

PGresult *
db_query_one(PGconn *conn, const char *name, const char *sql, int nparams,
             const char *const *params, GError **error)
{
  g_autoptr(PGresult) res = db_query(conn, name, sql, nparams, params, error);
  if (!res)
    return NULL;
  if (PQntuples(res) != 1) {
    g_set_error(error, DB_ERROR, DB_ERROR_CONTRACT, "statement \"%s\" returned %d rows, expected one",
                name, PQntuples(res));
    return NULL;
  }
  return g_steal_pointer(&res);
}

gboolean
db_query_int64(PGconn *conn, const char *name, const char *sql, int nparams, const char *const *params,
               gint64 *out, GError **error)
{
  g_autoptr(PGresult) res = db_query_one(conn, name, sql, nparams, params, error);
  if (!res)
    return FALSE;
  const char *v = PQnfields(res) == 1 && !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : NULL;
  char *end = NULL;
  gint64 n = v ? g_ascii_strtoll(v, &end, 10) : 0;
  if (!v || end == v || *end != '\0') {
    g_set_error(error, DB_ERROR, DB_ERROR_CONTRACT, "statement \"%s\" returned %s, expected one integer",
                name, PQnfields(res) != 1 ? "several columns" : v ? v : "NULL");
    return FALSE;
  }
  *out = n;
  return TRUE;
}

static const char sql_temp_table_exists[] = "SELECT (to_regclass('pg_temp.' || quote_ident($1)) IS NOT NULL)::int";

gboolean
db_temp_table(PGconn *conn, const char *table, const char *name, const char *create_sql, GError **error)
{
  gint64 exists = 0;
  const char *params[] = { table };
  if (!db_query_int64(conn, "temp_table_exists", sql_temp_table_exists, 1, params, &exists, error))
    return FALSE;
  if (!exists)
    return db_exec(conn, name, create_sql, 0, NULL, error);
  /* An identifier cannot be a parameter: quoted by libpq. */
  char *quoted = PQescapeIdentifier(conn, table, strlen(table));
  if (!quoted) {
    g_set_error(error, DB_ERROR, DB_ERROR_STATEMENT, "cannot quote table name \"%s\": %s", table,
                PQerrorMessage(conn));
    return FALSE;
  }
  g_autofree char *truncate = g_strdup_printf("TRUNCATE pg_temp.%s", quoted);
  PQfreemem(quoted);
  return db_exec(conn, "temp_table_truncate", truncate, 0, NULL, error);
}

gboolean
db_exec_script(PGconn *conn, const char *name, const char *script, int *error_offset,
               GError **error)
{
  if (error_offset)
    *error_offset = -1;
  fault_statement(name);
  PGresult *res = PQexec(conn, script);
  ExecStatusType st = PQresultStatus(res);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
    PQclear(res);
    return TRUE;
  }
  const char *pos = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
  if (pos && error_offset)
    *error_offset = atoi(pos) - 1;
  set_statement_error(conn, res, name, error);
  PQclear(res);
  return FALSE;
}

gboolean
db_begin(PGconn *conn, GError **error)
{
  return db_exec(conn, "begin", "BEGIN", 0, NULL, error);
}

gboolean
db_begin_isolated(PGconn *conn, DbIsolation isolation, GError **error)
{
  if (isolation == DB_REPEATABLE_READ)
    return db_exec(conn, "begin_repeatable_read", "BEGIN ISOLATION LEVEL REPEATABLE READ", 0, NULL, error);
  return db_begin(conn, error);
}

/* Sent and read apart so that the fault point after-commit-sent can sit between:
 * a client that dies there never learns whether its COMMIT happened. */
gboolean
db_commit(PGconn *conn, GError **error)
{
  fault_statement("commit");
  if (!PQsendQuery(conn, "COMMIT")) {
    set_statement_error(conn, NULL, "commit", error);
    return FALSE;
  }
  fault_reached_in("after-commit-sent");
  PGresult *res = PQgetResult(conn);
  gboolean ok = PQresultStatus(res) == PGRES_COMMAND_OK;
  if (!ok)
    set_statement_error(conn, res, "commit", error);
  /* COMMIT of a transaction that had failed answers ROLLBACK, not an error */
  else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
    g_set_error(error, DB_ERROR, DB_ERROR_CONTRACT, "statement \"commit\" rolled the transaction back (%s)",
                PQcmdStatus(res));
    ok = FALSE;
  }
  PQclear(res);
  while ((res = PQgetResult(conn)))
    PQclear(res);
  if (ok)
    fault_reached_in("after-commit");
  return ok;
}

void
db_rollback(PGconn *conn)
{
  if (PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) == PQTRANS_IDLE)
    return;
  PQclear(PQexec(conn, "ROLLBACK"));
}

struct DbCopy {
  PGconn *conn;
  char *name;
  GString *buf;
  guint ordinal;          /* the process's Nth COPY, for the fault point mid-copy:N */
  gboolean fault_armed;   /* BAITIAO_FAULT acts at that point */
  gboolean sent;          /* some rows reached the server */
};

#define DB_COPY_CHUNK (256 * 1024)

DbCopy *
db_copy_start(PGconn *conn, const char *name, const char *sql, GError **error)
{
  fault_statement(name);
  PGresult *res = PQexec(conn, sql);
  if (PQresultStatus(res) != PGRES_COPY_IN) {
    set_statement_error(conn, res, name, error);
    PQclear(res);
    return NULL;
  }
  PQclear(res);
  DbCopy *copy = g_new0(DbCopy, 1);
  copy->conn = conn;
  copy->name = g_strdup(name);
  copy->buf = g_string_sized_new(DB_COPY_CHUNK + 4096);
  copy->ordinal = fault_next_copy();
  copy->fault_armed = fault_copy_armed(copy->ordinal);
  return copy;
}

void
db_copy_field(DbCopy *copy, const char *value, gboolean last)
{
  if (!value) {
    g_string_append(copy->buf, "\\N");
  } else {
    for (const char *p = value; *p; p++) {
      switch (*p) {
      case '\\': g_string_append(copy->buf, "\\\\"); break;
      case '\t': g_string_append(copy->buf, "\\t"); break;
      case '\n': g_string_append(copy->buf, "\\n"); break;
      case '\r': g_string_append(copy->buf, "\\r"); break;
      default: g_string_append_c(copy->buf, *p);
      }
    }
  }
  g_string_append_c(copy->buf, last ? '\n' : '\t');
}

void
db_copy_field_int(DbCopy *copy, gint64 value, gboolean last)
{
  g_string_append_printf(copy->buf, "%" G_GINT64_FORMAT "%c", value, last ? '\n' : '\t');
}

static void
set_copy_error(DbCopy *copy, GError **error)
{
  g_autofree char *why = g_strchomp(g_strdup(PQerrorMessage(copy->conn)));
  /* PQputCopyData/PQputCopyEnd fail only when libpq cannot write to the server (its
   * errors come later, with a SQLSTATE, from PQgetResult): the server is gone */
  g_set_error(error, DB_ERROR, DB_ERROR_UNREACHABLE,
              "database connection lost during COPY \"%s\": %s\n"
              "hint: nothing of it was committed; retry when the database is back", copy->name, why);
}

/* The fault point mid-copy:N, once per COPY: rows are on the server, the end is not. */
static void
copy_fault_point(DbCopy *copy)
{
  if (copy->sent)
    return;
  copy->sent = TRUE;
  if (copy->fault_armed)
    PQflush(copy->conn);
  fault_copy_reached(copy->ordinal);
}

static gboolean
copy_send(DbCopy *copy, GError **error)
{
  if (copy->buf->len == 0)
    return TRUE;
  if (PQputCopyData(copy->conn, copy->buf->str, (int) copy->buf->len) != 1) {
    set_copy_error(copy, error);
    return FALSE;
  }
  g_string_truncate(copy->buf, 0);
  copy_fault_point(copy);
  return TRUE;
}

/* A fault armed for this COPY sends its first rows at once: the point is meant to be
 * reached with part of the stream on the server, however small the stream. */
gboolean
db_copy_flush_if_full(DbCopy *copy, GError **error)
{
  if (copy->fault_armed && !copy->sent)
    return copy_send(copy, error);
  return copy->buf->len < DB_COPY_CHUNK || copy_send(copy, error);
}

static void
copy_free(DbCopy *copy)
{
  g_string_free(copy->buf, TRUE);
  g_free(copy->name);
  g_free(copy);
}

gboolean
db_copy_finish(DbCopy *copy, gint64 *rows, GError **error)
{
  gboolean ok = copy_send(copy, error);
  if (PQputCopyEnd(copy->conn, ok ? NULL : "client error") != 1 && ok) {
    set_copy_error(copy, error);
    ok = FALSE;
  }
  PGresult *res;
  while ((res = PQgetResult(copy->conn))) {
    if (PQresultStatus(res) != PGRES_COMMAND_OK && ok) {
      set_statement_error(copy->conn, res, copy->name, error);
      ok = FALSE;
    } else if (ok && rows) {
      *rows = g_ascii_strtoll(PQcmdTuples(res), NULL, 10);
    }
    PQclear(res);
  }
  copy_free(copy);
  return ok;
}

void
db_copy_abort(DbCopy *copy)
{
  PQputCopyEnd(copy->conn, "aborted by client");
  PGresult *res;
  while ((res = PQgetResult(copy->conn)))
    PQclear(res);
  copy_free(copy);
}

static const char sql_try_lock[] =
  "SELECT pg_catalog.pg_try_advisory_lock($1::int, $2::int)";
static const char sql_lock_holder[] =
  "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.client_hostname, a.client_addr::text, 'local'),"
  "       coalesce(a.backend_start::text, '')"
  "  FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid"
  " WHERE l.locktype = 'advisory' AND l.classid = $1::int::oid AND l.objid = $2::int::oid"
  "   AND l.granted LIMIT 1";
static const char sql_unlock[] = "SELECT pg_catalog.pg_advisory_unlock($1::int, $2::int)";

static void
set_lock_held_error(PGconn *conn, const char *const *params, const char *what, GError **error)
{
  g_autoptr(PGresult) holder = db_query(conn, "lock_holder", sql_lock_holder, 2, params, NULL);
  if (holder && PQntuples(holder) == 1)
    g_set_error(error, DB_ERROR, DB_ERROR_LOCK_HELD,
                "%s is running: lock held by server pid %s (%s, from %s, connected %s)",
                what, PQgetvalue(holder, 0, 0), PQgetvalue(holder, 0, 1),
                PQgetvalue(holder, 0, 2), PQgetvalue(holder, 0, 3));
  else
    g_set_error(error, DB_ERROR, DB_ERROR_LOCK_HELD, "%s is running (lock held)", what);
}

gboolean
db_lock_or_fail(PGconn *conn, DbLock lock, const char *what, GError **error)
{
  g_autofree char *cls = g_strdup_printf("%d", DB_LOCK_CLASS);
  g_autofree char *obj = g_strdup_printf("%d", (int) lock);
  const char *params[] = { cls, obj };
  g_autoptr(PGresult) res = db_query_one(conn, "try_advisory_lock", sql_try_lock, 2, params, error);
  if (!res)
    return FALSE;
  if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
    return TRUE;
  g_autofree char *another = g_strdup_printf("another %s", what);
  set_lock_held_error(conn, params, another, error);
  return FALSE;
}

/* Taken and given back at once: held by nobody else is all that is asked. */
static const char sql_lock_free[] =
  "SELECT pg_catalog.pg_try_advisory_lock($1::int, $2::int)"
  "       AND pg_catalog.pg_advisory_unlock($1::int, $2::int)";

gboolean
db_lock_free_or_fail(PGconn *conn, DbLock lock, const char *what, GError **error)
{
  g_autofree char *cls = g_strdup_printf("%d", DB_LOCK_CLASS);
  g_autofree char *obj = g_strdup_printf("%d", (int) lock);
  const char *params[] = { cls, obj };
  g_autoptr(PGresult) res = db_query_one(conn, "advisory_lock_free", sql_lock_free, 2, params, error);
  if (!res)
    return FALSE;
  if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
    return TRUE;
  set_lock_held_error(conn, params, what, error);
  return FALSE;
}

static const char sql_xact_lock[] = "SELECT pg_catalog.pg_advisory_xact_lock($1::int, $2::int)";
static const char sql_xact_lock_shared[] = "SELECT pg_catalog.pg_advisory_xact_lock_shared($1::int, $2::int)";

gboolean
db_xact_lock(PGconn *conn, DbLock lock, gboolean shared, GError **error)
{
  g_autofree char *cls = g_strdup_printf("%d", DB_LOCK_CLASS);
  g_autofree char *obj = g_strdup_printf("%d", (int) lock);
  const char *params[] = { cls, obj };
  g_autoptr(PGresult) res = db_query_one(conn, shared ? "advisory_xact_lock_shared" : "advisory_xact_lock",
                                         shared ? sql_xact_lock_shared : sql_xact_lock, 2, params, error);
  return res != NULL;
}

void
db_unlock(PGconn *conn, DbLock lock)
{
  g_autofree char *cls = g_strdup_printf("%d", DB_LOCK_CLASS);
  g_autofree char *obj = g_strdup_printf("%d", (int) lock);
  const char *params[] = { cls, obj };
  PQclear(db_query(conn, "advisory_unlock", sql_unlock, 2, params, NULL));
}

/* PQcancel is async-signal-safe; the PGcancel object is prepared beforehand. */
static PGcancel *volatile cancel_handle;

static void
on_signal(int signo)
{
  char errbuf[256];
  if (cancel_handle)
    PQcancel(cancel_handle, errbuf, sizeof errbuf);
  signal(signo, SIG_DFL);
  raise(signo);
}

void
db_cancel_on_signal(PGconn *conn)
{
  if (cancel_handle)
    PQfreeCancel(cancel_handle);
  cancel_handle = PQgetCancel(conn);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

/* ---- array literals ---------------------------------------------------------------- */

static void
array_append(GString *out, gboolean first, const char *value)
{
  if (!first)
    g_string_append_c(out, ',');
  if (!value) {
    g_string_append(out, "NULL");
    return;
  }
  g_string_append_c(out, '"');
  for (const char *p = value; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_c(out, '\\');
    g_string_append_c(out, *p);
  }
  g_string_append_c(out, '"');
}

char *
db_array_literal(const char *const *values, guint n)
{
  GString *out = g_string_new("{");
  for (guint i = 0; i < n; i++)
    array_append(out, i == 0, values[i]);
  g_string_append_c(out, '}');
  return g_string_free(out, FALSE);
}

char *
db_array_of_column(PGresult *res, int column)
{
  GString *out = g_string_new("{");
  for (int i = 0; i < PQntuples(res); i++)
    array_append(out, i == 0, PQgetisnull(res, i, column) ? NULL : PQgetvalue(res, i, column));
  g_string_append_c(out, '}');
  return g_string_free(out, FALSE);
}
