/* The report engine: renders any spec with libxlsxwriter. Each sheet is a title
 * block, a header row, the SQL's rows streamed in order (single-row mode, the
 * workbook in constant-memory mode, so a million-row listing costs no more memory
 * than ten rows), an exact totals row, frozen panes, an autofilter and charts.
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
#include <xlsxwriter.h>

#include "db.h"
#include "fault.h"
#include "log.h"

G_DEFINE_QUARK(report-error-quark, report_error)

/* Layout of every sheet: title block, one spacer, the header, then data. */
enum {
  ROW_TITLE = 0,
  ROW_BUSINESS_DATE = 1,
  ROW_GENERATED_AT = 2,
  ROW_DATA_AS_OF = 3,
  ROW_DESCRIPTION = 4,
  ROW_HEADER = 5,
  ROW_FIRST_DATA = 6,
};

#define OID_DATE 1082
#define OID_TEXT 25
#define CHART_ROWS 18   /* height of one chart, in rows, when a sheet has several */

static const char *const label_business_date[] = { "业务日期：", "Business date: " };
static const char *const label_generated_at[] = { "生成时间：", "Generated at: " };
static const char *const label_data_as_of[] = { "数据截至：", "Data as of: " };
static const char *const label_total[] = { "合计", "Total" };

/* Every format is created once per workbook (libxlsxwriter keeps each one). */
typedef struct {
  lxw_format *title, *note, *header;
  lxw_format *cell[5];    /* by ReportColumnType */
  lxw_format *total_label;
  lxw_format *total[5];
} Formats;

typedef struct {
  PGconn *conn;
  const ReportSpec *spec;
  const ReportRequest *req;
  lxw_workbook *wb;
  Formats fmt;
  char *generated_at;
  char *data_as_of;
  gint64 rows;
  lxw_row_t rows_per_part;   /* data rows a worksheet takes before the sheet continues */
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
};

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
  for (int t = REPORT_COL_MONEY; t <= REPORT_COL_TEXT; t++) {
    fmt->cell[t] = t == REPORT_COL_TEXT ? NULL : cell_format(wb, t, FALSE);
    fmt->total[t] = cell_format(wb, t, TRUE);
  }
  fmt->total_label = fmt->total[REPORT_COL_TEXT];
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
  unsigned y, m, d;
  char rest;
  if (sscanf(s, "%4u-%2u-%2u%c", &y, &m, &d, &rest) != 3 || !g_date_valid_dmy(d, m, y))
    return FALSE;
  *out = (lxw_datetime) { .year = (int) y, .month = (int) m, .day = (int) d };
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
  case REPORT_COL_TEXT:
    e = worksheet_write_string(ws, row, (lxw_col_t) c, value, f);
    break;
  }
  return xlsx_ok(e, "data cell", error);
}

