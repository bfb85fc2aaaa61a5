/* Finance reports: a report is a spec file (reports/NAME.report, a GKeyFile
 * described in reports/README) rendered by one generic engine into
 * NAME_YYYYMMDD.xlsx. Adding a report is adding a spec, never C code. */
#ifndef BAITIAO_REPORT_H
#define BAITIAO_REPORT_H

#include <glib.h>
#include <libpq-fe.h>

#include "keyfile.h"

#define REPORT_ERROR (report_error_quark())
GQuark report_error_quark(void);

typedef enum {
  REPORT_ERROR_SQL,     /* a spec's SQL returned another shape than its columns say */
  REPORT_ERROR_OUTPUT,  /* the output directory or file cannot be written */
  REPORT_ERROR_XLSX,    /* libxlsxwriter refused a call */
  REPORT_ERROR_DATE,    /* the business date is not closed */
} ReportError;

typedef enum {
  REPORT_COL_MONEY,    /* fen bigint from SQL, shown as yuan #,##0.00 */
  REPORT_COL_COUNT,    /* whole number #,##0 */
  REPORT_COL_PERCENT,  /* a fraction from SQL (0.125), shown 12.50% */
  REPORT_COL_DATE,     /* YYYY-MM-DD from SQL, a real date cell */
  REPORT_COL_TEXT,
  REPORT_COL_ID,       /* an identifier: all digits (at most 15) a number cell shown 0, else text */
  REPORT_COL_DATETIME, /* a timestamp (YYYY-MM-DD HH:MM:SS…) from SQL, a real date-time cell */
  REPORT_COL_N_TYPES
} ReportColumnType;

typedef enum {
  REPORT_LANG_ZH,
  REPORT_LANG_EN,
} ReportLang;

typedef struct {
  char *key;
  char *label[2];   /* indexed by ReportLang */
  ReportColumnType type;
  double width;
  gboolean total;   /* summed (exactly, in fen or units) into the totals row */
} ReportColumn;

typedef struct {
  char *name;
  int type;         /* lxw_chart_type */
  char *title[2];
  guint category_col;
  GArray *series_cols;   /* guint column indexes */
} ReportChart;

typedef struct {
  char *key;
  char *name[2];    /* worksheet name per language */
  char *sql;
  int sql_line;     /* where sql= is set, for errors */
  gboolean totals;  /* a totals row after the data */
  char *empty[2];   /* the line an empty sheet shows; NULL: the engine's default */
  GArray *cover_cols;   /* guint column indexes whose totals are key figures on the cover */
  GPtrArray *columns;   /* ReportColumn */
  GPtrArray *charts;    /* ReportChart */
  char *foot_sql;       /* optional: GL figures the totals foot to (src/report_foot.h) */
  int foot_sql_line;
  char *foot_label[2];  /* the difference row's label, NULL for the default */
} ReportSheet;

typedef struct {
  char *name;       /* file name without .report: the report's name on the command line */
  char *path;
  char *title[2];
  char *description[2];
  GPtrArray *sheets;    /* ReportSheet, in workbook order */
} ReportSpec;

/* Loads and validates one spec; errors (KEYFILE_ERROR) name the file, line and key. */
ReportSpec *report_spec_load(const char *path, GError **error);
void report_spec_free(ReportSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ReportSpec, report_spec_free)
/* Every DIR/ *.report, sorted by name; any invalid spec fails the whole load. */
GPtrArray *report_spec_load_dir(const char *dir, GError **error);

/* Where the specs are: $BAITIAO_REPORTS_DIR, else the installed directory. */
const char *report_default_dir(void);

typedef struct {
  const char *business_date;   /* YYYY-MM-DD, a closed date */
  const char *out_dir;
  ReportLang lang;
  const char *timezone;        /* IANA zone of the times shown ([report] timezone); NULL: REPORT_DEFAULT_TIMEZONE */
  const char *snapshot;        /* NULL: a snapshot of its own; else one exported by
                                * pg_export_snapshot() (`report --jobs`), read instead */
  gboolean group;              /* CONN is the coordinator of a sharded group: the snapshot
                                * reads the group's book, schema grp_book (sql/0068), as its
                                * only search path besides pg_catalog */
} ReportRequest;

#define REPORT_DEFAULT_TIMEZONE "Asia/Shanghai"

/* Renders SPEC for REQ into OUT_DIR/NAME_YYYYMMDD.xlsx (mode 0640): written to a
 * temporary name in the same directory and renamed, so a reader never sees half a
 * file and a rerun replaces the file; on any failure nothing is left behind. All
 * sheets' SQL runs as CONN's role in one REPEATABLE READ READ ONLY snapshot (REQ's
 * exported one when given, so parallel reports read the same data).
 * *PATH_OUT (optional) receives the final path, *ROWS_OUT the data rows written. */
/* YYYYMMDD of a YYYY-MM-DD date, as report file names carry it (newly allocated). */
char *report_compact_date(const char *date);

gboolean report_render(PGconn *conn, const ReportSpec *spec, const ReportRequest *req,
                       char **path_out, gint64 *rows_out, GError **error);

/* Removes from OUT_DIR the temporary files of reports whose process is gone (a report
 * killed before it renamed its file: ".NAME.xlsx.PID.XXXXXX" with PID not running),
 * logging each; *REMOVED counts them. Files of a running report are left alone. */
gboolean report_remove_stale_temps(const char *out_dir, guint *removed, GError **error);

/* The same rows for writers other than the workbook (report_csv.c): a REPEATABLE
 * READ READ ONLY transaction (REQ's snapshot when given) for CONN, ended by the
 * caller (db_commit / db_rollback); then each sheet's SQL through the engine's
 * cursor, FN called for each row of each batch; *ROWS_OUT the rows. */
typedef gboolean (*ReportRowFn)(const ReportSheet *sheet, const PGresult *res, int row, gpointer data,
                                GError **error);
gboolean report_snapshot_begin(PGconn *conn, const ReportRequest *req, GError **error);
gboolean report_each_row(PGconn *conn, const ReportSpec *spec, const ReportSheet *sheet, const ReportRequest *req,
                         ReportRowFn fn, gpointer data, gint64 *rows_out, GError **error);
/* The engine's temporary file OUT_DIR/.FINAL_NAME.PID.XXXXXX (mode 0640, removed by
 * report_remove_stale_temps once its writer is gone) and its rename to PATH after fsync. */
char *report_temp_create(const char *out_dir, const char *final_name, GError **error);
gboolean report_temp_publish(const char *tmp, const char *path, GError **error);

/* Writes SPEC for REQ as one CSV file per sheet, OUT_DIR/NAME_SHEET_YYYYMMDD.csv
 * (docs/formats.md, "Report CSV"), each through a temporary file like the workbook;
 * all sheets from one snapshot. *PATHS_OUT gets the paths, one a line. */
gboolean report_render_csv(PGconn *conn, const ReportSpec *spec, const ReportRequest *req, char **paths_out,
                           gint64 *rows_out, GError **error);

#endif
