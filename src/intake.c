/* Intake of partner files. The C side checks each field's form (two-decimal yuan,
 * real dates, id lengths, enums) and masks personal data; the SQL side judges each
 * row against the database and the rest of the file. */
#include "intake.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "csv.h"
#include "date.h"
#include "db.h"
#include "fault.h"
#include "log.h"
#include "money.h"
#include "stmt.h"

G_DEFINE_QUARK(intake-error-quark, intake_error)

typedef enum {
  FIELD_ID,          /* 1..64 characters, no control characters */
  FIELD_OPTIONAL_ID, /* empty, or an id */
  FIELD_YUAN,        /* "1234.50", > 0 → fen */
  FIELD_LIMIT,       /* "1234.50", >= 0 → fen */
  FIELD_DATE,        /* YYYY-MM-DD, a real date */
  FIELD_STATEMENT_DAY, /* 1..28 */
  FIELD_USER_STATUS, /* ACTIVE or FROZEN */
  FIELD_CHANNEL,     /* [A-Za-z0-9_]{1,32} */
  FIELD_NAME,        /* masked */
  FIELD_PHONE,       /* masked */
} FieldType;

typedef struct {
  const char *name;
  FieldType type;
} IntakeColumn;

/* How one kind of file is staged and judged. The staging table is generic:
 * line_no, bad_field, bad_detail, c1..cN as text in the file's column order. */
typedef struct {
  const char *kind;
  const IntakeColumn *columns;
  guint n_columns;                /* the staging table's: the required ones, then the optional */
  guint n_required;               /* the header and every record have at least these */
  const char *const *judge_sql;   /* statement names, run in order: the staging table first */
  gboolean personal;              /* rows carry names and phones: a detail shows values masked */
} IntakeSpec;

static const IntakeColumn user_columns[] = {
  { "user_id", FIELD_ID }, { "credit_limit", FIELD_LIMIT }, { "statement_day", FIELD_STATEMENT_DAY },
  { "status", FIELD_USER_STATUS }, { "name", FIELD_NAME }, { "phone", FIELD_PHONE },
};
/* The last three are optional (issue 18): a file has them as far as its header names
 * them, in this order; an empty field is none. The campaigns read them at origination. */
static const IntakeColumn order_columns[] = {
  { "order_id", FIELD_ID }, { "user_id", FIELD_ID }, { "order_date", FIELD_DATE },
  { "amount", FIELD_YUAN }, { "product_code", FIELD_ID },
  { "merchant_id", FIELD_OPTIONAL_ID }, { "category", FIELD_OPTIONAL_ID }, { "coupon_id", FIELD_OPTIONAL_ID },
};
#define ORDER_REQUIRED 5
static const IntakeColumn repayment_columns[] = {
  { "txn_id", FIELD_ID }, { "user_id", FIELD_ID }, { "pay_date", FIELD_DATE }, { "amount", FIELD_YUAN },
  { "channel", FIELD_CHANNEL }, { "prepay_order_id", FIELD_OPTIONAL_ID },
};
static const IntakeColumn refund_columns[] = {
  { "refund_id", FIELD_ID }, { "order_id", FIELD_ID }, { "refund_date", FIELD_DATE }, { "amount", FIELD_YUAN },
};
static const IntakeColumn settlement_columns[] = {
  { "channel_txn_id", FIELD_ID }, { "pay_date", FIELD_DATE }, { "amount", FIELD_YUAN },
};
static const IntakeColumn coupon_columns[] = {
  { "coupon_id", FIELD_ID }, { "user_id", FIELD_ID }, { "campaign_id", FIELD_ID },
  { "valid_from", FIELD_DATE }, { "valid_to", FIELD_DATE },
};

/* How each kind is judged: its statements under sql/queries/intake/, run in order, each
 * taking the leading part of (file_id, file name) it declares. The first makes the
 * staging table (line_no, bad_field, bad_detail, c1..cN as text in the file's column
 * order); the next make the verdicts (one row per staged line, reason NULL for a good
 * row), store the rejects and the good rows. The rules themselves (§11's order of
 * reasons, the intake cut, ids that stay used) are in those files' headers. */