static gboolean
write_row(Render *r, lxw_worksheet *ws, const ReportSheet *sheet, const PGresult *res, int res_row,
          lxw_row_t row, gint64 *totals, GError **error)
{
  for (guint c = 0; c < sheet->columns->len; c++)
    if (!PQgetisnull(res, res_row, (int) c)
        && !write_cell(r, ws, sheet, row, c, PQgetvalue(res, res_row, (int) c), totals, error))
      return FALSE;
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

static gboolean
write_totals(Render *r, lxw_worksheet *ws, const ReportSheet *sheet, lxw_row_t row, const gint64 *totals,
             GError **error)
{
  if (!xlsx_ok(worksheet_write_string(ws, row, 0, label_total[r->req->lang], r->fmt.total_label), "totals", error))
    return FALSE;
  for (guint c = 1; c < sheet->columns->len; c++) {
    const ReportColumn *col = sheet->columns->pdata[c];
    lxw_error e;
    if (col->total)
      e = worksheet_write_number(ws, row, (lxw_col_t) c,
                                 col->type == REPORT_COL_MONEY ? (double) totals[c] / 100.0 : (double) totals[c],
                                 r->fmt.total[col->type]);
    else
      e = worksheet_write_blank(ws, row, (lxw_col_t) c, r->fmt.total_label);
    if (!xlsx_ok(e, "totals", error))
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
    for (guint s = 0; s < ch->series_cols->len; s++) {
      lxw_col_t col = (lxw_col_t) g_array_index(ch->series_cols, guint, s);
      lxw_chart_series *series = chart_add_series(chart, NULL, NULL);
      if (!series) {
        g_set_error(error, REPORT_ERROR, REPORT_ERROR_XLSX, "chart %s: cannot add a series", ch->name);
        return FALSE;
      }
      chart_series_set_categories(series, sheet_name, ROW_FIRST_DATA, (lxw_col_t) ch->category_col,
                                  last_data_row, (lxw_col_t) ch->category_col);
      chart_series_set_values(series, sheet_name, ROW_FIRST_DATA, col, last_data_row, col);
      chart_series_set_name_range(series, sheet_name, ROW_HEADER, col);
    }
    chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
    /* the value axis reads like the columns it plots (pie charts have none) */
    if (ch->type != LXW_CHART_PIE && ch->series_cols->len > 0) {
      const ReportColumn *first = sheet->columns->pdata[g_array_index(ch->series_cols, guint, 0)];
      chart_axis_set_num_format(ch->type == LXW_CHART_BAR ? chart->x_axis : chart->y_axis,
                                first->type == REPORT_COL_PERCENT ? "0%" : "#,##0");
    }
    if (!xlsx_ok(worksheet_insert_chart(ws, ROW_HEADER + i * CHART_ROWS, (lxw_col_t) sheet->columns->len + 1,
                                        chart),
                 "chart", error))
      return FALSE;
  }
  return TRUE;
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
  /* printed or turned into PDF: landscape, every column on the page width, the
   * header repeated on each page */
  worksheet_set_landscape(part->ws);
  worksheet_set_paper(part->ws, 9);  /* A4 */
  worksheet_fit_to_pages(part->ws, 1, 0);
  if (!xlsx_ok(worksheet_repeat_rows(part->ws, ROW_HEADER, ROW_HEADER), "repeat header rows", error))
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
  worksheet_freeze_panes(part->ws, ROW_FIRST_DATA, 0);
  if (!xlsx_ok(worksheet_autofilter(part->ws, ROW_HEADER, 0, last_data_row, (lxw_col_t) (sheet->columns->len - 1)),
               "autofilter", error))
    return FALSE;
  /* an empty range would make the spreadsheet programs complain: no rows, no chart */
  gboolean whole = last && part->number == 1;
  return !whole || part->rows == 0 || insert_charts(r, part->ws, sheet, part->name, last_data_row, error);
}

static gboolean
render_sheet(Render *r, const ReportSheet *sheet, GError **error)
{
  SheetPart part = { 0 };
  g_autofree gint64 *totals = g_new0(gint64, sheet->columns->len);
  gint64 n = 0;
  /* the totals row, of every part's rows, ends the last part */
  gboolean ok = start_part(r, sheet, &part, error) && stream_rows(r, &part, sheet, totals, &n, error)
                && finish_part(r, sheet, &part, TRUE, error)
                && (!sheet->totals || write_totals(r, part.ws, sheet, ROW_FIRST_DATA + part.rows, totals, error));
  r->rows += n;
  g_free(part.name);
  return ok;
}

static const char sql_begin_snapshot[] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
/* A cursor is planned for its first rows unless told otherwise; reports read every row. */
static const char sql_plan_for_all_rows[] = "SET LOCAL cursor_tuple_fraction = 1.0";
static const char sql_data_as_of[] = "SELECT to_char(now(), 'YYYY-MM-DD HH24:MI:SS TZ')";

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
  g_autoptr(PGresult) asof = db_query_one(r->conn, "report_data_as_of", sql_data_as_of, 0, NULL, error);
  gboolean ok = asof != NULL;
  if (ok)
    r->data_as_of = g_strdup(PQgetvalue(asof, 0, 0));
  for (guint i = 0; ok && i < r->spec->sheets->len; i++)
    ok = render_sheet(r, r->spec->sheets->pdata[i], error);
  if (!ok) {
    db_rollback(r->conn);
    return FALSE;
  }
  return db_commit(r->conn, error);
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

/* A worksheet's rows less the title block, the header and the totals row.
 * BAITIAO_REPORT_SHEET_ROWS lowers it, so the tests see a sheet continue. */
static lxw_row_t
rows_per_part(void)
{
  lxw_row_t most = LXW_ROW_MAX - ROW_FIRST_DATA - 1;
  const char *env = g_getenv("BAITIAO_REPORT_SHEET_ROWS");
  guint64 n = env ? g_ascii_strtoull(env, NULL, 10) : 0;
  return n > 0 && n < most ? (lxw_row_t) n : most;
}

gboolean
report_render(PGconn *conn, const ReportSpec *spec, const ReportRequest *req, char **path_out,
              gint64 *rows_out, GError **error)
{
  g_autofree char *compact = g_strdup(req->business_date);
  char *w = compact;
  for (const char *p = req->business_date; *p; p++)
    if (*p != '-')
      *w++ = *p;
  *w = '\0';
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
  GDateTime *now = g_date_time_new_now_local();
  r.generated_at = g_date_time_format(now, "%Y-%m-%d %H:%M:%S %Z");
  g_date_time_unref(now);
  create_formats(r.wb, &r.fmt);
  gboolean ok = render_sheets(&r, error) && set_properties(&r, error);
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
  if (!db_exec(conn, "report_begin", sql_begin_snapshot, 0, NULL, error))
    return FALSE;
  if (import_snapshot(&r, error) && db_exec(conn, "report_plan_for_all_rows", sql_plan_for_all_rows, 0, NULL, error))
    return TRUE;
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
