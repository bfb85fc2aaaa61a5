/* The spool: partner files by business day, taken in by `baitiao intake`, and the
 * night's gate on the expected files of its date. A file is taken only under its
 * final name (partners write NAME.part and rename it), its optional control totals
 * (NAME.ctl) are checked before anything is loaded, and the load itself is
 * intake_load_file's — the same as `baitiao load`. */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "date.h"
#include "db.h"
#include "eod_run.h"
#include "intake.h"
#include "log.h"
#include "metrics.h"
#include "money.h"
#include "recon.h"
#include "stmt.h"

G_DEFINE_QUARK(spool-error-quark, spool_error)

/* The order files of one day are loaded in: users before the coupons, orders and
 * repayments that name them, coupons before the orders that may carry them, orders
 * before their refunds, settlement (evidence only) last. */
static const char *const kinds[] = { "users", "coupons", "orders", "refunds", "repayments", "settlement" };
enum { RANK_USERS = 0, RANK_COUPONS = 1, RANK_SETTLEMENT = 5 };
G_STATIC_ASSERT(G_N_ELEMENTS(kinds) == RANK_SETTLEMENT + 1);

/* Whether a file of RANK has amounts for its .ctl (users and coupons have none). */
static gboolean
rank_has_amount(int rank)
{
  return rank != RANK_USERS && rank != RANK_COUPONS;
}

static int
kind_rank(const char *kind, gsize len)
{
  for (gsize i = 0; i < G_N_ELEMENTS(kinds); i++)
    if (strlen(kinds[i]) == len && strncmp(kinds[i], kind, len) == 0)
      return (int) i;
  return -1;
}

char *
spool_parse_file_spec(const char *text, GError **error)
{
  const char *colon = strchr(text, ':');
  gsize kind_len = colon ? (gsize) (colon - text) : strlen(text);
  int rank = kind_rank(text, kind_len);
  if (rank < 0) {
    g_set_error(error, SPOOL_ERROR, SPOOL_ERROR_SPEC,
                "\"%s\" is not KIND[:CHANNEL]: KIND is users, coupons, orders, refunds, repayments or settlement",
                text);
    return NULL;
  }
  if (rank == RANK_SETTLEMENT && !colon) {
    g_set_error(error, SPOOL_ERROR, SPOOL_ERROR_SPEC, "\"%s\": a settlement file needs its channel", text);
    return NULL;
  }
  g_autofree char *where = g_strdup_printf("\"%s\": the channel", text);
  g_autoptr(GError) bad = NULL;
  g_autofree char *channel = colon ? intake_channel(colon + 1, where, &bad) : g_strdup("");
  if (!channel) {
    g_set_error_literal(error, SPOOL_ERROR, SPOOL_ERROR_SPEC, bad->message);
    return NULL;
  }
  return g_strdup_printf("%s:%s", kinds[rank], channel);
}

/* "repayments:WECHAT" → "repayments WECHAT", "orders:" → "orders". */
static char *
spec_display(const char *spec)
{
  g_auto(GStrv) parts = g_strsplit(spec, ":", 2);
  return *parts[1] ? g_strdup_printf("%s %s", parts[0], parts[1]) : g_strdup(parts[0]);
}

/* ---- scanning --------------------------------------------------------- */

typedef struct {
  char *day;        /* the folder's name as found: 20260530 or 2026-05-30 */
  char date[11];    /* YYYY-MM-DD */
  char *name;       /* repayments_WECHAT.csv */
  int rank;         /* kind_rank */
  char *channel;    /* upper-cased, "" when the name gives none */
  char *refusal;    /* the name or the file type alone refuses it */
} SpoolFile;

static void
spool_file_free(SpoolFile *f)
{
  g_free(f->day);
  g_free(f->name);
  g_free(f->channel);
  g_free(f->refusal);
  g_free(f);
}