#define INTAKE_SQL(what) ("queries/intake/" what)

static const char *const judge_users[] = {
  INTAKE_SQL("10_users_stage"),
  INTAKE_SQL("11_users_verdict"),
  INTAKE_SQL("12_users_rejects"),
  INTAKE_SQL("13_users_upsert"),
  NULL,
};
static const char *const judge_orders[] = {
  INTAKE_SQL("20_orders_stage"),
  INTAKE_SQL("21_orders_verdict"),
  INTAKE_SQL("22_orders_fields"),
  INTAKE_SQL("23_orders_rejects"),
  INTAKE_SQL("24_orders_inbox"),
  NULL,
};
static const char *const judge_repayments[] = {
  INTAKE_SQL("30_repayments_stage"),
  INTAKE_SQL("31_repayments_verdict"),
  INTAKE_SQL("32_repayments_fields"),
  INTAKE_SQL("33_repayments_rejects"),
  INTAKE_SQL("34_repayments_inbox"),
  NULL,
};
static const char *const judge_refunds[] = {
  INTAKE_SQL("40_refunds_stage"),
  INTAKE_SQL("41_refunds_verdict"),
  INTAKE_SQL("42_refunds_fields"),
  INTAKE_SQL("43_refunds_rejects"),
  INTAKE_SQL("44_refunds_inbox"),
  NULL,
};
static const char *const judge_settlement[] = {
  INTAKE_SQL("50_settlement_stage"),
  INTAKE_SQL("51_settlement_verdict"),
  INTAKE_SQL("52_settlement_fields"),
  INTAKE_SQL("53_settlement_rejects"),
  INTAKE_SQL("54_settlement_lines"),
  INTAKE_SQL("55_settlement_file_date"),
  NULL,
};
static const char *const judge_coupons[] = {
  INTAKE_SQL("60_coupons_stage"),
  INTAKE_SQL("61_coupons_verdict"),
  INTAKE_SQL("62_coupons_fields"),
  INTAKE_SQL("63_coupons_rejects"),
  INTAKE_SQL("64_coupons_insert"),
  NULL,
};

#define ALL_REQUIRED(columns) columns, G_N_ELEMENTS(columns), G_N_ELEMENTS(columns)

static const IntakeSpec specs[] = {
  { "users", ALL_REQUIRED(user_columns), judge_users, TRUE },
  { "orders", order_columns, G_N_ELEMENTS(order_columns), ORDER_REQUIRED, judge_orders, FALSE },
  { "repayments", ALL_REQUIRED(repayment_columns), judge_repayments, FALSE },
  { "refunds", ALL_REQUIRED(refund_columns), judge_refunds, FALSE },
  { "settlement", ALL_REQUIRED(settlement_columns), judge_settlement, FALSE },
  { "coupons", ALL_REQUIRED(coupon_columns), judge_coupons, FALSE },
};
#define MAX_COLUMNS 8   /* the widest spec's n_columns */
G_STATIC_ASSERT(G_N_ELEMENTS(order_columns) <= MAX_COLUMNS && G_N_ELEMENTS(user_columns) <= MAX_COLUMNS
                && G_N_ELEMENTS(repayment_columns) <= MAX_COLUMNS && G_N_ELEMENTS(coupon_columns) <= MAX_COLUMNS);

void
intake_result_clear(IntakeResult *r)
{
  g_free(r->loaded_at);
  g_free(r->cut_date);
  if (r->reject_counts)
    g_ptr_array_unref(r->reject_counts);
  memset(r, 0, sizeof *r);
}

/* ---- masking ---------------------------------------------------------- */

char *
intake_mask_name(const char *name)
{
  if (!name || !*name)
    return NULL;
  const char *second = g_utf8_next_char(name);
  return g_strdup_printf("%.*s*", (int) (second - name), name);
}

