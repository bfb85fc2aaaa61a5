/* A partner file across a sharded group (shard_load.h). */
#include "shard_load.h"

#include <string.h>
#include <glib/gstdio.h>

#include "csv.h"
#include "db.h"
#include "exitcode.h"
#include "fault.h"
#include "log.h"
#include "shard.h"
#include "stmt.h"

#define SHARD_SQL(what) ("queries/shard/" what)

void
shard_load_result_clear(ShardLoadResult *r)
{
  g_free(r->cut_date);
  if (r->parts)
    g_ptr_array_unref(r->parts);
  memset(r, 0, sizeof *r);
}

gboolean
shard_lock_group_intake(PGconn *coordinator, const char *what, GError **error)
{
  return db_lock_or_fail(coordinator, DB_LOCK_GROUP_INTAKE, what, error);
}

/* ---- routing ----------------------------------------------------------------------- */

/* Which column of a KIND file routes a row, and through which directory. A row's own
 * id (ID_COLUMN) comes first: an id the group accepted before, or one an earlier row of
 * the file carries, sends the row where that one went, so the shard holding the first
 * rejects the repeat (DUPLICATE_ORDER, DUPLICATE_TXN) as one database would — the ids
 * of orders and repayments are unique over the group, not per user. */
typedef struct {
  const char *kind;
  const char *column;       /* its value is the key */
  const char *directory;    /* the statement placing keys already seen */
  gboolean channel_only;    /* a key the directory does not know stays at the coordinator */
  const char *id_column;    /* the row's own id, unique over the group (NULL: none) */
  const char *id_directory; /* the statement placing ids already accepted */
} RouteRule;

static const RouteRule route_rules[] = {
  { "users", "user_id", SHARD_SQL("20_users_placed"), FALSE, NULL, NULL },
  { "orders", "user_id", SHARD_SQL("20_users_placed"), FALSE, "order_id", SHARD_SQL("21_orders_placed") },
  { "repayments", "user_id", SHARD_SQL("20_users_placed"), FALSE, "txn_id", SHARD_SQL("23_txns_placed") },
  { "refunds", "order_id", SHARD_SQL("21_orders_placed"), FALSE, NULL, NULL },
  { "settlement", "channel_txn_id", SHARD_SQL("22_repayments_placed"), TRUE, NULL, NULL },
  /* a coupon lives with its user (the night matches it to the user's orders there); a
   * user unknown to the group goes by the placement, whose shard rejects it UNKNOWN_USER,
   * as an order of that user would be */
  { "coupons", "user_id", SHARD_SQL("20_users_placed"), FALSE, "coupon_id", SHARD_SQL("24_coupons_placed") },
};

static const RouteRule *
route_rule(const char *kind)
{
  for (gsize i = 0; i < G_N_ELEMENTS(route_rules); i++)
    if (strcmp(route_rules[i].kind, kind) == 0)
      return &route_rules[i];
  return NULL;
}

/* The file's records: each one's line and routing key ("" for a record too short to
 * have one: it goes where the empty key goes, and that shard rejects it). */
typedef struct {
  GArray *lines;       /* gint64 */
  GPtrArray *keys;     /* char * */
  GPtrArray *ids;      /* char *: the row's own id (RouteRule.id_column), or NULL */
} FileRows;

