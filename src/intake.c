/* Intake of partner files. The C side checks each field's form (two-decimal yuan,
 * real dates, id lengths, enums) and masks personal data; the SQL side judges each
 * row against the database and the rest of the file. */
#include "intake.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "csv.h"
#include "db.h"
#include "fault.h"
#include "log.h"
#include "money.h"

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
  guint n_columns;
  const char *const *judge_sql;   /* run in order; $1 = file_id, $2 = file name */
  gboolean personal;              /* rows carry names and phones: a detail shows values masked */
} IntakeSpec;

static const IntakeColumn user_columns[] = {
  { "user_id", FIELD_ID }, { "credit_limit", FIELD_LIMIT }, { "statement_day", FIELD_STATEMENT_DAY },
  { "status", FIELD_USER_STATUS }, { "name", FIELD_NAME }, { "phone", FIELD_PHONE },
};
static const IntakeColumn order_columns[] = {
  { "order_id", FIELD_ID }, { "user_id", FIELD_ID }, { "order_date", FIELD_DATE },
  { "amount", FIELD_YUAN }, { "product_code", FIELD_ID },
};
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

/* The intake cut: the latest date whose night has started (OPEN) or ended (CLOSED).
 * The night opens D under DB_LOCK_INTAKE_CUT, which the load holds shared, so rows
 * dated on or before it come too late: the night has taken (or will never take) its
 * rows of that date. */
#define INTAKE_CUT "(SELECT max(business_date) FROM business_calendar)"

/* A DATE_CLOSED row's detail: the date it has, and the cut it missed. */
#define CUT_DETAIL(col) \
  "'" col " ' || c3 || ' is on or before ' || " INTAKE_CUT " || ', whose night has started or ended:'" \
  " || ' intake for it is cut; send it dated on an open date'"

/* An id as a reject records it: a bad row's id may be empty or too long, and the
 * rejects table takes 1 to 64 characters or NULL (an empty one would fail the whole
 * load on the CHECK). */
#define REJECT_ID(col) "nullif(left(" col ", 64), '')"

/* An id stays used once a row carrying it was rejected (§11), whatever the reason,
 * except a BAD_FIELD on the id itself (empty, too long: there is no id to reserve).
 * Accepted rows, and rows the night rejected, are in the inbox tables. */
#define REJECTED_ID(kind, id_column)                                                   \
  "EXISTS (SELECT 1 FROM rejects j WHERE j.source_kind = '" kind "' AND j.external_id = s.c1" \
  " AND NOT (j.reason_code = 'BAD_FIELD' AND j.field = '" id_column "'))"

/* Verdicts: one row per staged line, reason NULL for a good row. */
#define VERDICT_TABLE "CREATE TEMP TABLE intake_verdict ON COMMIT DROP AS "

static const char *const judge_orders[] = {
  VERDICT_TABLE
  "SELECT s.*, CASE"
  "  WHEN s.bad_field IS NOT NULL THEN 'BAD_FIELD'"
  "  WHEN row_number() OVER (PARTITION BY s.c1 ORDER BY s.line_no) > 1"
  "       OR EXISTS (SELECT 1 FROM inbox_orders o WHERE o.order_id = s.c1)"
  "       OR " REJECTED_ID("orders", "order_id") " THEN 'DUPLICATE_ORDER'"
  "  WHEN s.c3::date <= " INTAKE_CUT " THEN 'DATE_CLOSED'"
  "  WHEN NOT EXISTS (SELECT 1 FROM users u WHERE u.user_id = s.c2) THEN 'UNKNOWN_USER'"
  "  WHEN NOT EXISTS (SELECT 1 FROM products p WHERE p.product_code = s.c5) THEN 'UNKNOWN_PRODUCT'"
  " END AS reason,"
  " CASE WHEN s.bad_field IS NOT NULL THEN s.bad_field END AS field"
  " FROM intake_stage s",
  "UPDATE intake_verdict SET field = CASE reason WHEN 'DUPLICATE_ORDER' THEN 'order_id'"
  "  WHEN 'DATE_CLOSED' THEN 'order_date' WHEN 'UNKNOWN_USER' THEN 'user_id'"
  "  WHEN 'UNKNOWN_PRODUCT' THEN 'product_code' ELSE field END,"
  " bad_detail = CASE reason WHEN 'DATE_CLOSED' THEN " CUT_DETAIL("order_date") " ELSE bad_detail END",
  "INSERT INTO rejects (file_id, file_name, line_no, source_kind, external_id, user_id, field, reason_code,"
  "                     detail, amount_fen, business_date)"
  " SELECT $1::bigint, $2, v.line_no, 'orders', " REJECT_ID("v.c1") ", " REJECT_ID("v.c2") ", v.field, v.reason,"
  "        v.bad_detail,"
  "        CASE WHEN v.bad_field IS NULL THEN v.c4::bigint END,"
  "        CASE WHEN v.bad_field IS NULL THEN v.c3::date END"
  "   FROM intake_verdict v WHERE v.reason IS NOT NULL",
  "INSERT INTO inbox_orders (order_id, user_id, order_date, amount_fen, product_code, file_id, line_no)"
  " SELECT c1, c2, c3::date, c4::bigint, c5, $1::bigint, line_no FROM intake_verdict"
  "  WHERE reason IS NULL ORDER BY line_no",
  NULL,
};

