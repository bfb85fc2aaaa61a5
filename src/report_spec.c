/* Report specs: loading and validating reports/NAME.report. Everything a spec can
 * get wrong is caught here, before any SQL runs or any file is created, and the
 * error names the file, line and key. The one extension over plain GKeyFile:
 * an indented line continues the value above it, so SQL can be laid out. */
#include "report.h"

#include <string.h>
#include <xlsxwriter.h>

#ifndef BAITIAO_REPORTS_DIR
#define BAITIAO_REPORTS_DIR "/usr/local/share/baitiao/reports"
#endif

#define REPORT_SHEET_NAME_MAX 31   /* Excel's limit */

static const char *const report_keys[] = { "title_zh", "title_en", "description_zh", "description_en",
                                           "sheets", NULL };
static const char *const sheet_keys[] = { "name_zh",  "name_en",  "sql",      "columns",       "totals",
                                          "charts",   "cover",    "empty_zh", "empty_en",      "foot_sql",
                                          "foot_label_zh",        "foot_label_en", NULL };
static const char *const column_keys[] = { "label_zh", "label_en", "type", "width", "total", NULL };
static const char *const chart_keys[] = { "type", "title_zh", "title_en", "categories", "series", NULL };

static const struct {
  const char *name;
  ReportColumnType type;
} column_types[] = {
  { "money", REPORT_COL_MONEY }, { "count", REPORT_COL_COUNT }, { "percent", REPORT_COL_PERCENT },
  { "date", REPORT_COL_DATE },   { "text", REPORT_COL_TEXT },       { "id", REPORT_COL_ID },
  { "datetime", REPORT_COL_DATETIME },
};

/* The cover sheet's names: no spec sheet may take them. */
static const char *const cover_names[] = { "封面", "Cover" };

static const struct {
  const char *name;
  int type;
} chart_types[] = {
  { "column", LXW_CHART_COLUMN }, { "column_stacked", LXW_CHART_COLUMN_STACKED },
  { "bar", LXW_CHART_BAR },       { "line", LXW_CHART_LINE },
  { "pie", LXW_CHART_PIE },
};

const char *
report_default_dir(void)
{
  const char *dir = g_getenv("BAITIAO_REPORTS_DIR");
  return dir && *dir ? dir : BAITIAO_REPORTS_DIR;
}

static void
column_free(gpointer p)
{
  ReportColumn *c = p;
  g_free(c->key);
  g_free(c->label[0]);
  g_free(c->label[1]);
  g_free(c);
}

static void
chart_free(gpointer p)
{
  ReportChart *c = p;
  g_free(c->name);
  g_free(c->title[0]);
  g_free(c->title[1]);
  if (c->series_cols)
    g_array_unref(c->series_cols);
  g_free(c);
}

static void
sheet_free(gpointer p)
{
  ReportSheet *s = p;
  g_free(s->key);
  g_free(s->name[0]);
  g_free(s->name[1]);
  g_free(s->sql);
  g_free(s->empty[0]);
  g_free(s->empty[1]);
  if (s->cover_cols)
    g_array_unref(s->cover_cols);
  g_free(s->foot_sql);
  g_free(s->foot_label[0]);
  g_free(s->foot_label[1]);
  if (s->columns)
    g_ptr_array_unref(s->columns);
  if (s->charts)
    g_ptr_array_unref(s->charts);
  g_free(s);
}

void
report_spec_free(ReportSpec *spec)
{
  if (!spec)
    return;
  g_free(spec->name);
  g_free(spec->path);
  for (int i = 0; i < 2; i++) {
    g_free(spec->title[i]);
    g_free(spec->description[i]);
  }
  if (spec->sheets)
    g_ptr_array_unref(spec->sheets);
  g_free(spec);
}

static char *
required_string(const Keyfile *k, const char *group, const char *key, GError **error)
{
  char *v = keyfile_string(k, group, key);
  if (!v || !*v) {
    g_free(v);
    keyfile_value_error(error, k, group, key, "is required");
    return NULL;
  }
  return v;
}