static void
file_rows_clear(FileRows *rows)
{
  g_clear_pointer(&rows->lines, g_array_unref);
  g_clear_pointer(&rows->keys, g_ptr_array_unref);
  g_clear_pointer(&rows->ids, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(FileRows, file_rows_clear)

static gboolean
read_rows(const char *path, const char *kind, const RouteRule *rule, FileRows *rows, GError **error)
{
  const char *const *columns = NULL;
  guint n = 0, key_column = 0, id_column = 0;
  if (!intake_kind_columns(kind, &columns, &n))
    return FALSE;
  while (key_column < n && strcmp(columns[key_column], rule->column) != 0)
    key_column++;
  while (rule->id_column && id_column < n && strcmp(columns[id_column], rule->id_column) != 0)
    id_column++;
  g_autoptr(CsvReader) reader = csv_reader_open(path, error);
  if (!reader || !csv_expect_header(reader, columns, error))
    return FALSE;
  rows->lines = g_array_new(FALSE, FALSE, sizeof(gint64));
  rows->keys = g_ptr_array_new_with_free_func(g_free);
  rows->ids = g_ptr_array_new_with_free_func(g_free);
  CsvRecord rec;
  g_autoptr(GError) read_error = NULL;
  while (csv_reader_next(reader, &rec, &read_error)) {
    g_array_append_val(rows->lines, rec.line_no);
    g_ptr_array_add(rows->keys, g_strdup(key_column < rec.n_fields ? rec.fields[key_column] : ""));
    g_ptr_array_add(rows->ids, rule->id_column && id_column < rec.n_fields ? g_strdup(rec.fields[id_column]) : NULL);
  }
  if (read_error) {   /* a broken file is refused whole, before any shard is asked */
    g_propagate_error(error, g_steal_pointer(&read_error));
    return FALSE;
  }
  return TRUE;
}

/* An integer[] literal of LINES. */
static char *
int_array(const GArray *lines)
{
  GString *out = g_string_new("{");
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf(out, "%s%" G_GINT64_FORMAT, i ? "," : "", g_array_index(lines, gint64, i));
  g_string_append_c(out, '}');
  return g_string_free(out, FALSE);
}

/* key → shard name for every key of VALUES (NULLs skipped) the directory SQL knows. */
static GHashTable *
placed_keys(PGconn *coordinator, const char *sql, GPtrArray *values, const char *channel, GError **error)
{
  g_autoptr(GHashTable) distinct = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) keys = g_ptr_array_new();
  for (guint i = 0; i < values->len; i++)
    if (values->pdata[i] && g_hash_table_add(distinct, values->pdata[i]))
      g_ptr_array_add(keys, values->pdata[i]);
  g_autofree char *array = db_array_literal((const char *const *) keys->pdata, keys->len);
  const char *params[] = { array, channel };
  g_autoptr(PGresult) res = stmt_query(coordinator, sql, channel ? 2 : 1, params, error);
  if (!res)
    return NULL;
  GHashTable *placed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  for (int i = 0; i < PQntuples(res); i++)
    g_hash_table_insert(placed, g_strdup(PQgetvalue(res, i, 0)), g_strdup(PQgetvalue(res, i, 1)));
  return placed;
}

/* One target of a load: a shard (its index in config->shards) or, after them, the
 * coordinator itself. */
typedef struct {
  const ConfigShard *shard;   /* NULL: the coordinator */
  GArray *lines;              /* gint64, ascending */
  PGconn *conn;               /* owned for shards; the coordinator's is borrowed */
  gboolean open;              /* a transaction of the load is open on conn */
  IntakeResult result;
  PGresult *accepted;         /* intake_accepted_keys, for the directory */
} Part;

static void
part_clear(Part *p)
{
  if (p->open)
    db_rollback(p->conn);
  if (p->shard && p->conn)
    PQfinish(p->conn);
  if (p->lines)
    g_array_unref(p->lines);
  g_clear_pointer(&p->accepted, PQclear);
  intake_result_clear(&p->result);
  memset(p, 0, sizeof *p);
}

typedef struct {
  Part *parts;
  guint n;   /* config->shards->len + 1 */
} Parts;

static void
parts_clear(Parts *ps)
{
  for (guint i = 0; i < ps->n; i++)
    part_clear(&ps->parts[i]);
  g_clear_pointer(&ps->parts, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Parts, parts_clear)

static guint
shard_index(const Config *config, const char *name)
{
  for (guint i = 0; i < config->shards->len; i++)
    if (strcmp(((const ConfigShard *) g_ptr_array_index(config->shards, i))->name, name) == 0)
      return i;
  return G_MAXUINT;
}

/* Every record to one target: where its id went before (the id directory, or an earlier
 * row of the file), else its key's shard in the directory, else the coordinator for a
 * line no repayment matches, else the placement policy's shard. */
static void
route_rows(const Config *config, const RouteRule *rule, const FileRows *rows, GHashTable *placed,
           GHashTable *placed_ids, Parts *ps)
{
  guint n_shards = config->shards->len;
  for (guint i = 0; i < ps->n; i++) {
    ps->parts[i].shard = i < n_shards ? g_ptr_array_index(config->shards, i) : NULL;
    ps->parts[i].lines = g_array_new(FALSE, FALSE, sizeof(gint64));
  }
  g_autoptr(GHashTable) first = g_hash_table_new(g_str_hash, g_str_equal);   /* id → target + 1 */
  for (guint r = 0; r < rows->keys->len; r++) {
    const char *key = rows->keys->pdata[r], *id = rows->ids->pdata[r];
    const char *id_at = id && placed_ids ? g_hash_table_lookup(placed_ids, id) : NULL;
    guint earlier = id ? GPOINTER_TO_UINT(g_hash_table_lookup(first, id)) : 0;
    const char *at = g_hash_table_lookup(placed, key);
    guint target = id_at ? shard_index(config, id_at)
                   : earlier ? earlier - 1
                   : at ? shard_index(config, at)
                   : rule->channel_only ? n_shards
                                        : shard_index(config, shard_place(config, key)->name);
    g_assert(target < ps->n);   /* shard_check_topology: every member is configured */
    if (id && !earlier)
      g_hash_table_insert(first, (gpointer) id, GUINT_TO_POINTER(target + 1));
    g_array_append_val(ps->parts[target].lines, g_array_index(rows->lines, gint64, r));
  }
}

/* ---- the parts judged, the decision, the commits --------------------------------------- */

static gboolean
connect_parts(PGconn *coordinator, const Config *config, Parts *ps, GError **error)
{
  for (guint i = 0; i < ps->n; i++) {
    Part *p = &ps->parts[i];
    if (!p->shard)
      p->conn = coordinator;
    else if (p->lines->len
             && !(p->conn = shard_connect_member(coordinator, config, p->shard, DB_ROLE_BATCH, "load", error)))
      return FALSE;
  }
  return TRUE;
}

static gboolean
judge_parts(const char *kind, const char *channel, const char *path, Parts *ps, GError **error)
{
  gboolean keys = strcmp(kind, "users") == 0 || strcmp(kind, "orders") == 0 || strcmp(kind, "repayments") == 0
                  || strcmp(kind, "coupons") == 0;
  for (guint i = 0; i < ps->n; i++) {
    Part *p = &ps->parts[i];
    if (!p->lines->len)
      continue;
    g_autoptr(GError) local = NULL;
    if (!intake_load_open(p->conn, kind, channel, path, p->lines, &p->result, &local)) {
      g_propagate_prefixed_error(error, g_steal_pointer(&local), "%s%s: ", p->shard ? "shard " : "",
                                 p->shard ? p->shard->name : "the coordinator");
      return FALSE;
    }
    p->open = TRUE;
    if (keys && p->shard && !p->result.already_loaded
        && !(p->accepted = intake_accepted_keys(p->conn, kind, error)))
      return FALSE;
  }
  return TRUE;
}

static gboolean
place_accepted(PGconn *coordinator, const char *kind, const Part *p, const char *load_id, GError **error)
{
  if (!p->accepted || PQntuples(p->accepted) == 0)
    return TRUE;
  g_autofree char *first = db_array_of_column(p->accepted, 0);
  g_autofree char *second = db_array_of_column(p->accepted, 1);
  if (strcmp(kind, "users") == 0) {
    const char *params[] = { first, p->shard->name, load_id };
    return stmt_exec(coordinator, SHARD_SQL("32_place_users"), 3, params, error);
  }
  const char *params[] = { first, second, p->shard->name, load_id };
  return stmt_exec(coordinator,
                   strcmp(kind, "orders") == 0    ? SHARD_SQL("33_place_orders")
                   : strcmp(kind, "coupons") == 0 ? SHARD_SQL("41_place_coupons")
                                                  : SHARD_SQL("34_place_repayments"),
                   4, params, error);
}

static gboolean
file_digest_and_text(const char *path, char **sha, char **text, GError **error)
{
  gsize len = 0;
  if (!g_file_get_contents(path, text, &len, error))
    return FALSE;
  *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) *text, len);
  return TRUE;
}

