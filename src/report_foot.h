/* Foot lines: the rows under a sheet's totals that reconcile it to the ledger.
 * A sheet's foot_sql (same parameters as its sql) returns one row per GL figure
 * the totals must equal ("总账 1122 应收本金 余额" and the amounts, in the sheet's
 * own columns); the engine writes them below the totals row, then one difference
 * row (totals − Σ foot rows, column by column) that must read 0.00 and is
 * flagged in red when it does not. */
#ifndef BAITIAO_REPORT_FOOT_H
#define BAITIAO_REPORT_FOOT_H

#include <glib.h>
#include <libpq-fe.h>
#include <xlsxwriter.h>

#include "report.h"

/* Created once per workbook (report_foot_create_formats). */
typedef struct {
  lxw_format *label;
  lxw_format *amount[2];     /* [0] money, [1] count */
  lxw_format *diff[2];
  lxw_format *flagged[2];    /* a difference that is not zero */
  lxw_format *flagged_label;
} ReportFootFormats;

void report_foot_create_formats(lxw_workbook *wb, ReportFootFormats *fmt);

/* Writes SHEET's foot lines from ROW on (the row below its totals row), when it
 * has a foot_sql; TOTALS are the totals row's exact sums (fen or units) by column.
 * Runs inside the report's snapshot; a failing query names the spec file, the line
 * of foot_sql and the sheet. *ROWS_OUT (optional) receives the rows written. */
gboolean report_foot_write(PGconn *conn, const ReportSpec *spec, const ReportSheet *sheet,
                           const ReportRequest *req, const ReportFootFormats *fmt, lxw_worksheet *ws,
                           lxw_row_t row, const gint64 *totals, guint *rows_out, GError **error);

#endif
