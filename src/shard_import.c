/* A sharded group's cut-over import (shard_import.h). */
#include "shard_import.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "exitcode.h"
#include "log.h"
#include "shard.h"
#include "shard_load.h"
#include "stmt.h"

#define SQL(what) ("queries/shard_import/" what)
#define SHARD_SQL(what) ("queries/shard/" what)

void
shard_import_result_clear(ShardImportResult *r)
{
  if (r->parts)
    g_ptr_array_unref(r->parts);
  if (r->refusals)
    g_ptr_array_unref(r->refusals);
  memset(r, 0, sizeof *r);
}

/* ---- the parts ------------------------------------------------------------------- */

/* A record of a part file: the physical line it starts on there, and in the original. */
typedef struct {
  gint64 part_line, line;
} LineMap;

typedef struct {
  const ConfigShard *shard;
  char *dir;                              /* the part set, in the work folder */
  FILE *out[IMPORT_N_FILES];              /* while splitting */
  gint64 next_line[IMPORT_N_FILES];       /* the physical line the next record starts on */
  GArray *lines[IMPORT_N_FILES];          /* LineMap, ascending */
  ImportControl counted[IMPORT_N_FILES];  /* its rows by the control rule */
  char *sha256;                           /* of its manifest.csv */
  gboolean decided;                       /* in the group's decision (a rerun: only those) */
  gboolean committed;                     /* imported_at set at the coordinator */
  PGconn *conn;
  gboolean open;                          /* import_book_open's transaction is open */
  gboolean mark;                          /* the shard has it, the coordinator not yet */
  ImportSummary summary;
  GPtrArray *refusals;
} Part;

typedef struct {
  const Config *config;
  const char *dir;                        /* the original set */
  char *work;                             /* the work folder */
  Part *parts;                            /* one per configured shard, in name order */
  guint n;
  GHashTable *placed;                     /* user id → shard name, from the directory */
  GHashTable *user_part;                  /* user id → Part *, users.csv's users */
  GHashTable *order_part;                 /* order id → Part *, loans.csv's loans */
} Split;

static void
remove_part_files(Part *p)
{
  if (!p->dir)
    return;
  for (int f = 0; f < IMPORT_N_FILES; f++) {
    g_autofree char *path = g_build_filename(p->dir, import_file_name(f), NULL);
    g_unlink(path);
  }
  g_autofree char *manifest = g_build_filename(p->dir, IMPORT_MANIFEST, NULL);
  g_unlink(manifest);
  g_rmdir(p->dir);
}

static void
split_clear(Split *s)
{
  for (guint i = 0; s->parts && i < s->n; i++) {
    Part *p = &s->parts[i];
    for (int f = 0; f < IMPORT_N_FILES; f++) {
      if (p->out[f])
        fclose(p->out[f]);
      if (p->lines[f])
        g_array_unref(p->lines[f]);
    }
    if (p->open)
      import_book_abandon(p->conn);
    if (p->conn)
      PQfinish(p->conn);
    remove_part_files(p);
    g_free(p->dir);
    g_free(p->sha256);
    if (p->refusals)
      g_ptr_array_unref(p->refusals);
  }
  g_free(s->parts);
  if (s->work)
    g_rmdir(s->work);
  g_free(s->work);
  g_clear_pointer(&s->placed, g_hash_table_unref);
  g_clear_pointer(&s->user_part, g_hash_table_unref);
  g_clear_pointer(&s->order_part, g_hash_table_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Split, split_clear)

static Part *
part_named(Split *s, const char *name)
{
  for (guint i = 0; i < s->n; i++)
    if (strcmp(s->parts[i].shard->name, name) == 0)
      return &s->parts[i];
  return NULL;
}

/* A user's part: where the directory placed them, else the placement policy's. */
static Part *
route_user(Split *s, const char *user_id)
{
  const char *at = g_hash_table_lookup(s->placed, user_id);
  Part *p = part_named(s, at ? at : shard_place(s->config, user_id)->name);
  g_assert(p);   /* shard_check_topology: every member is configured */
  return p;
}

static gboolean
write_failed(const Part *p, int file, GError **error)
{
  int e = errno;
  g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot write the part set of shard %s (%s/%s): %s",
              p->shard->name, p->dir, import_file_name(file), g_strerror(e));
  return FALSE;
}

