/* The report engine: renders any spec with libxlsxwriter. A workbook opens with a
 * cover (title, business date, cut-off, generation time, key figures, contents with
 * links); each sheet is a title block with the unit, a header row, the SQL's rows
 * streamed in order (the workbook in constant-memory mode, so a million-row listing
 * costs no more memory than ten rows) or one line saying why there are none, a
 * SUBTOTAL totals row with the exact value cached, frozen panes, an autofilter,
 * page setup with headers and footers, and charts with cached values.
 * Money arrives as fen and is written as yuan numbers: the double is only the
 * cell's display value; totals are summed in fen as int64, never from doubles. */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <glib/gstdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <math.h>
#include <xlsxwriter.h>

#include "date.h"
#include "db.h"
#include "fault.h"
#include "log.h"
#include "report_foot.h"
#include "stmt.h"

G_DEFINE_QUARK(report-error-quark, report_error)

/* Layout of every sheet: title block, the unit line, the header, then data. */
enum {
  ROW_TITLE = 0,
  ROW_BUSINESS_DATE = 1,
  ROW_GENERATED_AT = 2,
  ROW_DATA_AS_OF = 3,
  ROW_DESCRIPTION = 4,
  ROW_UNIT = 5,
  ROW_HEADER = 6,
  ROW_FIRST_DATA = 7,
};

#define OID_DATE 1082
#define OID_TEXT 25
#define CHART_ROWS 18   /* height of one chart, in rows, when a sheet has several */
#define CHART_CACHE_MAX 10000   /* rows a chart's cached values cover; beyond, readers recalculate */
#define ID_DIGITS_MAX 15        /* a double holds every integer of 15 digits exactly */

static const char *const label_business_date[] = { "业务日期：", "Business date: " };
static const char *const label_generated_at[] = { "生成时间：", "Generated at: " };
static const char *const label_data_as_of[] = { "数据截至：", "Data as of: " };
static const char *const label_total[] = { "合计", "Total" };
static const char *const label_unit[] = { "金额单位：人民币元", "Amounts in CNY yuan" };
static const char *const label_empty[] = { "本日无数据", "No rows on this date" };
static const char *const label_page[] = { "第 &P 页 / 共 &N 页", "Page &P of &N" };
static const char *const label_cover[] = { "封面", "Cover" };
static const char *const label_cutoff[] = { "数据截止：", "Cut-off: " };
static const char *const label_key_figures[] = { "主要数据", "Key figures" };
static const char *const label_contents[] = { "目录", "Contents" };
static const char *const label_cover_cols[][3] = {
  { "工作表", "项目", "金额/数量" },
  { "Sheet", "Item", "Amount / count" },
};
static const char *const label_contents_cols[][2] = {
  { "工作表", "数据行数" },
  { "Sheet", "Data rows" },
};

/* Every format is created once per workbook (libxlsxwriter keeps each one). */
typedef struct {
  lxw_format *title, *note, *header, *empty, *link;
  lxw_format *cell[REPORT_COL_N_TYPES];
  lxw_format *total_label;
  lxw_format *total[REPORT_COL_N_TYPES];
  ReportFootFormats foot;
} Formats;

/* A worksheet written, for the cover's contents and the totals' SUBTOTAL ranges. */
typedef struct {
  char *name;
  gint64 rows;               /* data rows on it */
} WrittenPart;

/* A key figure for the cover: a sheet's total, linked to its cell. */
typedef struct {
  char *sheet_label;         /* the sheet's name */
  char *item;                /* the column's label */
  char *ref;                 /* 'part'!C12, the totals cell */
  ReportColumnType type;
  gint64 value;              /* exact: fen or units */
} KeyFigure;

/* What the charts of a sheet plot, kept while streaming: constant-memory mode cannot
 * read cells back, and a chart without cached values shows nothing (or serial numbers)
 * in readers that do not recalculate. Columns no chart uses keep nothing. */
typedef struct {
  gboolean *wanted;          /* by column */
  GPtrArray **values;        /* by column: the SQL text of each row (NULL for SQL NULL) */
  guint rows;
} ChartData;

typedef struct {
  PGconn *conn;
  const ReportSpec *spec;
  const ReportRequest *req;
  lxw_workbook *wb;
  Formats fmt;
  GTimeZone *tz;
  const char *tz_name;
  char *generated_at;
  char *data_as_of;
  char *cutoff;
  gint64 rows;
  lxw_row_t rows_per_part;   /* data rows a worksheet takes before the sheet continues */
  lxw_worksheet *cover;
  GPtrArray *parts;          /* WrittenPart, in workbook order */
  GPtrArray *figures;        /* KeyFigure */
  ChartData *chart_data;     /* of the sheet being written, NULL when it has no chart */
} Render;

/* One worksheet of a sheet: a sheet longer than a worksheet's 1 048 576 rows goes on
 * in "NAME (2)", "NAME (3)", … each with the title block and the header. */
typedef struct {
  lxw_worksheet *ws;
  char *name;
  guint number;
  lxw_row_t rows;            /* data rows on this worksheet */
} SheetPart;

static const char *const num_formats[] = {
  [REPORT_COL_MONEY] = "#,##0.00",
  [REPORT_COL_COUNT] = "#,##0",
  [REPORT_COL_PERCENT] = "0.00%",
  [REPORT_COL_DATE] = "yyyy-mm-dd",
  [REPORT_COL_TEXT] = "@",
  [REPORT_COL_ID] = "0",
  [REPORT_COL_DATETIME] = "yyyy-mm-dd hh:mm:ss",
};

static void
written_part_free(gpointer p)
{
  WrittenPart *w = p;
  g_free(w->name);
  g_free(w);
}

static void
key_figure_free(gpointer p)
{
  KeyFigure *k = p;
  g_free(k->sheet_label);
  g_free(k->item);
  g_free(k->ref);
  g_free(k);
}

static lxw_format *
cell_format(lxw_workbook *wb, ReportColumnType type, gboolean total)
{
  lxw_format *f = workbook_add_format(wb);
  if (type != REPORT_COL_TEXT)
    format_set_num_format(f, num_formats[type]);
  if (total) {
    format_set_bold(f);
    format_set_top(f, LXW_BORDER_THIN);
    format_set_bottom(f, LXW_BORDER_DOUBLE);
  }
  return f;
}

static void
create_formats(lxw_workbook *wb, Formats *fmt)
{
  fmt->title = workbook_add_format(wb);
  format_set_bold(fmt->title);
  format_set_font_size(fmt->title, 16);
  fmt->note = workbook_add_format(wb);
  format_set_font_color(fmt->note, 0x595959);
  fmt->header = workbook_add_format(wb);
  format_set_bold(fmt->header);
  format_set_bg_color(fmt->header, 0xDDEBF7);
  format_set_border(fmt->header, LXW_BORDER_THIN);
  format_set_text_wrap(fmt->header);
  format_set_align(fmt->header, LXW_ALIGN_CENTER);
  format_set_align(fmt->header, LXW_ALIGN_VERTICAL_CENTER);
  /* A format equal to another one is looked up by hashing all its properties on
   * every cell written with it (libxlsxwriter caches the index only for the first
   * of equal formats): a plain text cell gets the default format (NULL), and the
   * totals label shares the totals' text format. */
  for (int t = 0; t < REPORT_COL_N_TYPES; t++) {
    fmt->cell[t] = t == REPORT_COL_TEXT ? NULL : cell_format(wb, t, FALSE);
    fmt->total[t] = cell_format(wb, t, TRUE);
  }
  fmt->total_label = fmt->total[REPORT_COL_TEXT];
  fmt->empty = workbook_add_format(wb);
  format_set_italic(fmt->empty);
  format_set_font_color(fmt->empty, 0x595959);
  fmt->link = workbook_get_default_url_format(wb);
  report_foot_create_formats(wb, &fmt->foot);
}