char *
intake_mask_phone(const char *phone)
{
  if (!phone || !*phone)
    return NULL;
  gsize n = strlen(phone);
  if (n < 8)
    return g_strdup("****");
  return g_strdup_printf("%.3s****%s", phone, phone + n - 4);
}

/* ---- field checks ----------------------------------------------------- */

/* 1 to 64 bytes of UTF-8 without control characters, and no white space at either
 * end: " O1" and "O1" would be two ids to the database and one to a person. */
static gboolean
valid_id(const char *s, gsize len)
{
  if (len == 0 || len > 64 || !g_utf8_validate(s, (gssize) len, NULL))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if ((guchar) s[i] < 0x20 || s[i] == 0x7f)
      return FALSE;
  const char *last = g_utf8_find_prev_char(s, s + len);
  return !g_unichar_isspace(g_utf8_get_char(s)) && !(last && g_unichar_isspace(g_utf8_get_char(last)));
}

/* At most MAX bytes of S, cut at a character boundary (COPY refuses a split sequence). */
static char *
clip(const char *s, gsize max)
{
  gsize len = strlen(s);
  if (len > max) {
    len = max;
    while (len > 0 && ((guchar) s[len] & 0xC0) == 0x80)
      len--;
  }
  return g_strndup(s, len);
}

/* A bad value as a detail shows it: clipped, or masked like a name when the row
 * carries personal data (a shifted column may hold a name or a phone). */
static char *
shown_value(const char *value, gboolean personal)
{
  if (personal) {
    char *masked = intake_mask_name(value);
    return masked ? masked : g_strdup("");
  }
  return clip(value, 40);
}

static gboolean
valid_date(const char *s, char out[11])
{
  GDate d;
  if (!date_parse(s, &d, NULL))
    return FALSE;
  memcpy(out, s, 11);
  return TRUE;
}

/* An amount in fen within (0 or 1 fen, as TYPE says) .. MONEY_MAX_AMOUNT_FEN, or a detail. */
static gboolean
check_amount(const IntakeColumn *col, const char *value, gboolean personal, gint64 *fen, char **detail)
{
  g_autoptr(GError) local = NULL;
  if (!money_parse_yuan(value, fen, &local)) {
    *detail = personal ? g_strdup_printf("%s must be yuan with exactly two decimals (value not shown)", col->name)
                       : g_strdup_printf("%s: %s", col->name, local->message);
    return FALSE;
  }
  g_autofree char *shown = clip(value, 40);  /* a well-formed amount: no personal data */
  if (*fen < 0 || (*fen == 0 && col->type == FIELD_YUAN)) {
    *detail = g_strdup_printf("%s must be %s, not %s", col->name,
                              col->type == FIELD_YUAN ? "positive" : "zero or more", shown);
    return FALSE;
  }
  if (*fen > MONEY_MAX_AMOUNT_FEN) {
    g_autofree char *max = money_format_fen(MONEY_MAX_AMOUNT_FEN);
    *detail = g_strdup_printf("%s must be at most %s yuan (the system maximum), not %s", col->name, max, shown);
    return FALSE;
  }
  return TRUE;
}