/* One CSV field as RFC 4180 has it: quoted when it holds a quote, comma or line end. */
static void
append_field(GString *row, const char *f, gint64 *newlines)
{
  if (!strpbrk(f, "\",\r\n")) {
    g_string_append(row, f);
    return;
  }
  g_string_append_c(row, '"');
  for (const char *c = f; *c; c++) {
    if (*c == '"')
      g_string_append_c(row, '"');
    if (*c == '\n')
      (*newlines)++;
    g_string_append_c(row, *c);
  }
  g_string_append_c(row, '"');
}

/* REC's columns (those the import reads) as the next record of P's FILE. */
static gboolean
write_record(Part *p, int file, const CsvRecord *rec, GError **error)
{
  guint n = g_strv_length((char **) import_file_header(file));
  g_autoptr(GString) row = g_string_new(NULL);
  gint64 newlines = 0;
  for (guint k = 0; k < n; k++) {
    if (k)
      g_string_append_c(row, ',');
    append_field(row, rec->fields[k], &newlines);
  }
  g_string_append_c(row, '\n');
  if (fwrite(row->str, 1, row->len, p->out[file]) != row->len)
    return write_failed(p, file, error);
  LineMap m = { p->next_line[file], rec->line_no };
  g_array_append_val(p->lines[file], m);
  p->next_line[file] += 1 + newlines;
  import_control_add(&p->counted[file], file, rec);
  return TRUE;
}

static gboolean
open_part_files(Part *p, GError **error)
{
  for (int f = 0; f < IMPORT_N_FILES; f++) {
    g_autofree char *path = g_build_filename(p->dir, import_file_name(f), NULL);
    if (!(p->out[f] = g_fopen(path, "w")))
      return write_failed(p, f, error);
    g_autofree char *header = g_strjoinv(",", (char **) import_file_header(f));
    if (fprintf(p->out[f], "%s\n", header) < 0)
      return write_failed(p, f, error);
    p->lines[f] = g_array_new(FALSE, FALSE, sizeof(LineMap));
    p->next_line[f] = 2;
  }
  return TRUE;
}

static gboolean
close_part_files(Part *p, const char *cutover, GError **error)
{
  for (int f = 0; f < IMPORT_N_FILES; f++) {
    int rc = fclose(p->out[f]);
    p->out[f] = NULL;
    if (rc != 0)
      return write_failed(p, f, error);
  }
  g_autofree char *text = import_manifest_text(cutover, p->counted);
  g_autofree char *path = g_build_filename(p->dir, IMPORT_MANIFEST, NULL);
  p->sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) text, strlen(text));
  return g_file_set_contents(path, text, -1, error);
}

/* ---- reading the original set into the parts ---------------------------------------- */

static gboolean
collect_user(const CsvRecord *rec, gpointer data, GError **error G_GNUC_UNUSED)
{
  g_ptr_array_add(data, g_strdup(rec->fields[0]));
  return TRUE;
}

/* A text[] literal of the strings of KEYS (each quoted, '"' and '\' escaped). */
static char *
text_array(GPtrArray *keys, guint from, guint to)
{
  GString *out = g_string_new("{");
  for (guint i = from; i < to; i++) {
    g_string_append(out, i > from ? ",\"" : "\"");
    for (const char *c = keys->pdata[i]; *c; c++) {
      if (*c == '"' || *c == '\\')
        g_string_append_c(out, '\\');
      g_string_append_c(out, *c);
    }
    g_string_append_c(out, '"');
  }
  g_string_append_c(out, '}');
  return g_string_free(out, FALSE);
}

#define DIRECTORY_BATCH 50000

/* users.csv read once for its control line and its ids; the directory's shard of each
 * (a rerun after the decision: every user the shards accepted then). */