/* A day folder: YYYYMMDD (as `baitiao gen` writes them) or YYYY-MM-DD. */
static gboolean
day_folder_date(const char *name, char out[11])
{
  char text[11];
  if (strlen(name) == 8) {
    for (int i = 0; i < 8; i++)
      if (!g_ascii_isdigit(name[i]))
        return FALSE;
    g_snprintf(text, sizeof text, "%.4s-%.2s-%.2s", name, name + 4, name + 6);
  } else {
    g_strlcpy(text, name, sizeof text);
  }
  GDate d;
  if (!date_parse(text, &d, NULL))
    return FALSE;
  memcpy(out, text, 11);
  return TRUE;
}

/* KIND[_CHANNEL].csv; anything else (NAME.part, NAME.csv.ctl, dot files, other
 * names) is not a partner file and is left alone. */
static SpoolFile *
parse_file_name(const char *day, const char *date, const char *name, const char *path)
{
  if (!g_str_has_suffix(name, ".csv") || name[0] == '.')
    return NULL;
  gsize stem = strlen(name) - 4;
  const char *sep = memchr(name, '_', stem);
  int rank = kind_rank(name, sep ? (gsize) (sep - name) : stem);
  if (rank < 0)
    return NULL;
  SpoolFile *f = g_new0(SpoolFile, 1);
  f->day = g_strdup(day);
  memcpy(f->date, date, 11);
  f->name = g_strdup(name);
  f->rank = rank;
  g_autofree char *channel = sep ? g_strndup(sep + 1, stem - (gsize) (sep + 1 - name)) : g_strdup("");
  g_autofree char *where = g_strdup_printf("%s/%s: the channel in the name", day, name);
  g_autoptr(GError) bad = NULL;
  f->channel = sep ? intake_channel(channel, where, &bad) : g_strdup("");
  if (!f->channel)   /* refused below: its arrival row names no channel, its reason the name */
    f->channel = g_strdup("");
  GStatBuf st;
  if (g_lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
    f->refusal = g_strdup_printf("%s/%s: not a regular file", day, name);
  else if (bad)
    f->refusal = g_strdup(bad->message);
  else if (rank == RANK_SETTLEMENT && !sep)
    f->refusal = g_strdup_printf("%s/%s: a settlement file is named settlement_CHANNEL.csv", day, name);
  return f;
}

static gboolean
scan_day(const char *spool, const char *day, const char *date, GPtrArray *files, guint *ignored, GError **error)
{
  g_autofree char *dir_path = g_build_filename(spool, day, NULL);
  g_autoptr(GDir) dir = g_dir_open(dir_path, 0, error);
  if (!dir) {
    g_prefix_error(error, "spool: ");
    return FALSE;
  }
  for (const char *name; (name = g_dir_read_name(dir));) {
    g_autofree char *path = g_build_filename(dir_path, name, NULL);
    SpoolFile *f = parse_file_name(day, date, name, path);
    if (f)
      g_ptr_array_add(files, f);
    else if (!g_str_has_suffix(name, ".csv.ctl")) {
      log_debug("%s: not a partner file name, left alone", path);
      (*ignored)++;
    }
  }
  return TRUE;
}

static gint
compare_files(gconstpointer a, gconstpointer b)
{
  const SpoolFile *x = *(SpoolFile *const *) a, *y = *(SpoolFile *const *) b;
  int c = strcmp(x->date, y->date);
  if (c == 0)
    c = x->rank - y->rank;
  return c ? c : strcmp(x->name, y->name);
}

/* Every partner file in the day folders of SPOOL, in the order they are loaded. */
static GPtrArray *
scan_spool(const char *spool, guint *ignored, GError **error)
{
  g_autoptr(GDir) dir = g_dir_open(spool, 0, error);
  if (!dir) {
    g_prefix_error(error, "spool: ");
    return NULL;
  }
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func((GDestroyNotify) spool_file_free);
  for (const char *name; (name = g_dir_read_name(dir));) {
    char date[11];
    g_autofree char *path = g_build_filename(spool, name, NULL);
    if (!day_folder_date(name, date) || !g_file_test(path, G_FILE_TEST_IS_DIR))
      continue;
    if (!scan_day(spool, name, date, files, ignored, error))
      return NULL;
  }
  g_ptr_array_sort(files, compare_files);
  return g_steal_pointer(&files);
}

/* ---- control totals --------------------------------------------------- */

typedef struct {
  gint64 rows;
  gint64 amount_fen;
  gboolean has_amount;
} Totals;

static char *
totals_text(const Totals *t)
{
  g_autofree char *yuan = money_format_fen(t->amount_fen);
  return t->has_amount ? g_strdup_printf("rows=%" G_GINT64_FORMAT ", amount=%s", t->rows, yuan)
                       : g_strdup_printf("rows=%" G_GINT64_FORMAT, t->rows);
}

/* NAME.csv.ctl: one line "rows=N,amount=YUAN" (users and coupons: "rows=N"). */
static gboolean
parse_control(const char *ctl_path, const char *display, gboolean wants_amount, Totals *t, GError **error)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents(ctl_path, &text, NULL, error))
    return FALSE;
  g_strstrip(text);
  g_auto(GStrv) items = g_strsplit(text, ",", -1);
  gboolean has_rows = FALSE;
  memset(t, 0, sizeof *t);
  for (guint i = 0; items[i]; i++) {
    g_auto(GStrv) kv = g_strsplit(g_strstrip(items[i]), "=", 2);
    const char *value = kv[1] ? g_strstrip(kv[1]) : "";
    guint64 rows;
    if (g_str_equal(kv[0], "rows") && !has_rows && g_ascii_string_to_unsigned(value, 10, 0, G_MAXINT32, &rows, NULL)) {
      t->rows = (gint64) rows;
      has_rows = TRUE;
    } else if (g_str_equal(kv[0], "amount") && wants_amount && !t->has_amount
               && money_parse_yuan(value, &t->amount_fen, NULL)) {
      t->has_amount = TRUE;
    } else {
      g_set_error(error, SPOOL_ERROR, SPOOL_ERROR_SPEC, "%s.ctl:1: \"%s\" is not %s", display, items[i],
                  wants_amount ? "rows=N or amount=YUAN (two decimals)" : "rows=N");
      return FALSE;
    }
  }
  if (!has_rows || t->has_amount != wants_amount) {
    g_set_error(error, SPOOL_ERROR, SPOOL_ERROR_SPEC, "%s.ctl:1: expected \"%s\"", display,
                wants_amount ? "rows=N,amount=YUAN" : "rows=N");
    return FALSE;
  }
  return TRUE;
}

