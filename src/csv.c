/* csv: the streaming reader of partner files. One read buffer and one record buffer, reused
 * for every record; memory is bounded by the limits, whatever the file holds.
 *
 * The rules, where RFC 4180 or product-rules §12 leave a choice:
 *  - Separator ',', quote '"'; inside quotes "" is one quote, and commas, CR and LF are data,
 *    kept byte for byte (a CRLF inside quotes stays CRLF). A quote inside an unquoted field,
 *    anything but , CR LF or end of file after a closing quote (a space too), and a quoted
 *    field still open at end of file refuse the file (CSV_ERROR_QUOTE).
 *  - Records end with LF or CRLF, mixed freely; the last record needs no line end. A CR not
 *    followed by LF outside quotes (old Mac line ends, a stray CR) refuses the file
 *    (CSV_ERROR_CR): splitting or keeping it would both guess.
 *  - Blank lines (nothing, or a lone CR, before the LF) are skipped wherever they are, and are
 *    not records; they still count as lines. So a trailing empty line is not a record, and a
 *    record of one empty field must be written "" (every interchange file has several columns,
 *    so a blank line never carries data; as a record it would only make a noise reject).
 *    A line of spaces is a record (one field of spaces) and is left to the loader.
 *  - Fields are never trimmed or converted: " 12.50" reaches the loader as written.
 *  - A UTF-8 byte-order mark (EF BB BF) as the first three bytes of the file is skipped: Excel
 *    and WPS write one. Anywhere else U+FEFF is ordinary data. Offsets count the BOM.
 *  - Every byte must be strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF,
 *    as g_utf8_validate); the first invalid byte refuses the file (CSV_ERROR_ENCODING), naming
 *    line, column and the byte offset in the file, with a hint to convert GBK/GB18030 exports
 *    (UTF-16 files, recognised by their BOM, get their own hint). NUL bytes refuse the file
 *    (CSV_ERROR_NUL): no text file holds one, and COPY could not take it.
 *  - A record is at most max_record_bytes bytes as written in the file (quotes included, line
 *    end excluded; default 1 MiB) and has at most max_fields fields (default 1000); beyond
 *    either the file is refused. The reader stops at the limit: a 10 MB line costs no more
 *    memory than a 1 MiB one.
 *  - Lines are physical lines (LF count + 1). A record's line is the line where it starts.
 *    Errors name the line of the offending byte, except: an unterminated quote names the line
 *    where the quoted field opened, a too long record or one with too many fields the line where
 *    the record started. "column N" is the 1-based field number, followed by the column's name
 *    once csv_expect_header has accepted the header ("column 4 (amount)"): partners fix their
 *    files by column name, and counting commas in a wide row is error-prone.
 *  - Messages never quote field contents (users.csv carries names and phones); the header
 *    check quotes the found header name, shortened to 64 bytes.
 *  - The header check trims ASCII spaces and tabs around names and is case-sensitive; extra
 *    columns after the expected ones are allowed.
 *  - An empty file gives no record and no error; csv_expect_header refuses it.
 *  - Errors are sticky: records read before one came from a broken file and must be discarded.
 */
#include "csv.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

G_DEFINE_QUARK(csv-error-quark, csv_error)

#define CSV_DEFAULT_READ_SIZE ((gsize)128 << 10)
#define CSV_LOOKAHEAD 8 /* bytes beyond a read that the buffer can hold: a UTF-8 sequence */
#define CSV_SHOWN_NAME_MAX 64

