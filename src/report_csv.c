/* Reports as CSV for BI tools: each sheet's rows, streamed through the engine's
 * cursor (report_each_row: no whole result in memory), into NAME_SHEET_YYYYMMDD.csv —
 * UTF-8 with a BOM (so Excel reads the Chinese labels), RFC 4180, money as yuan with
 * two decimals made exactly from the fen. */
#include "report.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "money.h"
#include "output.h"

typedef struct {
  FILE *f;
  GString *line;
  const char *path;    /* the final name, for errors */
  const ReportSpec *spec;
} CsvSheet;

static gboolean
write_failed(const char *path, int err, GError **error)
{
  g_set_error(error, REPORT_ERROR, REPORT_ERROR_OUTPUT, "cannot write %s: %s", path, g_strerror(err ? err : EIO));
  return FALSE;
}

static gboolean
put_line(CsvSheet *c, GError **error)
{
  g_string_append(c->line, "\r\n");
  errno = 0;
  if (fwrite(c->line->str, 1, c->line->len, c->f) != c->line->len)
    return write_failed(c->path, errno, error);
  g_string_truncate(c->line, 0);
  return TRUE;
}

static gboolean
csv_value(CsvSheet *c, const ReportSheet *sheet, guint col, const char *value, GError **error)
{
  const ReportColumn *column = sheet->columns->pdata[col];
  gint64 fen;
  if (column->type != REPORT_COL_MONEY) {
    output_csv_field(c->line, value);
    return TRUE;
  }
  if (!g_ascii_string_to_signed(value, 10, G_MININT64, G_MAXINT64, &fen, NULL)) {
    g_set_error(error, REPORT_ERROR, REPORT_ERROR_SQL, "%s:%d: key \"sql\" in group [sheet %s]: column %s (money, "
                "in fen) got \"%s\", not a whole number", c->spec->path, sheet->sql_line, sheet->key, column->key,
                value);
    return FALSE;
  }
  g_autofree char *yuan = money_format_fen(fen);
  g_string_append(c->line, yuan);
  return TRUE;
}

static gboolean
csv_row(const ReportSheet *sheet, const PGresult *res, int row, gpointer data, GError **error)
{
  CsvSheet *c = data;
  for (guint col = 0; col < sheet->columns->len; col++) {
    if (col)
      g_string_append_c(c->line, ',');
    if (!PQgetisnull(res, row, (int) col) && !csv_value(c, sheet, col, PQgetvalue(res, row, (int) col), error))
      return FALSE;
  }
  return put_line(c, error);
}

static gboolean
write_sheet(PGconn *conn, const ReportSpec *spec, const ReportSheet *sheet, const ReportRequest *req,
            const char *tmp, const char *path, gint64 *rows, GError **error)
{
  FILE *f = fopen(tmp, "wb");
  if (!f)
    return write_failed(path, errno, error);
  g_autoptr(GString) line = g_string_new("\xef\xbb\xbf");
  CsvSheet c = { .f = f, .line = line, .path = path, .spec = spec };
  for (guint col = 0; col < sheet->columns->len; col++) {
    const ReportColumn *column = sheet->columns->pdata[col];
    if (col)
      g_string_append_c(line, ',');
    output_csv_field(line, column->label[req->lang]);
  }
  gboolean ok = put_line(&c, error) && report_each_row(conn, spec, sheet, req, csv_row, &c, rows, error);
  errno = 0;
  gboolean flushed = fflush(f) == 0 && fsync(fileno(f)) == 0;
  int err = errno;
  gboolean closed = fclose(f) == 0;
  if (!closed && !err)
    err = errno;
  if (ok && !(flushed && closed))
    return write_failed(path, err, error);
  return ok;
}

gboolean
report_render_csv(PGconn *conn, const ReportSpec *spec, const ReportRequest *req, char **paths_out,
                  gint64 *rows_out, GError **error)
{
  g_autofree char *compact = report_compact_date(req->business_date);
  guint n = spec->sheets->len;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) temps = g_ptr_array_new_with_free_func(g_free);
  gint64 total = 0;
  gboolean ok = report_snapshot_begin(conn, req, error);
  gboolean in_xact = ok;
  for (guint i = 0; ok && i < n; i++) {
    const ReportSheet *sheet = spec->sheets->pdata[i];
    g_autofree char *name = g_strdup_printf("%s_%s_%s.csv", spec->name, sheet->key, compact);
    char *path = g_build_filename(req->out_dir, name, NULL);
    g_ptr_array_add(paths, path);
    char *tmp = report_temp_create(req->out_dir, name, error);
    if (!tmp) {
      ok = FALSE;
      break;
    }
    g_ptr_array_add(temps, tmp);
    gint64 rows = 0;
    ok = write_sheet(conn, spec, sheet, req, tmp, path, &rows, error);
    total += rows;
  }
  if (in_xact && ok)
    ok = db_commit(conn, error);
  else if (in_xact)
    db_rollback(conn);
  /* every sheet's file is complete before any gets its name */
  for (guint i = 0; ok && i < temps->len; i++)
    ok = report_temp_publish(temps->pdata[i], paths->pdata[i], error);
  for (guint i = 0; i < temps->len; i++)
    g_unlink(temps->pdata[i]);   /* the ones not renamed */
  if (!ok)
    return FALSE;
  g_ptr_array_add(paths, NULL);
  if (paths_out)
    *paths_out = g_strjoinv("\n", (char **) paths->pdata);
  if (rows_out)
    *rows_out = total;
  return TRUE;
}
