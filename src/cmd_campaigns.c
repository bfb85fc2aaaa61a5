/* baitiao campaigns check|load|segments FILE — the campaign catalogue and the user
 * segments its campaigns name (issue 18). */
#include <stdio.h>
#include <string.h>

#include "campaign.h"
#include "commands.h"
#include "csv.h"
#include "db.h"
#include "log.h"
#include "money.h"
#include "shard.h"
#include "stmt.h"
#include "date.h"

#define SEGMENT_USER_MAX 64

/* ---- check ---- */

static char *
kind_value(const Campaign *c)
{
  switch (c->kind) {
  case CAMPAIGN_FREE_PERIODS:
    return g_strdup_printf("%d free", c->free_periods);
  case CAMPAIGN_RATE:
    return g_strdup_printf("%" G_GINT64_FORMAT " ppm", c->rate_ppm);
  case CAMPAIGN_PERCENT:
    return g_strdup_printf("%" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT " %% off", c->percent_ppm / 10000,
                           c->percent_ppm / 100 % 100);
  case CAMPAIGN_AMOUNT_OFF: {
    g_autofree char *off = money_format_fen(c->amount_off_fen);
    return g_strdup_printf("%s off", off);
  }
  case CAMPAIGN_WAIVE_ALL:
  default:
    return g_strdup("all fees");
  }
}

static void
print_campaigns(const CampaignSet *set)
{
  printf("%-16s %-12s %-14s %-8s %-21s %14s %-22s %8s\n", "campaign", "kind", "value", "funder", "window",
         "budget", "group/mode", "priority");
  for (guint i = 0; i < set->campaigns->len; i++) {
    const Campaign *c = set->campaigns->pdata[i];
    g_autofree char *value = kind_value(c);
    g_autofree char *budget = money_format_fen(c->budget_fen);
    g_autofree char *group = g_strdup_printf("%s/%s", c->stack_group, campaign_stack_mode_to_string(c->stack_mode));
    char from[DATE_TEXT_SIZE], to[DATE_TEXT_SIZE];
    date_format(&c->order_from, from);
    date_format(&c->order_to, to);
    printf("%-16s %-12s %-14s %-8s %s..%s %14s %-22s %8d\n", c->id, campaign_kind_to_string(c->kind), value,
           campaign_funder_to_string(c->funder), from, to, budget, group, c->priority);
  }
  g_autofree char *cap = set->max_order_discount_fen ? money_format_fen(set->max_order_discount_fen) : NULL;
  printf("%u campaigns; policy: max_order_discount %s\n", set->campaigns->len, cap ? cap : "none");
}

/* ---- a sharded group ---- */

/* The shards' budget shares, in the configuration's (name) order: their weights when
 * users are placed by weight, else 1 each (placement=hash spreads users evenly). */
static gint64 *
shard_weights(const Config *config)
{
  gint64 *w = g_new0(gint64, config->shards->len);
  for (guint i = 0; i < config->shards->len; i++)
    w[i] = config->shard_placement == CONFIG_PLACEMENT_WEIGHTS
             ? ((const ConfigShard *) g_ptr_array_index(config->shards, i))->weight : 1;
  return w;
}

/* Connections to every shard, each inside a transaction. */
static GPtrArray *
begin_on_shards(const Config *config, const char *what, GError **error)
{
  g_autoptr(GPtrArray) conns = g_ptr_array_new_with_free_func((GDestroyNotify) PQfinish);
  for (guint i = 0; i < config->shards->len; i++) {
    const ConfigShard *shard = g_ptr_array_index(config->shards, i);
    PGconn *conn = shard_connect(config, shard, DB_ROLE_BATCH, what, error);
    if (!conn)
      return NULL;
    g_ptr_array_add(conns, conn);
    if (!shard_check_selected(conn, shard->name, error) || !db_begin(conn, error))
      return NULL;
  }
  return g_steal_pointer(&conns);
}

/* Everything was staged everywhere: the coordinator commits, then each shard. A shard
 * lost between two commits leaves it without the file: loading it again there finishes
 * (the others see the same file and do nothing). */
static gboolean
commit_all(PGconn *coordinator, GPtrArray *shards, GError **error)
{
  if (!db_commit(coordinator, error))
    return FALSE;
  for (guint i = 0; i < shards->len; i++)
    if (!db_commit(shards->pdata[i], error))
      return FALSE;
  return TRUE;
}