struct CsvReader {
  char *name;
  int fd;                 /* -1 for in-memory data */
  const guchar *data;     /* in-memory source */
  gsize data_len, data_pos;
  guchar *buf;            /* unconsumed input is buf[pos, end) */
  gsize buf_cap, pos, end, read_size;
  guint64 base;           /* file offset of buf[0] */
  gboolean eof;           /* source exhausted; buf may still hold bytes */
  gboolean started;       /* BOM looked at */
  gboolean done;          /* end of file returned */
  GError *failed;         /* sticky file-level error */
  gint64 line;            /* physical line of buf[pos] */
  gint64 rec_line;        /* line where the last record started */
  guint64 rec_start;      /* file offset where the current record started */
  guint64 records;
  gsize max_record;
  guint max_fields;
  char *rec;              /* field bytes of the current record, each NUL-terminated */
  gsize rec_len, rec_cap;
  gsize *starts, *lengths;
  const char **fields;
  guint n_fields, fields_cap;
  char **names;           /* the expected header, once accepted: for messages */
};

typedef enum { FIELD_ERROR, FIELD_MORE, FIELD_LAST } FieldEnd;

/* Bytes that need no attention, outside and inside quotes. */
static gboolean plain_unquoted[256], plain_quoted[256];

static void
init_tables(void)
{
  static gsize done = 0;
  if (g_once_init_enter(&done)) {
    for (int c = 1; c < 0x80; c++) {
      plain_unquoted[c] = c != ',' && c != '"' && c != '\r' && c != '\n';
      plain_quoted[c] = c != '"' && c != '\n';
    }
    g_once_init_leave(&done, 1);
  }
}

static CsvReader *
reader_new(const char *name)
{
  init_tables();
  CsvReader *r = g_new0(CsvReader, 1);
  r->name = g_strdup(name);
  r->fd = -1;
  r->line = 1;
  r->max_record = CSV_DEFAULT_MAX_RECORD_BYTES;
  r->max_fields = CSV_DEFAULT_MAX_FIELDS;
  r->read_size = CSV_DEFAULT_READ_SIZE;
  return r;
}

CsvReader *
csv_reader_open(const char *path, GError **error)
{
  int fd;
  do
    fd = open(path, O_RDONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    int e = errno;
    g_set_error(error, CSV_ERROR, CSV_ERROR_IO, "cannot open %s: %s", path, g_strerror(e));
    return NULL;
  }
#ifdef POSIX_FADV_SEQUENTIAL
  (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  CsvReader *r = reader_new(path);
  r->fd = fd;
  return r;
}

CsvReader *
csv_reader_new_from_data(const char *data, gsize len, const char *name)
{
  g_return_val_if_fail(data != NULL || len == 0, NULL);
  CsvReader *r = reader_new(name);
  r->data = (const guchar *)data;
  r->data_len = len;
  return r;
}

void
csv_reader_free(CsvReader *r)
{
  if (!r)
    return;
  if (r->fd >= 0)
    close(r->fd);
  g_clear_error(&r->failed);
  g_free(r->name);
  g_free(r->buf);
  g_free(r->rec);
  g_free(r->starts);
  g_free(r->lengths);
  g_free(r->fields);
  g_strfreev(r->names);
  g_free(r);
}

void
csv_reader_set_limits(CsvReader *r, gsize max_record_bytes, guint max_fields)
{
  g_return_if_fail(r->buf == NULL && max_record_bytes > 0 && max_fields > 0);
  g_return_if_fail(max_record_bytes <= G_MAXSIZE / 4 && max_fields <= G_MAXUINT / 4);
  r->max_record = max_record_bytes;
  r->max_fields = max_fields;
}

void
csv_reader_set_read_size(CsvReader *r, gsize read_size)
{
  g_return_if_fail(r->buf == NULL && read_size > 0 && read_size <= G_MAXSIZE / 4);
  r->read_size = read_size;
}

gint64
csv_reader_line(const CsvReader *r)
{
  return r->rec_line;
}

const char *
csv_reader_name(const CsvReader *r)
{
  return r->name;
}

guint64
csv_reader_offset(const CsvReader *r)
{
  return r->base + r->pos;
}

guint64
csv_reader_records(const CsvReader *r)
{
  return r->records;
}

/* ---- input ------------------------------------------------------------------------------- */

static gboolean
fill_from_source(CsvReader *r, GError **error)
{
  gsize want = MIN(r->read_size, r->buf_cap - r->end);
  if (r->fd < 0) {
    gsize n = MIN(want, r->data_len - r->data_pos);
    if (n > 0)
      memcpy(r->buf + r->end, r->data + r->data_pos, n);
    r->data_pos += n;
    r->end += n;
    r->eof = r->data_pos == r->data_len;
    return TRUE;
  }
  ssize_t n;
  do
    n = read(r->fd, r->buf + r->end, want);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    int e = errno;
    g_set_error(error, CSV_ERROR, CSV_ERROR_IO, "%s:%" G_GINT64_FORMAT ": cannot read: %s", r->name,
                r->line, g_strerror(e));
    return FALSE;
  }
  r->end += (gsize)n;
  r->eof = n == 0;
  return TRUE;
}