static gboolean
read_users(PGconn *coordinator, Split *s, const ImportManifest *m, GError **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
  ImportControl counted = { 0 };
  if (!import_scan_file(s->dir, IMPORT_FILE_USERS, collect_user, ids, &counted, error)
      || !import_check_control(m, IMPORT_FILE_USERS, &counted, error))
    return FALSE;
  s->placed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  for (guint from = 0; from < ids->len; from += DIRECTORY_BATCH) {
    g_autofree char *array = text_array(ids, from, MIN(ids->len, from + DIRECTORY_BATCH));
    const char *params[] = { array };
    g_autoptr(PGresult) res = stmt_query(coordinator, SHARD_SQL("20_users_placed"), 1, params, error);
    if (!res)
      return FALSE;
    for (int i = 0; i < PQntuples(res); i++)
      g_hash_table_insert(s->placed, g_strdup(PQgetvalue(res, i, 0)), g_strdup(PQgetvalue(res, i, 1)));
  }
  return TRUE;
}

static gboolean
split_user(const CsvRecord *rec, gpointer data, GError **error)
{
  Split *s = data;
  Part *p = route_user(s, rec->fields[0]);
  if (!g_hash_table_contains(s->user_part, rec->fields[0]))   /* twice: its shard's import refuses it */
    g_hash_table_insert(s->user_part, g_strdup(rec->fields[0]), p);
  return write_record(p, IMPORT_FILE_USERS, rec, error);
}

/* A user's part for a row that names them: users.csv's, else (a user not in it, whose
 * rows the shard refuses as one database does) the routing of the id. */
static Part *
part_of_user(Split *s, const char *user_id)
{
  Part *p = g_hash_table_lookup(s->user_part, user_id);
  return p ? p : route_user(s, user_id);
}

/* The one tie between files the shards cannot judge each alone: an order id given
 * twice, to two users who may live on two shards (the message is the import's). */
static gboolean
split_loan(const CsvRecord *rec, gpointer data, GError **error)
{
  Split *s = data;
  const char *order = rec->fields[0];
  if (*order && g_hash_table_contains(s->order_part, order)) {
    g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_FILE, "%s:%" G_GINT64_FORMAT ":order_id: listed twice",
                IMPORT_LOANS, rec->line_no);
    return FALSE;
  }
  Part *p = part_of_user(s, rec->fields[1]);
  g_hash_table_insert(s->order_part, g_strdup(order), p);
  return write_record(p, IMPORT_FILE_LOANS, rec, error);
}

static gboolean
split_installment(const CsvRecord *rec, gpointer data, GError **error)
{
  Split *s = data;
  Part *p = g_hash_table_lookup(s->order_part, rec->fields[0]);
  if (!p) {   /* no shard to send it to: the import's own refusal of the whole set */
    g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_FILE, "%s:%" G_GINT64_FORMAT ":order_id: %s is not in %s",
                IMPORT_INSTALLMENTS, rec->line_no, rec->fields[0], IMPORT_LOANS);
    return FALSE;
  }
  return write_record(p, IMPORT_FILE_INSTALLMENTS, rec, error);
}

static gboolean
split_credit(const CsvRecord *rec, gpointer data, GError **error)
{
  Split *s = data;
  return write_record(part_of_user(s, rec->fields[0]), IMPORT_FILE_CREDIT, rec, error);
}

/* The original set checked as a whole (each file against its control line, in the
 * import's order) and written out as the parts. */