/* A transaction id is applied once, ever: also when it was rejected before (§11). */
static const char *const judge_repayments[] = {
  VERDICT_TABLE
  "SELECT s.*, CASE"
  "  WHEN s.bad_field IS NOT NULL THEN 'BAD_FIELD'"
  "  WHEN row_number() OVER (PARTITION BY s.c1 ORDER BY s.line_no) > 1"
  "       OR EXISTS (SELECT 1 FROM inbox_repayments r WHERE r.txn_id = s.c1)"
  "       OR " REJECTED_ID("repayments", "txn_id") " THEN 'DUPLICATE_TXN'"
  "  WHEN s.c3::date <= " INTAKE_CUT " THEN 'DATE_CLOSED'"
  "  WHEN NOT EXISTS (SELECT 1 FROM users u WHERE u.user_id = s.c2) THEN 'UNKNOWN_USER'"
  " END AS reason,"
  " CASE WHEN s.bad_field IS NOT NULL THEN s.bad_field END AS field"
  " FROM intake_stage s",
  "UPDATE intake_verdict SET field = CASE reason WHEN 'DUPLICATE_TXN' THEN 'txn_id'"
  "  WHEN 'DATE_CLOSED' THEN 'pay_date' WHEN 'UNKNOWN_USER' THEN 'user_id' ELSE field END,"
  " bad_detail = CASE reason WHEN 'DATE_CLOSED' THEN " CUT_DETAIL("pay_date") " ELSE bad_detail END",
  "INSERT INTO rejects (file_id, file_name, line_no, source_kind, external_id, user_id, field, reason_code,"
  "                     detail, amount_fen, business_date)"
  " SELECT $1::bigint, $2, v.line_no, 'repayments', " REJECT_ID("v.c1") ", " REJECT_ID("v.c2") ", v.field, v.reason,"
  "        v.bad_detail, CASE WHEN v.bad_field IS NULL THEN v.c4::bigint END,"
  "        CASE WHEN v.bad_field IS NULL THEN v.c3::date END"
  "   FROM intake_verdict v WHERE v.reason IS NOT NULL",
  "INSERT INTO inbox_repayments (txn_id, user_id, pay_date, amount_fen, channel, prepay_order_id, file_id, line_no)"
  " SELECT c1, c2, c3::date, c4::bigint, c5, nullif(c6, ''), $1::bigint, line_no FROM intake_verdict"
  "  WHERE reason IS NULL ORDER BY line_no",
  NULL,
};