/* Makes NEED (<= CSV_LOOKAHEAD) bytes available at pos, fewer only at end of file. Moves the
 * unconsumed bytes to the front of the buffer, so positions in buf change: offsets that must
 * survive a call are kept as file offsets. */
static gboolean
fill(CsvReader *r, gsize need, GError **error)
{
  if (G_LIKELY(r->end - r->pos >= need) || r->eof)
    return TRUE;
  if (!r->buf) {
    gsize size = r->fd < 0 ? MIN(r->read_size, r->data_len) : r->read_size;
    r->buf_cap = size + CSV_LOOKAHEAD;
    r->buf = g_malloc(r->buf_cap);
  }
  if (r->pos > 0) {
    memmove(r->buf, r->buf + r->pos, r->end - r->pos);
    r->base += r->pos;
    r->end -= r->pos;
    r->pos = 0;
  }
  while (r->end < need && !r->eof)
    if (!fill_from_source(r, error))
      return FALSE;
  return TRUE;
}

/* ---- errors ------------------------------------------------------------------------------ */

static void G_GNUC_PRINTF(5, 6)
fail(CsvReader *r, GError **error, CsvError code, gint64 line, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *why = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, CSV_ERROR, code, "%s:%" G_GINT64_FORMAT ": %s", r->name, line, why);
}

/* "column N" of the field being read, with its header name when known. */
static char *
column_label(const CsvReader *r)
{
  guint n = r->n_fields + 1;
  if (r->names && n <= g_strv_length(r->names))
    return g_strdup_printf("column %u (%s)", n, r->names[n - 1]);
  return g_strdup_printf("column %u", n);
}

static void
fail_too_long(CsvReader *r, GError **error)
{
  g_autofree char *column = column_label(r);
  fail(r, error, CSV_ERROR_TOO_LONG, r->rec_line,
       "%s: record longer than %" G_GSIZE_FORMAT " bytes (a missing closing quote, or not a CSV "
       "file?)", column, r->max_record);
}

static void
fail_encoding(CsvReader *r, GError **error)
{
  guint64 off = r->base + r->pos;
  guchar c = r->buf[r->pos];
  const char *hint = "the file must be UTF-8: convert GBK/GB18030 exports first "
                     "(iconv -f GB18030 -t UTF-8)";
  if (off == 0 && r->end - r->pos >= 2 &&
      ((c == 0xFF && r->buf[r->pos + 1] == 0xFE) || (c == 0xFE && r->buf[r->pos + 1] == 0xFF)))
    hint = "the file is UTF-16 (Excel \"Unicode text\"): save it as CSV UTF-8";
  g_autofree char *column = column_label(r);
  fail(r, error, CSV_ERROR_ENCODING,
       r->line, "%s: invalid UTF-8 at byte offset %" G_GUINT64_FORMAT " (0x%02X); %s",
       column, off, c, hint);
}

static void
fail_nul(CsvReader *r, GError **error)
{
  g_autofree char *column = column_label(r);
  fail(r, error, CSV_ERROR_NUL, r->line,
       "%s: NUL byte at byte offset %" G_GUINT64_FORMAT " (a binary file, or UTF-16?)",
       column, r->base + r->pos);
}

