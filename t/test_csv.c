/* Tests for the CSV reader: tables of inputs with the exact records (fields and lines) they
 * give, tables of broken files with the error code and line they must be refused with, a real
 * file, a 10 MB line, and round trips of thousands of generated records through an
 * independent writer. Every table input is also read in 1, 2, 3 and 7 byte reads, so each
 * rule is checked across buffer boundaries. */
#include <CUnit/CUnit.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "unit_suites.h"

static const gsize read_sizes[] = { 0, 1, 2, 3, 7 }; /* 0: the default */

/* Records as text: "LINE:field|field\n" per record; \n \r | \\ in fields escaped. */
static void
dump_record(GString *out, const CsvRecord *rec)
{
  g_string_append_printf(out, "%" G_GINT64_FORMAT ":", rec->line_no);
  for (guint i = 0; i < rec->n_fields; i++) {
    if (i > 0)
      g_string_append_c(out, '|');
    CU_ASSERT_EQUAL(strlen(rec->fields[i]), rec->lengths[i]);
    for (gsize k = 0; k < rec->lengths[i]; k++) {
      char c = rec->fields[i][k];
      if (c == '\n')
        g_string_append(out, "\\n");
      else if (c == '\r')
        g_string_append(out, "\\r");
      else if (c == '|' || c == '\\')
        g_string_append_printf(out, "\\%c", c);
      else
        g_string_append_c(out, c);
    }
  }
  g_string_append_c(out, '\n');
}

static CsvReader *
reader_for(const char *data, gsize len, gsize read_size, gsize max_record, guint max_fields)
{
  CsvReader *r = csv_reader_new_from_data(data, len, "t.csv");
  if (read_size)
    csv_reader_set_read_size(r, read_size);
  if (max_record || max_fields)
    csv_reader_set_limits(r, max_record ? max_record : CSV_DEFAULT_MAX_RECORD_BYTES,
                          max_fields ? max_fields : CSV_DEFAULT_MAX_FIELDS);
  return r;
}

/* All records of R as text; *ERROR set if the file was refused. */
static char *
read_all(CsvReader *r, GError **error)
{
  GString *out = g_string_new(NULL);
  CsvRecord rec;
  gint64 last = 0;
  while (csv_reader_next(r, &rec, error)) {
    CU_ASSERT(rec.n_fields >= 1);
    CU_ASSERT(rec.line_no > last);
    CU_ASSERT_EQUAL(csv_reader_line(r), rec.line_no);
    last = rec.line_no;
    dump_record(out, &rec);
  }
  return g_string_free(out, FALSE);
}

typedef struct {
  const char *name;
  const char *in;
  const char *want;
  gsize max_record; /* 0: default */
  guint max_fields; /* 0: default */
} GoodCase;

static const GoodCase good_cases[] = {
  { "empty file", "", "", 0, 0 },
  { "plain", "a,b,c\nd,e,f\n", "1:a|b|c\n2:d|e|f\n", 0, 0 },
  { "no final newline", "a,b\nc,d", "1:a|b\n2:c|d\n", 0, 0 },
  { "CRLF", "a,b\r\nc,d\r\n", "1:a|b\n2:c|d\n", 0, 0 },
  { "mixed line ends", "a\r\nb\nc\r\nd", "1:a\n2:b\n3:c\n4:d\n", 0, 0 },
  { "BOM skipped", "\xEF\xBB\xBFid,amount\r\n1,2.00\r\n", "1:id|amount\n2:1|2.00\n", 0, 0 },
  { "BOM alone", "\xEF\xBB\xBF", "", 0, 0 },
  { "BOM later is data", "a\n\xEF\xBB\xBF" "b\n", "1:a\n2:\xEF\xBB\xBF" "b\n", 0, 0 },
  { "quoted commas", "\"a,b\",\"\",c\n", "1:a,b||c\n", 0, 0 },
  { "quoted newline", "\"a\nb\",c\nd,e\n", "1:a\\nb|c\n3:d|e\n", 0, 0 },
  { "quoted CRLF kept", "x,\"a\r\nb\r\n\"\r\nc\r\n", "1:x|a\\r\\nb\\r\\n\n4:c\n", 0, 0 },
  { "quoted lone CR kept", "\"a\rb\"\n", "1:a\\rb\n", 0, 0 },
  { "doubled quotes", "\"say \"\"hi\"\"\",x\n", "1:say \"hi\"|x\n", 0, 0 },
  { "only a quote", "\"\"\"\"\n", "1:\"\n", 0, 0 },
  { "one empty quoted field", "\"\"\n", "1:\n", 0, 0 },
  { "quoted last, no newline", "a,\"b\"", "1:a|b\n", 0, 0 },
  { "quoted last, CRLF", "a,\"b\"\r\n", "1:a|b\n", 0, 0 },
  { "empty fields", ",,\na,,b\n", "1:||\n2:a||b\n", 0, 0 },
  { "trailing comma", "a,\n", "1:a|\n", 0, 0 },
  { "trailing comma at EOF", "a,", "1:a|\n", 0, 0 },
  { "trailing empty line", "a\n\n", "1:a\n", 0, 0 },
  { "trailing CRLF empty lines", "a\r\n\r\n\r\n", "1:a\n", 0, 0 },
  { "blank lines skipped, counted", "a\n\n\r\nb\n", "1:a\n4:b\n", 0, 0 },
  { "leading blank line", "\nh\n", "2:h\n", 0, 0 },
  { "spaces kept", " a , b \n", "1: a | b \n", 0, 0 },
  { "line of spaces is a record", "a\n \nb\n", "1:a\n2: \n3:b\n", 0, 0 },
  { "tab kept", "a\tb,c\n", "1:a\tb|c\n", 0, 0 },
  { "Chinese", "张三,北京市,\"上海,浦东\"\n", "1:张三|北京市|上海,浦东\n", 0, 0 },
  { "4-byte UTF-8", "\xF0\x9F\x98\x80,\xF4\x8F\xBF\xBF\n",
    "1:\xF0\x9F\x98\x80|\xF4\x8F\xBF\xBF\n", 0, 0 },
  { "U+FEFF mid-field", "a\xEF\xBB\xBF" "b\n", "1:a\xEF\xBB\xBF" "b\n", 0, 0 },
  { "multi-line record line numbers", "h\n\"1\n2\n3\",x\ny\n", "1:h\n2:1\\n2\\n3|x\n5:y\n", 0, 0 },
  { "extra columns kept", "a,b,c,d,e,f\n", "1:a|b|c|d|e|f\n", 0, 0 },
  { "record exactly at limit", "abcdefgh\r\nabcdefg,\n\"ab\"\"c\",\n",
    "1:abcdefgh\n2:abcdefg|\n3:ab\"c|\n", 8, 0 },
  { "fields exactly at limit", "a,b,c\n,,\n", "1:a|b|c\n2:||\n", 0, 3 },
};

