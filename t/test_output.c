/* The output module: CSV quoting (RFC 4180), JSON escaping, the three renderings. */
#include <CUnit/CUnit.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "output.h"
#include "unit_suites.h"

static char *
csv_of(const char *s)
{
  GString *b = g_string_new(NULL);
  output_csv_field(b, s);
  return g_string_free(b, FALSE);
}

static char *
json_of(const char *s)
{
  GString *b = g_string_new(NULL);
  output_json_string(b, s);
  return g_string_free(b, FALSE);
}

static void
test_csv_quoting(void)
{
  const char *cases[][2] = {
    { "plain", "plain" },
    { "", "" },
    { "a,b", "\"a,b\"" },
    { "say \"hi\"", "\"say \"\"hi\"\"\"" },
    { "two\nlines", "\"two\nlines\"" },
    { "cr\rhere", "\"cr\rhere\"" },
    { " edge", "\" edge\"" },
    { "edge ", "\"edge \"" },
    { "中文,逗号", "\"中文,逗号\"" },
    { "中文", "中文" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *got = csv_of(cases[i][0]);
    CU_ASSERT_STRING_EQUAL(got, cases[i][1]);
  }
}

static void
test_json_escaping(void)
{
  const char *cases[][2] = {
    { "plain", "\"plain\"" },
    { "q\"b\\s", "\"q\\\"b\\\\s\"" },
    { "n\nr\rt\t", "\"n\\nr\\rt\\t\"" },
    { "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"" },
    { "中文", "\"中文\"" },
    { "bad\xff", "\"bad\xef\xbf\xbd\"" },   /* invalid UTF-8: U+FFFD */
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *got = json_of(cases[i][0]);
    CU_ASSERT_STRING_EQUAL(got, cases[i][1]);
  }
}

static const OutputColumn columns[] = {
  { "id", OUTPUT_COL_INT, 3, 0, NULL },
  { "amount_fen", OUTPUT_COL_MONEY, 8, 2, "amount" },
  { "ok", OUTPUT_COL_BOOL, 0, 1, NULL },
  { "note", OUTPUT_COL_TEXT, 0, 1, NULL },
};

static char *
render(OutputFormat format)
{
  g_autoptr(OutputTable) t = output_table_new(columns, G_N_ELEMENTS(columns));
  output_table_add_row(t, (const char *[]) { "1", "-12345", "t", "a, \"b\"" });
  output_table_add_row(t, (const char *[]) { "02", NULL, "f", NULL });
  CU_ASSERT_EQUAL(output_table_rows(t), 2);
  GString *b = g_string_new(NULL);
  output_table_append(t, format, b);
  return g_string_free(b, FALSE);
}

static void
test_renderings(void)
{
  g_autofree char *text = render(OUTPUT_TEXT);
  CU_ASSERT_STRING_EQUAL(text, " id    amount ok note\n  1   -123.45 t a, \"b\"\n 02         - f -\n");
  g_autofree char *csv = render(OUTPUT_CSV);
  CU_ASSERT_STRING_EQUAL(csv, "id,amount_fen,ok,note\r\n1,-12345,t,\"a, \"\"b\"\"\"\r\n02,,f,\r\n");
  g_autofree char *json = render(OUTPUT_JSON);
  /* "02" is no JSON number: it stays a string rather than break the document */
  CU_ASSERT_STRING_EQUAL(json, "[\n {\"id\": 1, \"amount_fen\": -12345, \"ok\": true, \"note\": \"a, \\\"b\\\"\"},\n"
                               " {\"id\": \"02\", \"amount_fen\": null, \"ok\": false, \"note\": null}\n]\n");
  g_autoptr(OutputTable) empty = output_table_new(columns, G_N_ELEMENTS(columns));
  GString *b = g_string_new(NULL);
  output_table_append(empty, OUTPUT_JSON, b);
  CU_ASSERT_STRING_EQUAL(b->str, "[]\n");
  g_string_free(b, TRUE);
}

static void
test_format_names(void)
{
  OutputFormat f;
  g_autoptr(GError) error = NULL;
  CU_ASSERT_TRUE(output_parse_format(NULL, &f, NULL) && f == OUTPUT_TEXT);
  CU_ASSERT_TRUE(output_parse_format("csv", &f, NULL) && f == OUTPUT_CSV);
  CU_ASSERT_TRUE(output_parse_format("json", &f, NULL) && f == OUTPUT_JSON);
  CU_ASSERT_FALSE(output_parse_format("JSON", &f, &error));
  CU_ASSERT_PTR_NOT_NULL_FATAL(error);
  CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "--format takes text, csv or json, not \"JSON\""));
}

CU_TestInfo test_output_cases[] = {
  { "csv quoting", test_csv_quoting },
  { "json escaping", test_json_escaping },
  { "renderings", test_renderings },
  { "format names", test_format_names },
  CU_TEST_INFO_NULL,
};