/* ---- record buffer ----------------------------------------------------------------------- */

/* Room for N more bytes. Never beyond what a record within the limits can need (every field
 * byte comes from a record byte, plus one NUL per field), so a long line costs at most that. */
static void
rec_reserve(CsvReader *r, gsize n)
{
  gsize most = r->max_record + r->max_fields + 1;
  gsize cap = MAX(r->rec_cap, 256);
  while (cap - r->rec_len < n)
    cap *= 2;
  cap = MAX(MIN(cap, most), r->rec_len + n);
  r->rec = g_realloc(r->rec, cap);
  r->rec_cap = cap;
}

static inline void
rec_append(CsvReader *r, const guchar *p, gsize n)
{
  if (G_UNLIKELY(r->rec_cap - r->rec_len < n + 1)) /* + 1: room for the field's NUL */
    rec_reserve(r, n + 1);
  memcpy(r->rec + r->rec_len, p, n);
  r->rec_len += n;
}

static gboolean
field_begin(CsvReader *r, GError **error)
{
  if (r->n_fields == r->max_fields) {
    fail(r, error, CSV_ERROR_TOO_MANY_FIELDS, r->rec_line, "record has more than %u fields",
         r->max_fields);
    return FALSE;
  }
  if (r->n_fields == r->fields_cap) {
    r->fields_cap = MIN(MAX(r->fields_cap * 2, 16), r->max_fields);
    r->starts = g_renew(gsize, r->starts, r->fields_cap);
    r->lengths = g_renew(gsize, r->lengths, r->fields_cap);
    r->fields = g_renew(const char *, r->fields, r->fields_cap);
  }
  r->starts[r->n_fields] = r->rec_len;
  return TRUE;
}

static void
field_end(CsvReader *r)
{
  if (r->rec_cap - r->rec_len < 1)
    rec_reserve(r, 1);
  r->lengths[r->n_fields] = r->rec_len - r->starts[r->n_fields];
  r->rec[r->rec_len++] = '\0';
  r->n_fields++;
}

/* ---- scanning ---------------------------------------------------------------------------- */

/* End of the bytes the record may still take, as a position in buf. */
static inline gsize
scan_stop(const CsvReader *r)
{
  guint64 limit = r->rec_start + r->max_record - r->base;
  return limit < r->end ? (gsize)limit : r->end;
}

static inline gboolean
fits(const CsvReader *r, gsize n)
{
  return r->base + r->pos + n <= r->rec_start + r->max_record;
}

/* Length of the strict UTF-8 sequence at s (AVAIL bytes readable), 0 if invalid. */
static int
utf8_sequence(const guchar *s, gsize avail)
{
  guchar c = s[0], lo = 0x80, hi = 0xBF;
  int n;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0)
      lo = 0xA0; /* overlong */
    else if (c == 0xED)
      hi = 0x9F; /* surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0)
      lo = 0x90; /* overlong */
    else if (c == 0xF4)
      hi = 0x8F; /* past U+10FFFF */
  } else
    return 0;
  if (avail < (gsize)n || s[1] < lo || s[1] > hi)
    return 0;
  for (int i = 2; i < n; i++)
    if ((s[i] & 0xC0) != 0x80)
      return 0;
  return n;
}

/* Takes the non-ASCII character at pos into the field. */
static gboolean
take_utf8(CsvReader *r, GError **error)
{
  if (!fill(r, 4, error))
    return FALSE;
  int n = utf8_sequence(r->buf + r->pos, r->end - r->pos);
  if (n == 0) {
    fail_encoding(r, error);
    return FALSE;
  }
  if (!fits(r, (gsize)n)) {
    fail_too_long(r, error);
    return FALSE;
  }
  rec_append(r, r->buf + r->pos, (gsize)n);
  r->pos += (gsize)n;
  return TRUE;
}