static int
amount_column(const CsvRecord *header)
{
  for (guint i = 0; i < header->n_fields; i++) {
    g_autofree char *name = g_strstrip(g_strdup(header->fields[i]));
    if (g_str_equal(name, "amount"))
      return (int) i;
  }
  return -1;
}

/* What the file holds: its data rows, and the sum of the amounts that are valid yuan
 * (a row with a bad amount is rejected at load and carries no amount). */
static gboolean
read_totals(const char *path, Totals *t, GError **error)
{
  g_autoptr(CsvReader) reader = csv_reader_open(path, error);
  CsvRecord rec;
  g_autoptr(GError) local = NULL;
  if (!reader)
    return FALSE;
  memset(t, 0, sizeof *t);
  int col = csv_reader_next(reader, &rec, &local) ? amount_column(&rec) : -1;
  t->has_amount = col >= 0;
  while (!local && csv_reader_next(reader, &rec, &local)) {
    gint64 fen;
    t->rows++;
    if (col >= 0 && (guint) col < rec.n_fields && money_parse_yuan(rec.fields[col], &fen, NULL) && fen > 0
        && !money_add(t->amount_fen, fen, &t->amount_fen)) {
      g_set_error(error, SPOOL_ERROR, SPOOL_ERROR_SPEC, "%s: the amounts overflow their sum", path);
      return FALSE;
    }
  }
  if (local) {
    g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_control(const SpoolFile *f, const char *path, const char *ctl_path, GError **error)
{
  g_autofree char *display = g_strdup_printf("%s/%s", f->day, f->name);
  Totals want, have;
  if (!parse_control(ctl_path, display, rank_has_amount(f->rank), &want, error) || !read_totals(path, &have, error))
    return FALSE;
  if (want.rows == have.rows && want.amount_fen == have.amount_fen)
    return TRUE;
  g_autofree char *w = totals_text(&want);
  g_autofree char *h = totals_text(&have);
  g_set_error(error, SPOOL_ERROR, SPOOL_ERROR_SPEC,
              "%s: control totals do not match: the .ctl says %s, the file has %s", display, w, h);
  return FALSE;
}

/* ---- moving ----------------------------------------------------------- */

/* DIR/NAME, or DIR/NAME.N for the first N free: a file sent again under the same
 * name never overwrites the earlier one. */
static char *
free_path(const char *dir, const char *name)
{
  char *path = g_build_filename(dir, name, NULL);
  for (int n = 1; g_file_test(path, G_FILE_TEST_EXISTS); n++) {
    g_free(path);
    g_autofree char *numbered = g_strdup_printf("%s.%d", name, n);
    path = g_build_filename(dir, numbered, NULL);
  }
  return path;
}

static gboolean
rename_or_fail(const char *from, const char *to, GError **error)
{
  if (g_rename(from, to) == 0)
    return TRUE;
  int e = errno;
  g_set_error(error, SPOOL_ERROR, SPOOL_ERROR_IO, "spool: cannot move %s to %s: %s", from, to, g_strerror(e));
  return FALSE;
}

/* Moves the file (and its .ctl) to SPOOL/SUB/DAY/ by rename, so it is either still
 * in the spool or in its new place; a refused file gets NAME.reason first. */
static gboolean
move_file(const char *spool, const char *sub, const SpoolFile *f, const char *reason, GError **error)
{
  g_autofree char *dest_dir = g_build_filename(spool, sub, f->day, NULL);
  if (g_mkdir_with_parents(dest_dir, 0750) != 0) {
    int e = errno;
    g_set_error(error, SPOOL_ERROR, SPOOL_ERROR_IO, "spool: cannot create %s: %s", dest_dir, g_strerror(e));
    return FALSE;
  }
  g_autofree char *src = g_build_filename(spool, f->day, f->name, NULL);
  g_autofree char *src_ctl = g_strdup_printf("%s.ctl", src);
  g_autofree char *dest = free_path(dest_dir, f->name);
  g_autofree char *dest_ctl = g_strdup_printf("%s.ctl", dest);
  g_autofree char *dest_reason = g_strdup_printf("%s.reason", dest);
  g_autofree char *reason_line = reason ? g_strdup_printf("%s\n", reason) : NULL;
  if (reason && !g_file_set_contents(dest_reason, reason_line, -1, error))
    return FALSE;
  return rename_or_fail(src, dest, error)
         && (!g_file_test(src_ctl, G_FILE_TEST_EXISTS) || rename_or_fail(src_ctl, dest_ctl, error));
}

/* ---- taking one file -------------------------------------------------- */

static gboolean
record_arrival(PGconn *conn, const SpoolFile *f, const char *outcome, const IntakeResult *r, const char *reason,
               GError **error)
{
  g_autofree char *id = r && r->file_id ? g_strdup_printf("%" G_GINT64_FORMAT, r->file_id) : NULL;
  g_autofree char *group = r && r->group_load_id ? g_strdup_printf("%" G_GINT64_FORMAT, r->group_load_id) : NULL;
  const char *params[] = { f->date, kinds[f->rank], f->channel, f->name, outcome, id, reason, group };
  return stmt_exec(conn, "queries/spool/10_record_arrival", 8, params, error);
}

/* A fault of the file itself refuses it; anything else (database, memory) stops
 * the intake with the file left in the spool. */
static gboolean
file_fault(const GError *e)
{
  return e->domain == CSV_ERROR || e->domain == INTAKE_ERROR || e->domain == G_FILE_ERROR
         || e->domain == SPOOL_ERROR;
}

static char *
result_text(const IntakeResult *r)
{
  if (r->already_loaded)
    return g_strdup_printf("already loaded on %s: nothing new", r->loaded_at);
  GString *s = g_string_new(NULL);
  g_string_printf(s, "%s %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT " rows, %" G_GINT64_FORMAT " accepted, %"
                  G_GINT64_FORMAT " rejected", r->group_load_id ? "group load" : "file",
                  r->group_load_id ? r->group_load_id : r->file_id, r->rows_read, r->rows_accepted, r->rows_rejected);
  for (guint i = 0; r->reject_counts && i < r->reject_counts->len; i++)
    g_string_append_printf(s, "%s%s", i ? ", " : " (", (const char *) r->reject_counts->pdata[i]);
  if (r->reject_counts && r->reject_counts->len)
    g_string_append_c(s, ')');
  return g_string_free(s, FALSE);
}

static gboolean
refuse_file(PGconn *conn, const char *spool, const SpoolFile *f, const char *reason, SpoolIntakeSummary *s,
            GError **error)
{
  if (!record_arrival(conn, f, "REFUSED", NULL, reason, error) || !move_file(spool, "refused", f, reason, error))
    return FALSE;
  log_error("refused %s/%s: %s", f->day, f->name, reason);
  printf("%s/%s: refused: %s\n", f->day, f->name, reason);
  s->refused++;
  return TRUE;
}

static gboolean
load_one(PGconn *conn, gpointer data, const char *kind, const char *channel, const char *path, IntakeResult *r,
         GError **error)
{
  (void) data;
  return intake_load_file(conn, kind, channel, path, r, error);
}

typedef struct {
  SpoolLoadFn load;
  gpointer data;
} Loader;

static gboolean
take_file(PGconn *conn, const char *spool, const SpoolFile *f, const Loader *loader, SpoolIntakeSummary *s,
          GError **error)
{
  g_autofree char *path = g_build_filename(spool, f->day, f->name, NULL);
  g_autofree char *ctl = g_strdup_printf("%s.ctl", path);
  if (f->refusal)
    return refuse_file(conn, spool, f, f->refusal, s, error);
  g_autoptr(GError) fault = NULL;
  if (g_file_test(ctl, G_FILE_TEST_EXISTS) && !check_control(f, path, ctl, &fault))
    return refuse_file(conn, spool, f, fault->message, s, error);
  g_auto(IntakeResult) r = { 0 };
  const char *channel = f->rank == RANK_SETTLEMENT ? f->channel : NULL;
  if (!loader->load(conn, loader->data, kinds[f->rank], channel, path, &r, &fault)) {
    if (!file_fault(fault)) {
      g_propagate_prefixed_error(error, g_steal_pointer(&fault), "%s/%s: ", f->day, f->name);
      return FALSE;
    }
    return refuse_file(conn, spool, f, fault->message, s, error);
  }
  g_autofree char *text = result_text(&r);
  if (!record_arrival(conn, f, r.already_loaded ? "DUPLICATE" : "LOADED", &r, r.already_loaded ? text : NULL, error)
      || !move_file(spool, "done", f, NULL, error))
    return FALSE;
  log_info("took %s/%s: %s", f->day, f->name, text);
  printf("%s/%s: done: %s\n", f->day, f->name, text);
  s->taken++;
  g_autoptr(GError) late = NULL;
  if (!r.already_loaded && intake_late_rows(&r, f->name, &late)) {
    log_warning("%s/%s", f->day, late->message);
    s->late++;
  }
  return TRUE;
}

/* One intake at a time per spool: an exclusive lock on SPOOL/.lock, released when
 * the process ends however it ends. */
static int
lock_spool(const char *spool, GError **error)
{
  g_autofree char *path = g_build_filename(spool, ".lock", NULL);
  int fd = g_open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    int e = errno;
    g_set_error(error, SPOOL_ERROR, SPOOL_ERROR_IO, "spool: cannot open %s: %s", path, g_strerror(e));
    return -1;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) == 0)
    return fd;
  close(fd);
  g_set_error(error, SPOOL_ERROR, SPOOL_ERROR_BUSY, "spool %s: another baitiao intake is taking files from it", spool);
  return -1;
}