/* The staged text of one field, or NULL with *DETAIL set when the field is bad. */
static char *
check_field(const IntakeColumn *col, const char *value, gsize len, gboolean personal, char **detail)
{
  gint64 fen;
  char date[11];
  g_autofree char *shown = NULL;
  switch (col->type) {
  case FIELD_OPTIONAL_ID:
    if (len == 0)
      return g_strdup("");
    /* fall through */
  case FIELD_ID:
    if (valid_id(value, len))
      return g_strndup(value, len);
    *detail = g_strdup_printf("%s must be 1 to 64 characters without control characters or white space"
                              " at either end", col->name);
    return NULL;
  case FIELD_YUAN:
  case FIELD_LIMIT:
    if (!check_amount(col, value, personal, &fen, detail))
      return NULL;
    return g_strdup_printf("%" G_GINT64_FORMAT, fen);
  case FIELD_DATE:
    if (valid_date(value, date))
      return g_strdup(date);
    shown = shown_value(value, personal);
    *detail = g_strdup_printf("%s must be a real date YYYY-MM-DD, not \"%s\"", col->name, shown);
    return NULL;
  case FIELD_STATEMENT_DAY: {
    guint64 day;
    if (g_ascii_string_to_unsigned(value, 10, 1, 28, &day, NULL))
      return g_strdup_printf("%u", (unsigned) day);
    shown = shown_value(value, personal);
    *detail = g_strdup_printf("%s must be a day from 1 to 28, not \"%s\"", col->name, shown);
    return NULL;
  }
  case FIELD_USER_STATUS:
    if (strcmp(value, "ACTIVE") == 0 || strcmp(value, "FROZEN") == 0)
      return g_strdup(value);
    shown = shown_value(value, personal);
    *detail = g_strdup_printf("%s must be ACTIVE or FROZEN, not \"%s\"", col->name, shown);
    return NULL;
  case FIELD_CHANNEL: {
    /* one channel, however a partner spells it: alipay = ALIPAY */
    g_autoptr(GError) bad = NULL;
    char *channel = intake_channel(value, col->name, &bad);
    if (!channel)
      *detail = g_strdup(bad->message);
    return channel;
  }
  case FIELD_NAME: {
    char *masked = intake_mask_name(value);
    return masked ? masked : g_strdup("");
  }
  case FIELD_PHONE: {
    char *masked = intake_mask_phone(value);
    return masked ? masked : g_strdup("");
  }
  }
  return NULL;
}

/* ---- staging ---------------------------------------------------------- */

static const IntakeSpec *
find_spec(const char *kind)
{
  for (gsize i = 0; i < G_N_ELEMENTS(specs); i++)
    if (strcmp(specs[i].kind, kind) == 0)
      return &specs[i];
  return NULL;
}

/* The raw text of a bad row's field, kept for the reject: at most 256 bytes, cut at a
 * character boundary, since COPY refuses a split UTF-8 sequence (and with it the file). */
static char *
raw_value(const char *s, gsize len)
{
  g_autofree char *all = g_strndup(s, MIN(len, 260));
  return clip(all, 256);
}

/* One record into the COPY stream: checked fields, or the first bad one named. Of the
 * optional columns, only the N_OPTIONAL the header names are read (the rest of a longer
 * record is ignored, as always); one the header names but the record ends before is
 * empty, i.e. none. */
static void
stage_record(DbCopy *copy, const IntakeSpec *spec, guint n_optional, const CsvRecord *rec)
{
  char *values[MAX_COLUMNS] = { 0 };
  char *detail = NULL;
  const char *bad = NULL;
  guint n_read = spec->n_required + n_optional;
  if (rec->n_fields < spec->n_required) {
    bad = "columns";
    detail = g_strdup_printf("%u columns, expected at least %u", rec->n_fields, spec->n_required);
  }
  for (guint i = 0; i < n_read && i < rec->n_fields; i++) {
    if (bad) {
      values[i] = raw_value(rec->fields[i], rec->lengths[i]);
      continue;
    }
    values[i] = check_field(&spec->columns[i], rec->fields[i], rec->lengths[i], spec->personal, &detail);
    if (!values[i]) {
      bad = spec->columns[i].name;
      values[i] = raw_value(rec->fields[i], rec->lengths[i]);
    }
  }
  db_copy_field_int(copy, rec->line_no, FALSE);
  db_copy_field(copy, bad, FALSE);
  db_copy_field(copy, detail, FALSE);
  for (guint i = 0; i < spec->n_columns; i++) {
    /* masked PII and raw text of bad rows only ever reach the staging table
     * as valid UTF-8 (the reader guarantees it); an optional column not read is "" */
    if (!values[i] && i >= spec->n_required)
      values[i] = g_strdup("");
    db_copy_field(copy, values[i], i + 1 == spec->n_columns);
    g_free(values[i]);
  }
  g_free(detail);
}