static const char *const judge_refunds[] = {
  VERDICT_TABLE
  "SELECT s.*, CASE"
  "  WHEN s.bad_field IS NOT NULL THEN 'BAD_FIELD'"
  "  WHEN row_number() OVER (PARTITION BY s.c1 ORDER BY s.line_no) > 1"
  "       OR EXISTS (SELECT 1 FROM inbox_refunds r WHERE r.refund_id = s.c1)"
  "       OR " REJECTED_ID("refunds", "refund_id") " THEN 'DUPLICATE_REFUND'"
  "  WHEN s.c3::date <= " INTAKE_CUT " THEN 'DATE_CLOSED'"
  " END AS reason,"
  " CASE WHEN s.bad_field IS NOT NULL THEN s.bad_field END AS field"
  " FROM intake_stage s",
  "UPDATE intake_verdict SET field = CASE reason WHEN 'DUPLICATE_REFUND' THEN 'refund_id'"
  "  WHEN 'DATE_CLOSED' THEN 'refund_date' ELSE field END,"
  " bad_detail = CASE reason WHEN 'DATE_CLOSED' THEN " CUT_DETAIL("refund_date") " ELSE bad_detail END",
  "INSERT INTO rejects (file_id, file_name, line_no, source_kind, external_id, user_id, field, reason_code,"
  "                     detail, amount_fen, business_date)"
  " SELECT $1::bigint, $2, v.line_no, 'refunds', " REJECT_ID("v.c1") ", NULL, v.field, v.reason, v.bad_detail,"
  "        CASE WHEN v.bad_field IS NULL THEN v.c4::bigint END,"
  "        CASE WHEN v.bad_field IS NULL THEN v.c3::date END"
  "   FROM intake_verdict v WHERE v.reason IS NOT NULL",
  /* The user comes from the order; an unknown order is the refund step's to reject. */
  "INSERT INTO inbox_refunds (refund_id, order_id, user_id, refund_date, amount_fen, file_id, line_no)"
  " SELECT v.c1, v.c2, o.user_id, v.c3::date, v.c4::bigint, $1::bigint, v.line_no"
  "   FROM intake_verdict v LEFT JOIN inbox_orders o ON o.order_id = v.c2"
  "  WHERE v.reason IS NULL ORDER BY v.line_no",
  NULL,
};

/* A channel's settlement file (one per channel and day, §12): the channel comes from
 * the command line and is registered on the file (load_files.channel), so every
 * statement here reads it from there. A (channel, txn id) is settled once: a repeat
 * is DUPLICATE_SETTLEMENT. No DATE_CLOSED: a settlement file arrives T+1, after its
 * pay date has closed, and is evidence about that date, not an event to book on it
 * (recon R7 matches it against the repayments). */
#define FILE_CHANNEL "(SELECT f.channel FROM load_files f WHERE f.file_id = $1::bigint)"

static const char *const judge_settlement[] = {
  VERDICT_TABLE
  "SELECT s.*, CASE"
  "  WHEN s.bad_field IS NOT NULL THEN 'BAD_FIELD'"
  "  WHEN row_number() OVER (PARTITION BY s.c1 ORDER BY s.line_no) > 1"
  "       OR EXISTS (SELECT 1 FROM settlement_lines l WHERE l.channel = " FILE_CHANNEL
  "                     AND l.channel_txn_id = s.c1) THEN 'DUPLICATE_SETTLEMENT'"
  " END AS reason,"
  " CASE WHEN s.bad_field IS NOT NULL THEN s.bad_field END AS field"
  " FROM intake_stage s",
  "UPDATE intake_verdict SET field = CASE reason WHEN 'DUPLICATE_SETTLEMENT' THEN 'channel_txn_id'"
  "  ELSE field END",
  "INSERT INTO rejects (file_id, file_name, line_no, source_kind, external_id, user_id, field, reason_code,"
  "                     detail, amount_fen, business_date)"
  " SELECT $1::bigint, $2, v.line_no, 'settlement', " REJECT_ID("v.c1") ", NULL, v.field, v.reason, v.bad_detail,"
  "        CASE WHEN v.bad_field IS NULL THEN v.c3::bigint END,"
  "        CASE WHEN v.bad_field IS NULL THEN v.c2::date END"
  "   FROM intake_verdict v WHERE v.reason IS NOT NULL",
  "INSERT INTO settlement_lines (channel, channel_txn_id, pay_date, amount_fen, file_id, line_no)"
  " SELECT " FILE_CHANNEL ", c1, c2::date, c3::bigint, $1::bigint, line_no FROM intake_verdict"
  "  WHERE reason IS NULL ORDER BY line_no",
  /* the day it settles: the latest pay date on it (one file per channel and day) */
  "UPDATE load_files SET file_date = (SELECT max(c2::date) FROM intake_verdict WHERE reason IS NULL)"
  " WHERE file_id = $1::bigint",
  NULL,
};