gboolean
spool_intake(PGconn *conn, const char *spool, SpoolLoadFn load, gpointer load_data, SpoolIntakeSummary *s,
             GError **error)
{
  const Loader loader = { load ? load : load_one, load_data };
  memset(s, 0, sizeof *s);
  int lock = lock_spool(spool, error);
  if (lock < 0)
    return FALSE;
  g_autoptr(GPtrArray) files = scan_spool(spool, &s->ignored, error);
  gboolean ok = files != NULL;
  for (guint i = 0; ok && i < files->len; i++)
    ok = take_file(conn, spool, files->pdata[i], &loader, s, error);
  close(lock);
  if (ok && s->refused > 0) {
    g_set_error(error, SPOOL_ERROR, SPOOL_ERROR_REFUSED,
                "%u of %u files refused (moved to %s/refused with a .reason file)\n"
                "hint: have the partner send a corrected file into the spool", s->refused,
                s->refused + s->taken, spool);
    return FALSE;
  }
  if (ok && s->late > 0) {
    g_set_error(error, INTAKE_ERROR, INTAKE_ERROR_LATE,
                "%u of %u files taken had rows dated on a date whose intake is cut (rejected DATE_CLOSED)\n"
                "hint: have the partner send those rows again, dated on an open business date", s->late, s->taken);
    return FALSE;
  }
  return ok;
}

