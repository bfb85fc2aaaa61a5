/* Foot lines (reports/README, "Footing"): a sheet's reconciliation to the GL,
 * written under its totals row. The foot rows come from the ledger (the spec's
 * foot_sql reads gl_daily_balances or journal_lines, never the tables the sheet
 * reads); the difference row is computed here, exactly in fen, from the totals the
 * engine summed and the foot rows, so a report that does not foot says so on its
 * face and in the log. */
#include "report_foot.h"

#include "db.h"
#include "log.h"

#define OID_DATE 1082
#define OID_TEXT 25

static const char *const default_difference_label[] = { "差异（合计 − 总账）", "Difference (total − GL)" };

static lxw_format *
foot_format(lxw_workbook *wb, const char *num_format, gboolean bold, gboolean flagged)
{
  lxw_format *f = workbook_add_format(wb);
  if (num_format)
    format_set_num_format(f, num_format);
  format_set_italic(f);
  if (bold) {
    format_set_bold(f);
    format_set_top(f, LXW_BORDER_THIN);
  }
  if (flagged) {
    format_set_font_color(f, LXW_COLOR_WHITE);
    format_set_bg_color(f, 0xC00000);
  }
  return f;
}

void
report_foot_create_formats(lxw_workbook *wb, ReportFootFormats *fmt)
{
  static const char *const num[] = { "#,##0.00", "#,##0" };
  fmt->label = foot_format(wb, NULL, FALSE, FALSE);
  for (int i = 0; i < 2; i++) {
    fmt->amount[i] = foot_format(wb, num[i], FALSE, FALSE);
    fmt->diff[i] = foot_format(wb, num[i], TRUE, FALSE);
    fmt->flagged[i] = foot_format(wb, num[i], TRUE, TRUE);
  }
  fmt->flagged_label = foot_format(wb, NULL, TRUE, TRUE);
}

static void
foot_error(GError **error, const ReportSpec *spec, const ReportSheet *sheet, const char *why)
{
  g_set_error(error, REPORT_ERROR, REPORT_ERROR_SQL, "%s:%d: key \"foot_sql\" in group [sheet %s]: %s", spec->path,
              sheet->foot_sql_line, sheet->key, why);
}

static gboolean
xlsx_ok(lxw_error e, GError **error)
{
  if (e == LXW_NO_ERROR)
    return TRUE;
  g_set_error(error, REPORT_ERROR, REPORT_ERROR_XLSX, "foot lines: %s", lxw_strerror(e));
  return FALSE;
}

static double
shown(const ReportColumn *col, gint64 n)
{
  return col->type == REPORT_COL_MONEY ? (double) n / 100.0 : (double) n;
}

/* One foot row: its label, and in each column it names the GL figure, added to GL. */
static gboolean
write_foot_row(const ReportSpec *spec, const ReportSheet *sheet, const ReportFootFormats *fmt, lxw_worksheet *ws,
               lxw_row_t row, const PGresult *res, int r, gint64 *gl, gboolean *footed, GError **error)
{
  const char *label = PQgetisnull(res, r, 0) ? "" : PQgetvalue(res, r, 0);
  if (!xlsx_ok(worksheet_write_string(ws, row, 0, label, fmt->label), error))
    return FALSE;
  for (guint c = 1; c < sheet->columns->len; c++) {
    if (PQgetisnull(res, r, (int) c))
      continue;
    const ReportColumn *col = sheet->columns->pdata[c];
    gint64 n;
    if (!col->total || !g_ascii_string_to_signed(PQgetvalue(res, r, (int) c), 10, G_MININT64, G_MAXINT64, &n, NULL)) {
      g_autofree char *why = g_strdup_printf("column %s got \"%s\": a foot value must be a whole number (fen or "
                                             "units) in a column that is totalled", col->key,
                                             PQgetvalue(res, r, (int) c));
      foot_error(error, spec, sheet, why);
      return FALSE;
    }
    gl[c] += n;
    footed[c] = TRUE;
    if (!xlsx_ok(worksheet_write_number(ws, row, (lxw_col_t) c, shown(col, n),
                                        fmt->amount[col->type == REPORT_COL_MONEY ? 0 : 1]),
                 error))
      return FALSE;
  }
  return TRUE;
}