/* In the coordinator's transaction (its own part's, or a fresh one): the decision. */
static gboolean
decide(PGconn *coordinator, const char *kind, const char *channel, const char *path, const char *sha,
       const char *text, Parts *ps, gint64 *load_id, GError **error)
{
  Part *own = &ps->parts[ps->n - 1];
  if (!own->open) {
    if (!db_begin(coordinator, error))
      return FALSE;
    own->open = TRUE;
  }
  gboolean shard_rows = FALSE;
  for (guint i = 0; i + 1 < ps->n; i++)
    shard_rows |= ps->parts[i].lines->len > 0 && !ps->parts[i].result.already_loaded;
  g_autofree char *base = g_path_get_basename(path);
  const char *params[] = { kind, channel, base, sha, shard_rows ? text : NULL };
  g_autoptr(PGresult) res = stmt_query_one(coordinator, SHARD_SQL("30_decide"), 5, params, error);
  if (!res)
    return FALSE;
  *load_id = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  for (guint i = 0; i + 1 < ps->n; i++) {
    Part *p = &ps->parts[i];
    if (!p->lines->len || p->result.already_loaded)
      continue;
    g_autofree char *lines = int_array(p->lines);
    g_autofree char *count = g_strdup_printf("%u", p->lines->len);
    const char *part_params[] = { PQgetvalue(res, 0, 0), p->shard->name, count, lines };
    if (!stmt_exec(coordinator, SHARD_SQL("31_part"), 4, part_params, error)
        || !place_accepted(coordinator, kind, p, PQgetvalue(res, 0, 0), error))
      return FALSE;
  }
  fault_reached_in("before-commit");
  if (!db_commit(coordinator, error))
    return FALSE;
  own->open = FALSE;
  return TRUE;
}