/* A ';'-separated list of names, each trimmed; empty items are an error. */
static GStrv
required_list(const Keyfile *k, const char *group, const char *key, GError **error)
{
  g_autofree char *raw = required_string(k, group, key, error);
  if (!raw)
    return NULL;
  g_auto(GStrv) items = g_strsplit(raw, ";", -1);
  guint n = g_strv_length(items);
  if (n > 0 && *g_strstrip(items[n - 1]) == '\0') {   /* a trailing ';' is allowed */
    g_free(items[n - 1]);
    items[--n] = NULL;
  }
  for (guint i = 0; i < n; i++) {
    g_strstrip(items[i]);
    if (!*items[i] || strpbrk(items[i], " .[]")) {
      keyfile_value_error(error, k, group, key, "has an empty or malformed name \"%s\"", items[i]);
      return NULL;
    }
    for (guint j = 0; j < i; j++)
      if (g_str_equal(items[i], items[j])) {
        keyfile_value_error(error, k, group, key, "names \"%s\" twice", items[i]);
        return NULL;
      }
  }
  return g_steal_pointer(&items);
}

static gboolean
valid_sheet_name(const Keyfile *k, const char *group, const char *key, const char *name, GError **error)
{
  if (g_utf8_strlen(name, -1) > REPORT_SHEET_NAME_MAX || strpbrk(name, "[]:*?/\\") || name[0] == '\'') {
    keyfile_value_error(error, k, group, key,
                        "\"%s\" is not a worksheet name: at most 31 characters, none of []:*?/\\", name);
    return FALSE;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(cover_names); i++)
    if (g_utf8_collate(name, cover_names[i]) == 0) {
      keyfile_value_error(error, k, group, key, "\"%s\" is the name of the cover sheet every report starts with",
                          name);
      return FALSE;
    }
  return TRUE;
}

static ReportColumn *
load_column(const Keyfile *k, const char *sheet, const char *key, GError **error)
{
  g_autofree char *group = g_strdup_printf("column %s.%s", sheet, key);
  if (!g_key_file_has_group(k->kf, group)) {
    g_autofree char *sheet_group = g_strdup_printf("sheet %s", sheet);
    keyfile_value_error(error, k, sheet_group, "columns", "lists \"%s\" but there is no [%s]", key, group);
    return NULL;
  }
  if (!keyfile_check_keys(k, group, column_keys, error))
    return NULL;
  g_autoptr(GPtrArray) hold = g_ptr_array_new_with_free_func(column_free);
  ReportColumn *c = g_new0(ReportColumn, 1);
  g_ptr_array_add(hold, c);
  c->key = g_strdup(key);
  if (!(c->label[REPORT_LANG_ZH] = required_string(k, group, "label_zh", error))
      || !(c->label[REPORT_LANG_EN] = required_string(k, group, "label_en", error)))
    return NULL;
  g_autofree char *type = required_string(k, group, "type", error);
  if (!type)
    return NULL;
  gboolean known = FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS(column_types); i++)
    if (g_str_equal(type, column_types[i].name)) {
      c->type = column_types[i].type;
      known = TRUE;
    }
  if (!known) {
    keyfile_value_error(error, k, group, "type",
                        "must be one of money, count, percent, date, datetime, id, text, not \"%s\"", type);
    return NULL;
  }
  gint64 width = c->type == REPORT_COL_TEXT ? 16 : 14;
  if (!keyfile_int(k, group, "width", 1, 100, &width, error))
    return NULL;
  c->width = (double) width;
  c->total = c->type == REPORT_COL_MONEY || c->type == REPORT_COL_COUNT;
  if (!keyfile_bool(k, group, "total", &c->total, error))
    return NULL;
  if (c->type == REPORT_COL_ID)
    c->width = g_key_file_has_key(k->kf, group, "width", NULL) ? c->width : 16;
  if (c->total && c->type != REPORT_COL_MONEY && c->type != REPORT_COL_COUNT) {
    keyfile_value_error(error, k, group, "total", "can only be true for money and count columns");
    return NULL;
  }
  return g_ptr_array_steal_index(hold, 0);
}

static gboolean
column_index(const ReportSheet *s, const char *key, guint *out)
{
  for (guint i = 0; i < s->columns->len; i++)
    if (g_str_equal(((ReportColumn *) s->columns->pdata[i])->key, key)) {
      *out = i;
      return TRUE;
    }
  return FALSE;
}