/* At a CR outside quotes: CRLF ends the record, a lone CR is refused. */
static FieldEnd
take_crlf(CsvReader *r, GError **error)
{
  if (!fill(r, 2, error))
    return FIELD_ERROR;
  if (r->end - r->pos < 2 || r->buf[r->pos + 1] != '\n') {
    g_autofree char *column = column_label(r);
    fail(r, error, CSV_ERROR_CR, r->line,
         "%s: carriage return not followed by a line feed (only LF and CRLF end lines)", column);
    return FIELD_ERROR;
  }
  r->pos += 2;
  r->line++;
  return FIELD_LAST;
}

static FieldEnd
unquoted_field(CsvReader *r, GError **error)
{
  for (;;) {
    gsize stop = scan_stop(r);
    const guchar *p = r->buf + r->pos, *q = p, *e = r->buf + stop;
    while (q < e && plain_unquoted[*q])
      q++;
    rec_append(r, p, (gsize)(q - p));
    r->pos = (gsize)(q - r->buf);
    if (r->pos == r->end) {
      if (!fill(r, 1, error))
        return FIELD_ERROR;
      if (r->pos == r->end)
        return FIELD_LAST;
      continue;
    }
    guchar c = r->buf[r->pos];
    if (c == '\n') {
      r->pos++;
      r->line++;
      return FIELD_LAST;
    }
    if (c == '\r')
      return take_crlf(r, error);
    if (r->pos >= stop) {
      fail_too_long(r, error);
      return FIELD_ERROR;
    }
    if (c == ',') {
      r->pos++;
      return FIELD_MORE;
    }
    if (c == '"') {
      g_autofree char *column = column_label(r);
      fail(r, error, CSV_ERROR_QUOTE, r->line,
           "%s: quote inside an unquoted field (quote the whole field and double the quotes "
           "inside)", column);
      return FIELD_ERROR;
    }
    if (c == '\0') {
      fail_nul(r, error);
      return FIELD_ERROR;
    }
    if (!take_utf8(r, error))
      return FIELD_ERROR;
  }
}

/* After the closing quote: the field must end here. */
static FieldEnd
after_closing_quote(CsvReader *r, GError **error)
{
  if (!fill(r, 1, error))
    return FIELD_ERROR;
  if (r->pos == r->end)
    return FIELD_LAST;
  guchar c = r->buf[r->pos];
  if (c == '\n') {
    r->pos++;
    r->line++;
    return FIELD_LAST;
  }
  if (c == '\r')
    return take_crlf(r, error);
  if (c == ',') {
    if (!fits(r, 1)) {
      fail_too_long(r, error);
      return FIELD_ERROR;
    }
    r->pos++;
    return FIELD_MORE;
  }
  g_autofree char *column = column_label(r);
  fail(r, error, CSV_ERROR_QUOTE, r->line, "%s: text after the closing quote of a quoted field",
       column);
  return FIELD_ERROR;
}

/* At the opening quote. */
static FieldEnd
quoted_field(CsvReader *r, GError **error)
{
  gint64 opened = r->line;
  if (!fits(r, 1)) {
    fail_too_long(r, error);
    return FIELD_ERROR;
  }
  r->pos++;
  for (;;) {
    gsize stop = scan_stop(r);
    const guchar *p = r->buf + r->pos, *q = p, *e = r->buf + stop;
    while (q < e && plain_quoted[*q])
      q++;
    rec_append(r, p, (gsize)(q - p));
    r->pos = (gsize)(q - r->buf);
    if (r->pos == r->end) {
      if (!fill(r, 1, error))
        return FIELD_ERROR;
      if (r->pos == r->end) {
        g_autofree char *column = column_label(r);
        fail(r, error, CSV_ERROR_QUOTE, opened,
             "%s: quoted field opened on this line is never closed (end of file reached)", column);
        return FIELD_ERROR;
      }
      continue;
    }
    if (r->pos >= stop) {
      fail_too_long(r, error);
      return FIELD_ERROR;
    }
    guchar c = r->buf[r->pos];
    if (c == '"') {
      if (!fill(r, 2, error))
        return FIELD_ERROR;
      if (r->end - r->pos >= 2 && r->buf[r->pos + 1] == '"') {
        if (!fits(r, 2)) {
          fail_too_long(r, error);
          return FIELD_ERROR;
        }
        rec_append(r, r->buf + r->pos, 1);
        r->pos += 2;
        continue;
      }
      r->pos++;
      return after_closing_quote(r, error);
    }
    if (c == '\n') {
      rec_append(r, r->buf + r->pos, 1);
      r->pos++;
      r->line++;
      continue;
    }
    if (c == '\0') {
      fail_nul(r, error);
      return FIELD_ERROR;
    }
    if (!take_utf8(r, error))
      return FIELD_ERROR;
  }
}