/* ---- load ---- */

/* The coordinator keeps the whole catalogue (share 1/1); each shard its share of every
 * budget and usage limit, by weight (campaign_share: floor, the rest to the first). All
 * are staged before any commits: a refusal anywhere stores nothing anywhere. */
static gboolean
load_on_group(PGconn *coordinator, const Config *config, const CampaignSet *set, GError **error)
{
  g_autofree gint64 *weights = shard_weights(config);
  guint n = config->shards->len, changed = 0;
  if (!campaign_set_check_shares(set, weights, n, error))
    return FALSE;
  g_autoptr(GPtrArray) shards = begin_on_shards(config, "campaigns", error);
  if (!shards || !db_begin(coordinator, error))
    return FALSE;
  if (!campaign_set_stage(coordinator, set, NULL, 0, 0, &changed, error)) {
    db_rollback(coordinator);
    return FALSE;
  }
  log_info("%s: %u campaigns, %u added or changed", set->path, set->campaigns->len, changed);
  for (guint i = 0; i < n; i++) {
    const ConfigShard *shard = g_ptr_array_index(config->shards, i);
    if (!campaign_set_stage(shards->pdata[i], set, weights, n, i, &changed, error)) {
      g_prefix_error(error, "shard %s: ", shard->name);
      db_rollback(coordinator);
      return FALSE;
    }
    log_info("shard %s: %u campaigns, %u added or changed", shard->name, set->campaigns->len, changed);
  }
  if (!commit_all(coordinator, shards, error))
    return FALSE;
  return TRUE;
}

static gboolean
load_catalogue(CliRun *run, const CampaignSet *set, GError **error)
{
  PGconn *conn = cli_connect(run, error);
  if (!conn)
    return FALSE;
  if (config_sharded(run->config))
    return load_on_group(conn, run->config, set, error);
  guint changed = 0;
  if (!campaign_set_store(conn, set, 1, 1, &changed, error))
    return FALSE;
  log_info("%s: %u campaigns, %u added or changed", set->path, set->campaigns->len, changed);
  return TRUE;
}

/* ---- segments ---- */

typedef struct {
  int line;
  char *user_id;
  char *segment;
} SegRow;

typedef struct {
  char *path;
  char *sha256;
  gsize size;
  GArray *rows;        /* SegRow */
  char **segments;     /* every segment the file names, sorted, once each */
} SegFile;

static void
seg_file_free(SegFile *f)
{
  if (!f)
    return;
  for (guint i = 0; f->rows && i < f->rows->len; i++) {
    g_free(g_array_index(f->rows, SegRow, i).user_id);
    g_free(g_array_index(f->rows, SegRow, i).segment);
  }
  if (f->rows)
    g_array_unref(f->rows);
  g_strfreev(f->segments);
  g_free(f->path);
  g_free(f->sha256);
  g_free(f);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SegFile, seg_file_free)

/* A bad line refuses the file, naming file:line:field. */
static gboolean
seg_row(const char *path, const CsvRecord *rec, SegRow *row, GError **error)
{
  const char *user = rec->n_fields >= 1 ? rec->fields[0] : "";
  const char *segment = rec->n_fields >= 2 ? rec->fields[1] : NULL;
  const char *field = NULL, *why = NULL;
  if (rec->n_fields > 2)
    field = "segment", why = "has more fields than user_id,segment";
  else if (*user == '\0' || strlen(user) > SEGMENT_USER_MAX)
    field = "user_id", why = "must be 1 to 64 characters";
  else if (!segment || !campaign_valid_name(segment))
    field = "segment", why = "must be 1 to 32 letters, digits, '_', '.' or '-'";
  if (field) {
    g_set_error(error, CAMPAIGN_ERROR, CAMPAIGN_ERROR_KEY, "%s:%" G_GINT64_FORMAT ":%s: %s", path, rec->line_no,
                field, why);
    return FALSE;
  }
  row->line = (int) rec->line_no;
  row->user_id = g_strdup(user);
  row->segment = g_strdup(segment);
  return TRUE;
}