/* A user row for an existing user updates limit, status and contact data; a new
 * statement day takes effect from the next cycle (§12). Within one file the last
 * row of a user wins. */
static const char *const judge_users[] = {
  VERDICT_TABLE
  "SELECT s.*, CASE WHEN s.bad_field IS NOT NULL THEN 'BAD_FIELD' END AS reason, s.bad_field AS field"
  "  FROM intake_stage s",
  "INSERT INTO rejects (file_id, file_name, line_no, source_kind, external_id, user_id, field, reason_code, detail)"
  " SELECT $1::bigint, $2, v.line_no, 'users', " REJECT_ID("v.c1") ", " REJECT_ID("v.c1") ", v.field, v.reason,"
  "        v.bad_detail"
  "   FROM intake_verdict v WHERE v.reason IS NOT NULL",
  "INSERT INTO users AS u (user_id, credit_limit_fen, statement_day, status, name_masked, phone_masked,"
  "                        created_date, last_change_date, last_file_id)"
  " SELECT DISTINCT ON (c1) c1, c2::bigint, c3::smallint, c4, nullif(c5, ''), nullif(c6, ''),"
  "        b.d, b.d, $1::bigint"
  "   FROM intake_verdict,"
  "        (SELECT coalesce(max(business_date) FILTER (WHERE status = 'OPEN'), max(business_date) + 1,"
  "                         current_date) AS d FROM business_calendar) b"
  "  WHERE reason IS NULL ORDER BY c1, line_no DESC"
  " ON CONFLICT (user_id) DO UPDATE SET"
  "   credit_limit_fen = excluded.credit_limit_fen, status = excluded.status,"
  "   name_masked = excluded.name_masked, phone_masked = excluded.phone_masked,"
  "   next_statement_day = CASE WHEN excluded.statement_day <> u.statement_day THEN excluded.statement_day END,"
  "   statement_day_changed_date = CASE WHEN excluded.statement_day <> u.statement_day"
  "                                     THEN excluded.last_change_date END,"
  "   last_change_date = excluded.last_change_date, last_file_id = excluded.last_file_id, updated_at = now()",
  NULL,
};

static const IntakeSpec specs[] = {
  { "users", user_columns, G_N_ELEMENTS(user_columns), judge_users, TRUE },
  { "orders", order_columns, G_N_ELEMENTS(order_columns), judge_orders, FALSE },
  { "repayments", repayment_columns, G_N_ELEMENTS(repayment_columns), judge_repayments, FALSE },
  { "refunds", refund_columns, G_N_ELEMENTS(refund_columns), judge_refunds, FALSE },
  { "settlement", settlement_columns, G_N_ELEMENTS(settlement_columns), judge_settlement, FALSE },
};

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
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
    return FALSE;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit(s[i]))
      return FALSE;
  int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
  if (y < 1900 || !g_date_valid_dmy((GDateDay) d, (GDateMonth) m, (GDateYear) y))
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

static char *
stage_ddl(const IntakeSpec *spec)
{
  GString *s = g_string_new("CREATE TEMP TABLE intake_stage (line_no integer, bad_field text, bad_detail text");
  for (guint i = 0; i < spec->n_columns; i++)
    g_string_append_printf(s, ", c%u text", i + 1);
  g_string_append(s, ") ON COMMIT DROP");
  return g_string_free(s, FALSE);
}

/* The raw text of a bad row's field, kept for the reject: at most 256 bytes, cut at a
 * character boundary, since COPY refuses a split UTF-8 sequence (and with it the file). */