static gboolean
split_set(PGconn *coordinator, Split *s, const ImportManifest *m, GError **error)
{
  if (!read_users(coordinator, s, m, error))
    return FALSE;
  if (!(s->work = g_dir_make_tmp("baitiao-import-XXXXXX", error)))
    return FALSE;
  for (guint i = 0; i < s->n; i++) {
    Part *p = &s->parts[i];
    p->dir = g_build_filename(s->work, p->shard->name, NULL);
    if (g_mkdir(p->dir, 0700) != 0) {
      int e = errno;
      g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot make %s: %s", p->dir, g_strerror(e));
      g_clear_pointer(&p->dir, g_free);
      return FALSE;
    }
    if (!open_part_files(p, error))
      return FALSE;
  }
  const ImportRowFn split_fns[IMPORT_N_FILES] = { split_user, split_loan, split_installment, split_credit };
  for (int f = 0; f < IMPORT_N_FILES; f++) {
    ImportControl counted = { 0 };
    if (!import_scan_file(s->dir, f, split_fns[f], s, &counted, error)
        || !import_check_control(m, f, &counted, error))
      return FALSE;
  }
  for (guint i = 0; i < s->n; i++)
    if (!close_part_files(&s->parts[i], m->cutover, error))
      return FALSE;
  return TRUE;
}

/* ---- the original set's lines ------------------------------------------------------ */

static gint64
original_line(const Part *p, int file, gint64 part_line)
{
  const GArray *lines = p->lines[file];
  guint lo = 0, hi = lines->len;
  while (lo < hi) {   /* the last record starting on or before PART_LINE */
    guint mid = lo + (hi - lo) / 2;
    if (g_array_index(lines, LineMap, mid).part_line <= part_line)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == 0)
    return part_line;   /* the header */
  const LineMap *m = &g_array_index(lines, LineMap, lo - 1);
  return m->line + (part_line - m->part_line);
}

/* TEXT as it would read of the original set: "FILE:LINE…" (also after the part's
 * folder) with the original file's line and folder. */
static char *
translate(const Split *s, const Part *p, const char *text)
{
  const char *at = text;
  gboolean in_dir = g_str_has_prefix(at, p->dir) && at[strlen(p->dir)] == '/';
  if (in_dir)
    at += strlen(p->dir) + 1;
  for (int f = 0; f < IMPORT_N_FILES; f++) {
    const char *name = import_file_name(f);
    gsize len = strlen(name);
    if (strncmp(at, name, len) != 0 || at[len] != ':' || !g_ascii_isdigit(at[len + 1]))
      continue;
    char *end = NULL;
    gint64 line = g_ascii_strtoll(at + len + 1, &end, 10);
    return g_strdup_printf("%s%s%s:%" G_GINT64_FORMAT "%s", in_dir ? s->dir : "", in_dir ? "/" : "", name,
                           original_line(p, f, line), end);
  }
  return in_dir ? g_strdup_printf("%s/%s", s->dir, at) : g_strdup(text);
}

/* A shard's error, its lines the original set's, named "shard NAME: ". */
static void
shard_failed(const Split *s, const Part *p, GError *local, GError **error)
{
  g_autofree char *text = translate(s, p, local->message);
  g_set_error(error, local->domain, local->code, "shard %s: %s", p->shard->name, text);
  g_error_free(local);
}

/* ---- the group's state, the shards' imports, the decision ---------------------------------- */

typedef struct {
  gint64 closed_dates;
  gint64 load_id;          /* 0: not decided */
  gboolean done;
  char *other_cutover;     /* another set's group import, or NULL */
} GroupState;

static void
group_state_clear(GroupState *st)
{
  g_clear_pointer(&st->other_cutover, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GroupState, group_state_clear)

static gboolean
group_state(PGconn *coordinator, const ImportManifest *m, GroupState *st, GError **error)
{
  const char *params[] = { m->sha256 };
  g_autoptr(PGresult) res = stmt_query_one(coordinator, SQL("10_state"), 1, params, error);
  if (!res)
    return FALSE;
  st->closed_dates = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  st->load_id = PQgetisnull(res, 0, 1) ? 0 : g_ascii_strtoll(PQgetvalue(res, 0, 1), NULL, 10);
  st->done = !PQgetisnull(res, 0, 2) && strcmp(PQgetvalue(res, 0, 2), "t") == 0;
  st->other_cutover = PQgetisnull(res, 0, 3) ? NULL : g_strdup(PQgetvalue(res, 0, 3));
  return TRUE;
}

/* A cut-over onto a group that has run: refused before any file is split. */
static gboolean
group_may_import(const GroupState *st, GError **error)
{
  if (st->load_id)
    return TRUE;   /* decided: a rerun finishes it */
  if (st->other_cutover) {
    g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_HAS_DATES,
                "the group already has the opening book of cut-over %s (another manifest.csv): a group is cut"
                " over once; nothing was stored", st->other_cutover);
    return FALSE;
  }
  if (st->closed_dates > 0) {
    g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_HAS_DATES,
                "the group already closed %" G_GINT64_FORMAT " business date(s): a portfolio import books an"
                " opening book, before any night; nothing was stored", st->closed_dates);
    return FALSE;
  }
  return TRUE;
}