static gint
compare_names(gconstpointer a, gconstpointer b, gpointer data)
{
  (void) data;
  return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* A broken CSV is a file to fix like a bad line: CAMPAIGN_ERROR (exit 2), its message kept. */
static SegFile *
refuse_file(const GError *csv, GError **error)
{
  g_set_error_literal(error, CAMPAIGN_ERROR, CAMPAIGN_ERROR_FILE, csv->message);
  return NULL;
}

static SegFile *
seg_file_read(const char *path, GError **error)
{
  g_autoptr(SegFile) f = g_new0(SegFile, 1);
  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents(path, &text, &f->size, &local)) {
    g_set_error(error, CAMPAIGN_ERROR, CAMPAIGN_ERROR_FILE, "cannot read %s: %s", path, local->message);
    return NULL;
  }
  f->path = g_strdup(path);
  f->sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) text, f->size);
  f->rows = g_array_new(FALSE, TRUE, sizeof(SegRow));
  g_autoptr(CsvReader) r = csv_reader_new_from_data(text, f->size, path);
  if (!csv_expect_header(r, (const char *const[]) { "user_id", "segment", NULL }, &local))
    return refuse_file(local, error);
  g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
  CsvRecord rec;
  while (csv_reader_next(r, &rec, &local)) {
    SegRow row = { 0 };
    if (!seg_row(path, &rec, &row, error))
      return NULL;
    g_array_append_val(f->rows, row);
    g_hash_table_add(names, row.segment);
  }
  if (local)
    return refuse_file(local, error);
  g_autofree const char **keys = (const char **) g_hash_table_get_keys_as_array(names, NULL);
  f->segments = g_strdupv((char **) keys);
  g_qsort_with_data(f->segments, (gint) g_strv_length(f->segments), sizeof(char *), compare_names, NULL);
  return g_steal_pointer(&f);
}

/* The users of ROWS this database knows. */
static GHashTable *
known_users(PGconn *conn, GPtrArray *users, GError **error)
{
  g_autofree char *ids = db_array_literal((const char *const *) users->pdata, users->len);
  const char *params[] = { ids };
  g_autoptr(PGresult) res = stmt_query(conn, "queries/campaigns/40_known_users", 1, params, error);
  if (!res)
    return NULL;
  GHashTable *known = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (int i = 0; i < PQntuples(res); i++)
    g_hash_table_add(known, g_strdup(PQgetvalue(res, i, 0)));
  return known;
}

/* The rows of F to load on one database: ROWS of its users (NULL: all). */
typedef struct {
  GPtrArray *users, *segments;   /* accepted */
  GPtrArray *r_users, *r_segments, *r_lines;   /* unknown users */
} SegSplit;