/* Whether the record starting on LINE is one of *LINES (ascending; NULL: every line),
 * *NEXT the first of them not yet passed: records come in ascending line order. */
static gboolean
line_kept(const GArray *lines, guint *next, gint64 line)
{
  if (!lines)
    return TRUE;
  while (*next < lines->len && g_array_index(lines, gint64, *next) < line)
    (*next)++;
  return *next < lines->len && g_array_index(lines, gint64, *next) == line;
}

static gboolean
stage_file(PGconn *conn, const IntakeSpec *spec, const char *path, const GArray *lines, gint64 *rows,
           GError **error)
{
  g_autoptr(CsvReader) reader = csv_reader_open(path, error);
  if (!reader)
    return FALSE;
  const char *header[MAX_COLUMNS + 1] = { 0 }, *optional[MAX_COLUMNS + 1] = { 0 };
  for (guint i = 0; i < spec->n_required; i++)
    header[i] = spec->columns[i].name;
  for (guint i = spec->n_required; i < spec->n_columns; i++)
    optional[i - spec->n_required] = spec->columns[i].name;
  guint n_optional = 0;
  if (!csv_expect_header_optional(reader, header, optional, &n_optional, error))
    return FALSE;
  if (!stmt_exec(conn, spec->judge_sql[0], 0, NULL, error))
    return FALSE;
  DbCopy *copy = stmt_copy_start(conn, INTAKE_SQL("05_copy_stage"), error);
  if (!copy)
    return FALSE;
  CsvRecord rec;
  g_autoptr(GError) read_error = NULL;
  *rows = 0;
  guint next = 0;
  while (csv_reader_next(reader, &rec, &read_error)) {
    if (!line_kept(lines, &next, rec.line_no))
      continue;
    stage_record(copy, spec, n_optional, &rec);
    (*rows)++;
    if (!db_copy_flush_if_full(copy, error)) {
      db_copy_abort(copy);
      return FALSE;
    }
  }
  if (read_error) {
    db_copy_abort(copy);
    g_propagate_error(error, g_steal_pointer(&read_error));
    return FALSE;
  }
  return db_copy_finish(copy, NULL, error);
}

/* ---- the load --------------------------------------------------------- */

static gboolean
file_digest(const char *path, char **sha256, gint64 *size, GError **error)
{
  g_autoptr(GMappedFile) map = g_mapped_file_new(path, FALSE, error);
  if (!map)
    return FALSE;
  *size = (gint64) g_mapped_file_get_length(map);
  *sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) g_mapped_file_get_contents(map),
                                        (gsize) *size);
  return TRUE;
}

/* Registers the file; FALSE in *FRESH when the same content was loaded before. */
static gboolean
register_file(PGconn *conn, const char *kind, const char *channel, const char *path, IntakeResult *r,
              gboolean *fresh, GError **error)
{
  g_autofree char *sha = NULL;
  gint64 size = 0;
  if (!file_digest(path, &sha, &size, error))
    return FALSE;
  g_autofree char *base = g_path_get_basename(path);
  g_autofree char *size_text = g_strdup_printf("%" G_GINT64_FORMAT, size);
  const char *params[] = { kind, base, sha, size_text, channel };
  g_autoptr(PGresult) res = stmt_query(conn, INTAKE_SQL("01_register_file"), 5, params, error);
  if (!res)
    return FALSE;
  *fresh = PQntuples(res) == 1;
  if (*fresh) {
    r->file_id = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    return TRUE;
  }
  const char *known_params[] = { kind, sha };
  g_autoptr(PGresult) known = stmt_query_one(conn, INTAKE_SQL("02_known_file"), 2, known_params, error);
  if (!known)
    return FALSE;
  r->already_loaded = TRUE;
  r->file_id = g_ascii_strtoll(PQgetvalue(known, 0, 0), NULL, 10);
  r->loaded_at = g_strdup_printf("%s (as %s)", PQgetvalue(known, 0, 1), PQgetvalue(known, 0, 2));
  return TRUE;
}

