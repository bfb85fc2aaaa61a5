/* csv: streaming reader for the partner interchange files (product-rules §12):
 * UTF-8, RFC 4180 quoting, header row. Structural faults (bad encoding, NUL,
 * broken quoting, over-long records) refuse the whole file; fields come back
 * exactly as written, never trimmed or converted. The rules are in csv.c. */
#ifndef BAITIAO_CSV_H
#define BAITIAO_CSV_H

#include <glib.h>

#define CSV_ERROR (csv_error_quark())
GQuark csv_error_quark(void);

typedef enum {
  CSV_ERROR_IO,              /* cannot open or read the file */
  CSV_ERROR_ENCODING,        /* not UTF-8 (a GBK export, UTF-16, binary) */
  CSV_ERROR_NUL,             /* a NUL byte */
  CSV_ERROR_QUOTE,           /* quote inside an unquoted field, text after a closing quote,
                              * quoted field never closed */
  CSV_ERROR_CR,              /* carriage return not followed by a line feed, outside quotes */
  CSV_ERROR_TOO_LONG,        /* record longer than the limit */
  CSV_ERROR_TOO_MANY_FIELDS, /* more fields than the limit */
  CSV_ERROR_HEADER,          /* header row missing or not the expected columns */
} CsvError;

#define CSV_DEFAULT_MAX_RECORD_BYTES ((gsize)1 << 20)
#define CSV_DEFAULT_MAX_FIELDS 1000u

typedef struct CsvReader CsvReader;

/* One record. Every field is also NUL-terminated (fields[i][lengths[i]] == '\0',
 * and fields never contain NUL), valid UTF-8. Valid until the next call on the reader. */
typedef struct {
  guint n_fields; /* >= 1 */
  const char *const *fields;
  const gsize *lengths;
  gint64 line_no; /* physical line where the record starts, 1-based */
} CsvRecord;

CsvReader *csv_reader_open(const char *path, GError **error);
/* Reads DATA (not copied: it must outlive the reader); NAME stands for the file in messages. */
CsvReader *csv_reader_new_from_data(const char *data, gsize len, const char *name);
void csv_reader_free(CsvReader *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsvReader, csv_reader_free)

/* Before the first record. A record of more than MAX_RECORD_BYTES bytes (line end excluded)
 * or more than MAX_FIELDS fields refuses the file. */
void csv_reader_set_limits(CsvReader *r, gsize max_record_bytes, guint max_fields);
/* Before the first record; for tests and fuzzing: bytes asked of each read (default 128 KiB). */
void csv_reader_set_read_size(CsvReader *r, gsize read_size);

/* TRUE with the next record in *OUT; FALSE at end of file (error unset) or on a file-level
 * error (CSV_ERROR, "FILE:LINE: ..."). Records returned before an error came from a broken
 * file: discard them. After FALSE every call returns FALSE again (with the same error). */
gboolean csv_reader_next(CsvReader *r, CsvRecord *out, GError **error);

/* Physical line where the last record returned started, 1-based; 0 before the first. */
gint64 csv_reader_line(const CsvReader *r);
const char *csv_reader_name(const CsvReader *r);
/* Bytes of the file consumed so far (up to the end of the last record): for progress. */
guint64 csv_reader_offset(const CsvReader *r);
/* Records returned so far, the header included. */
guint64 csv_reader_records(const CsvReader *r);

/* Reads the first record as the header: it must start with COLUMNS (NULL terminated), compared
 * case-sensitively after trimming ASCII spaces and tabs; more columns may follow. Call before
 * csv_reader_next. Fails with CSV_ERROR_HEADER naming file, line, column position, expected
 * and found names (or with the reader's own error for a broken file). Once it succeeds, errors
 * of later records name the column as "column N (NAME)". */
gboolean csv_expect_header(CsvReader *r, const char *const *columns, GError **error);
/* Like csv_expect_header, then OPTIONAL (NULL terminated) columns, in that order, as far as
 * the header names them: *N_OPTIONAL how many it does (a record may still be shorter). A
 * column after them that is not the next optional name ends them and is ignored as more
 * columns are; an optional name out of its place is refused (CSV_ERROR_HEADER). */
gboolean csv_expect_header_optional(CsvReader *r, const char *const *columns, const char *const *optional,
                                    guint *n_optional, GError **error);

#endif