static void
seg_split_clear(SegSplit *s)
{
  GPtrArray **all[] = { &s->users, &s->segments, &s->r_users, &s->r_segments, &s->r_lines };
  for (gsize i = 0; i < G_N_ELEMENTS(all); i++)
    g_clear_pointer(all[i], g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(SegSplit, seg_split_clear)

static void
seg_split_init(SegSplit *s)
{
  s->users = g_ptr_array_new();
  s->segments = g_ptr_array_new();
  s->r_users = g_ptr_array_new();
  s->r_segments = g_ptr_array_new();
  s->r_lines = g_ptr_array_new_with_free_func(g_free);
}

static gboolean
record_segments_file(PGconn *conn, const SegFile *f, const SegSplit *s, char **file_id, GError **error)
{
  g_autofree char *base = g_path_get_basename(f->path);
  g_autofree char *size = g_strdup_printf("%zu", f->size);
  g_autofree char *read = g_strdup_printf("%u", s->users->len + s->r_users->len);
  g_autofree char *accepted = g_strdup_printf("%u", s->users->len);
  g_autofree char *rejected = g_strdup_printf("%u", s->r_users->len);
  const char *params[] = { base, f->sha256, size, read, accepted, rejected };
  g_autoptr(PGresult) res = stmt_query(conn, "queries/campaigns/41_record_segments_file", 6, params, error);
  if (!res)
    return FALSE;
  *file_id = PQntuples(res) ? g_strdup(PQgetvalue(res, 0, 0)) : NULL;
  return TRUE;
}

static char *
array_of(GPtrArray *a)
{
  return db_array_literal((const char *const *) a->pdata, a->len);
}

/* Replaces every named segment's memberships with the accepted rows; the unknown users
 * go to rejects. Inside the caller's transaction. */
static gboolean
seg_store(PGconn *conn, const SegFile *f, const SegSplit *s, gboolean *already, GError **error)
{
  g_autofree char *file_id = NULL;
  if (!record_segments_file(conn, f, s, &file_id, error))
    return FALSE;
  *already = file_id == NULL;
  if (!file_id)
    return TRUE;
  g_autofree char *base = g_path_get_basename(f->path);
  g_autofree char *names = db_array_literal((const char *const *) f->segments, g_strv_length(f->segments));
  g_autofree char *users = array_of(s->users), *segs = array_of(s->segments);
  g_autofree char *r_users = array_of(s->r_users), *r_segs = array_of(s->r_segments);
  g_autofree char *r_lines = array_of(s->r_lines);
  const char *clear[] = { names };
  const char *insert[] = { users, segs, file_id };
  const char *reject[] = { file_id, base, r_lines, r_users, r_segs };
  return stmt_exec(conn, "queries/campaigns/42_clear_segments", 1, clear, error)
         && stmt_exec(conn, "queries/campaigns/43_insert_segments", 3, insert, error)
         && stmt_exec(conn, "queries/campaigns/44_reject_unknown", 5, reject, error);
}

/* Splits F's rows by KNOWN (NULL: every row unknown); only rows whose user maps to
 * SHARD in DIRECTORY (NULL: every row) are taken. */
static void
seg_split(const SegFile *f, GHashTable *known, GHashTable *directory, const char *shard, SegSplit *s)
{
  seg_split_init(s);
  for (guint i = 0; i < f->rows->len; i++) {
    const SegRow *row = &g_array_index(f->rows, SegRow, i);
    if (directory && g_strcmp0(g_hash_table_lookup(directory, row->user_id), shard) != 0)
      continue;
    gboolean ok = known && g_hash_table_contains(known, row->user_id);
    g_ptr_array_add(ok ? s->users : s->r_users, row->user_id);
    g_ptr_array_add(ok ? s->segments : s->r_segments, row->segment);
    if (!ok)
      g_ptr_array_add(s->r_lines, g_strdup_printf("%d", row->line));
  }
}

static GPtrArray *
file_users(const SegFile *f)
{
  GPtrArray *users = g_ptr_array_new();
  for (guint i = 0; i < f->rows->len; i++)
    g_ptr_array_add(users, g_array_index(f->rows, SegRow, i).user_id);
  return users;
}

static void
log_segments(const char *where, const SegFile *f, const SegSplit *s, gboolean already)
{
  if (already)
    log_info("%s%s: loaded before, nothing to do", where, f->path);
  else
    log_info("%s%s: %u segments, %u memberships, %u unknown users rejected", where, f->path,
             g_strv_length(f->segments), s->users->len, s->r_users->len);
}

static gboolean
seg_load_one(PGconn *conn, const SegFile *f, GHashTable *directory, const char *shard, GError **error)
{
  g_autoptr(GPtrArray) users = file_users(f);
  g_autoptr(GHashTable) known = known_users(conn, users, error);
  if (!known)
    return FALSE;
  g_auto(SegSplit) s = { 0 };
  seg_split(f, known, directory, shard, &s);
  gboolean already = FALSE;
  if (!seg_store(conn, f, &s, &already, error))
    return FALSE;
  g_autofree char *where = shard ? g_strdup_printf("shard %s: ", shard) : g_strdup("");
  log_segments(where, f, &s, already);
  return TRUE;
}

/* user → shard for the file's users, from the coordinator's directory. */
static GHashTable *
directory_of(PGconn *coordinator, const SegFile *f, GError **error)
{
  g_autoptr(GPtrArray) users = file_users(f);
  g_autofree char *ids = array_of(users);
  const char *params[] = { ids };
  g_autoptr(PGresult) res = stmt_query(coordinator, "queries/campaigns/45_directory", 1, params, error);
  if (!res)
    return NULL;
  GHashTable *dir = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  for (int i = 0; i < PQntuples(res); i++)
    g_hash_table_insert(dir, g_strdup(PQgetvalue(res, i, 0)), g_strdup(PQgetvalue(res, i, 1)));
  return dir;
}

/* A group: each shard gets its users' rows (by the directory) and clears the named
 * segments of its other users; rows of users no shard has are rejected UNKNOWN_USER at
 * the coordinator, which records the file. */
static gboolean
segments_on_group(PGconn *coordinator, const Config *config, const SegFile *f, GError **error)
{
  g_autoptr(GPtrArray) shards = begin_on_shards(config, "campaigns", error);
  if (!shards || !db_begin(coordinator, error))
    return FALSE;
  g_autoptr(GHashTable) dir = directory_of(coordinator, f, error);
  g_auto(SegSplit) s = { 0 };
  gboolean already = FALSE;
  seg_split_init(&s);
  if (dir) {
    for (guint i = 0; i < f->rows->len; i++) {
      const SegRow *row = &g_array_index(f->rows, SegRow, i);
      if (g_hash_table_contains(dir, row->user_id))
        continue;
      g_ptr_array_add(s.r_users, row->user_id);
      g_ptr_array_add(s.r_segments, row->segment);
      g_ptr_array_add(s.r_lines, g_strdup_printf("%d", row->line));
    }
  }
  if (!dir || !seg_store(coordinator, f, &s, &already, error)) {
    db_rollback(coordinator);
    return FALSE;
  }
  log_segments("", f, &s, already);
  for (guint i = 0; i < shards->len; i++) {
    const ConfigShard *shard = g_ptr_array_index(config->shards, i);
    if (!seg_load_one(shards->pdata[i], f, dir, shard->name, error)) {
      g_prefix_error(error, "shard %s: ", shard->name);
      db_rollback(coordinator);
      return FALSE;
    }
  }
  return commit_all(coordinator, shards, error);
}

static gboolean
load_segments(CliRun *run, GError **error)
{
  g_autoptr(SegFile) f = seg_file_read(run->argv[1], error);
  if (!f)
    return FALSE;
  PGconn *conn = cli_connect(run, error);
  if (!conn)
    return FALSE;
  if (config_sharded(run->config))
    return segments_on_group(conn, run->config, f, error);
  if (!db_begin(conn, error))
    return FALSE;
  if (!seg_load_one(conn, f, NULL, NULL, error) || !db_commit(conn, error)) {
    db_rollback(conn);
    return FALSE;
  }
  return TRUE;
}

/* ---- the command ---- */

static gboolean
validate(CliRun *run, GError **error)
{
  if (g_strv_contains((const char *const[]) { "check", "load", "segments", NULL }, run->argv[0]))
    return TRUE;
  cli_usage_error(error, "expected \"check FILE\", \"load FILE\" or \"segments FILE\"");
  return FALSE;
}

/* check needs neither the configuration nor the database. */
static gboolean
body(CliRun *run, GError **error)
{
  if (g_str_equal(run->argv[0], "segments"))
    return load_segments(run, error);
  g_autoptr(CampaignSet) set = campaign_set_load(run->argv[1], error);
  if (!set)
    return FALSE;
  if (g_str_equal(run->argv[0], "check")) {
    print_campaigns(set);
    return TRUE;
  }
  return load_catalogue(run, set, error);
}

const CliCommand cmd_campaigns = {
  .name = "campaigns",
  .summary = "check or load the campaign catalogue, or load user segments",
  .description =
    "Validate (check) or load (load) the campaign catalogue: a GKeyFile with one\n"
    "[campaign ID] group per campaign, a [group NAME] mode=exclusive|stackable for each\n"
    "stacking group and an optional [policy] max_order_discount=YUAN. A changed campaign\n"
    "gets a new version; loading the same file again does nothing.\n"
    "segments FILE: a CSV user_id,segment that replaces the members of every segment it\n"
    "names; unknown users are rejected (UNKNOWN_USER), the rest loaded.\n"
    "A sharded group: the coordinator and every shard, each shard with its weight's\n"
    "share of every budget and usage limit; segments rows go to their user's shard.",
  .args = "check|load|segments FILE",
  .min_args = 2,
  .max_args = 2,
  .db = CLI_DB_BATCH,
  .flags = CLI_FLAG_CONNECT_IN_BODY | CLI_FLAG_GROUP,
  .validate = validate,
  .body = body,
};