static char *
raw_value(const char *s, gsize len)
{
  g_autofree char *all = g_strndup(s, MIN(len, 260));
  return clip(all, 256);
}

/* One record into the COPY stream: checked fields, or the first bad one named. */
static void
stage_record(DbCopy *copy, const IntakeSpec *spec, const CsvRecord *rec)
{
  char *values[16] = { 0 };
  char *detail = NULL;
  const char *bad = NULL;
  if (rec->n_fields < spec->n_columns) {
    bad = "columns";
    detail = g_strdup_printf("%u columns, expected at least %u", rec->n_fields, spec->n_columns);
  }
  for (guint i = 0; i < spec->n_columns && i < rec->n_fields; i++) {
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
     * as valid UTF-8 (the reader guarantees it) */
    db_copy_field(copy, values[i], i + 1 == spec->n_columns);
    g_free(values[i]);
  }
  g_free(detail);
}

static gboolean
stage_file(PGconn *conn, const IntakeSpec *spec, const char *path, gint64 *rows, GError **error)
{
  g_autoptr(CsvReader) reader = csv_reader_open(path, error);
  if (!reader)
    return FALSE;
  const char *header[G_N_ELEMENTS(user_columns) + 1] = { 0 };
  for (guint i = 0; i < spec->n_columns; i++)
    header[i] = spec->columns[i].name;
  if (!csv_expect_header(reader, header, error))
    return FALSE;
  g_autofree char *ddl = stage_ddl(spec);
  if (!db_exec(conn, "intake_stage_table", ddl, 0, NULL, error))
    return FALSE;
  DbCopy *copy = db_copy_start(conn, "copy_intake_stage", "COPY intake_stage FROM STDIN", error);
  if (!copy)
    return FALSE;
  CsvRecord rec;
  g_autoptr(GError) read_error = NULL;
  *rows = 0;
  while (csv_reader_next(reader, &rec, &read_error)) {
    stage_record(copy, spec, &rec);
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

static const char sql_register_file[] =
  "INSERT INTO load_files (kind, file_name, sha256, size_bytes, channel) VALUES ($1, $2, $3, $4::bigint, $5)"
  " ON CONFLICT (kind, sha256) DO NOTHING RETURNING file_id";
static const char sql_known_file[] =
  "SELECT file_id, to_char(loaded_at, 'YYYY-MM-DD HH24:MI:SS'), file_name FROM load_files"
  " WHERE kind = $1 AND sha256 = $2";
static const char sql_count_verdicts[] =
  "SELECT count(*), count(*) FILTER (WHERE reason IS NULL), count(*) FILTER (WHERE reason IS NOT NULL)"
  "  FROM intake_verdict";
static const char sql_reject_summary[] =
  "SELECT reason, count(*) FROM intake_verdict WHERE reason IS NOT NULL GROUP BY reason ORDER BY reason";
static const char sql_cut_date[] = "SELECT " INTAKE_CUT "::text";
static const char sql_file_counts[] =
  "UPDATE load_files SET rows_read = $2::int, rows_accepted = $3::int, rows_rejected = $4::int"
  " WHERE file_id = $1::bigint";

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
  g_autoptr(PGresult) res = db_query(conn, "register_load_file", sql_register_file, 5, params, error);
  if (!res)
    return FALSE;
  *fresh = PQntuples(res) == 1;
  if (*fresh) {
    r->file_id = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    return TRUE;
  }
  const char *known_params[] = { kind, sha };
  g_autoptr(PGresult) known = db_query_one(conn, "known_load_file", sql_known_file, 2, known_params, error);
  if (!known)
    return FALSE;
  r->already_loaded = TRUE;
  r->file_id = g_ascii_strtoll(PQgetvalue(known, 0, 0), NULL, 10);
  r->loaded_at = g_strdup_printf("%s (as %s)", PQgetvalue(known, 0, 1), PQgetvalue(known, 0, 2));
  return TRUE;
}

/* The highest $n placeholder a statement uses: each judging statement takes the
 * leading part of (file_id, file name) it needs. */
static int
placeholders_used(const char *sql)
{
  int max = 0;
  for (const char *p = strchr(sql, '$'); p; p = strchr(p + 1, '$'))
    if (g_ascii_isdigit(p[1]))
      max = MAX(max, p[1] - '0');
  return max;
}

static gboolean
judge(PGconn *conn, const IntakeSpec *spec, const char *path, IntakeResult *r, GError **error)
{
  g_autofree char *file_id = g_strdup_printf("%" G_GINT64_FORMAT, r->file_id);
  g_autofree char *base = g_path_get_basename(path);
  const char *params[] = { file_id, base };
  for (int i = 0; spec->judge_sql[i]; i++) {
    g_autofree char *name = g_strdup_printf("judge_%s_%d", spec->kind, i + 1);
    if (!db_exec(conn, name, spec->judge_sql[i], placeholders_used(spec->judge_sql[i]), params, error))
      return FALSE;
  }
  g_autoptr(PGresult) counts = db_query_one(conn, "count_verdicts", sql_count_verdicts, 0, NULL, error);
  g_autoptr(PGresult) summary = counts ? db_query(conn, "reject_summary", sql_reject_summary, 0, NULL, error) : NULL;
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
  g_autoptr(PGresult) cut = db_query_one(conn, "intake_cut_date", sql_cut_date, 0, NULL, error);
  if (!cut)
    return FALSE;
  r->cut_date = PQgetisnull(cut, 0, 0) ? NULL : g_strdup(PQgetvalue(cut, 0, 0));
  g_autofree char *read = g_strdup_printf("%" G_GINT64_FORMAT, r->rows_read);
  g_autofree char *ok = g_strdup_printf("%" G_GINT64_FORMAT, r->rows_accepted);
  g_autofree char *bad = g_strdup_printf("%" G_GINT64_FORMAT, r->rows_rejected);
  const char *count_params[] = { file_id, read, ok, bad };
  return db_exec(conn, "load_file_counts", sql_file_counts, 4, count_params, error);
}

static gboolean
load_in_transaction(PGconn *conn, const IntakeSpec *spec, const char *channel, const char *path,
                    IntakeResult *r, GError **error)
{
  gboolean fresh = FALSE;
  gint64 staged = 0;
  if (!register_file(conn, spec->kind, channel, path, r, &fresh, error))
    return FALSE;
  if (!fresh)
    return TRUE;
  return stage_file(conn, spec, path, &staged, error) && judge(conn, spec, path, r, error);
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

/* A settlement file needs its channel; no other kind takes one. */
static gboolean
check_channel(const IntakeSpec *spec, const char *channel, GError **error)
{
  gboolean settlement = strcmp(spec->kind, "settlement") == 0;
  if (settlement && !channel) {
    g_set_error(error, INTAKE_ERROR, INTAKE_ERROR_KIND, "a settlement file needs its channel");
    return FALSE;
  }
  g_autoptr(GError) bad = NULL;
  g_autofree char *upper = settlement ? intake_channel(channel, "its channel", &bad) : NULL;
  if (bad) {   /* a usage fault, like the kind: the file is not read */
    g_set_error(error, INTAKE_ERROR, INTAKE_ERROR_KIND, "a settlement file needs its channel: %s", bad->message);
    return FALSE;
  }
  if (!settlement && channel) {
    g_set_error(error, INTAKE_ERROR, INTAKE_ERROR_KIND, "only settlement files take a channel, not %s files",
                spec->kind);
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
                && load_in_transaction(conn, spec, channel, path, r, error);
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

gboolean
intake_load_file(PGconn *conn, const char *kind, const char *channel, const char *path, IntakeResult *r,
                 GError **error)
{
  const IntakeSpec *spec = find_spec(kind);
  if (!spec) {
    g_set_error(error, INTAKE_ERROR, INTAKE_ERROR_KIND,
                "unknown file kind \"%s\": users, orders, repayments, refunds or settlement", kind);
    return FALSE;
  }
  if (!check_channel(spec, channel, error) || !check_regular_file(path, error))
    return FALSE;
  g_autofree char *upper_channel = channel ? g_ascii_strup(channel, -1) : NULL;
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