/* ---- expected files --------------------------------------------------- */

/* A text[] literal of the kinds or the channels of SPECS (letters, digits, '_' only). */
static char *
spec_array(char **specs, int part)
{
  GString *s = g_string_new("{");
  for (guint i = 0; specs && specs[i]; i++) {
    g_auto(GStrv) kv = g_strsplit(specs[i], ":", 2);
    g_string_append_printf(s, "%s\"%s\"", i ? "," : "", kv[part]);
  }
  g_string_append_c(s, '}');
  return g_string_free(s, FALSE);
}

GPtrArray *
spool_missing(PGconn *conn, const Config *config, const char *date, GError **error)
{
  GPtrArray *missing = g_ptr_array_new_with_free_func(g_free);
  if (!config->intake_expected || !config->intake_expected[0])
    return missing;
  g_autofree char *k = spec_array(config->intake_expected, 0);
  g_autofree char *c = spec_array(config->intake_expected, 1);
  const char *params[] = { date, k, c };
  g_autoptr(PGresult) res = stmt_query(conn, "queries/spool/20_missing", 3, params, error);
  if (!res) {
    g_ptr_array_unref(missing);
    return NULL;
  }
  for (int i = 0; i < PQntuples(res); i++)
    g_ptr_array_add(missing, g_strdup(PQgetvalue(res, i, 0)));
  return missing;
}