static gboolean
xlsx_ok(lxw_error e, const char *what, GError **error)
{
  if (e == LXW_NO_ERROR)
    return TRUE;
  g_set_error(error, REPORT_ERROR, REPORT_ERROR_XLSX, "%s: %s", what, lxw_strerror(e));
  return FALSE;
}

static void
sql_error(GError **error, const ReportSpec *spec, const ReportSheet *sheet, gboolean lost, const char *fmt, ...)
  G_GNUC_PRINTF(5, 6);

/* Errors about a sheet's SQL name the spec file, the line of its sql key and the sheet. */
static void
sql_error(GError **error, const ReportSpec *spec, const ReportSheet *sheet, gboolean lost, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *why = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  /* a lost connection stays a temporary failure (exit 75): retry later */
  g_set_error(error, lost ? DB_ERROR : REPORT_ERROR, lost ? (int) DB_ERROR_UNREACHABLE : (int) REPORT_ERROR_SQL,
              "%s:%d: key \"sql\" in group [sheet %s]: %s", spec->path, sheet->sql_line, sheet->key, why);
}

static gboolean
write_title_block(Render *r, lxw_worksheet *ws, const ReportSheet *sheet, GError **error)
{
  ReportLang lang = r->req->lang;
  g_autofree char *title = g_strdup_printf("%s — %s", r->spec->title[lang], sheet->name[lang]);
  g_autofree char *date = g_strconcat(label_business_date[lang], r->req->business_date, NULL);
  g_autofree char *gen = g_strconcat(label_generated_at[lang], r->generated_at, NULL);
  g_autofree char *asof = g_strconcat(label_data_as_of[lang], r->data_as_of, NULL);
  const char *desc = r->spec->description[lang];
  if (!xlsx_ok(worksheet_set_row(ws, ROW_TITLE, 24, NULL), "title row", error)
      || !xlsx_ok(worksheet_write_string(ws, ROW_TITLE, 0, title, r->fmt.title), "title", error)
      || !xlsx_ok(worksheet_write_string(ws, ROW_BUSINESS_DATE, 0, date, r->fmt.note), "title block", error)
      || !xlsx_ok(worksheet_write_string(ws, ROW_GENERATED_AT, 0, gen, r->fmt.note), "title block", error)
      || !xlsx_ok(worksheet_write_string(ws, ROW_DATA_AS_OF, 0, asof, r->fmt.note), "title block", error))
    return FALSE;
  if (desc && !xlsx_ok(worksheet_write_string(ws, ROW_DESCRIPTION, 0, desc, r->fmt.note), "title block", error))
    return FALSE;
  if (!xlsx_ok(worksheet_write_string(ws, ROW_UNIT, 0, label_unit[lang], r->fmt.note), "unit line", error))
    return FALSE;
  for (guint c = 0; c < sheet->columns->len; c++) {
    const ReportColumn *col = sheet->columns->pdata[c];
    if (!xlsx_ok(worksheet_write_string(ws, ROW_HEADER, (lxw_col_t) c, col->label[lang], r->fmt.header),
                 "header", error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
parse_int(const char *s, gint64 *out)
{
  return g_ascii_string_to_signed(s, 10, G_MININT64, G_MAXINT64, out, NULL);
}

static gboolean
parse_date(const char *s, lxw_datetime *out)
{
  GDate d;
  if (!date_parse(s, &d, NULL))
    return FALSE;
  *out = (lxw_datetime) { .year = g_date_get_year(&d), .month = g_date_get_month(&d), .day = g_date_get_day(&d) };
  return TRUE;
}

/* NN at S, or -1. */
static int
two_digits(const char *s)
{
  return g_ascii_isdigit(s[0]) && g_ascii_isdigit(s[1]) ? (s[0] - '0') * 10 + (s[1] - '0') : -1;
}

/* A timestamp as PostgreSQL prints it (ISO DateStyle, in the session's time zone,
 * which the report sets): "YYYY-MM-DD HH:MM:SS", optionally ".ffffff" and the zone's
 * offset, which are dropped: the cell shows the wall-clock time of that zone to the
 * second. */
static gboolean
parse_datetime(const char *s, lxw_datetime *out)
{
  char day[DATE_TEXT_SIZE];
  g_strlcpy(day, s, sizeof day);
  if (!parse_date(day, out) || (s[10] != ' ' && s[10] != 'T'))
    return FALSE;
  int h = two_digits(s + 11), mi = h >= 0 && s[13] == ':' ? two_digits(s + 14) : -1;
  int sec = mi >= 0 && s[16] == ':' ? two_digits(s + 17) : -1;
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
    return FALSE;
  const char *rest = s + 19;
  if (*rest == '.')
    for (rest++; g_ascii_isdigit(*rest); rest++)
      ;
  if (*rest == '+' || *rest == '-')
    for (rest++; g_ascii_isdigit(*rest) || *rest == ':'; rest++)
      ;
  if (*rest)
    return FALSE;
  out->hour = h;
  out->min = mi;
  out->sec = (double) sec;
  return TRUE;
}

/* An id that a number cell holds exactly: digits only, no leading zero, ≤ 15 digits. */
static gboolean
numeric_id(const char *s, double *out)
{
  size_t n = strlen(s);
  if (n == 0 || n > ID_DIGITS_MAX || (s[0] == '0' && n > 1))
    return FALSE;
  for (size_t i = 0; i < n; i++)
    if (!g_ascii_isdigit(s[i]))
      return FALSE;
  *out = (double) g_ascii_strtoull(s, NULL, 10);
  return TRUE;
}

/* One SQL value into one cell; money and count are also added to TOTALS exactly. */
static gboolean
write_cell(Render *r, lxw_worksheet *ws, const ReportSheet *sheet, lxw_row_t row, guint c,
           const char *value, gint64 *totals, GError **error)
{
  const ReportColumn *col = sheet->columns->pdata[c];
  lxw_format *f = r->fmt.cell[col->type];
  lxw_error e = LXW_NO_ERROR;
  gint64 n;
  double x;
  lxw_datetime dt;
  switch (col->type) {
  case REPORT_COL_MONEY:
  case REPORT_COL_COUNT:
    if (!parse_int(value, &n)) {
      sql_error(error, r->spec, sheet, FALSE, "column %s (%s) got \"%s\", not a whole number", col->key,
                col->type == REPORT_COL_MONEY ? "money, in fen" : "count", value);
      return FALSE;
    }
    totals[c] += n;
    e = worksheet_write_number(ws, row, (lxw_col_t) c,
                               col->type == REPORT_COL_MONEY ? (double) n / 100.0 : (double) n, f);
    break;
  case REPORT_COL_PERCENT:
    x = g_ascii_strtod(value, NULL);
    e = worksheet_write_number(ws, row, (lxw_col_t) c, x, f);
    break;
  case REPORT_COL_DATE:
    if (!parse_date(value, &dt)) {
      sql_error(error, r->spec, sheet, FALSE, "column %s (date) got \"%s\", not YYYY-MM-DD", col->key, value);
      return FALSE;
    }
    e = worksheet_write_datetime(ws, row, (lxw_col_t) c, &dt, f);
    break;
  case REPORT_COL_DATETIME:
    if (!*value)
      break;   /* not happened yet: an empty cell, like NULL */
    if (!parse_datetime(value, &dt)) {
      sql_error(error, r->spec, sheet, FALSE, "column %s (datetime) got \"%s\", not YYYY-MM-DD HH:MM:SS", col->key,
                value);
      return FALSE;
    }
    e = worksheet_write_datetime(ws, row, (lxw_col_t) c, &dt, f);
    break;
  case REPORT_COL_ID:
    if (numeric_id(value, &x))
      e = worksheet_write_number(ws, row, (lxw_col_t) c, x, f);
    else
      e = worksheet_write_string(ws, row, (lxw_col_t) c, value, NULL);
    break;
  case REPORT_COL_TEXT:
    e = worksheet_write_string(ws, row, (lxw_col_t) c, value, f);
    break;
  case REPORT_COL_N_TYPES:
    g_assert_not_reached();
  }
  return xlsx_ok(e, "data cell", error);
}

static ChartData *
chart_data_new(const ReportSheet *sheet)
{
  if (sheet->charts->len == 0)
    return NULL;
  ChartData *d = g_new0(ChartData, 1);
  d->wanted = g_new0(gboolean, sheet->columns->len);
  d->values = g_new0(GPtrArray *, sheet->columns->len);
  for (guint i = 0; i < sheet->charts->len; i++) {
    const ReportChart *ch = sheet->charts->pdata[i];
    d->wanted[ch->category_col] = TRUE;
    for (guint s = 0; s < ch->series_cols->len; s++)
      d->wanted[g_array_index(ch->series_cols, guint, s)] = TRUE;
  }
  for (guint c = 0; c < sheet->columns->len; c++)
    if (d->wanted[c])
      d->values[c] = g_ptr_array_new_with_free_func(g_free);
  return d;
}

static void
chart_data_free(ChartData *d, guint columns)
{
  if (!d)
    return;
  for (guint c = 0; c < columns; c++)
    if (d->values[c])
      g_ptr_array_unref(d->values[c]);
  g_free(d->values);
  g_free(d->wanted);
  g_free(d);
}

static void
chart_data_add(ChartData *d, const ReportSheet *sheet, const PGresult *res, int res_row)
{
  if (!d || d->rows >= CHART_CACHE_MAX)
    return;
  for (guint c = 0; c < sheet->columns->len; c++)
    if (d->wanted[c])
      g_ptr_array_add(d->values[c], PQgetisnull(res, res_row, (int) c)
                                      ? NULL : g_strdup(PQgetvalue(res, res_row, (int) c)));
  d->rows++;
}

static gboolean
write_row(Render *r, lxw_worksheet *ws, const ReportSheet *sheet, const PGresult *res, int res_row,
          lxw_row_t row, gint64 *totals, GError **error)
{
  for (guint c = 0; c < sheet->columns->len; c++)
    if (!PQgetisnull(res, res_row, (int) c)
        && !write_cell(r, ws, sheet, row, c, PQgetvalue(res, res_row, (int) c), totals, error))
      return FALSE;
  chart_data_add(r->chart_data, sheet, res, res_row);
  return TRUE;
}

static gboolean
check_shape(Render *r, const ReportSheet *sheet, const PGresult *res, GError **error)
{
  if ((guint) PQnfields(res) == sheet->columns->len)
    return TRUE;
  sql_error(error, r->spec, sheet, FALSE, "returns %d columns but key \"columns\" lists %u", PQnfields(res),
            sheet->columns->len);
  return FALSE;
}

/* The sheet's rows come through a cursor, FETCH_ROWS at a time: one result per
 * batch instead of one per row (single-row mode allocated a result for each row),
 * and memory stays bounded whatever the row count. */
#define FETCH_ROWS 10000
static const char sql_fetch[] = "FETCH " G_STRINGIFY(FETCH_ROWS) " FROM report_rows";
static const char sql_close[] = "CLOSE report_rows";

static gboolean
statement_failed(Render *r, const ReportSheet *sheet, const PGresult *res, GError **error)
{
  const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
  g_autofree char *msg = g_strchomp(g_strdup(res ? PQresultErrorMessage(res) : PQerrorMessage(r->conn)));
  sql_error(error, r->spec, sheet, PQstatus(r->conn) == CONNECTION_BAD, "statement failed (SQLSTATE %s): %s",
            state ? state : "none", msg);
  return FALSE;
}

static gboolean
declare_cursor(Render *r, const ReportSheet *sheet, GError **error)
{
  const char *params[] = { r->req->business_date, r->req->lang == REPORT_LANG_EN ? "en" : "zh" };
  const Oid types[] = { OID_DATE, OID_TEXT };
  g_autofree char *declare = g_strdup_printf("DECLARE report_rows NO SCROLL CURSOR FOR %s", sheet->sql);
  g_autoptr(PGresult) res = PQexecParams(r->conn, declare, 2, types, params, NULL, NULL, 0);
  return PQresultStatus(res) == PGRES_COMMAND_OK || statement_failed(r, sheet, res, error);
}

static gboolean start_part(Render *r, const ReportSheet *sheet, SheetPart *part, GError **error);
static gboolean finish_part(Render *r, const ReportSheet *sheet, SheetPart *part, gboolean last, GError **error);

/* Writes the sheet's SQL into data rows from ROW_FIRST_DATA on, continuing on a new
 * worksheet when one is full; *N gets the row count. */
static gboolean
stream_rows(Render *r, SheetPart *part, const ReportSheet *sheet, gint64 *totals, gint64 *n, GError **error)
{
  *n = 0;
  if (!declare_cursor(r, sheet, error))
    return FALSE;
  for (;;) {
    g_autoptr(PGresult) res = PQexecParams(r->conn, sql_fetch, 0, NULL, NULL, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
      return statement_failed(r, sheet, res, error);
    if (!check_shape(r, sheet, res, error))
      return FALSE;
    int rows = PQntuples(res);
    for (int i = 0; i < rows; i++, ++*n, part->rows++) {
      if (part->rows == r->rows_per_part
          && !(finish_part(r, sheet, part, FALSE, error) && start_part(r, sheet, part, error)))
        return FALSE;
      if (!write_row(r, part->ws, sheet, res, i, ROW_FIRST_DATA + part->rows, totals, error))
        return FALSE;
    }
    if (rows < FETCH_ROWS)
      break;
    log_progress("%s/%s: %" G_GINT64_FORMAT " rows", r->spec->name, sheet->key, *n);
  }
  log_progress_done();
  g_autoptr(PGresult) closed = PQexecParams(r->conn, sql_close, 0, NULL, NULL, NULL, NULL, 0);
  return PQresultStatus(closed) == PGRES_COMMAND_OK || statement_failed(r, sheet, closed, error);
}

/* NAME quoted for a formula: 'NAME', quotes inside doubled. */
static char *
quoted_sheet(const char *name)
{
  GString *q = g_string_new("'");
  for (const char *p = name; *p; p++) {
    if (*p == '\'')
      g_string_append_c(q, '\'');
    g_string_append_c(q, *p);
  }
  g_string_append_c(q, '\'');
  return g_string_free(q, FALSE);
}

/* SUBTOTAL(109, …) of column C over the data rows of every part of the sheet (the
 * parts written from FIRST on; the last one is the current worksheet): it follows the
 * autofilter, summing only the rows shown. An empty sheet sums its one note line. */
static char *
subtotal_formula(Render *r, guint first, lxw_col_t c)
{
  GString *f = g_string_new("=SUBTOTAL(109");
  for (guint i = first; i < r->parts->len; i++) {
    const WrittenPart *w = r->parts->pdata[i];
    char from[LXW_MAX_CELL_NAME_LENGTH], to[LXW_MAX_CELL_NAME_LENGTH];
    lxw_rowcol_to_cell(from, ROW_FIRST_DATA, c);
    lxw_rowcol_to_cell(to, ROW_FIRST_DATA + (lxw_row_t) MAX(w->rows, 1) - 1, c);
    g_string_append_c(f, ',');
    if (i + 1 < r->parts->len) {
      g_autofree char *q = quoted_sheet(w->name);
      g_string_append_printf(f, "%s!", q);
    }
    g_string_append_printf(f, "%s:%s", from, to);
  }
  g_string_append_c(f, ')');
  return g_string_free(f, FALSE);
}

static void
add_key_figure(Render *r, const ReportSheet *sheet, const char *part_name, lxw_row_t row, guint c, gint64 value)
{
  const ReportColumn *col = sheet->columns->pdata[c];
  char cell[LXW_MAX_CELL_NAME_LENGTH];
  lxw_rowcol_to_cell(cell, row, (lxw_col_t) c);
  g_autofree char *q = quoted_sheet(part_name);
  KeyFigure *k = g_new0(KeyFigure, 1);
  k->sheet_label = g_strdup(sheet->name[r->req->lang]);
  k->item = g_strdup(col->label[r->req->lang]);
  k->ref = g_strconcat(q, "!", cell, NULL);
  k->type = col->type;
  k->value = value;
  g_ptr_array_add(r->figures, k);
}

static double
display_value(ReportColumnType type, gint64 v)
{
  return type == REPORT_COL_MONEY ? (double) v / 100.0 : (double) v;
}

/* The totals row: each total a SUBTOTAL formula with its exact value (summed in fen as
 * int64 while streaming) cached, so a reader that does not recalculate shows it too. */
static gboolean
write_totals(Render *r, const SheetPart *part, const ReportSheet *sheet, guint first_part, lxw_row_t row,
             const gint64 *totals, GError **error)
{
  lxw_worksheet *ws = part->ws;
  if (!xlsx_ok(worksheet_write_string(ws, row, 0, label_total[r->req->lang], r->fmt.total_label), "totals", error))
    return FALSE;
  for (guint c = 1; c < sheet->columns->len; c++) {
    const ReportColumn *col = sheet->columns->pdata[c];
    lxw_error e;
    if (col->total) {
      g_autofree char *formula = subtotal_formula(r, first_part, (lxw_col_t) c);
      e = worksheet_write_formula_num(ws, row, (lxw_col_t) c, formula, r->fmt.total[col->type],
                                      display_value(col->type, totals[c]));
    } else
      e = worksheet_write_blank(ws, row, (lxw_col_t) c, r->fmt.total_label);
    if (!xlsx_ok(e, "totals", error))
      return FALSE;
  }
  for (guint i = 0; i < sheet->cover_cols->len; i++) {
    guint c = g_array_index(sheet->cover_cols, guint, i);
    add_key_figure(r, sheet, part->name, row, c, totals[c]);
  }
  return TRUE;
}

/* A cell value as a chart's cache holds it: the number the cell shows (a date as its
 * serial), or NAN when it is no number. */
static double
chart_number(const ReportColumn *col, const char *v)
{
  gint64 n;
  lxw_datetime dt;
  switch (col->type) {
  case REPORT_COL_MONEY:
  case REPORT_COL_COUNT:
    return parse_int(v, &n) ? display_value(col->type, n) : NAN;
  case REPORT_COL_PERCENT:
    return g_ascii_strtod(v, NULL);
  case REPORT_COL_DATE:
    return parse_date(v, &dt) ? lxw_datetime_to_excel_datetime(&dt) : NAN;
  case REPORT_COL_DATETIME:
    return parse_datetime(v, &dt) ? lxw_datetime_to_excel_datetime(&dt) : NAN;
  default:
    return NAN;
  }
}

/* Fills RANGE's cached values from the rows kept while streaming. The library reads
 * cells back for its caches only outside constant-memory mode; here it is told to
 * leave the range alone (ignore_cache) and gets the points it would have made. The
 * points are the library's to free (malloc, as it allocates them). */
static gboolean
fill_chart_cache(lxw_series_range *range, const ChartData *d, const ReportColumn *col, guint c, GError **error)
{
  range->ignore_cache = LXW_TRUE;
  GPtrArray *values = d->values[c];
  if (values->len > CHART_CACHE_MAX - 1)
    return TRUE;   /* too many to cache: readers recalculate */
  gboolean strings = col->type == REPORT_COL_TEXT || col->type == REPORT_COL_ID;
  range->has_string_cache = (uint8_t) strings;
  for (guint i = 0; i < values->len; i++) {
    const char *v = values->pdata[i];
    lxw_series_data_point *p = calloc(1, sizeof *p);
    if (!p || (strings && v && !(p->string = strdup(v)))) {
      free(p);
      g_set_error(error, REPORT_ERROR, REPORT_ERROR_XLSX, "chart cache: out of memory");
      return FALSE;
    }
    p->is_string = (uint8_t) (strings && v);
    p->number = strings || !v ? 0 : chart_number(col, v);
    p->no_data = (uint8_t) (!v || (!strings && isnan(p->number)));
    STAILQ_INSERT_TAIL(range->data_cache, p, list_pointers);
  }
  range->num_data_points = (uint16_t) values->len;
  return TRUE;
}

static gboolean
chart_is_stacked(int type)
{
  return type == LXW_CHART_COLUMN_STACKED || type == LXW_CHART_BAR_STACKED || type == LXW_CHART_AREA_STACKED
         || type == LXW_CHART_COLUMN_STACKED_PERCENT || type == LXW_CHART_BAR_STACKED_PERCENT;
}

/* Axes that read like the columns they plot: the value axis in the series' format (a
 * stack of shares capped at 100 %), the category axis in the category's (dates as
 * yyyy-mm-dd, never serial numbers). A pie has no axes. */
static void
set_chart_axes(lxw_chart *chart, const ReportChart *ch, const ReportSheet *sheet)
{
  if (ch->type == LXW_CHART_PIE || ch->series_cols->len == 0)
    return;
  gboolean bar = ch->type == LXW_CHART_BAR || ch->type == LXW_CHART_BAR_STACKED;
  lxw_chart_axis *value_axis = bar ? chart->x_axis : chart->y_axis;
  lxw_chart_axis *category_axis = bar ? chart->y_axis : chart->x_axis;
  const ReportColumn *first = sheet->columns->pdata[g_array_index(ch->series_cols, guint, 0)];
  gboolean percent = first->type == REPORT_COL_PERCENT;
  chart_axis_set_num_format(value_axis, percent ? "0%" : "#,##0");
  if (percent && chart_is_stacked(ch->type)) {
    chart_axis_set_min(value_axis, 0);
    chart_axis_set_max(value_axis, 1);
  }
  const ReportColumn *category = sheet->columns->pdata[ch->category_col];
  if (category->type == REPORT_COL_DATE || category->type == REPORT_COL_DATETIME)
    chart_axis_set_num_format(category_axis, num_formats[REPORT_COL_DATE]);
}

static gboolean
add_chart_series(Render *r, lxw_chart *chart, const ReportChart *ch, const ReportSheet *sheet,
                 const char *sheet_name, lxw_row_t last_data_row, GError **error)
{
  const ReportColumn *category = sheet->columns->pdata[ch->category_col];
  for (guint s = 0; s < ch->series_cols->len; s++) {
    guint c = g_array_index(ch->series_cols, guint, s);
    lxw_chart_series *series = chart_add_series(chart, NULL, NULL);
    if (!series) {
      g_set_error(error, REPORT_ERROR, REPORT_ERROR_XLSX, "chart %s: cannot add a series", ch->name);
      return FALSE;
    }
    chart_series_set_categories(series, sheet_name, ROW_FIRST_DATA, (lxw_col_t) ch->category_col, last_data_row,
                                (lxw_col_t) ch->category_col);
    chart_series_set_values(series, sheet_name, ROW_FIRST_DATA, (lxw_col_t) c, last_data_row, (lxw_col_t) c);
    chart_series_set_name_range(series, sheet_name, ROW_HEADER, (lxw_col_t) c);
    /* the series' name is the column's header: cached as well */
    lxw_series_range *name = series->title.range;
    lxw_series_data_point *p = calloc(1, sizeof *p);
    if (!p || !(p->string = strdup(((const ReportColumn *) sheet->columns->pdata[c])->label[r->req->lang]))) {
      free(p);
      g_set_error(error, REPORT_ERROR, REPORT_ERROR_XLSX, "chart cache: out of memory");
      return FALSE;
    }
    p->is_string = LXW_TRUE;
    name->ignore_cache = LXW_TRUE;
    name->has_string_cache = LXW_TRUE;
    name->num_data_points = 1;
    STAILQ_INSERT_TAIL(name->data_cache, p, list_pointers);
    if (!fill_chart_cache(series->categories, r->chart_data, category, ch->category_col, error)
        || !fill_chart_cache(series->values, r->chart_data, sheet->columns->pdata[c], c, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
insert_charts(Render *r, lxw_worksheet *ws, const ReportSheet *sheet, const char *sheet_name,
              lxw_row_t last_data_row, GError **error)
{
  ReportLang lang = r->req->lang;
  for (guint i = 0; i < sheet->charts->len; i++) {
    const ReportChart *ch = sheet->charts->pdata[i];
    lxw_chart *chart = workbook_add_chart(r->wb, (uint8_t) ch->type);
    if (!chart) {
      g_set_error(error, REPORT_ERROR, REPORT_ERROR_XLSX, "chart %s: cannot create", ch->name);
      return FALSE;
    }
    chart_title_set_name(chart, ch->title[lang]);
    if (!add_chart_series(r, chart, ch, sheet, sheet_name, last_data_row, error))
      return FALSE;
    chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
    set_chart_axes(chart, ch, sheet);
    if (!xlsx_ok(worksheet_insert_chart(ws, ROW_HEADER + i * CHART_ROWS, (lxw_col_t) sheet->columns->len + 1,
                                        chart),
                 "chart", error))
      return FALSE;
  }
  return TRUE;
}

/* Text for a page header or footer: '&' starts a code there, so a literal one is "&&". */
static char *
header_text(const char *s)
{
  g_auto(GStrv) parts = g_strsplit(s, "&", -1);
  return g_strjoinv("&&", parts);
}

/* Printed or turned into PDF: landscape A4, every column on the page width, the header
 * row repeated on each page; the report and the business date on top of every page,
 * the page number at the bottom. */
static gboolean
set_page(Render *r, lxw_worksheet *ws, const char *what, gboolean repeat_header, GError **error)
{
  ReportLang lang = r->req->lang;
  worksheet_set_landscape(ws);
  worksheet_set_paper(ws, 9);  /* A4 */
  worksheet_fit_to_pages(ws, 1, 0);
  g_autofree char *title = header_text(what);
  g_autofree char *header = g_strdup_printf("&L%s&R%s%s", title, label_business_date[lang], r->req->business_date);
  g_autofree char *footer = g_strconcat("&C", label_page[lang], NULL);
  if (strlen(header) > LXW_HEADER_FOOTER_MAX) {   /* Excel's limit: a very long title gives way to the date */
    g_free(header);
    header = g_strdup_printf("&R%s%s", label_business_date[lang], r->req->business_date);
  }
  return xlsx_ok(worksheet_set_header(ws, header), "page header", error)
         && xlsx_ok(worksheet_set_footer(ws, footer), "page footer", error)
         && (!repeat_header || xlsx_ok(worksheet_repeat_rows(ws, ROW_HEADER, ROW_HEADER), "repeat header rows", error));
}

/* A new worksheet for SHEET (the next part), laid out and titled, ready for data. */
static gboolean
start_part(Render *r, const ReportSheet *sheet, SheetPart *part, GError **error)
{
  const char *name = sheet->name[r->req->lang];
  part->number++;
  g_free(part->name);
  part->name = part->number == 1 ? g_strdup(name) : g_strdup_printf("%s (%u)", name, part->number);
  part->rows = 0;
  part->ws = workbook_add_worksheet(r->wb, part->name);
  if (!part->ws) {
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_XLSX, "%s: cannot add worksheet \"%s\"", r->spec->path,
                part->name);
    return FALSE;
  }
  g_autofree char *what = g_strdup_printf("%s — %s", r->spec->title[r->req->lang], part->name);
  if (!set_page(r, part->ws, what, TRUE, error))
    return FALSE;
  for (guint c = 0; c < sheet->columns->len; c++) {
    const ReportColumn *col = sheet->columns->pdata[c];
    if (!xlsx_ok(worksheet_set_column(part->ws, (lxw_col_t) c, (lxw_col_t) c, col->width, NULL), "column width",
                 error))
      return FALSE;
  }
  return write_title_block(r, part->ws, sheet, error);
}

/* Frozen header and filter over the part's rows; charts when the whole sheet is this
 * one worksheet (a chart plots one range). In constant-memory mode a range may not end
 * above the row being written: they go in while the last data row is still the
 * current one, before the totals row. */
static gboolean
finish_part(Render *r, const ReportSheet *sheet, SheetPart *part, gboolean last, GError **error)
{
  lxw_row_t last_data_row = part->rows ? ROW_FIRST_DATA + part->rows - 1 : ROW_HEADER;
  WrittenPart *w = g_new0(WrittenPart, 1);
  w->name = g_strdup(part->name);
  w->rows = part->rows;
  g_ptr_array_add(r->parts, w);
  worksheet_freeze_panes(part->ws, ROW_FIRST_DATA, 0);
  if (!xlsx_ok(worksheet_autofilter(part->ws, ROW_HEADER, 0, last_data_row, (lxw_col_t) (sheet->columns->len - 1)),
               "autofilter", error))
    return FALSE;
  /* an empty range would make the spreadsheet programs complain: no rows, no chart */
  gboolean whole = last && part->number == 1;
  return !whole || part->rows == 0 || insert_charts(r, part->ws, sheet, part->name, last_data_row, error);
}

/* A sheet whose query returned no rows says so on its first data row. */
static gboolean
write_empty_line(Render *r, const SheetPart *part, const ReportSheet *sheet, GError **error)
{
  ReportLang lang = r->req->lang;
  const char *why = sheet->empty[lang] ? sheet->empty[lang] : label_empty[lang];
  return xlsx_ok(worksheet_write_string(part->ws, ROW_FIRST_DATA, 0, why, r->fmt.empty), "empty sheet line", error);
}

static gboolean
render_sheet(Render *r, const ReportSheet *sheet, GError **error)
{
  SheetPart part = { 0 };
  g_autofree gint64 *totals = g_new0(gint64, sheet->columns->len);
  gint64 n = 0;
  guint first_part = r->parts->len;
  r->chart_data = chart_data_new(sheet);
  gboolean ok = start_part(r, sheet, &part, error) && stream_rows(r, &part, sheet, totals, &n, error)
                && finish_part(r, sheet, &part, TRUE, error) && (n > 0 || write_empty_line(r, &part, sheet, error));
  /* the totals row, of every part's rows, ends the last part (after the empty line) */
  lxw_row_t totals_row = ROW_FIRST_DATA + MAX(part.rows, 1);
  ok = ok && (!sheet->totals || write_totals(r, &part, sheet, first_part, totals_row, totals, error));
  /* below the totals: the reconciling foot lines to the GL (src/report_foot.c) */
  ok = ok && report_foot_write(r->conn, r->spec, sheet, r->req, &r->fmt.foot, part.ws, totals_row + 1, totals,
                               NULL, error);
  chart_data_free(r->chart_data, sheet->columns->len);
  r->chart_data = NULL;
  r->rows += n;
  g_free(part.name);
  return ok;
}

static const char sql_begin_snapshot[] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
/* A cursor is planned for its first rows unless told otherwise; reports read every row. */
static const char sql_plan_for_all_rows[] = "SET LOCAL cursor_tuple_fraction = 1.0";
/* Times are shown in the configured zone ([report] timezone): now(), a timestamptz
 * column and to_char of one all print in the session's zone, set for the snapshot only. */
static const char sql_set_timezone[] = "SELECT set_config('TimeZone', $1, true)";
static const char sql_iso_dates[] = "SET LOCAL DateStyle = 'ISO, YMD'";
#define SQL_TIME_FORMAT "'YYYY-MM-DD HH24:MI:SS TZH:TZM'"
static const char sql_data_as_of[] = "SELECT to_char(now(), " SQL_TIME_FORMAT ")";
/* The cut-off: the night cut D's intake when it opened D, and closed it (architecture.md). */
static const char sql_cutoff[] =
  "SELECT coalesce(to_char(opened_at, " SQL_TIME_FORMAT "), ''), coalesce(to_char(closed_at, " SQL_TIME_FORMAT "), '')"
  "  FROM business_calendar WHERE business_date = $1::date";

static char *
cutoff_text(ReportLang lang, const char *date, const char *cut, const char *closed)
{
  if (lang == REPORT_LANG_EN)
    return g_strdup_printf("end of %s (intake cut %s, closed %s)", date, cut, closed);
  return g_strdup_printf("%s 日终（入账截止 %s，关账 %s）", date, cut, closed);
}

/* The times the title blocks show, read in the snapshot (report_snapshot_begin). */
static gboolean
start_snapshot(Render *r, GError **error)
{
  const char *date[] = { r->req->business_date };
  g_autoptr(PGresult) asof = db_query_one(r->conn, "report_data_as_of", sql_data_as_of, 0, NULL, error);
  if (!asof)
    return FALSE;
  r->data_as_of = g_strdup(PQgetvalue(asof, 0, 0));
  g_autoptr(PGresult) cut = db_query_one(r->conn, "report_cutoff", sql_cutoff, 1, date, error);
  if (!cut)
    return FALSE;
  r->cutoff = cutoff_text(r->req->lang, r->req->business_date, PQgetvalue(cut, 0, 0), PQgetvalue(cut, 0, 1));
  return TRUE;
}

/* SET TRANSACTION SNAPSHOT takes no parameter: the id (pg_export_snapshot's
 * "0000000A-0000001B-1") is checked to be hex digits and dashes before it is quoted. */
static gboolean
import_snapshot(Render *r, GError **error)
{
  const char *id = r->req->snapshot;
  if (!id)
    return TRUE;
  if (!*id || strspn(id, "0123456789ABCDEFabcdef-") != strlen(id) || strlen(id) > 64) {
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_SQL, "\"%s\" is not a snapshot id", id);
    return FALSE;
  }
  g_autofree char *sql = g_strdup_printf("SET TRANSACTION SNAPSHOT '%s'", id);
  return db_exec(r->conn, "report_import_snapshot", sql, 0, NULL, error);
}

static gboolean
render_sheets(Render *r, GError **error)
{
  if (!report_snapshot_begin(r->conn, r->req, error))
    return FALSE;
  gboolean ok = start_snapshot(r, error);
  for (guint i = 0; ok && i < r->spec->sheets->len; i++)
    ok = render_sheet(r, r->spec->sheets->pdata[i], error);
  if (!ok) {
    db_rollback(r->conn);
    return FALSE;
  }
  return db_commit(r->conn, error);
}

/* The cover's title block: like a sheet's, with the cut-off. */
static gboolean
write_cover_title(Render *r, lxw_worksheet *ws, GError **error)
{
  ReportLang lang = r->req->lang;
  const char *lines[][2] = {
    { label_business_date[lang], r->req->business_date },
    { label_cutoff[lang], r->cutoff },
    { label_generated_at[lang], r->generated_at },
    { label_data_as_of[lang], r->data_as_of },
  };
  if (!xlsx_ok(worksheet_set_row(ws, ROW_TITLE, 24, NULL), "cover", error)
      || !xlsx_ok(worksheet_write_string(ws, ROW_TITLE, 0, r->spec->title[lang], r->fmt.title), "cover", error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS(lines); i++) {
    g_autofree char *text = g_strconcat(lines[i][0], lines[i][1], NULL);
    if (!xlsx_ok(worksheet_write_string(ws, (lxw_row_t) (ROW_BUSINESS_DATE + i), 0, text, r->fmt.note), "cover",
                 error))
      return FALSE;
  }
  const char *desc = r->spec->description[lang];
  return (!desc || xlsx_ok(worksheet_write_string(ws, ROW_DESCRIPTION + 1, 0, desc, r->fmt.note), "cover", error))
         && xlsx_ok(worksheet_write_string(ws, ROW_UNIT + 1, 0, label_unit[lang], r->fmt.note), "cover", error);
}

static gboolean
write_header_cells(Render *r, lxw_worksheet *ws, lxw_row_t row, const char *const *labels, guint n, GError **error)
{
  for (guint c = 0; c < n; c++)
    if (!xlsx_ok(worksheet_write_string(ws, row, (lxw_col_t) c, labels[c], r->fmt.header), "cover", error))
      return FALSE;
  return TRUE;
}

/* Key figures: each a formula pointing at the sheet's totals cell, its exact value cached. */
static gboolean
write_key_figures(Render *r, lxw_worksheet *ws, lxw_row_t *row, GError **error)
{
  ReportLang lang = r->req->lang;
  if (!xlsx_ok(worksheet_write_string(ws, (*row)++, 0, label_key_figures[lang], r->fmt.header), "cover", error)
      || !write_header_cells(r, ws, (*row)++, label_cover_cols[lang], 3, error))
    return FALSE;
  for (guint i = 0; i < r->figures->len; i++, (*row)++) {
    const KeyFigure *k = r->figures->pdata[i];
    g_autofree char *formula = g_strconcat("=", k->ref, NULL);
    if (!xlsx_ok(worksheet_write_string(ws, *row, 0, k->sheet_label, NULL), "cover", error)
        || !xlsx_ok(worksheet_write_string(ws, *row, 1, k->item, NULL), "cover", error)
        || !xlsx_ok(worksheet_write_formula_num(ws, *row, 2, formula, r->fmt.cell[k->type],
                                                display_value(k->type, k->value)),
                    "cover", error))
      return FALSE;
  }
  return TRUE;
}

/* Contents: a link to every worksheet, with its data rows. */
static gboolean
write_contents(Render *r, lxw_worksheet *ws, lxw_row_t *row, GError **error)
{
  ReportLang lang = r->req->lang;
  if (!xlsx_ok(worksheet_write_string(ws, (*row)++, 0, label_contents[lang], r->fmt.header), "cover", error)
      || !write_header_cells(r, ws, (*row)++, label_contents_cols[lang], 2, error))
    return FALSE;
  for (guint i = 0; i < r->parts->len; i++, (*row)++) {
    const WrittenPart *w = r->parts->pdata[i];
    g_autofree char *q = quoted_sheet(w->name);
    g_autofree char *url = g_strconcat("internal:", q, "!A1", NULL);
    if (!xlsx_ok(worksheet_write_url_opt(ws, *row, 0, url, r->fmt.link, w->name, NULL), "cover link", error)
        || !xlsx_ok(worksheet_write_number(ws, *row, 1, (double) w->rows, r->fmt.cell[REPORT_COL_COUNT]), "cover",
                    error))
      return FALSE;
  }
  return TRUE;
}

/* The cover, first in the workbook, written last: its figures are the sheets' totals. */
static gboolean
write_cover(Render *r, GError **error)
{
  lxw_worksheet *ws = r->cover;
  lxw_row_t row = ROW_UNIT + 3;
  if (!xlsx_ok(worksheet_set_column(ws, 0, 0, 30, NULL), "cover", error)
      || !xlsx_ok(worksheet_set_column(ws, 1, 1, 36, NULL), "cover", error)
      || !xlsx_ok(worksheet_set_column(ws, 2, 2, 22, NULL), "cover", error)
      || !set_page(r, ws, r->spec->title[r->req->lang], FALSE, error) || !write_cover_title(r, ws, error))
    return FALSE;
  if (r->figures->len > 0 && !write_key_figures(r, ws, &row, error))
    return FALSE;
  row += r->figures->len > 0 ? 1 : 0;
  return write_contents(r, ws, &row, error);
}

static gboolean
set_properties(Render *r, GError **error)
{
  ReportLang lang = r->req->lang;
  g_autofree char *comments = g_strdup_printf("%s%s", label_business_date[lang], r->req->business_date);
  lxw_doc_properties props = {
    .title = r->spec->title[lang],
    .subject = r->spec->description[lang] ? r->spec->description[lang] : r->spec->title[lang],
    .author = (char *) "baitiao",
    .company = (char *) "baitiao",
    .category = (char *) "finance report",
    .keywords = r->spec->name,
    .comments = comments,
    .created = time(NULL),
  };
  return xlsx_ok(workbook_set_properties(r->wb, &props), "document properties", error);
}

/* Creates the temporary file in OUT_DIR, which both proves the directory writable
 * (with an error naming it) and fixes the file's mode before any data is in it.
 * Its name ".NAME.xlsx.PID.XXXXXX" carries our pid, so a later run can tell a file
 * a killed report left behind (report_remove_stale_temps). */
static char *
create_temp(const char *out_dir, const char *final_name, GError **error)
{
  g_autofree char *tmpl = g_strdup_printf("%s/.%s.%d.XXXXXX", out_dir, final_name, (int) getpid());
  int fd = g_mkstemp_full(tmpl, O_RDWR | O_CLOEXEC, 0640);
  if (fd < 0) {
    int err = errno;
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_OUTPUT, "cannot write reports to %s: %s", out_dir,
                g_strerror(err));
    return NULL;
  }
  close(fd);
  return g_steal_pointer(&tmpl);
}

/* The temporary names create_temp makes (xlsx, and report_csv.c's csv); group 1 is the writer's pid. */
#define REPORT_TEMP_PATTERN "^\\.[A-Za-z0-9_]+_[0-9]{8}\\.(?:xlsx|csv)\\.([0-9]{1,9})\\.[A-Za-z0-9]{6}$"

static gboolean
process_alive(pid_t pid)
{
  return kill(pid, 0) == 0 || errno == EPERM;
}

/* NAME (in DIR) is a temporary file of a report whose process is gone. */
static gboolean
is_stale_temp(const GRegex *re, const char *name)
{
  g_autoptr(GMatchInfo) match = NULL;
  if (!g_regex_match(re, name, 0, &match))
    return FALSE;
  g_autofree char *pid_text = g_match_info_fetch(match, 1);
  gint64 pid = g_ascii_strtoll(pid_text, NULL, 10);
  return pid > 0 && pid != getpid() && !process_alive((pid_t) pid);
}

gboolean
report_remove_stale_temps(const char *out_dir, guint *removed, GError **error)
{
  *removed = 0;
  g_autoptr(GError) local = NULL;
  g_autoptr(GDir) dir = g_dir_open(out_dir, 0, &local);
  if (!dir) {
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_OUTPUT, "cannot read %s: %s", out_dir, local->message);
    return FALSE;
  }
  g_autoptr(GRegex) re = g_regex_new(REPORT_TEMP_PATTERN, 0, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name(dir))) {
    if (!is_stale_temp(re, name))
      continue;
    g_autofree char *path = g_build_filename(out_dir, name, NULL);
    if (g_unlink(path) != 0 && errno != ENOENT) {
      int err = errno;
      g_set_error(error, REPORT_ERROR, REPORT_ERROR_OUTPUT, "cannot remove stale temporary file %s: %s", path,
                  g_strerror(err));
      return FALSE;
    }
    log_warning("removed %s: a temporary report file whose writer is gone (a killed report)", path);
    (*removed)++;
  }
  return TRUE;
}

/* The file is complete on disk before it gets its name. */
static gboolean
publish(const char *tmp, const char *path, GError **error)
{
  int fd = open(tmp, O_RDONLY | O_CLOEXEC);
  gboolean ok = fd >= 0 && fsync(fd) == 0 && g_chmod(tmp, 0640) == 0;
  int err = errno;
  if (fd >= 0)
    close(fd);
  if (ok && g_rename(tmp, path) == 0)
    return TRUE;
  if (ok)
    err = errno;
  g_set_error(error, REPORT_ERROR, REPORT_ERROR_OUTPUT, "cannot write %s: %s", path, g_strerror(err));
  return FALSE;
}

/* A worksheet's rows less the title block, the header and the totals row. In a test
 * build (--enable-fault-injection) BAITIAO_REPORT_SHEET_ROWS lowers it, so the tests
 * see a sheet continue; the shipped binary has no such knob. */
static lxw_row_t
rows_per_part(void)
{
  lxw_row_t most = LXW_ROW_MAX - ROW_FIRST_DATA - 1;
#ifdef BAITIAO_FAULT_INJECTION
  const char *env = g_getenv("BAITIAO_REPORT_SHEET_ROWS");
  guint64 n = env ? g_ascii_strtoull(env, NULL, 10) : 0;
  if (n > 0 && n < most)
    return (lxw_row_t) n;
#endif
  return most;
}

char *
report_compact_date(const char *date)
{
  char *compact = g_strdup(date);
  char *w = compact;
  for (const char *p = date; *p; p++)
    if (*p != '-')
      *w++ = *p;
  *w = '\0';
  return compact;
}

gboolean
report_render(PGconn *conn, const ReportSpec *spec, const ReportRequest *req, char **path_out,
              gint64 *rows_out, GError **error)
{
  g_autofree char *compact = report_compact_date(req->business_date);
  g_autofree char *final_name = g_strdup_printf("%s_%s.xlsx", spec->name, compact);
  g_autofree char *path = g_build_filename(req->out_dir, final_name, NULL);
  g_autofree char *tmp = create_temp(req->out_dir, final_name, error);
  if (!tmp)
    return FALSE;
  lxw_workbook_options opts = { .constant_memory = LXW_TRUE, .tmpdir = NULL, .use_zip64 = LXW_TRUE };
  Render r = { .conn = conn, .spec = spec, .req = req, .rows_per_part = rows_per_part() };
  r.wb = workbook_new_opt(tmp, &opts);
  if (!r.wb) {
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_XLSX, "cannot start workbook %s", tmp);
    g_unlink(tmp);
    return FALSE;
  }
  r.tz_name = req->timezone ? req->timezone : REPORT_DEFAULT_TIMEZONE;
  r.tz = g_time_zone_new_identifier(r.tz_name);
  if (!r.tz)
    r.tz = g_time_zone_new_utc();   /* config_load refuses an unknown zone; PostgreSQL would too */
  GDateTime *now = g_date_time_new_now(r.tz);
  g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%d %H:%M:%S %:z");
  r.generated_at = g_strdup_printf("%s (%s)", stamp, r.tz_name);
  g_date_time_unref(now);
  r.parts = g_ptr_array_new_with_free_func(written_part_free);
  r.figures = g_ptr_array_new_with_free_func(key_figure_free);
  create_formats(r.wb, &r.fmt);
  r.cover = workbook_add_worksheet(r.wb, label_cover[req->lang]);
  gboolean ok = r.cover != NULL;
  if (!ok)
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_XLSX, "cannot add the cover sheet");
  ok = ok && render_sheets(&r, error) && write_cover(&r, error) && set_properties(&r, error);
  /* workbook_close also frees the workbook: always called, its error kept only if first */
  errno = 0;
  lxw_error closed = workbook_close(r.wb);
  int close_errno = errno;   /* a full disk shows here, not in the library's code */
  if (ok && closed != LXW_NO_ERROR) {
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_OUTPUT, "cannot write %s: %s%s%s%s", path, lxw_strerror(closed),
                close_errno ? " (" : "", close_errno ? g_strerror(close_errno) : "", close_errno ? ")" : "");
    ok = FALSE;
  }
  if (ok)
    fault_reached("report-before-publish");
  ok = ok && publish(tmp, path, error);
  if (!ok)
    g_unlink(tmp);
  g_free(r.generated_at);
  g_free(r.data_as_of);
  g_free(r.cutoff);
  g_ptr_array_unref(r.parts);
  g_ptr_array_unref(r.figures);
  g_time_zone_unref(r.tz);
  if (ok && path_out)
    *path_out = g_steal_pointer(&path);
  if (ok && rows_out)
    *rows_out = r.rows;
  return ok;
}

/* ---- for other writers of the same rows (report_csv.c) ----------------------- */

/* The transaction every writer reads in: the workbook (render_sheets) and the CSV. */
gboolean
report_snapshot_begin(PGconn *conn, const ReportRequest *req, GError **error)
{
  Render r = { .conn = conn, .req = req };
  const char *tz[] = { req->timezone ? req->timezone : REPORT_DEFAULT_TIMEZONE };
  if (!db_exec(conn, "report_begin", sql_begin_snapshot, 0, NULL, error))
    return FALSE;
  if (import_snapshot(&r, error) && db_exec(conn, "report_plan_for_all_rows", sql_plan_for_all_rows, 0, NULL, error)
      && db_exec(conn, "report_iso_dates", sql_iso_dates, 0, NULL, error)) {
    g_autoptr(PGresult) zone = db_query_one(conn, "report_set_timezone", sql_set_timezone, 1, tz, error);
    g_autoptr(PGresult) path = zone && req->group
                                 ? stmt_query_one(conn, "queries/report/20_group_search_path", 0, NULL, error) : NULL;
    if (zone && (path || !req->group))
      return TRUE;
  }
  db_rollback(conn);
  return FALSE;
}

gboolean
report_each_row(PGconn *conn, const ReportSpec *spec, const ReportSheet *sheet, const ReportRequest *req,
                ReportRowFn fn, gpointer data, gint64 *rows_out, GError **error)
{
  Render r = { .conn = conn, .spec = spec, .req = req };
  gint64 n = 0;
  if (!declare_cursor(&r, sheet, error))
    return FALSE;
  for (;;) {
    g_autoptr(PGresult) res = PQexecParams(conn, sql_fetch, 0, NULL, NULL, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
      return statement_failed(&r, sheet, res, error);
    if (!check_shape(&r, sheet, res, error))
      return FALSE;
    int rows = PQntuples(res);
    for (int i = 0; i < rows; i++, n++)
      if (!fn(sheet, res, i, data, error))
        return FALSE;
    if (rows < FETCH_ROWS)
      break;
    log_progress("%s/%s: %" G_GINT64_FORMAT " rows", spec->name, sheet->key, n);
  }
  log_progress_done();
  *rows_out = n;
  g_autoptr(PGresult) closed = PQexecParams(conn, sql_close, 0, NULL, NULL, NULL, NULL, 0);
  return PQresultStatus(closed) == PGRES_COMMAND_OK || statement_failed(&r, sheet, closed, error);
}

char *
report_temp_create(const char *out_dir, const char *final_name, GError **error)
{
  return create_temp(out_dir, final_name, error);
}

gboolean
report_temp_publish(const char *tmp, const char *path, GError **error)
{
  return publish(tmp, path, error);
}