static void
test_good_inputs(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(good_cases); i++) {
    const GoodCase *c = &good_cases[i];
    for (gsize k = 0; k < G_N_ELEMENTS(read_sizes); k++) {
      g_autoptr(CsvReader) r =
        reader_for(c->in, strlen(c->in), read_sizes[k], c->max_record, c->max_fields);
      g_autoptr(GError) error = NULL;
      g_autofree char *got = read_all(r, &error);
      gboolean ok = error == NULL && g_str_equal(got, c->want);
      if (!ok)
        fprintf(stderr, "\n  %s (read size %zu): got \"%s\" error %s, want \"%s\"", c->name,
                read_sizes[k], got, error ? error->message : "none", c->want);
      CU_ASSERT_TRUE(ok);
      CU_ASSERT_EQUAL(csv_reader_offset(r), strlen(c->in));
    }
  }
}

typedef struct {
  const char *name;
  const char *in;
  gsize len;        /* 0: strlen */
  CsvError code;
  int line;
  const char *fragment; /* also required in the message */
  guint records;    /* good records returned before the error */
  gsize max_record;
  guint max_fields;
} BadCase;

static const BadCase bad_cases[] = {
  { "GBK name", "id,name\n1,\xD5\xC5\xC8\xFD\n", 0, CSV_ERROR_ENCODING, 2,
    "column 2: invalid UTF-8 at byte offset 10 (0xD5); the file must be UTF-8", 1, 0, 0 },
  { "GBK hint", "id,name\n1,\xD5\xC5\xC8\xFD\n", 0, CSV_ERROR_ENCODING, 2, "GB18030", 1, 0, 0 },
  { "GBK in header", "\xD0\xD5\xC3\xFB,amount\n", 0, CSV_ERROR_ENCODING, 1, "offset 0", 0, 0, 0 },
  { "GBK quoted, later line", "a\n\"x\ny\xD5\xC5\"\n", 0, CSV_ERROR_ENCODING, 3, "offset 6", 1, 0,
    0 },
  { "GBK after BOM", "\xEF\xBB\xBF\xD5\xC5\n", 0, CSV_ERROR_ENCODING, 1, "offset 3", 0, 0, 0 },
  { "truncated UTF-8 at EOF", "a,\xE5\xBC", 0, CSV_ERROR_ENCODING, 1, "column 2", 0, 0, 0 },
  { "truncated UTF-8 before comma", "\xE5\xBC,a\n", 0, CSV_ERROR_ENCODING, 1, "column 1", 0, 0, 0 },
  { "overlong", "a\n\xC0\xAF\n", 0, CSV_ERROR_ENCODING, 2, "0xC0", 1, 0, 0 },
  { "overlong 3 bytes", "\xE0\x80\xAF\n", 0, CSV_ERROR_ENCODING, 1, "0xE0", 0, 0, 0 },
  { "overlong 4 bytes", "\xF0\x8F\xBF\xBF\n", 0, CSV_ERROR_ENCODING, 1, "0xF0", 0, 0, 0 },
  { "surrogate", "\xED\xA0\x80\n", 0, CSV_ERROR_ENCODING, 1, "0xED", 0, 0, 0 },
  { "past U+10FFFF", "\xF4\x90\x80\x80\n", 0, CSV_ERROR_ENCODING, 1, "0xF4", 0, 0, 0 },
  { "lone continuation", "ab\x80\n", 0, CSV_ERROR_ENCODING, 1, "offset 2", 0, 0, 0 },
  { "Latin-1", "caf\xE9,1\n", 0, CSV_ERROR_ENCODING, 1, "0xE9", 0, 0, 0 },
  { "UTF-16LE", "\xFF\xFEi\0d\0", 6, CSV_ERROR_ENCODING, 1, "UTF-16", 0, 0, 0 },
  { "NUL unquoted", "a,b\nc,\0d\n", 9, CSV_ERROR_NUL, 2, "column 2: NUL byte at byte offset 6", 1,
    0, 0 },
  { "NUL quoted", "\"a\0\"\n", 5, CSV_ERROR_NUL, 1, "column 1", 0, 0, 0 },
  { "NUL at start", "\0", 1, CSV_ERROR_NUL, 1, "offset 0", 0, 0, 0 },
  { "unterminated quote", "a,b\n1,\"abc\n2,3\n", 0, CSV_ERROR_QUOTE, 2, "column 2: quoted field",
    1, 0, 0 },
  { "unterminated empty quote", "\"", 0, CSV_ERROR_QUOTE, 1, "never closed", 0, 0, 0 },
  { "quote in unquoted field", "a,b\n1,ab\"c\n", 0, CSV_ERROR_QUOTE, 2,
    "column 2: quote inside an unquoted field", 1, 0, 0 },
  { "quote ending unquoted field", "x\"\n", 0, CSV_ERROR_QUOTE, 1, "column 1", 0, 0, 0 },
  { "text after closing quote", "a,b\n1,\"ab\"c\n", 0, CSV_ERROR_QUOTE, 2,
    "column 2: text after the closing quote", 1, 0, 0 },
  { "text after closing quote, later line", "a\n\"x\ny\"z\n", 0, CSV_ERROR_QUOTE, 3, "column 1",
    1, 0, 0 },
  { "space after closing quote", "\"a\" ,b\n", 0, CSV_ERROR_QUOTE, 1, "column 1", 0, 0, 0 },
  { "bare CR", "a,b\rc,d\r", 0, CSV_ERROR_CR, 1, "column 2: carriage return", 0, 0, 0 },
  { "CR at EOF", "h\na,b\r", 0, CSV_ERROR_CR, 2, "column 2", 1, 0, 0 },
  { "CR after closing quote", "\"a\"\rb\n", 0, CSV_ERROR_CR, 1, "column 1", 0, 0, 0 },
  { "lone CR line", "a\n\r\rb\n", 0, CSV_ERROR_CR, 2, "column 1", 1, 0, 0 },
  { "too long", "a,b\n0123456789abcdefXYZ\n", 0, CSV_ERROR_TOO_LONG, 2,
    "record longer than 16 bytes", 1, 16, 0 },
  { "too long by a comma", "0123456789abcdef,\n", 0, CSV_ERROR_TOO_LONG, 1, "16 bytes", 0, 16, 0 },
  { "too long by a comma after quotes", "\"0123456789abcd\",\n", 0, CSV_ERROR_TOO_LONG, 1, "", 0,
    16, 0 },
  { "too long by an opening quote", "0123456789abcde,\"\"\n", 0, CSV_ERROR_TOO_LONG, 1, "", 0, 16,
    0 },
  { "too long by a closing quote", "\"0123456789abcde\"\n", 0, CSV_ERROR_TOO_LONG, 1, "", 0, 16,
    0 },
  { "too long by a doubled quote", "\"0123456789abcd\"\"\"\n", 0, CSV_ERROR_TOO_LONG, 1, "", 0,
    16, 0 },
  { "too long by a UTF-8 char", "0123456789abcde张\n", 0, CSV_ERROR_TOO_LONG, 1, "", 0, 16, 0 },
  { "too long across lines", "h\n\"0\n1\n2\n3\n4\n5\n6\n7\n8\"\n", 0, CSV_ERROR_TOO_LONG, 2, "",
    1, 16, 0 },
  { "too many fields", "a,b,c\na,b,c,d\n", 0, CSV_ERROR_TOO_MANY_FIELDS, 2,
    "record has more than 3 fields", 1, 0, 3 },
  { "too many empty fields", ",,,", 0, CSV_ERROR_TOO_MANY_FIELDS, 1, "3 fields", 0, 0, 3 },
};