/* The deadline of D: [intake] wait_deadline (minutes after midnight) on D + 1, local time. */
static GDateTime *
deadline_of(const Config *config, const char *date)
{
  GDate d;
  if (config->intake_wait_deadline_min < 0 || !date_parse(date, &d, NULL))
    return NULL;
  g_date_add_days(&d, 1);
  return g_date_time_new_local(g_date_get_year(&d), g_date_get_month(&d), g_date_get_day(&d),
                               config->intake_wait_deadline_min / 60, config->intake_wait_deadline_min % 60, 0);
}

gboolean
spool_overdue(const Config *config, const char *date)
{
  g_autoptr(GDateTime) deadline = deadline_of(config, date);
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  return deadline && g_date_time_compare(now, deadline) > 0;
}

/* Whether the override OVERRIDE names the expected entry SPEC: "repayments:" names
 * every channel of repayments, "repayments:WECHAT" that one. */
static gboolean
override_names(const char *override, const char *spec)
{
  return g_str_equal(override, spec) || (g_str_has_suffix(override, ":") && g_str_has_prefix(spec, override));
}

static gboolean
allowed(const Config *config, const char *spec)
{
  for (guint i = 0; config->intake_allow_missing && config->intake_allow_missing[i]; i++)
    if (override_names(config->intake_allow_missing[i], spec))
      return TRUE;
  return FALSE;
}