static ReportChart *
load_chart(const Keyfile *k, const ReportSheet *s, const char *name, GError **error)
{
  g_autofree char *group = g_strdup_printf("chart %s.%s", s->key, name);
  if (!g_key_file_has_group(k->kf, group)) {
    g_autofree char *sheet_group = g_strdup_printf("sheet %s", s->key);
    keyfile_value_error(error, k, sheet_group, "charts", "lists \"%s\" but there is no [%s]", name, group);
    return NULL;
  }
  if (!keyfile_check_keys(k, group, chart_keys, error))
    return NULL;
  g_autoptr(GPtrArray) hold = g_ptr_array_new_with_free_func(chart_free);
  ReportChart *c = g_new0(ReportChart, 1);
  g_ptr_array_add(hold, c);
  c->name = g_strdup(name);
  c->series_cols = g_array_new(FALSE, FALSE, sizeof(guint));
  g_autofree char *type = required_string(k, group, "type", error);
  if (!type || !(c->title[REPORT_LANG_ZH] = required_string(k, group, "title_zh", error))
      || !(c->title[REPORT_LANG_EN] = required_string(k, group, "title_en", error)))
    return NULL;
  gboolean known = FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS(chart_types); i++)
    if (g_str_equal(type, chart_types[i].name)) {
      c->type = chart_types[i].type;
      known = TRUE;
    }
  if (!known) {
    keyfile_value_error(error, k, group, "type",
                        "must be one of column, column_stacked, bar, line, pie, not \"%s\"", type);
    return NULL;
  }
  g_autofree char *categories = required_string(k, group, "categories", error);
  if (!categories)
    return NULL;
  if (!column_index(s, categories, &c->category_col)) {
    keyfile_value_error(error, k, group, "categories", "names \"%s\", not a column of sheet %s", categories,
                        s->key);
    return NULL;
  }
  g_auto(GStrv) series = required_list(k, group, "series", error);
  if (!series)
    return NULL;
  for (int i = 0; series[i]; i++) {
    guint col;
    if (!column_index(s, series[i], &col)) {
      keyfile_value_error(error, k, group, "series", "names \"%s\", not a column of sheet %s", series[i],
                          s->key);
      return NULL;
    }
    ReportColumnType t = ((ReportColumn *) s->columns->pdata[col])->type;
    if (t != REPORT_COL_MONEY && t != REPORT_COL_COUNT && t != REPORT_COL_PERCENT) {
      keyfile_value_error(error, k, group, "series", "names \"%s\", which is not a number column", series[i]);
      return NULL;
    }
    g_array_append_val(c->series_cols, col);
  }
  return g_ptr_array_steal_index(hold, 0);
}

static gboolean load_cover(const Keyfile *k, const char *group, ReportSheet *s, GError **error);
/* foot_sql reconciles the totals row to the GL: there must be one, and the labels
 * only go with a foot_sql. */
static gboolean
load_foot(const Keyfile *k, const char *group, ReportSheet *s, GError **error)
{
  s->foot_label[REPORT_LANG_ZH] = keyfile_string(k, group, "foot_label_zh");
  s->foot_label[REPORT_LANG_EN] = keyfile_string(k, group, "foot_label_en");
  if (!g_key_file_has_key(k->kf, group, "foot_sql", NULL)) {
    const char *stray = s->foot_label[0] ? "foot_label_zh" : s->foot_label[1] ? "foot_label_en" : NULL;
    if (stray)
      keyfile_value_error(error, k, group, stray, "needs a foot_sql in the same group");
    return stray == NULL;
  }
  if (!(s->foot_sql = required_string(k, group, "foot_sql", error)))
    return FALSE;
  s->foot_sql_line = keyfile_line(k, group, "foot_sql");
  if (!s->totals) {
    keyfile_value_error(error, k, group, "foot_sql", "needs totals = true: foot lines reconcile the totals row");
    return FALSE;
  }
  return TRUE;
}