static gboolean
mark_committed(PGconn *coordinator, const char *load_id, const char *shard, GError **error)
{
  const char *params[] = { load_id, shard };
  return stmt_exec(coordinator, SHARD_SQL("35_part_committed"), 2, params, error);
}

static gboolean
mark_done(PGconn *coordinator, const char *load_id, GError **error)
{
  const char *params[] = { load_id };
  return stmt_exec(coordinator, SHARD_SQL("36_load_done"), 1, params, error);
}

/* After the decision: each shard commits its part, and the coordinator hears of it. A
 * shard lost now leaves its part to shard_load_recover. */
static gboolean
commit_parts(PGconn *coordinator, Parts *ps, gint64 load_id, GError **error)
{
  g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT, load_id);
  fault_reached("shard-load-decided");
  gboolean first = TRUE;
  for (guint i = 0; i + 1 < ps->n; i++) {
    Part *p = &ps->parts[i];
    if (!p->open)
      continue;
    p->open = FALSE;
    g_autoptr(GError) local = NULL;
    if (!db_commit(p->conn, &local)) {
      g_set_error(error, DB_ERROR, DB_ERROR_UNREACHABLE,
                  "shard %s: its part of the file was decided but its commit failed (%s); the next load or"
                  " eod of the group finishes it", p->shard->name, local->message);
      return FALSE;
    }
    if (first)
      fault_reached("shard-load-partial");
    first = FALSE;
    if (p->result.already_loaded)
      continue;
    if (!mark_committed(coordinator, id, p->shard->name, error))
      return FALSE;
  }
  return mark_done(coordinator, id, error);
}

static void
sum_parts(const Parts *ps, ShardLoadResult *r)
{
  r->parts = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < ps->n; i++) {
    const Part *p = &ps->parts[i];
    if (!p->lines->len)
      continue;
    const IntakeResult *x = &p->result;
    r->rows_read += x->rows_read;
    r->rows_accepted += x->rows_accepted;
    r->rows_rejected += x->rows_rejected;
    r->rows_date_closed += x->rows_date_closed;
    if (x->rows_date_closed && !r->cut_date)
      r->cut_date = g_strdup(x->cut_date);
    const char *name = p->shard ? p->shard->name : "coordinator";
    g_ptr_array_add(r->parts, x->already_loaded
                                  ? g_strdup_printf("%s: already loaded there on %s", name, x->loaded_at)
                                  : g_strdup_printf("%s %" G_GINT64_FORMAT " rows (%" G_GINT64_FORMAT
                                                    " accepted, %" G_GINT64_FORMAT " rejected)",
                                                    name, x->rows_read, x->rows_accepted, x->rows_rejected));
  }
}