static gboolean
judge(PGconn *conn, const IntakeSpec *spec, const char *path, IntakeResult *r, GError **error)
{
  g_autofree char *file_id = g_strdup_printf("%" G_GINT64_FORMAT, r->file_id);
  g_autofree char *base = g_path_get_basename(path);
  const char *params[] = { file_id, base };
  for (int i = 1; spec->judge_sql[i]; i++) {   /* [0] made the staging table */
    /* each takes the leading part of (file_id, file name) it declares: one that
     * declares more fails the call's contract, naming its file */
    const Stmt *stmt = stmt_get(spec->judge_sql[i], error);
    if (!stmt || !stmt_exec(conn, spec->judge_sql[i], MIN(stmt->nparams, G_N_ELEMENTS(params)), params, error))
      return FALSE;
  }
  g_autoptr(PGresult) counts = stmt_query_one(conn, INTAKE_SQL("90_count_verdicts"), 0, NULL, error);
  g_autoptr(PGresult) summary = counts ? stmt_query(conn, INTAKE_SQL("91_reject_summary"), 0, NULL, error) : NULL;
  if (!summary)
    return FALSE;
  r->rows_read = g_ascii_strtoll(PQgetvalue(counts, 0, 0), NULL, 10);
  r->rows_accepted = g_ascii_strtoll(PQgetvalue(counts, 0, 1), NULL, 10);
  r->rows_rejected = g_ascii_strtoll(PQgetvalue(counts, 0, 2), NULL, 10);
  r->reject_counts = g_ptr_array_new_with_free_func(g_free);
  for (int i = 0; i < PQntuples(summary); i++) {
    g_ptr_array_add(r->reject_counts, g_strdup_printf("%s %s", PQgetvalue(summary, i, 0), PQgetvalue(summary, i, 1)));
    if (strcmp(PQgetvalue(summary, i, 0), "DATE_CLOSED") == 0)
      r->rows_date_closed = g_ascii_strtoll(PQgetvalue(summary, i, 1), NULL, 10);
  }
  g_autoptr(PGresult) cut = stmt_query_one(conn, INTAKE_SQL("92_cut_date"), 0, NULL, error);
  if (!cut)
    return FALSE;
  r->cut_date = PQgetisnull(cut, 0, 0) ? NULL : g_strdup(PQgetvalue(cut, 0, 0));
  g_autofree char *read = g_strdup_printf("%" G_GINT64_FORMAT, r->rows_read);
  g_autofree char *ok = g_strdup_printf("%" G_GINT64_FORMAT, r->rows_accepted);
  g_autofree char *bad = g_strdup_printf("%" G_GINT64_FORMAT, r->rows_rejected);
  const char *count_params[] = { file_id, read, ok, bad };
  return stmt_exec(conn, INTAKE_SQL("93_file_counts"), 4, count_params, error);
}

static gboolean
load_in_transaction(PGconn *conn, const IntakeSpec *spec, const char *channel, const char *path,
                    const GArray *lines, IntakeResult *r, GError **error)
{
  gboolean fresh = FALSE;
  gint64 staged = 0;
  if (!register_file(conn, spec->kind, channel, path, r, &fresh, error))
    return FALSE;
  if (!fresh)
    return TRUE;
  return stage_file(conn, spec, path, lines, &staged, error) && judge(conn, spec, path, r, error);
}