/* Requires ERROR to be CODE with a message starting "t.csv:LINE: " and holding FRAGMENT. */
static gboolean
refused_as(const GError *error, int code, int line, const char *fragment, const char *what)
{
  g_autofree char *prefix = g_strdup_printf("t.csv:%d: ", line);
  gboolean ok = error && error->domain == CSV_ERROR && error->code == code &&
                g_str_has_prefix(error->message, prefix) && strstr(error->message, fragment);
  if (!ok)
    fprintf(stderr, "\n  %s: got %s (code %d), want code %d, \"%s\" and \"%s\"", what,
            error ? error->message : "no error", error ? error->code : -1, code, prefix,
            fragment);
  return ok;
}

static void
test_bad_inputs(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
    const BadCase *c = &bad_cases[i];
    gsize len = c->len ? c->len : strlen(c->in);
    for (gsize k = 0; k < G_N_ELEMENTS(read_sizes); k++) {
      g_autoptr(CsvReader) r = reader_for(c->in, len, read_sizes[k], c->max_record, c->max_fields);
      g_autoptr(GError) error = NULL;
      CsvRecord rec;
      guint n = 0;
      while (csv_reader_next(r, &rec, &error))
        n++;
      CU_ASSERT_TRUE(refused_as(error, c->code, c->line, c->fragment, c->name));
      CU_ASSERT_EQUAL(n, c->records);
      /* sticky */
      g_autoptr(GError) again = NULL;
      CU_ASSERT_FALSE(csv_reader_next(r, &rec, &again));
      CU_ASSERT_TRUE(again && error && again->code == error->code &&
                     g_str_equal(again->message, error->message));
    }
  }
}