/* A rerun after the decision: the shards in it, and those that committed. */
static gboolean
decided_parts(PGconn *coordinator, Split *s, gint64 load_id, GError **error)
{
  g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT, load_id);
  const char *params[] = { id };
  g_autoptr(PGresult) res = stmt_query(coordinator, SQL("11_parts"), 1, params, error);
  if (!res)
    return FALSE;
  for (int i = 0; i < PQntuples(res); i++) {
    Part *p = part_named(s, PQgetvalue(res, i, 0));
    if (!p)
      continue;   /* shard_check_topology: cannot happen */
    p->decided = TRUE;
    p->committed = strcmp(PQgetvalue(res, i, 2), "t") == 0;
    if (!p->committed && strcmp(PQgetvalue(res, i, 1), p->sha256) != 0)
      log_warning("shard %s: its part differs from the one decided (users the shards refused then are placed"
                  " again); its import judges it as it is", p->shard->name);
  }
  return TRUE;
}

/* Every shard that has its part to import books it in a transaction left open. */
static gboolean
open_imports(PGconn *coordinator, Split *s, gboolean rerun, GError **error)
{
  for (guint i = 0; i < s->n; i++) {
    Part *p = &s->parts[i];
    if (rerun && (!p->decided || p->committed))
      continue;
    if (!(p->conn = shard_connect_member(coordinator, s->config, p->shard, DB_ROLE_BATCH, "import", error)))
      return FALSE;
    GError *local = NULL;
    if (!import_book_open(p->conn, s->config, p->dir, &p->summary, &p->refusals, &local)) {
      shard_failed(s, p, local, error);
      return FALSE;
    }
    p->open = !p->summary.already_done;
    p->mark = TRUE;
    log_debug("shard %s: part booked, %" G_GINT64_FORMAT " users, %" G_GINT64_FORMAT " loans%s", p->shard->name,
              p->summary.users, p->summary.loans, p->open ? ", not yet committed" : " (imported before)");
  }
  return TRUE;
}

/* The first column of every row of RES (and the second into *SECOND), for text[]. */
static char *
column_array(PGresult *res, int col)
{
  g_autoptr(GPtrArray) values = g_ptr_array_new();
  for (int i = 0; i < PQntuples(res); i++)
    g_ptr_array_add(values, PQgetvalue(res, i, col));
  return text_array(values, 0, values->len);
}

/* The directory rows of P's users and loans, as its open import holds them. */
static gboolean
place_part(PGconn *coordinator, const Part *p, const char *load_id, GError **error)
{
  g_autoptr(PGresult) users = stmt_query(p->conn, SQL("20_shard_users"), 0, NULL, error);
  g_autoptr(PGresult) loans = users ? stmt_query(p->conn, SQL("21_shard_loans"), 0, NULL, error) : NULL;
  if (!loans)
    return FALSE;
  g_autofree char *user_ids = column_array(users, 0);
  g_autofree char *order_ids = column_array(loans, 0);
  g_autofree char *order_users = column_array(loans, 1);
  const char *up[] = { user_ids, p->shard->name, load_id };
  const char *op[] = { order_ids, order_users, p->shard->name, load_id };
  return stmt_exec(coordinator, SHARD_SQL("32_place_users"), 3, up, error)
         && stmt_exec(coordinator, SHARD_SQL("33_place_orders"), 4, op, error);
}