/* TRUE with a record, FALSE at end of file or (error set) on a broken file. */
static gboolean
read_record(CsvReader *r, GError **error)
{
  if (!r->started) {
    if (!fill(r, 3, error))
      return FALSE;
    if (r->end - r->pos >= 3 && memcmp(r->buf + r->pos, "\xEF\xBB\xBF", 3) == 0)
      r->pos += 3;
    r->started = TRUE;
  }
  for (;;) { /* blank lines */
    if (!fill(r, 2, error))
      return FALSE;
    if (r->pos == r->end)
      return FALSE;
    if (r->buf[r->pos] == '\n')
      r->pos++;
    else if (r->buf[r->pos] == '\r' && r->end - r->pos >= 2 && r->buf[r->pos + 1] == '\n')
      r->pos += 2;
    else
      break;
    r->line++;
  }
  r->rec_line = r->line;
  r->rec_start = r->base + r->pos;
  r->rec_len = 0;
  r->n_fields = 0;
  FieldEnd end;
  do {
    if (!field_begin(r, error))
      return FALSE;
    if (!fill(r, 1, error))
      return FALSE;
    if (r->pos < r->end && r->buf[r->pos] == '"')
      end = quoted_field(r, error);
    else
      end = unquoted_field(r, error);
    if (end == FIELD_ERROR)
      return FALSE;
    field_end(r);
  } while (end == FIELD_MORE);
  for (guint i = 0; i < r->n_fields; i++)
    r->fields[i] = r->rec + r->starts[i];
  return TRUE;
}

gboolean
csv_reader_next(CsvReader *r, CsvRecord *out, GError **error)
{
  g_return_val_if_fail(r != NULL && out != NULL, FALSE);
  if (r->failed) {
    g_propagate_error(error, g_error_copy(r->failed));
    return FALSE;
  }
  if (r->done)
    return FALSE;
  GError *local = NULL;
  if (!read_record(r, &local)) {
    if (local) {
      r->failed = g_error_copy(local);
      g_propagate_error(error, local);
    } else
      r->done = TRUE;
    return FALSE;
  }
  r->records++;
  out->n_fields = r->n_fields;
  out->fields = r->fields;
  out->lengths = r->lengths;
  out->line_no = r->rec_line;
  return TRUE;
}

/* ---- header ------------------------------------------------------------------------------ */

static char *
trimmed(const char *s, gsize len)
{
  while (len > 0 && (*s == ' ' || *s == '\t'))
    s++, len--;
  while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
    len--;
  return g_strndup(s, len);
}

/* A found name fit for a message: quoted, control characters escaped, at most 64 bytes. */
static char *
shown_name(const char *s)
{
  static char keep[129];
  static gsize done = 0;
  if (g_once_init_enter(&done)) {
    for (int i = 0; i < 128; i++)
      keep[i] = (char)(0x80 + i);
    g_once_init_leave(&done, 1);
  }
  gsize len = strlen(s);
  gboolean cut = len > CSV_SHOWN_NAME_MAX;
  if (cut) {
    len = CSV_SHOWN_NAME_MAX;
    while (len > 0 && ((guchar)s[len] & 0xC0) == 0x80)
      len--;
  }
  g_autofree char *head = g_strndup(s, len);
  g_autofree char *esc = g_strescape(head, keep);
  return g_strdup_printf("\"%s\"%s", esc, cut ? "..." : "");
}