/* totals − Σ foot rows in every column a foot row names; red when not zero. */
static gboolean
write_difference(const ReportSpec *spec, const ReportSheet *sheet, const ReportRequest *req,
                 const ReportFootFormats *fmt, lxw_worksheet *ws, lxw_row_t row, const gint64 *totals,
                 const gint64 *gl, const gboolean *footed, GError **error)
{
  gboolean ties = TRUE;
  for (guint c = 1; c < sheet->columns->len; c++)
    ties = ties && (!footed[c] || totals[c] == gl[c]);
  const char *label = sheet->foot_label[req->lang] ? sheet->foot_label[req->lang] : default_difference_label[req->lang];
  if (!xlsx_ok(worksheet_write_string(ws, row, 0, label, ties ? fmt->diff[0] : fmt->flagged_label), error))
    return FALSE;
  for (guint c = 1; c < sheet->columns->len; c++) {
    if (!footed[c])
      continue;
    const ReportColumn *col = sheet->columns->pdata[c];
    gint64 d = totals[c] - gl[c];
    int k = col->type == REPORT_COL_MONEY ? 0 : 1;
    if (!xlsx_ok(worksheet_write_number(ws, row, (lxw_col_t) c, shown(col, d), d ? fmt->flagged[k] : fmt->diff[k]),
                 error))
      return FALSE;
    if (d)
      log_warning("report %s, sheet %s: column %s does not foot to the GL: total %" G_GINT64_FORMAT
                  " − GL %" G_GINT64_FORMAT " = %" G_GINT64_FORMAT " (%s)",
                  spec->name, sheet->key, col->key, totals[c], gl[c], d,
                  col->type == REPORT_COL_MONEY ? "fen" : "units");
  }
  return TRUE;
}

gboolean
report_foot_write(PGconn *conn, const ReportSpec *spec, const ReportSheet *sheet, const ReportRequest *req,
                  const ReportFootFormats *fmt, lxw_worksheet *ws, lxw_row_t row, const gint64 *totals,
                  guint *rows_out, GError **error)
{
  if (rows_out)
    *rows_out = 0;
  if (!sheet->foot_sql)
    return TRUE;
  const char *params[] = { req->business_date, req->lang == REPORT_LANG_EN ? "en" : "zh" };
  const Oid types[] = { OID_DATE, OID_TEXT };
  g_autoptr(PGresult) res = PQexecParams(conn, sheet->foot_sql, 2, types, params, NULL, NULL, 0);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    g_autofree char *msg = g_strchomp(g_strdup(PQresultErrorMessage(res)));
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    g_autofree char *why = g_strdup_printf("statement failed (SQLSTATE %s): %s", state ? state : "none", msg);
    foot_error(error, spec, sheet, why);
    return FALSE;
  }
  if ((guint) PQnfields(res) != sheet->columns->len) {
    g_autofree char *why = g_strdup_printf("returns %d columns but key \"columns\" lists %u", PQnfields(res),
                                           sheet->columns->len);
    foot_error(error, spec, sheet, why);
    return FALSE;
  }
  g_autofree gint64 *gl = g_new0(gint64, sheet->columns->len);
  g_autofree gboolean *footed = g_new0(gboolean, sheet->columns->len);
  int n = PQntuples(res);
  for (int r = 0; r < n; r++)
    if (!write_foot_row(spec, sheet, fmt, ws, row + (lxw_row_t) r, res, r, gl, footed, error))
      return FALSE;
  if (!write_difference(spec, sheet, req, fmt, ws, row + (lxw_row_t) n, totals, gl, footed, error))
    return FALSE;
  if (rows_out)
    *rows_out = (guint) n + 1;
  return TRUE;
}
