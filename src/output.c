/* Machine-readable command output (output.h): one table model, three renderings. */
#include "output.h"

#include <string.h>

#include "cli.h"
#include "money.h"

struct OutputTable {
  const OutputColumn *columns;
  guint n_columns;
  GPtrArray *cells;  /* n_columns values per row, row after row; NULL = null */
};

static const char *const format_names[] = { [OUTPUT_TEXT] = "text", [OUTPUT_CSV] = "csv", [OUTPUT_JSON] = "json" };

gboolean
output_parse_format(const char *text, OutputFormat *format, GError **error)
{
  *format = OUTPUT_TEXT;
  if (!text)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS(format_names); i++)
    if (g_str_equal(text, format_names[i])) {
      *format = (OutputFormat) i;
      return TRUE;
    }
  cli_usage_error(error, "--format takes text, csv or json, not \"%s\"", text);
  return FALSE;
}

OutputTable *
output_table_new(const OutputColumn *columns, guint n_columns)
{
  OutputTable *t = g_new0(OutputTable, 1);
  t->columns = columns;
  t->n_columns = n_columns;
  t->cells = g_ptr_array_new_with_free_func(g_free);
  return t;
}

void
output_table_free(OutputTable *table)
{
  if (!table)
    return;
  g_ptr_array_unref(table->cells);
  g_free(table);
}

void
output_table_add_row(OutputTable *table, const char *const *values)
{
  for (guint c = 0; c < table->n_columns; c++)
    g_ptr_array_add(table->cells, g_strdup(values[c]));
}

guint
output_table_rows(const OutputTable *table)
{
  return table->cells->len / table->n_columns;
}

static char **
row_at(const OutputTable *t, guint r)
{
  return (char **) t->cells->pdata + (gsize) r * t->n_columns;
}

void
output_json_string(GString *buf, const char *s)
{
  g_autofree char *valid = g_utf8_make_valid(s, -1);
  g_string_append_c(buf, '"');
  for (const unsigned char *p = (const unsigned char *) valid; *p; p++) {
    switch (*p) {
    case '"': g_string_append(buf, "\\\""); break;
    case '\\': g_string_append(buf, "\\\\"); break;
    case '\n': g_string_append(buf, "\\n"); break;
    case '\r': g_string_append(buf, "\\r"); break;
    case '\t': g_string_append(buf, "\\t"); break;
    default:
      if (*p < 0x20 || *p == 0x7f)
        g_string_append_printf(buf, "\\u%04x", *p);
      else
        g_string_append_c(buf, (char) *p);
    }
  }
  g_string_append_c(buf, '"');
}

void
output_csv_field(GString *buf, const char *s)
{
  size_t n = strlen(s);
  gboolean quote = strpbrk(s, ",\"\r\n") != NULL || (n > 0 && (s[0] == ' ' || s[n - 1] == ' '));
  if (!quote) {
    g_string_append(buf, s);
    return;
  }
  g_string_append_c(buf, '"');
  for (const char *p = s; *p; p++) {
    if (*p == '"')
      g_string_append_c(buf, '"');
    g_string_append_c(buf, *p);
  }
  g_string_append_c(buf, '"');
}

static void
text_cell(GString *line, const OutputColumn *col, guint c, const char *value, gboolean header)
{
  g_autofree char *money = NULL;
  if (!value)
    value = "-";
  else if (col->type == OUTPUT_COL_MONEY && !header)
    value = money = money_format_fen(g_ascii_strtoll(value, NULL, 10));
  if (c > 0)
    for (int i = 0; i < (col->gap > 0 ? col->gap : 1); i++)
      g_string_append_c(line, ' ');
  if (col->width)
    g_string_append_printf(line, "%*s", col->width, value);
  else
    g_string_append(line, value);
}

static void
print_text(const OutputTable *t, GString *out)
{
  g_autoptr(GString) line = g_string_new(NULL);
  for (guint c = 0; c < t->n_columns; c++)
    text_cell(line, &t->columns[c], c, t->columns[c].text_name ? t->columns[c].text_name : t->columns[c].name,
              TRUE);
  g_string_append_printf(out, "%s\n", line->str);
  for (guint r = 0; r < output_table_rows(t); r++) {
    char **row = row_at(t, r);
    g_string_truncate(line, 0);
    for (guint c = 0; c < t->n_columns; c++)
      text_cell(line, &t->columns[c], c, row[c], FALSE);
    g_string_append_printf(out, "%s\n", line->str);
  }
}

static void
print_csv(const OutputTable *t, GString *out)
{
  g_autoptr(GString) line = g_string_new(NULL);
  for (guint c = 0; c < t->n_columns; c++) {
    if (c)
      g_string_append_c(line, ',');
    output_csv_field(line, t->columns[c].name);
  }
  g_string_append_printf(out, "%s\r\n", line->str);
  for (guint r = 0; r < output_table_rows(t); r++) {
    char **row = row_at(t, r);
    g_string_truncate(line, 0);
    for (guint c = 0; c < t->n_columns; c++) {
      if (c)
        g_string_append_c(line, ',');
      if (row[c])
        output_csv_field(line, row[c]);
    }
    g_string_append_printf(out, "%s\r\n", line->str);
  }
}

/* A number column's value as a JSON number: only an optional minus and digits pass
 * (anything else would make the document invalid), else it is a string. */
static gboolean
json_number(const char *s)
{
  const char *p = *s == '-' ? s + 1 : s;
  if (!*p || (p[0] == '0' && p[1]))
    return FALSE;
  for (; *p; p++)
    if (!g_ascii_isdigit(*p))
      return FALSE;
  return TRUE;
}

void
output_json_value(GString *buf, OutputColumnType type, const char *value)
{
  if (!value)
    g_string_append(buf, "null");
  else if (type == OUTPUT_COL_BOOL)
    g_string_append(buf, g_str_equal(value, "t") || g_str_equal(value, "true") ? "true" : "false");
  else if (type != OUTPUT_COL_TEXT && json_number(value))
    g_string_append(buf, value);
  else
    output_json_string(buf, value);
}

static void
print_json(const OutputTable *t, GString *buf)
{
  g_string_append_c(buf, '[');
  for (guint r = 0; r < output_table_rows(t); r++) {
    char **row = row_at(t, r);
    g_string_append(buf, r ? ",\n {" : "\n {");
    for (guint c = 0; c < t->n_columns; c++) {
      const OutputColumn *col = &t->columns[c];
      if (c)
        g_string_append(buf, ", ");
      output_json_string(buf, col->name);
      g_string_append(buf, ": ");
      output_json_value(buf, col->type, row[c]);
    }
    g_string_append_c(buf, '}');
  }
  g_string_append(buf, output_table_rows(t) ? "\n]" : "]");
}

void
output_table_append(const OutputTable *table, OutputFormat format, GString *out)
{
  switch (format) {
  case OUTPUT_TEXT: print_text(table, out); break;
  case OUTPUT_CSV: print_csv(table, out); break;
  case OUTPUT_JSON: print_json(table, out); g_string_append_c(out, '\n'); break;
  }
}

void
output_table_print(const OutputTable *table, OutputFormat format, FILE *out)
{
  g_autoptr(GString) buf = g_string_new(NULL);
  output_table_append(table, format, buf);
  fputs(buf->str, out);
}
