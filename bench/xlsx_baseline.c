/* libxlsxwriter's own throughput on the loan listing's shape, with no database: the
 * baseline bench/reports prints beside `baitiao report loan_listing` (issue 13 §6).
 *   bench/xlsx_baseline --rows N [--out FILE]
 * Writes N rows of the listing's 16 columns — the same cell types in the same order
 * (9 text, a date, 2 money, 2 counts, 3 money; see reports/loan_listing.report), the
 * same number formats, constant-memory mode and zip64 as src/report.c — and prints
 * "ROWS rows in SECONDS s: RATE rows/s". Values vary per row as real ones do (ids,
 * amounts), so the deflated sheet is not unrealistically small. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <xlsxwriter.h>

enum { COLS = 16 };
typedef enum { T_TEXT, T_DATE, T_MONEY, T_COUNT } CellType;

/* loan; order; user; name; phone; product; originated; principal; term; status; dpd;
 * bucket; class; out_principal; out_fee; out_penalty */
static const CellType shape[COLS] = { T_TEXT, T_TEXT, T_TEXT, T_TEXT, T_TEXT, T_TEXT, T_DATE, T_MONEY,
                                      T_COUNT, T_TEXT, T_COUNT, T_TEXT, T_TEXT, T_MONEY, T_MONEY, T_MONEY };

static lxw_format *
format_of(lxw_workbook *wb, const char *num_format)
{
  lxw_format *f = workbook_add_format(wb);
  if (num_format)
    format_set_num_format(f, num_format);
  return f;
}

static gboolean
write_row(lxw_worksheet *ws, lxw_row_t row, guint64 i, lxw_format *const *fmt)
{
  char text[6][40];
  g_snprintf(text[0], sizeof text[0], "L20260301O%09" G_GUINT64_FORMAT, i);
  g_snprintf(text[1], sizeof text[1], "O%09" G_GUINT64_FORMAT, i);
  g_snprintf(text[2], sizeof text[2], "U%08" G_GUINT64_FORMAT, i / 3);
  g_snprintf(text[3], sizeof text[3], "张*%" G_GUINT64_FORMAT, i % 97);
  g_snprintf(text[4], sizeof text[4], "138****%04" G_GUINT64_FORMAT, i % 10000);
  g_snprintf(text[5], sizeof text[5], "FPP%" G_GUINT64_FORMAT, 3 * (1 + i % 4));
  const char *const status = i % 50 ? "ACTIVE" : "PAID_OFF";
  lxw_datetime dt = { 2026, 1 + (int) (i % 12), 1 + (int) (i % 28), 0, 0, 0 };
  double principal = (double) (50000 + (i * 7919) % 2000000) / 100.0;
  lxw_error e = LXW_NO_ERROR;
  int t = 0;
  for (lxw_col_t c = 0; c < COLS && e == LXW_NO_ERROR; c++) {
    switch (shape[c]) {
    case T_TEXT:
      e = worksheet_write_string(ws, row, c, c == 9 ? status : c == 11 ? "C" : c == 12 ? "NORMAL" : text[t++],
                                 fmt[T_TEXT]);
      break;
    case T_DATE:
      e = worksheet_write_datetime(ws, row, c, &dt, fmt[T_DATE]);
      break;
    case T_MONEY:
      e = worksheet_write_number(ws, row, c, c == 7 ? principal : principal / (double) (c - 11), fmt[T_MONEY]);
      break;
    case T_COUNT:
      e = worksheet_write_number(ws, row, c, c == 8 ? (double) (3 * (1 + i % 4)) : (double) (i % 7), fmt[T_COUNT]);
      break;
    }
  }
  return e == LXW_NO_ERROR;
}

int
main(int argc, char **argv)
{
  gint64 rows = 0;
  const char *out = "xlsx_baseline.xlsx";
  for (int a = 1; a + 1 < argc; a += 2) {
    if (g_str_equal(argv[a], "--rows"))
      rows = g_ascii_strtoll(argv[a + 1], NULL, 10);
    else if (g_str_equal(argv[a], "--out"))
      out = argv[a + 1];
  }
  if (rows <= 0) {
    fprintf(stderr, "usage: xlsx_baseline --rows N [--out FILE]\n");
    return 2;
  }
  gint64 t0 = g_get_monotonic_time();
  lxw_workbook_options opts = { .constant_memory = LXW_TRUE, .tmpdir = NULL, .use_zip64 = LXW_TRUE };
  lxw_workbook *wb = workbook_new_opt(out, &opts);
  if (!wb) {
    fprintf(stderr, "xlsx_baseline: cannot create %s\n", out);
    return 1;
  }
  lxw_format *fmt[] = { [T_TEXT] = format_of(wb, "@"), [T_DATE] = format_of(wb, "yyyy-mm-dd"),
                        [T_MONEY] = format_of(wb, "#,##0.00"), [T_COUNT] = format_of(wb, "#,##0") };
  lxw_worksheet *ws = NULL;
  guint sheet = 0;
  lxw_row_t row = 0;
  for (gint64 i = 0; i < rows; i++, row++) {
    if (!ws || row == LXW_ROW_MAX) {   /* the engine, too, goes on in another worksheet */
      char name[32];
      g_snprintf(name, sizeof name, "Loans (%u)", ++sheet);
      ws = workbook_add_worksheet(wb, name);
      row = 0;
    }
    if (!write_row(ws, row, (guint64) i, fmt)) {
      fprintf(stderr, "xlsx_baseline: a cell was refused at row %" G_GINT64_FORMAT "\n", i);
      workbook_close(wb);
      return 1;
    }
  }
  if (workbook_close(wb) != LXW_NO_ERROR) {
    fprintf(stderr, "xlsx_baseline: cannot write %s\n", out);
    return 1;
  }
  double secs = (double) (g_get_monotonic_time() - t0) / 1e6;
  printf("%" G_GINT64_FORMAT " rows in %.2f s: %.0f rows/s\n", rows, secs, (double) rows / secs);
  return 0;
}