static gboolean
record_part(PGconn *coordinator, const Part *p, const char *load_id, GError **error)
{
  char n[IMPORT_N_FILES][24];
  for (int f = 0; f < IMPORT_N_FILES; f++)
    g_snprintf(n[f], sizeof n[f], "%" G_GINT64_FORMAT, p->counted[f].rows);
  const char *params[] = { load_id, p->shard->name, p->sha256, n[0], n[1], n[2], n[3] };
  return stmt_exec(coordinator, SQL("32_decide_part"), 7, params, error);
}

/* The group's decision, in one coordinator transaction: the import, each shard's part,
 * the directory. */
static gboolean
decide(PGconn *coordinator, Split *s, const ImportManifest *m, gint64 *load_id, GError **error)
{
  g_autofree char *path = g_build_filename(s->dir, IMPORT_MANIFEST, NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, error) || !db_begin(coordinator, error))
    return FALSE;
  const char *lp[] = { m->sha256, text };
  g_autoptr(PGresult) res = stmt_query_one(coordinator, SQL("30_decide_load"), 2, lp, error);
  gboolean ok = res != NULL;
  const char *id = ok ? PQgetvalue(res, 0, 0) : NULL;
  if (ok) {
    const char *ip[] = { id, m->sha256, m->cutover };
    ok = stmt_exec(coordinator, SQL("31_decide_import"), 3, ip, error);
  }
  for (guint i = 0; ok && i < s->n; i++) {
    Part *p = &s->parts[i];
    p->decided = TRUE;
    ok = record_part(coordinator, p, id, error) && place_part(coordinator, p, id, error);
  }
  if (!ok || !db_commit(coordinator, error)) {
    db_rollback(coordinator);
    return FALSE;
  }
  *load_id = g_ascii_strtoll(id, NULL, 10);
  log_debug("group import %s decided: the shards commit their parts", id);
  return TRUE;
}

/* After the decision: each shard commits, and the coordinator hears of it. A shard lost
 * now is finished by the rerun. */
static gboolean
commit_parts(PGconn *coordinator, Split *s, gint64 load_id, GError **error)
{
  g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT, load_id);
  for (guint i = 0; i < s->n; i++) {
    Part *p = &s->parts[i];
    if (p->open) {
      p->open = FALSE;
      g_autoptr(GError) local = NULL;
      if (!import_book_commit(p->conn, &local)) {
        g_set_error(error, DB_ERROR, DB_ERROR_UNREACHABLE,
                    "shard %s: its part of the opening book was decided but its commit failed (%s); run the same"
                    " import again: it imports only on the shards that lack it", p->shard->name, local->message);
        return FALSE;
      }
    }
    if (!p->mark)
      continue;
    const char *params[] = { id, p->shard->name };
    if (!stmt_exec(coordinator, SQL("40_part_imported"), 2, params, error))
      return FALSE;
    p->committed = TRUE;
  }
  return TRUE;
}

/* Every shard has it: the import is done and its cut-over date the group's. */
static gboolean
finish(PGconn *coordinator, const Config *config, gint64 load_id, const char *cutover, GError **error)
{
  g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT, load_id);
  g_autofree char *shards = g_strdup_printf("%u", config->shards->len);
  const char *ip[] = { id };
  const char *cp[] = { cutover, shards };
  if (!db_begin(coordinator, error))
    return FALSE;
  if (!stmt_exec(coordinator, SQL("41_import_done"), 1, ip, error)
      || !stmt_exec(coordinator, SHARD_SQL("52_group_close"), 2, cp, error)
      || !stmt_exec(coordinator, SQL("42_load_done"), 1, ip, error) || !db_commit(coordinator, error)) {
    db_rollback(coordinator);
    return FALSE;
  }
  log_info("%s is closed for the group: every one of its %s shards imported the opening book", cutover, shards);
  return TRUE;
}