/* After the N_REQUIRED columns of header REC: how many of OPTIONAL (NULL terminated) follow,
 * in their order (*FOUND). The first column that is not the next of them ends them, and
 * what follows is ignored as before; but an optional name further on is refused, since it
 * would be ignored where the partner meant it to count ("category" without "merchant_id"
 * before it). */
static gboolean
optional_columns(const CsvReader *r, const CsvRecord *rec, guint n_required, const char *const *optional,
                 guint *found, GError **error)
{
  *found = 0;
  while (optional[*found] && n_required + *found < rec->n_fields) {
    g_autofree char *name = trimmed(rec->fields[n_required + *found], rec->lengths[n_required + *found]);
    if (!g_str_equal(name, optional[*found]))
      break;
    (*found)++;
  }
  for (guint i = n_required + *found; i < rec->n_fields; i++) {
    g_autofree char *name = trimmed(rec->fields[i], rec->lengths[i]);
    for (guint k = 0; optional[k]; k++) {
      if (!g_str_equal(name, optional[k]))
        continue;
      g_autofree char *want = g_strjoinv(",", (char **)optional);
      g_set_error(error, CSV_ERROR, CSV_ERROR_HEADER,
                  "%s:%" G_GINT64_FORMAT ": header column %u is \"%s\" out of its place: the optional columns"
                  " after column %u are %s, in that order, each after the one before it", r->name, rec->line_no,
                  i + 1, optional[k], n_required, want);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
csv_expect_header_optional(CsvReader *r, const char *const *columns, const char *const *optional,
                           guint *n_optional, GError **error)
{
  g_return_val_if_fail(r->records == 0 && columns && columns[0], FALSE);
  CsvRecord rec;
  GError *local = NULL;
  if (!csv_reader_next(r, &rec, &local)) {
    if (local) {
      g_propagate_error(error, local);
      return FALSE;
    }
    g_autofree char *want = g_strjoinv(",", (char **)columns);
    g_set_error(error, CSV_ERROR, CSV_ERROR_HEADER,
                "%s:1: empty file: expected a header row starting with %s", r->name, want);
    return FALSE;
  }
  for (guint i = 0; columns[i]; i++) {
    if (i >= rec.n_fields) {
      g_set_error(error, CSV_ERROR, CSV_ERROR_HEADER,
                  "%s:%" G_GINT64_FORMAT ": header ends after column %u: column %u \"%s\" is "
                  "missing", r->name, rec.line_no, rec.n_fields, i + 1, columns[i]);
      return FALSE;
    }
    g_autofree char *found = trimmed(rec.fields[i], rec.lengths[i]);
    if (!g_str_equal(found, columns[i])) {
      g_autofree char *shown = shown_name(found);
      g_set_error(error, CSV_ERROR, CSV_ERROR_HEADER,
                  "%s:%" G_GINT64_FORMAT ": header column %u is %s, expected \"%s\"%s", r->name,
                  rec.line_no, i + 1, shown, columns[i],
                  g_ascii_strcasecmp(found, columns[i]) == 0 ? " (names are case-sensitive)"
                                                             : "");
      return FALSE;
    }
  }
  guint n_required = g_strv_length((char **)columns), found = 0;
  if (optional && !optional_columns(r, &rec, n_required, optional, &found, error))
    return FALSE;
  if (n_optional)
    *n_optional = found;
  GStrvBuilder *names = g_strv_builder_new();
  g_strv_builder_addv(names, (const char **)columns);
  for (guint i = 0; i < found; i++)
    g_strv_builder_add(names, optional[i]);
  r->names = g_strv_builder_end(names);
  g_strv_builder_unref(names);
  return TRUE;
}

gboolean
csv_expect_header(CsvReader *r, const char *const *columns, GError **error)
{
  return csv_expect_header_optional(r, columns, NULL, NULL, error);
}