/* An --allow-missing that names no missing file changes nothing: say so, it may be a typo. */
static void
warn_unused_overrides(const Config *config, const GPtrArray *missing, const char *date)
{
  for (guint i = 0; config->intake_allow_missing && config->intake_allow_missing[i]; i++) {
    const char *a = config->intake_allow_missing[i];
    gboolean used = FALSE;
    for (guint j = 0; j < missing->len && !used; j++)
      used = override_names(a, missing->pdata[j]);
    if (!used) {
      g_autofree char *shown = spec_display(a);
      log_warning("--allow-missing %s: no such expected file is missing for %s, nothing overridden", shown, date);
    }
  }
}

gboolean
spool_night_gate(PGconn *conn, const Config *config, const char *date, GError **error)
{
  if (!config->intake_expected || !config->intake_expected[0])
    return TRUE;
  const char *params[] = { date };
  g_autoptr(PGresult) closed = stmt_query_one(conn, "queries/spool/30_date_closed", 1, params, error);
  if (!closed)
    return FALSE;
  if (g_str_equal(PQgetvalue(closed, 0, 0), "t"))
    return TRUE;   /* nothing to wait for: the night has nothing to do */
  g_autoptr(GPtrArray) missing = spool_missing(conn, config, date, error);
  if (!missing)
    return FALSE;
  warn_unused_overrides(config, missing, date);
  g_autoptr(GString) waiting = g_string_new(NULL);
  guint n = 0;
  for (guint i = 0; i < missing->len; i++) {
    if (allowed(config, missing->pdata[i]))
      continue;
    g_autofree char *shown = spec_display(missing->pdata[i]);
    g_string_append_printf(waiting, "%s%s %s", n++ ? ", " : "", shown, date);
  }
  if (n == 0)
    return TRUE;
  gboolean overdue = spool_overdue(config, date);
  metrics_write_waiting(config, date, n, overdue);
  if (overdue)
    log_error("OVERDUE: the night of %s is still waiting for files past [intake] wait_deadline %02d:%02d: %s",
              date, config->intake_wait_deadline_min / 60, config->intake_wait_deadline_min % 60, waiting->str);
  g_set_error(error, SPOOL_ERROR, SPOOL_ERROR_WAITING,
              "waiting for files: %s%s\n"
              "hint: \"baitiao intake\" takes them once they are in the spool; to close the date without one:"
              " baitiao eod --allow-missing KIND[:CHANNEL]", waiting->str, overdue ? " (OVERDUE)" : "");
  return FALSE;
}

gboolean
spool_record_overrides(PGconn *conn, const Config *config, const char *date, const char *run_id, GError **error)
{
  if (!config->intake_allow_missing || !config->intake_allow_missing[0])
    return TRUE;
  g_autoptr(GPtrArray) missing = spool_missing(conn, config, date, error);
  if (!missing)
    return FALSE;
  g_autofree char *who = recon_who();
  for (guint i = 0; i < missing->len; i++) {
    if (!allowed(config, missing->pdata[i]))
      continue;
    g_auto(GStrv) kv = g_strsplit(missing->pdata[i], ":", 2);
    const char *params[] = { run_id, date, kv[0], kv[1], who };
    if (!stmt_exec(conn, "queries/spool/40_record_override", 5, params, error))
      return FALSE;
    g_autofree char *shown = spec_display(missing->pdata[i]);
    log_warning("%s closes without the expected file %s: --allow-missing by %s (run %s)", date, shown, who, run_id);
  }
  return TRUE;
}
