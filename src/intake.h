/* Intake (product-rules §12): partner CSV files into the inbox tables. Each file is
 * read and checked field by field in C, streamed by COPY into a staging table, then
 * judged set-based in SQL (duplicates, closed dates, unknown users and products).
 * Good rows go to the inbox, bad rows to rejects with file, line, field and reason
 * — all in one transaction, recorded in load_files by sha256: the same file twice
 * loads nothing new, and a file refused as a whole stores nothing. */
#ifndef BAITIAO_INTAKE_H
#define BAITIAO_INTAKE_H

#include <glib.h>
#include <libpq-fe.h>

#define INTAKE_ERROR (intake_error_quark())
GQuark intake_error_quark(void);

typedef enum {
  INTAKE_ERROR_KIND,   /* unknown file kind */
  INTAKE_ERROR_FILE,   /* the file is refused as a whole (header, empty) */
  INTAKE_ERROR_LATE,   /* loaded, but rows dated on or before the cut were rejected DATE_CLOSED */
  INTAKE_ERROR_FIELD,  /* a field's value breaks its rule (intake_channel) */
} IntakeError;

typedef struct {
  gint64 file_id;            /* load_files; 0 for a sharded group's load */
  gint64 group_load_id;      /* a sharded group's load (group_loads), 0 otherwise */
  gboolean already_loaded;   /* same sha256 seen before: nothing loaded */
  char *loaded_at;           /* when it was first loaded, if already_loaded */
  gint64 rows_read;
  gint64 rows_accepted;
  gint64 rows_rejected;
  GPtrArray *reject_counts;  /* "REASON n" strings, for the summary */
  gint64 rows_date_closed;   /* rows dated on or before the intake cut (DATE_CLOSED) */
  char *cut_date;            /* the intake cut: latest date whose night started; NULL before any */
} IntakeResult;

void intake_result_clear(IntakeResult *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(IntakeResult, intake_result_clear)

/* KIND is users, orders, repayments, refunds, settlement or coupons. CHANNEL is the
 * repayment channel of a settlement file (required for it, NULL for the others). */
gboolean intake_load_file(PGconn *conn, const char *kind, const char *channel, const char *path,
                          IntakeResult *result, GError **error);

/* A sharded group's load (shard_load.h): only the records starting on LINES (ascending
 * physical line numbers; the file's own, so rejects name the partner's line) of PATH,
 * judged in a transaction left OPEN on CONN — the caller commits or rolls it back
 * (db_commit / db_rollback) once every shard has judged its part. The file is
 * registered by the sha256 of the whole file, as intake_load_file does. */
gboolean intake_load_open(PGconn *conn, const char *kind, const char *channel, const char *path,
                          const GArray *lines, IntakeResult *result, GError **error);
/* The checks every load makes before it opens a file: a known KIND, the channel a
 * settlement file needs, PATH a regular file (a FIFO would block the load for ever). */
gboolean intake_check_file(const char *kind, const char *channel, const char *path, GError **error);
/* In the transaction intake_load_open left open: the keys of the accepted rows, which
 * the group's directory records — users: (user_id, NULL); orders: (order_id, user_id);
 * repayments: (channel, txn_id); coupons: (coupon_id, user_id). KIND must be one of those four. */
PGresult *intake_accepted_keys(PGconn *conn, const char *kind, GError **error);
/* The columns a file of KIND starts with, its required ones (NULL terminated, *N of
 * them; orders' optional merchant_id, category, coupon_id follow them); FALSE for an
 * unknown kind. */
gboolean intake_kind_columns(const char *kind, const char *const **names, guint *n);

/* The one channel rule, for every place a channel comes in (a repayments file's
 * channel field, a settlement file's --channel, a spool file's name or spec): 1 to 32
 * ASCII letters, digits or '_'. Channels are stored upper case (alipay and ALIPAY are
 * one channel), in repayments and settlement files alike. Returns VALUE upper-cased,
 * or NULL with ERROR (INTAKE_ERROR_FIELD) reading "WHERE must be 1 to 32 letters,
 * digits or '_'", WHERE naming the file, line and field or the file name. */
char *intake_channel(const char *value, const char *where, GError **error);

/* Masking of personal data before it reaches the database: 张三 → 张*,
 * 13812341234 → 138****1234. Returns NULL for an empty input. */
char *intake_mask_name(const char *name);
char *intake_mask_phone(const char *phone);

/* TRUE when RESULT has rows that came after their date's intake cut; sets ERROR
 * (INTAKE_ERROR_LATE) naming FILE, the count and the cut: the file is stored, but the
 * partner must send those rows again, dated on an open business date. */
gboolean intake_late_rows(const IntakeResult *result, const char *file, GError **error);

#endif