static void
sum_parts(const Split *s, ShardImportResult *r)
{
  r->parts = g_ptr_array_new_with_free_func(g_free);
  r->refusals = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < s->n; i++) {
    const Part *p = &s->parts[i];
    const ImportSummary *x = &p->summary;
    if (!p->mark) {
      g_ptr_array_add(r->parts, g_strdup_printf("%s: imported before", p->shard->name));
      continue;
    }
    r->total.users += x->users;
    r->total.loans += x->loans;
    r->total.installments += x->installments;
    r->total.users_refused += x->users_refused;
    r->total.loans_refused += x->loans_refused;
    r->total.principal_fen += x->principal_fen;
    r->total.fee_fen += x->fee_fen;
    r->total.penalty_fen += x->penalty_fen;
    r->total.credit_fen += x->credit_fen;
    g_ptr_array_add(r->parts, x->already_done
                                  ? g_strdup_printf("%s: had imported its part before", p->shard->name)
                                  : g_strdup_printf("%s: import %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT " users, %"
                                                    G_GINT64_FORMAT " loans, %" G_GINT64_FORMAT " installments",
                                                    p->shard->name, x->import_id, x->users, x->loans,
                                                    x->installments));
    for (guint k = 0; p->refusals && k < p->refusals->len; k++)
      g_ptr_array_add(r->refusals, translate(s, p, p->refusals->pdata[k]));
  }
}

static gboolean
import_under_locks(PGconn *coordinator, const Config *config, const char *dir, ShardImportResult *r,
                   GError **error)
{
  g_auto(ImportManifest) m = { 0 };
  g_auto(GroupState) st = { 0 };
  if (!import_read_manifest(dir, &m, error) || !group_state(coordinator, &m, &st, error))
    return FALSE;
  g_strlcpy(r->cutover, m.cutover, sizeof r->cutover);
  r->load_id = st.load_id;
  if (st.done) {
    r->already_done = TRUE;
    return TRUE;
  }
  if (!group_may_import(&st, error))
    return FALSE;
  g_auto(Split) s = { .config = config, .dir = dir, .n = config->shards->len };
  s.parts = g_new0(Part, s.n);
  for (guint i = 0; i < s.n; i++)
    s.parts[i].shard = g_ptr_array_index(config->shards, i);
  s.user_part = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  s.order_part = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  gboolean rerun = st.load_id != 0;
  if (!split_set(coordinator, &s, &m, error) || (rerun && !decided_parts(coordinator, &s, st.load_id, error))
      || !open_imports(coordinator, &s, rerun, error)
      || (!rerun && !decide(coordinator, &s, &m, &r->load_id, error))
      || !commit_parts(coordinator, &s, r->load_id, error))
    return FALSE;
  sum_parts(&s, r);
  return finish(coordinator, config, r->load_id, m.cutover, error);
}

gboolean
shard_import_book(PGconn *coordinator, const Config *config, const char *dir, ShardImportResult *r, GError **error)
{
  memset(r, 0, sizeof *r);
  if (!shard_check_topology(coordinator, config, error)
      || !db_lock_or_fail(coordinator, DB_LOCK_NIGHT, "the group's import", error))
    return FALSE;
  gboolean ok = shard_lock_group_intake(coordinator, "the group's import", error);
  if (ok) {
    ok = import_under_locks(coordinator, config, dir, r, error);
    db_unlock(coordinator, DB_LOCK_GROUP_INTAKE);
  }
  db_unlock(coordinator, DB_LOCK_NIGHT);
  return ok;
}

gboolean
shard_import_check_finished(PGconn *coordinator, GError **error)
{
  g_autoptr(PGresult) res = stmt_query(coordinator, SQL("12_unfinished"), 0, NULL, error);
  if (!res)
    return FALSE;
  if (PQntuples(res) == 0)
    return TRUE;
  g_set_error(error, SHARD_ERROR, BT_EXIT_FAILURE,
              "the group's opening book of cut-over %s (group import %s) is not imported on shard(s) %s yet:"
              " run the same \"baitiao import book DIR\" again first", PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 0),
              PQgetvalue(res, 0, 2));
  return FALSE;
}