char *
intake_channel(const char *value, const char *where, GError **error)
{
  gsize len = strlen(value);
  gboolean ok = len >= 1 && len <= 32;
  for (gsize i = 0; ok && i < len; i++)
    ok = g_ascii_isalnum(value[i]) || value[i] == '_';
  if (!ok) {
    g_set_error(error, INTAKE_ERROR, INTAKE_ERROR_FIELD, "%s must be 1 to 32 letters, digits or '_'", where);
    return NULL;
  }
  return g_ascii_strup(value, -1);
}

/* A settlement file needs its channel; no other kind takes one. *UPPER: the channel
 * as stored (upper case), NULL for the other kinds. */
static gboolean
check_channel(const IntakeSpec *spec, const char *channel, char **upper, GError **error)
{
  gboolean settlement = strcmp(spec->kind, "settlement") == 0;
  *upper = NULL;
  if (settlement && !channel) {
    g_set_error(error, INTAKE_ERROR, INTAKE_ERROR_KIND, "a settlement file needs its channel");
    return FALSE;
  }
  if (!settlement && channel) {
    g_set_error(error, INTAKE_ERROR, INTAKE_ERROR_KIND, "only settlement files take a channel, not %s files",
                spec->kind);
    return FALSE;
  }
  g_autoptr(GError) bad = NULL;
  if (settlement && !(*upper = intake_channel(channel, "its channel", &bad))) {
    /* a usage fault, like the kind: the file is not read */
    g_set_error(error, INTAKE_ERROR, INTAKE_ERROR_KIND, "a settlement file needs its channel: %s", bad->message);
    return FALSE;
  }
  return TRUE;
}

/* Only a regular file is read: a FIFO would block the load for ever, a directory or
 * a device is not a partner file. Checked before anything is opened or stored. */
static gboolean
check_regular_file(const char *path, GError **error)
{
  GStatBuf st;
  if (g_stat(path, &st) != 0) {
    int e = errno;
    g_set_error(error, INTAKE_ERROR, INTAKE_ERROR_FILE, "cannot open %s: %s", path, g_strerror(e));
    return FALSE;
  }
  if (S_ISREG(st.st_mode))
    return TRUE;
  const char *what = S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO (named pipe)"
                     : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : S_ISSOCK(st.st_mode) ? "a socket"
                     : "not a regular file";
  g_set_error(error, INTAKE_ERROR, INTAKE_ERROR_FILE, "%s is %s: load reads regular files only, nothing was loaded",
              path, what);
  return FALSE;
}

/* One attempt: the whole file in one transaction. The cut's lock comes first, so the
 * calendar every judging statement reads cannot move under the load (eod.c). */
static gboolean
load_once(PGconn *conn, const IntakeSpec *spec, const char *channel, const char *path, IntakeResult *r,
          GError **error)
{
  if (!db_begin(conn, error))
    return FALSE;
  gboolean ok = db_xact_lock(conn, DB_LOCK_INTAKE_CUT, TRUE, error)
                && load_in_transaction(conn, spec, channel, path, NULL, r, error);
  if (ok)
    fault_reached_in("before-commit");  /* the crash tests' points (fault.h) */
  if (!ok || !db_commit(conn, error)) {
    db_rollback(conn);
    return FALSE;
  }
  return TRUE;
}

/* Two loads carrying the same id at the same moment: the second waits on the first's
 * unique index entry and fails 23505 when the first commits. Judged again, it sees
 * the first's row and rejects its own as a DUPLICATE_*. */
#define INTAKE_ATTEMPTS 3

/* The kind's spec, its channel as stored (*UPPER) and the file checked before anything
 * is opened or stored. */
static const IntakeSpec *
check_load(const char *kind, const char *channel, const char *path, char **upper, GError **error)
{
  const IntakeSpec *spec = find_spec(kind);
  if (!spec) {
    g_set_error(error, INTAKE_ERROR, INTAKE_ERROR_KIND,
                "unknown file kind \"%s\": users, orders, repayments, refunds, settlement or coupons", kind);
    return NULL;
  }
  if (!check_channel(spec, channel, upper, error) || !check_regular_file(path, error))
    return NULL;
  return spec;
}