static ReportSheet *
load_sheet(const Keyfile *k, const char *key, GError **error)
{
  g_autofree char *group = g_strdup_printf("sheet %s", key);
  if (!g_key_file_has_group(k->kf, group)) {
    keyfile_value_error(error, k, "report", "sheets", "lists \"%s\" but there is no [%s]", key, group);
    return NULL;
  }
  if (!keyfile_check_keys(k, group, sheet_keys, error))
    return NULL;
  g_autoptr(GPtrArray) hold = g_ptr_array_new_with_free_func(sheet_free);
  ReportSheet *s = g_new0(ReportSheet, 1);
  g_ptr_array_add(hold, s);
  s->key = g_strdup(key);
  s->columns = g_ptr_array_new_with_free_func(column_free);
  s->charts = g_ptr_array_new_with_free_func(chart_free);
  if (!(s->name[REPORT_LANG_ZH] = required_string(k, group, "name_zh", error))
      || !(s->name[REPORT_LANG_EN] = required_string(k, group, "name_en", error))
      || !valid_sheet_name(k, group, "name_zh", s->name[REPORT_LANG_ZH], error)
      || !valid_sheet_name(k, group, "name_en", s->name[REPORT_LANG_EN], error)
      || !(s->sql = required_string(k, group, "sql", error)))
    return NULL;
  s->sql_line = keyfile_line(k, group, "sql");
  if (!keyfile_bool(k, group, "totals", &s->totals, error))
    return NULL;
  g_auto(GStrv) columns = required_list(k, group, "columns", error);
  if (!columns)
    return NULL;
  for (int i = 0; columns[i]; i++) {
    ReportColumn *c = load_column(k, key, columns[i], error);
    if (!c)
      return NULL;
    g_ptr_array_add(s->columns, c);
  }
  if (!load_foot(k, group, s, error))
    return NULL;
  if (g_key_file_has_key(k->kf, group, "charts", NULL)) {
    g_auto(GStrv) charts = required_list(k, group, "charts", error);
    if (!charts)
      return NULL;
    for (int i = 0; charts[i]; i++) {
      ReportChart *c = load_chart(k, s, charts[i], error);
      if (!c)
        return NULL;
      g_ptr_array_add(s->charts, c);
    }
  }
  s->empty[REPORT_LANG_ZH] = keyfile_string(k, group, "empty_zh");
  s->empty[REPORT_LANG_EN] = keyfile_string(k, group, "empty_en");
  if (!load_cover(k, group, s, error))
    return NULL;
  return g_ptr_array_steal_index(hold, 0);
}

/* cover = the columns whose totals are the sheet's key figures on the cover (money or
 * count columns with a total); without the key, every money column with a total; an
 * empty value: none. */
static gboolean
load_cover(const Keyfile *k, const char *group, ReportSheet *s, GError **error)
{
  s->cover_cols = g_array_new(FALSE, FALSE, sizeof(guint));
  g_autofree char *raw = keyfile_string(k, group, "cover");
  if (!raw) {
    for (guint c = 0; s->totals && c < s->columns->len; c++) {
      const ReportColumn *col = s->columns->pdata[c];
      if (col->type == REPORT_COL_MONEY && col->total)
        g_array_append_val(s->cover_cols, c);
    }
    return TRUE;
  }
  if (!*g_strstrip(raw))
    return TRUE;
  g_auto(GStrv) keys = required_list(k, group, "cover", error);
  if (!keys)
    return FALSE;
  for (int i = 0; keys[i]; i++) {
    guint c;
    if (!column_index(s, keys[i], &c)) {
      keyfile_value_error(error, k, group, "cover", "names \"%s\", not a column of sheet %s", keys[i], s->key);
      return FALSE;
    }
    if (!s->totals || !((ReportColumn *) s->columns->pdata[c])->total) {
      keyfile_value_error(error, k, group, "cover", "names \"%s\", which has no total (the sheet needs totals = "
                          "true and the column a total)", keys[i]);
      return FALSE;
    }
    g_array_append_val(s->cover_cols, c);
  }
  return TRUE;
}

/* Is GROUP one that the spec's lists reach? A group nothing refers to is a typo. */
static gboolean
group_is_referenced(const ReportSpec *spec, const char *group)
{
  if (g_str_equal(group, "report"))
    return TRUE;
  for (guint i = 0; i < spec->sheets->len; i++) {
    const ReportSheet *s = spec->sheets->pdata[i];
    g_autofree char *sheet = g_strdup_printf("sheet %s", s->key);
    if (g_str_equal(group, sheet))
      return TRUE;
    for (guint j = 0; j < s->columns->len; j++) {
      g_autofree char *col = g_strdup_printf("column %s.%s", s->key, ((ReportColumn *) s->columns->pdata[j])->key);
      if (g_str_equal(group, col))
        return TRUE;
    }
    for (guint j = 0; j < s->charts->len; j++) {
      g_autofree char *chart = g_strdup_printf("chart %s.%s", s->key, ((ReportChart *) s->charts->pdata[j])->name);
      if (g_str_equal(group, chart))
        return TRUE;
    }
  }
  return FALSE;
}