static gboolean
known_load(PGconn *coordinator, const char *kind, const char *sha, ShardLoadResult *r, GError **error)
{
  const char *params[] = { kind, sha };
  g_autoptr(PGresult) res = stmt_query(coordinator, SHARD_SQL("37_known_load"), 2, params, error);
  if (!res)
    return FALSE;
  if (PQntuples(res) == 1) {
    r->already_loaded = TRUE;
    r->load_id = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    r->parts = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(r->parts, g_strdup_printf("decided on %s (as %s)", PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2)));
  }
  return TRUE;
}

static gboolean
load_routed(PGconn *coordinator, const Config *config, const char *kind, const char *channel, const char *path,
            ShardLoadResult *r, GError **error)
{
  const RouteRule *rule = route_rule(kind);
  g_autofree char *upper = NULL;
  /* the kind, the channel and a regular file first, before anything is read or stored */
  if (!intake_check_file(kind, channel, path, error))
    return FALSE;
  g_assert(rule);
  if (channel && !(upper = intake_channel(channel, "its channel", error)))
    return FALSE;
  g_autofree char *sha = NULL, *text = NULL;
  g_auto(FileRows) rows = { 0 };
  if (!file_digest_and_text(path, &sha, &text, error) || !known_load(coordinator, kind, sha, r, error))
    return FALSE;
  if (r->already_loaded)
    return TRUE;
  if (!read_rows(path, kind, rule, &rows, error))
    return FALSE;
  g_autoptr(GHashTable) placed = placed_keys(coordinator, rule->directory, rows.keys, upper, error);
  if (!placed)
    return FALSE;
  g_autoptr(GHashTable) placed_ids = NULL;
  if (rule->id_directory && !(placed_ids = placed_keys(coordinator, rule->id_directory, rows.ids, NULL, error)))
    return FALSE;
  g_auto(Parts) ps = { .n = config->shards->len + 1 };
  ps.parts = g_new0(Part, ps.n);
  route_rows(config, rule, &rows, placed, placed_ids, &ps);
  if (!connect_parts(coordinator, config, &ps, error) || !judge_parts(kind, channel, path, &ps, error)
      || !decide(coordinator, kind, channel, path, sha, text, &ps, &r->load_id, error))
    return FALSE;
  sum_parts(&ps, r);
  return commit_parts(coordinator, &ps, r->load_id, error);
}

gboolean
shard_load_file(PGconn *coordinator, const Config *config, const char *kind, const char *channel,
                const char *path, ShardLoadResult *r, GError **error)
{
  if (!shard_check_topology(coordinator, config, error) || !shard_lock_group_intake(coordinator, "a group load", error))
    return FALSE;
  gboolean ok = shard_load_recover(coordinator, config, error)
                && load_routed(coordinator, config, kind, channel, path, r, error);
  db_unlock(coordinator, DB_LOCK_GROUP_INTAKE);
  return ok;
}

/* ---- recovery ------------------------------------------------------------------------------ */

static GArray *
parse_int_array(const char *text)
{
  GArray *lines = g_array_new(FALSE, FALSE, sizeof(gint64));
  g_auto(GStrv) items = g_strsplit_set(text, "{},", -1);
  for (guint i = 0; items[i]; i++)
    if (*items[i]) {
      gint64 line = g_ascii_strtoll(items[i], NULL, 10);
      g_array_append_val(lines, line);
    }
  return lines;
}

/* The stored text of load LOAD_ID as a file named NAME in a fresh temporary folder:
 * the shard registers it under the same name and sha256 as the first time. */