gboolean
intake_load_file(PGconn *conn, const char *kind, const char *channel, const char *path, IntakeResult *r,
                 GError **error)
{
  g_autofree char *upper_channel = NULL;
  const IntakeSpec *spec = check_load(kind, channel, path, &upper_channel, error);
  if (!spec)
    return FALSE;
  for (int attempt = 1;; attempt++) {
    g_autoptr(GError) local = NULL;
    if (load_once(conn, spec, upper_channel, path, r, &local))
      return TRUE;
    if (attempt >= INTAKE_ATTEMPTS || g_strcmp0(db_error_sqlstate(local), "23505") != 0) {
      g_propagate_error(error, g_steal_pointer(&local));
      return FALSE;
    }
    log_info("%s: an id of it was loaded by another load meanwhile; judging it again", path);
    intake_result_clear(r);
  }
}

gboolean
intake_late_rows(const IntakeResult *result, const char *file, GError **error)
{
  if (result->rows_date_closed == 0)
    return FALSE;
  g_set_error(error, INTAKE_ERROR, INTAKE_ERROR_LATE,
              "%s: %" G_GINT64_FORMAT " row(s) dated on or before %s rejected DATE_CLOSED: the night of %s"
              " has started or ended, its intake is cut (the rest of the file is loaded)\n"
              "hint: such rows are never applied; send them again dated on an open business date", file,
              result->rows_date_closed, result->cut_date, result->cut_date);
  return TRUE;
}

/* ---- a part of a file, left open (a sharded group's load, shard_load.h) ----------- */

gboolean
intake_load_open(PGconn *conn, const char *kind, const char *channel, const char *path, const GArray *lines,
                 IntakeResult *r, GError **error)
{
  g_autofree char *upper_channel = NULL;
  const IntakeSpec *spec = check_load(kind, channel, path, &upper_channel, error);
  if (!spec || !db_begin(conn, error))
    return FALSE;
  if (!db_xact_lock(conn, DB_LOCK_INTAKE_CUT, TRUE, error)
      || !load_in_transaction(conn, spec, upper_channel, path, lines, r, error)) {
    db_rollback(conn);
    return FALSE;
  }
  return TRUE;
}

/* Statements naming the keys of a kind's accepted rows, by kind. */
static const char *
accepted_sql(const char *kind)
{
  return strcmp(kind, "users") == 0        ? INTAKE_SQL("95_users_accepted")
         : strcmp(kind, "orders") == 0     ? INTAKE_SQL("96_orders_accepted")
         : strcmp(kind, "repayments") == 0 ? INTAKE_SQL("97_repayments_accepted")
         : strcmp(kind, "coupons") == 0    ? INTAKE_SQL("98_coupons_accepted")
                                           : NULL;
}

PGresult *
intake_accepted_keys(PGconn *conn, const char *kind, GError **error)
{
  const char *sql = accepted_sql(kind);
  g_return_val_if_fail(sql != NULL, NULL);
  return stmt_query(conn, sql, 0, NULL, error);
}

gboolean
intake_kind_columns(const char *kind, const char *const **names, guint *n)
{
  static const char *const *cache[G_N_ELEMENTS(specs)];
  for (gsize i = 0; i < G_N_ELEMENTS(specs); i++) {
    if (strcmp(specs[i].kind, kind) != 0)
      continue;
    if (!cache[i]) {   /* the spec's names as an array, made once */
      const char **list = g_new0(const char *, specs[i].n_required + 1);
      for (guint c = 0; c < specs[i].n_required; c++)
        list[c] = specs[i].columns[c].name;
      cache[i] = list;
    }
    *names = cache[i];
    *n = specs[i].n_required;
    return TRUE;
  }
  return FALSE;
}

gboolean
intake_check_file(const char *kind, const char *channel, const char *path, GError **error)
{
  g_autofree char *upper = NULL;
  return check_load(kind, channel, path, &upper, error) != NULL;
}