static gboolean
check_no_stray_groups(const Keyfile *k, const ReportSpec *spec, GError **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups(k->kf, NULL);
  for (int i = 0; groups[i]; i++)
    if (!group_is_referenced(spec, groups[i])) {
      g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_UNKNOWN,
                  "%s:%d: group [%s] is not reached from [report] sheets (nor a sheet's columns or charts)",
                  k->path, keyfile_line(k, groups[i], NULL), groups[i]);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_sheet_names_unique(const Keyfile *k, const ReportSpec *spec, GError **error)
{
  for (int lang = 0; lang < 2; lang++)
    for (guint i = 0; i < spec->sheets->len; i++)
      for (guint j = 0; j < i; j++) {
        const ReportSheet *a = spec->sheets->pdata[i], *b = spec->sheets->pdata[j];
        if (g_utf8_collate(a->name[lang], b->name[lang]) == 0) {
          g_autofree char *group = g_strdup_printf("sheet %s", a->key);
          keyfile_value_error(error, k, group, lang == REPORT_LANG_ZH ? "name_zh" : "name_en",
                              "repeats the name of sheet %s", b->key);
          return FALSE;
        }
      }
  return TRUE;
}

ReportSpec *
report_spec_load(const char *path, GError **error)
{
  g_autoptr(Keyfile) k = keyfile_load_with(path, KEYFILE_FOLD_CONTINUATIONS | KEYFILE_REFUSE_REPEATS, error);
  if (!k)
    return NULL;
  g_autoptr(ReportSpec) spec = g_new0(ReportSpec, 1);
  g_autofree char *base = g_path_get_basename(path);
  spec->name = g_strndup(base, strlen(base) - (g_str_has_suffix(base, ".report") ? strlen(".report") : 0));
  spec->path = g_strdup(path);
  spec->sheets = g_ptr_array_new_with_free_func(sheet_free);
  if (!g_key_file_has_group(k->kf, "report")) {
    g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_VALUE, "%s:1: no [report] group", path);
    return NULL;
  }
  if (!keyfile_check_keys(k, "report", report_keys, error)
      || !(spec->title[REPORT_LANG_ZH] = required_string(k, "report", "title_zh", error))
      || !(spec->title[REPORT_LANG_EN] = required_string(k, "report", "title_en", error)))
    return NULL;
  spec->description[REPORT_LANG_ZH] = keyfile_string(k, "report", "description_zh");
  spec->description[REPORT_LANG_EN] = keyfile_string(k, "report", "description_en");
  g_auto(GStrv) sheets = required_list(k, "report", "sheets", error);
  if (!sheets)
    return NULL;
  for (int i = 0; sheets[i]; i++) {
    ReportSheet *s = load_sheet(k, sheets[i], error);
    if (!s)
      return NULL;
    g_ptr_array_add(spec->sheets, s);
  }
  if (!check_no_stray_groups(k, spec, error) || !check_sheet_names_unique(k, spec, error))
    return NULL;
  return g_steal_pointer(&spec);
}

static gint
compare_specs(gconstpointer a, gconstpointer b)
{
  return strcmp((*(ReportSpec *const *) a)->name, (*(ReportSpec *const *) b)->name);
}

GPtrArray *
report_spec_load_dir(const char *dir, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GDir) d = g_dir_open(dir, 0, &local);
  if (!d) {
    g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_FILE, "cannot read the report specs in %s: %s", dir,
                local->message);
    return NULL;
  }
  g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func((GDestroyNotify) report_spec_free);
  for (const char *f; (f = g_dir_read_name(d));) {
    if (!g_str_has_suffix(f, ".report"))
      continue;
    g_autofree char *path = g_build_filename(dir, f, NULL);
    ReportSpec *spec = report_spec_load(path, error);
    if (!spec)
      return NULL;
    g_ptr_array_add(specs, spec);
  }
  if (specs->len == 0) {
    g_set_error(error, KEYFILE_ERROR, KEYFILE_ERROR_FILE, "no report specs (*.report) in %s", dir);
    return NULL;
  }
  g_ptr_array_sort(specs, compare_specs);
  return g_steal_pointer(&specs);
}