static char *
write_stored_file(PGconn *coordinator, const char *load_id, const char *name, GError **error)
{
  const char *params[] = { load_id };
  g_autoptr(PGresult) res = stmt_query_one(coordinator, SHARD_SQL("39_load_content"), 1, params, error);
  if (!res)
    return NULL;
  g_autofree char *dir = g_dir_make_tmp("baitiao-load-XXXXXX", error);
  if (!dir)
    return NULL;
  char *path = g_build_filename(dir, name, NULL);
  if (!g_file_set_contents(path, PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0), error)) {
    g_rmdir(dir);
    g_free(path);
    return NULL;
  }
  return path;
}

static void
remove_stored_file(char *path)
{
  g_autofree char *dir = g_path_get_dirname(path);
  g_unlink(path);
  g_rmdir(dir);
  g_free(path);
}

/* One shard's part of a decided load, unless the shard has the file already. */
static gboolean
finish_part(PGconn *coordinator, const Config *config, PGresult *todo, int row, GError **error)
{
  const char *load_id = PQgetvalue(todo, row, 0), *kind = PQgetvalue(todo, row, 1);
  const char *channel = PQgetisnull(todo, row, 2) ? NULL : PQgetvalue(todo, row, 2);
  const char *name = PQgetvalue(todo, row, 3), *shard_name = PQgetvalue(todo, row, 4);
  const ConfigShard *shard = config_find_shard(config, shard_name);
  if (!shard) {   /* shard_check_topology ran first: a member is always configured */
    g_set_error(error, SHARD_ERROR, BT_EXIT_USAGE, "group load %s has a part on shard %s, which %s does not name",
                load_id, shard_name, config->path);
    return FALSE;
  }
  g_autoptr(PGconn) conn = shard_connect_member(coordinator, config, shard, DB_ROLE_BATCH, "load", error);
  if (!conn)
    return FALSE;
  char *path = write_stored_file(coordinator, load_id, name, error);
  if (!path)
    return FALSE;
  g_autoptr(GArray) lines = parse_int_array(PQgetvalue(todo, row, 5));
  g_auto(IntakeResult) result = { 0 };
  gboolean ok = intake_load_open(conn, kind, channel, path, lines, &result, error);
  remove_stored_file(path);
  if (!ok || !db_commit(conn, error))
    return FALSE;
  log_info("shard %s: finished group load %s (%s): %s", shard_name, load_id, name,
           result.already_loaded ? "it was committed there before" : "its lines loaded from the stored file");
  return mark_committed(coordinator, load_id, shard_name, error);
}

gboolean
shard_load_recover(PGconn *coordinator, const Config *config, GError **error)
{
  g_autoptr(PGresult) todo = stmt_query(coordinator, SHARD_SQL("38_unfinished"), 0, NULL, error);
  if (!todo)
    return FALSE;
  for (int i = 0; i < PQntuples(todo); i++)
    if (!finish_part(coordinator, config, todo, i, error))
      return FALSE;
  g_autoptr(PGresult) loads = stmt_query(coordinator, SHARD_SQL("40_committed_loads"), 0, NULL, error);
  if (!loads)
    return FALSE;
  for (int i = 0; i < PQntuples(loads); i++)
    if (!mark_done(coordinator, PQgetvalue(loads, i, 0), error))
      return FALSE;
  return TRUE;
}

/* ---- the spool's loader ---------------------------------------------------------------- */

gboolean
shard_spool_load(PGconn *coordinator, gpointer data, const char *kind, const char *channel, const char *path,
                 IntakeResult *result, GError **error)
{
  g_auto(ShardLoadResult) r = { 0 };
  if (!shard_load_file(coordinator, data, kind, channel, path, &r, error))
    return FALSE;
  result->group_load_id = r.load_id;
  result->already_loaded = r.already_loaded;
  result->rows_read = r.rows_read;
  result->rows_accepted = r.rows_accepted;
  result->rows_rejected = r.rows_rejected;
  result->rows_date_closed = r.rows_date_closed;
  result->cut_date = g_steal_pointer(&r.cut_date);
  if (r.already_loaded)
    result->loaded_at = g_strdup_printf("group load %" G_GINT64_FORMAT ", %s", r.load_id,
                                        (const char *) r.parts->pdata[0]);
  return TRUE;
}