static const char *const order_columns[] = {
  "order_id", "user_id", "order_date", "amount", "product_code", NULL,
};

/* Checks the header of IN against order_columns; on success returns the line of the next record
 * (0 if none). */
static gint64
header_then(const char *in, GError **error)
{
  g_autoptr(CsvReader) r = csv_reader_new_from_data(in, strlen(in), "t.csv");
  if (!csv_expect_header(r, order_columns, error))
    return -1;
  CsvRecord rec;
  return csv_reader_next(r, &rec, error) ? rec.line_no : 0;
}

static void
test_header(void)
{
  struct {
    const char *in;
    gint64 next_line;
  } good[] = {
    { "order_id,user_id,order_date,amount,product_code\nO1,U1,2025-03-14,12.50,FPP12\n", 2 },
    { "order_id,user_id,order_date,amount,product_code", 0 },
    { "\xEF\xBB\xBF" "order_id,user_id,order_date,amount,product_code\r\nO1\r\n", 2 },
    { " order_id ,\tuser_id,order_date , amount,product_code\t\n\nx\n", 3 },
    { "order_id,user_id,order_date,amount,product_code,channel,memo\nx\n", 2 },
    { "\"order_id\",\"user_id\",order_date,amount,\"product_code\"\n", 0 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
    g_autoptr(GError) error = NULL;
    gint64 next = header_then(good[i].in, &error);
    if (error)
      fprintf(stderr, "\n  header %zu: %s", i, error->message);
    CU_ASSERT_EQUAL(next, good[i].next_line);
  }

  struct {
    const char *in;
    gboolean header_ok; /* the header passes and the error comes after */
    int code, line;
    const char *fragment;
  } bad[] = {
    { "order_id,userid,order_date,amount,product_code\n", FALSE, CSV_ERROR_HEADER, 1,
      "header column 2 is \"userid\", expected \"user_id\"" },
    { "Order_ID,user_id,order_date,amount,product_code\n", FALSE, CSV_ERROR_HEADER, 1,
      "column 1 is \"Order_ID\", expected \"order_id\" (names are case-sensitive)" },
    { "order_id,user_id\n", FALSE, CSV_ERROR_HEADER, 1,
      "header ends after column 2: column 3 \"order_date\" is missing" },
    { "", FALSE, CSV_ERROR_HEADER, 1,
      "empty file: expected a header row starting with order_id,user_id," },
    { "\n\n", FALSE, CSV_ERROR_HEADER, 1, "empty file" },
    { "O1,U1,2025-03-14,12.50,FPP12\n", FALSE, CSV_ERROR_HEADER, 1, "column 1 is \"O1\"" },
    { "\n\norder_id,user_id,x\n", FALSE, CSV_ERROR_HEADER, 3, "column 3 is \"x\"" },
    { "order_id,\"user\nid\"\n", FALSE, CSV_ERROR_HEADER, 1, "column 2 is \"user\\nid\"" },
    { "\xEF\xBB\xBF\xEF\xBB\xBForder_id\n", FALSE, CSV_ERROR_HEADER, 1,
      "\"\xEF\xBB\xBForder_id\"" },
    { "order_id,\xD3\xC3\xBB\xA7\n", FALSE, CSV_ERROR_ENCODING, 1, "column 2: invalid UTF-8" },
    { "order_id,\"user_id\n", FALSE, CSV_ERROR_QUOTE, 1, "never closed" },
    { "order_id,user_id,order_date,amount,product_code\n1,\xD5\xC5\n", TRUE, CSV_ERROR_ENCODING,
      2, "column 2" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    CU_ASSERT_EQUAL(header_then(bad[i].in, &error), bad[i].header_ok ? 0 : -1);
    g_autofree char *what = g_strdup_printf("header case %zu", i);
    CU_ASSERT_TRUE(refused_as(error, bad[i].code, bad[i].line, bad[i].fragment, what));
  }

  /* a long wrong name is shortened, at a character boundary */
  g_autoptr(GString) in = g_string_new(NULL);
  for (int i = 0; i < 40; i++)
    g_string_append(in, "张");
  g_autoptr(GError) error = NULL;
  CU_ASSERT_EQUAL(header_then(in->str, &error), -1);
  CU_ASSERT_TRUE(refused_as(error, CSV_ERROR_HEADER, 1, "\"张张", "long header"));
  CU_ASSERT_TRUE(error && strstr(error->message, "张\"..., expected \"order_id\""));
  CU_ASSERT_TRUE(error && g_utf8_validate(error->message, -1, NULL));
}

static const char *const order_optional[] = { "merchant_id", "category", "coupon_id", NULL };

/* The optional columns after the required ones: counted as far as the header names them in
 * order (white space trimmed, as the required ones are), what follows ignored, and a name
 * out of its place refused; once accepted, later errors name the optional columns too. */
static void
test_header_optional(void)
{
  struct {
    const char *in;
    guint n_optional;
  } good[] = {
    { "order_id,user_id,order_date,amount,product_code\n", 0 },
    { "order_id,user_id,order_date,amount,product_code,merchant_id\n", 1 },
    { "order_id,user_id,order_date,amount,product_code, merchant_id ,category\n", 2 },
    { "order_id,user_id,order_date,amount,product_code,merchant_id,category,coupon_id\n", 3 },
    { "order_id,user_id,order_date,amount,product_code,merchant_id,category,coupon_id,memo,x\n", 3 },
    { "order_id,user_id,order_date,amount,product_code,memo\n", 0 },
    { "order_id,user_id,order_date,amount,product_code,merchant_id,memo\n", 1 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
    g_autoptr(CsvReader) r = csv_reader_new_from_data(good[i].in, strlen(good[i].in), "t.csv");
    g_autoptr(GError) error = NULL;
    guint n = 99;
    CU_ASSERT_TRUE(csv_expect_header_optional(r, order_columns, order_optional, &n, &error));
    if (error)
      fprintf(stderr, "\n  optional header %zu: %s", i, error->message);
    CU_ASSERT_EQUAL(n, good[i].n_optional);
  }
  const char *bad[][2] = {
    { "order_id,user_id,order_date,amount,product_code,category\n",
      "t.csv:1: header column 6 is \"category\" out of its place: the optional columns after column 5 are"
      " merchant_id,category,coupon_id, in that order, each after the one before it" },
    { "order_id,user_id,order_date,amount,product_code,merchant_id,memo,coupon_id\n",
      "t.csv:1: header column 8 is \"coupon_id\" out of its place" },
    { "order_id,user_id,order_date,amount,product_code,merchant_id,merchant_id\n",
      "t.csv:1: header column 7 is \"merchant_id\" out of its place" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(CsvReader) r = csv_reader_new_from_data(bad[i][0], strlen(bad[i][0]), "t.csv");
    g_autoptr(GError) error = NULL;
    guint n = 0;
    CU_ASSERT_FALSE(csv_expect_header_optional(r, order_columns, order_optional, &n, &error));
    CU_ASSERT_TRUE(error && error->code == CSV_ERROR_HEADER && g_str_has_prefix(error->message, bad[i][1]));
    if (error && !g_str_has_prefix(error->message, bad[i][1]))
      fprintf(stderr, "\n  optional header bad %zu: %s", i, error->message);
  }
  /* a required column missing is refused as csv_expect_header refuses it */
  static const char short_in[] = "order_id,user_id\n";
  g_autoptr(CsvReader) s = csv_reader_new_from_data(short_in, strlen(short_in), "t.csv");
  g_autoptr(GError) short_error = NULL;
  CU_ASSERT_FALSE(csv_expect_header_optional(s, order_columns, order_optional, NULL, &short_error));
  CU_ASSERT_TRUE(refused_as(short_error, CSV_ERROR_HEADER, 1, "column 3 \"order_date\" is missing", "short"));
  /* an error in an optional column names it */
  static const char nul_in[] = "order_id,user_id,order_date,amount,product_code,merchant_id\nO1,U1,d,a,p,M\0\n";
  g_autoptr(CsvReader) r = csv_reader_new_from_data(nul_in, sizeof nul_in - 1, "t.csv");
  CU_ASSERT_TRUE(csv_expect_header_optional(r, order_columns, order_optional, NULL, NULL));
  CsvRecord rec;
  g_autoptr(GError) error = NULL;
  CU_ASSERT_FALSE(csv_reader_next(r, &rec, &error));
  CU_ASSERT_TRUE(refused_as(error, CSV_ERROR_NUL, 2, "column 6 (merchant_id)", "NUL in merchant_id"));
}

static char *
write_temp(const char *data, gsize len)
{
  char *path = NULL;
  int fd = g_file_open_tmp("bt-csv-XXXXXX.csv", &path, NULL);
  CU_ASSERT_FATAL(fd >= 0);
  close(fd);
  CU_ASSERT_FATAL(g_file_set_contents(path, data, (gssize)len, NULL));
  return path;
}

static void
test_real_file(void)
{
  /* larger than one default read, so the file is read in several */
  g_autoptr(GString) text =
    g_string_new("\xEF\xBB\xBF" "order_id,user_id,order_date,amount,product_code\r\n");
  for (int i = 1; i <= 5000; i++)
    g_string_append_printf(text, "O%08d,U%05d,2025-03-14,%d.%02d,%s\r\n", i, i % 977, i, i % 100,
                           i % 7 == 0 ? "\"FPP,12\"" : "\"张\"\"三\"\"\n\"");
  g_autofree char *path = write_temp(text->str, text->len);

  g_autoptr(GError) error = NULL;
  g_autoptr(CsvReader) f = csv_reader_open(path, &error);
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  CU_ASSERT_STRING_EQUAL(csv_reader_name(f), path);
  CU_ASSERT_TRUE(csv_expect_header(f, order_columns, &error));
  g_autofree char *from_file = read_all(f, &error);
  CU_ASSERT_PTR_NULL(error);
  CU_ASSERT_EQUAL(csv_reader_offset(f), text->len);
  CU_ASSERT_EQUAL(csv_reader_records(f), 5001);

  g_autoptr(CsvReader) m = csv_reader_new_from_data(text->str, text->len, path);
  CU_ASSERT_TRUE(csv_expect_header(m, order_columns, NULL));
  g_autofree char *from_memory = read_all(m, NULL);
  CU_ASSERT_STRING_EQUAL(from_file, from_memory);
  CU_ASSERT_TRUE(g_str_has_prefix(from_file, "2:O00000001|U00001|2025-03-14|1.01|张\"三\"\\n\n"));
  /* record 5000 starts on line 2 + 4999 records + the 4285 quoted newlines among them */
  CU_ASSERT_PTR_NOT_NULL(strstr(from_file, "\n9286:O00005000|U00115|2025-03-14|5000.00|张"));
  g_unlink(path);

  g_autoptr(GError) missing = NULL;
  g_autofree char *nowhere = g_build_filename(g_get_tmp_dir(), "bt-csv-no-such-dir", "x.csv", NULL);
  CU_ASSERT_PTR_NULL(csv_reader_open(nowhere, &missing));
  CU_ASSERT_TRUE(missing && missing->code == CSV_ERROR_IO && strstr(missing->message, nowhere));

  g_autoptr(GError) dir_error = NULL;
  g_autoptr(CsvReader) d = csv_reader_open(g_get_tmp_dir(), &dir_error);
  if (d) { /* open(2) takes a directory; read(2) refuses it */
    CsvRecord rec;
    CU_ASSERT_FALSE(csv_reader_next(d, &rec, &dir_error));
  }
  CU_ASSERT_TRUE(dir_error && dir_error->domain == CSV_ERROR && dir_error->code == CSV_ERROR_IO);
}

static void
test_ten_megabyte_line(void)
{
  const gsize big = 10u << 20;
  char *text = g_malloc(big + 32);
  gsize n = (gsize)g_snprintf(text, 32, "id,memo\n1,");
  memset(text + n, 'x', big);
  n += big;
  text[n++] = '\n';
  for (gsize k = 0; k < 2; k++) {
    g_autoptr(CsvReader) r = csv_reader_new_from_data(text, n, "t.csv");
    if (k)
      csv_reader_set_read_size(r, 4096);
    g_autoptr(GError) error = NULL;
    CsvRecord rec;
    CU_ASSERT_TRUE(csv_reader_next(r, &rec, &error));
    CU_ASSERT_FALSE(csv_reader_next(r, &rec, &error));
    CU_ASSERT_TRUE(refused_as(error, CSV_ERROR_TOO_LONG, 2, "longer than 1048576 bytes", "10 MB"));
    /* it stopped at the limit rather than reading the line through */
    CU_ASSERT_TRUE(csv_reader_offset(r) <= 8 + CSV_DEFAULT_MAX_RECORD_BYTES + 4);
  }
  /* a record just under the limit is fine */
  g_autoptr(CsvReader) ok =
    csv_reader_new_from_data(text + 8, CSV_DEFAULT_MAX_RECORD_BYTES, "t.csv");
  CsvRecord rec;
  CU_ASSERT_TRUE(csv_reader_next(ok, &rec, NULL));
  CU_ASSERT_EQUAL(rec.n_fields, 2);
  CU_ASSERT_EQUAL(rec.lengths[1], CSV_DEFAULT_MAX_RECORD_BYTES - 2);
  CU_ASSERT_FALSE(csv_reader_next(ok, &rec, NULL));
  g_free(text);
}

/* ---- round trips through an independent writer ------------------------------------------ */

static const char *const pieces[] = {
  "a", "Z", "0", "9", " ", "\t", ",", "\"", "\"\"", "\n", "\r\n", "\r", "张", "三", "北京",
  "\xF0\x9F\x98\x80", "\xEF\xBB\xBF", "1234.50", "2025-03-14", "-", ".", "'", "\\", "|",
};

static char *
random_field(GRand *rng)
{
  GString *f = g_string_new(NULL);
  gint32 n = g_rand_int_range(rng, 0, 4) == 0 ? 0 : g_rand_int_range(rng, 1, 12);
  for (gint32 i = 0; i < n; i++)
    g_string_append(f, pieces[g_rand_int_range(rng, 0, G_N_ELEMENTS(pieces))]);
  return g_string_free(f, FALSE);
}

/* RFC 4180 writer: quotes a field holding , " CR or LF, a lone empty field (else a blank line),
 * one starting with U+FEFF (else, first in the file, a BOM), and at random any other. */
static void
write_field(GString *out, const char *f, gboolean alone, GRand *rng)
{
  gboolean quote = strpbrk(f, ",\"\r\n") || (alone && !*f) || g_str_has_prefix(f, "\xEF\xBB\xBF") ||
                   g_rand_int_range(rng, 0, 5) == 0;
  if (!quote) {
    g_string_append(out, f);
    return;
  }
  g_string_append_c(out, '"');
  for (const char *p = f; *p; p++) {
    if (*p == '"')
      g_string_append_c(out, '"');
    g_string_append_c(out, *p);
  }
  g_string_append_c(out, '"');
}

static gint64
count_lf(const char *s)
{
  gint64 n = 0;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}

static void
test_round_trip(void)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed(20250314);
  guint total = 0;
  for (int file = 0; file < 60; file++) {
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    g_autoptr(GArray) lines = g_array_new(FALSE, FALSE, sizeof(gint64));
    if (g_rand_boolean(rng))
      g_string_append(out, "\xEF\xBB\xBF");
    gint32 n_records = g_rand_int_range(rng, 0, 200);
    for (gint32 i = 0; i < n_records; i++) {
      while (g_rand_int_range(rng, 0, 20) == 0)
        g_string_append(out, g_rand_boolean(rng) ? "\n" : "\r\n");
      gint64 line = 1 + count_lf(out->str);
      g_array_append_val(lines, line);
      gint32 n_fields = g_rand_int_range(rng, 1, 9);
      char **fields = g_new0(char *, n_fields + 1);
      for (gint32 k = 0; k < n_fields; k++) {
        fields[k] = random_field(rng);
        if (k > 0)
          g_string_append_c(out, ',');
        write_field(out, fields[k], n_fields == 1, rng);
      }
      g_ptr_array_add(records, fields);
      if (i + 1 < n_records || g_rand_int_range(rng, 0, 3) > 0)
        g_string_append(out, g_rand_boolean(rng) ? "\n" : "\r\n");
    }
    if (g_rand_int_range(rng, 0, 4) == 0)
      g_string_append(out, "\n\r\n");

    gsize read_size = (gsize[]){ 0, 1, 2, 3, 5, 64, 4093 }[g_rand_int_range(rng, 0, 7)];
    g_autoptr(CsvReader) r = reader_for(out->str, out->len, read_size, 0, 0);
    g_autoptr(GError) error = NULL;
    CsvRecord rec;
    guint i = 0;
    gboolean same = TRUE;
    while (csv_reader_next(r, &rec, &error)) {
      if (i >= records->len) {
        same = FALSE;
        break;
      }
      char **want = g_ptr_array_index(records, i);
      same = same && rec.n_fields == g_strv_length(want) &&
             rec.line_no == g_array_index(lines, gint64, i);
      for (guint k = 0; same && k < rec.n_fields; k++)
        same = rec.lengths[k] == strlen(want[k]) &&
               memcmp(rec.fields[k], want[k], rec.lengths[k]) == 0;
      if (!same)
        break;
      i++;
    }
    if (!same || error || i != records->len)
      fprintf(stderr, "\n  round trip file %d, record %u: %s", file, i,
              error ? error->message : "differs");
    CU_ASSERT_TRUE(same && !error && i == records->len);
    total += i;
  }
  CU_ASSERT_TRUE(total > 5000);
}

/* The reader's UTF-8 check against GLib's: every lead byte, followed by second bytes at both
 * edges of every range the rules single out, then third and fourth bytes at both edges of the
 * continuation range; each sequence alone in a field. */
static void
test_utf8_agrees_with_glib(void)
{
  static const guchar second[] = { 0x41, 0x7F, 0x80, 0x81, 0x8F, 0x90, 0x9F, 0xA0, 0xA1, 0xBE,
                                   0xBF, 0xC0, 0xFF };
  static const guchar trail[] = { 0x7F, 0x80, 0xBF, 0xC0 };
  guint checked = 0, valid_seen = 0;
  for (guint a = 0x80; a < 0x100; a++)
    for (gsize b = 0; b < G_N_ELEMENTS(second); b++)
      for (gsize t = 0; t < G_N_ELEMENTS(trail); t++)
        for (gsize u = 0; u < G_N_ELEMENTS(trail); u++)
          for (gsize len = 2; len <= 4; len++) {
            if ((len < 3 && t > 0) || (len < 4 && u > 0))
              continue;
            /* x first: not a BOM */
            char s[5] = { 'x', (char)a, (char)second[b], (char)trail[t], (char)trail[u] };
            g_autoptr(CsvReader) r = csv_reader_new_from_data(s, len + 1, "t.csv");
            g_autoptr(GError) error = NULL;
            CsvRecord rec;
            gboolean read = csv_reader_next(r, &rec, &error);
            gboolean valid = g_utf8_validate(s, (gssize)len + 1, NULL);
            if (read != valid)
              fprintf(stderr, "\n  %02X %02X %02X %02X (%zu bytes): reader %d, GLib %d", a,
                      second[b], trail[t], trail[u], len, read, valid);
            CU_ASSERT_EQUAL(read, valid);
            CU_ASSERT_TRUE(read ? rec.lengths[0] == len + 1
                                : error && error->code == CSV_ERROR_ENCODING);
            checked++;
            valid_seen += valid;
          }
  CU_ASSERT_TRUE(checked > 10000 && valid_seen > 100);
}

/* Mangled files: refused with a well-formed error or read, identically for every read size;
 * whatever is read is valid UTF-8 without NUL, whatever the bytes were. */
static void
test_mangled_files(void)
{
  static const char base[] = "order_id,amount\r\n\"O,1\",12.50\n\"张\"\"三\n\",\n,\n";
  static const char noise[] = { '"', ',', '\r', '\n', '\0', '\xD5', '\xC5', '\xE5', '\xBC', 'x' };
  g_autoptr(GRand) rng = g_rand_new_with_seed(7);
  for (int iter = 0; iter < 1200; iter++) {
    char text[sizeof base + 4];
    gsize len = sizeof base - 1;
    memcpy(text, base, len);
    for (int m = g_rand_int_range(rng, 1, 4); m > 0; m--)
      text[g_rand_int_range(rng, 0, (gint32)len)] = noise[g_rand_int_range(rng, 0, sizeof noise)];
    g_autofree char *first = NULL;
    g_autofree char *first_error = NULL;
    for (gsize k = 0; k < G_N_ELEMENTS(read_sizes); k++) {
      g_autoptr(CsvReader) r = reader_for(text, len, read_sizes[k], 0, 0);
      g_autoptr(GError) error = NULL;
      g_autofree char *got = read_all(r, &error);
      CU_ASSERT_TRUE(g_utf8_validate(got, -1, NULL));
      if (error) {
        CU_ASSERT_EQUAL(error->domain, CSV_ERROR);
        CU_ASSERT_TRUE(g_str_has_prefix(error->message, "t.csv:"));
      } else {
        CU_ASSERT_TRUE(g_utf8_validate(text, (gssize)len, NULL));
      }
      g_autofree char *msg = g_strdup(error ? error->message : "");
      if (k == 0) {
        first = g_steal_pointer(&got);
        first_error = g_steal_pointer(&msg);
      } else {
        CU_ASSERT_STRING_EQUAL(got, first);
        CU_ASSERT_STRING_EQUAL(msg, first_error);
      }
    }
  }
}

CU_TestInfo test_csv_cases[] = {
  { "good inputs give exact records", test_good_inputs },
  { "broken files refused with code and line", test_bad_inputs },
  { "header check", test_header },
  { "optional header columns", test_header_optional },
  { "real file, missing file", test_real_file },
  { "10 MB line refused at the limit", test_ten_megabyte_line },
  { "round trip of generated records", test_round_trip },
  { "UTF-8 check agrees with GLib", test_utf8_agrees_with_glib },
  { "mangled files", test_mangled_files },
  CU_TEST_INFO_NULL,
};
