/* Machine-readable command output: a table of typed columns printed as the aligned
 * text operators read, RFC 4180 CSV or JSON (docs/formats.md, "Command output").
 * Money is integer fen in csv and json (columns named *_fen), yuan in text. */
#ifndef BAITIAO_OUTPUT_H
#define BAITIAO_OUTPUT_H

#include <glib.h>
#include <stdio.h>

typedef enum {
  OUTPUT_TEXT,
  OUTPUT_CSV,
  OUTPUT_JSON,
} OutputFormat;

typedef enum {
  OUTPUT_COL_TEXT,    /* a string */
  OUTPUT_COL_INT,     /* a whole number: a JSON number */
  OUTPUT_COL_MONEY,   /* fen: a JSON number, yuan 0.00 in text */
  OUTPUT_COL_BOOL,    /* "t"/"true" or anything else (false): a JSON boolean */
} OutputColumnType;

typedef struct {
  const char *name;   /* the csv header and the json key */
  OutputColumnType type;
  int width;          /* text: printf width, negative = left aligned; 0 = as is */
  int gap;            /* text: spaces before the column (not the first); 0 = one */
  const char *text_name;   /* text header when not NAME (NULL: NAME) */
} OutputColumn;

typedef struct OutputTable OutputTable;

/* The --format value (NULL: text); anything else is a usage error of the command naming
 * the accepted values. */
gboolean output_parse_format(const char *text, OutputFormat *format, GError **error);

/* A table of N_COLUMNS COLUMNS (borrowed: static tables). */
OutputTable *output_table_new(const OutputColumn *columns, guint n_columns);
void output_table_free(OutputTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OutputTable, output_table_free)
/* Adds a row of one value per column (copied; NULL is null: "-" in text, empty in
 * csv, null in json). An INT or MONEY value must be a whole number. */
void output_table_add_row(OutputTable *table, const char *const *values);
guint output_table_rows(const OutputTable *table);

/* Prints TABLE to OUT: text with a header line (a column separator of two spaces),
 * csv with a header record and CRLF line ends, json an array of objects. */
void output_table_print(const OutputTable *table, OutputFormat format, FILE *out);

/* The same rendering appended to OUT (json ends with a newline). */
void output_table_append(const OutputTable *table, OutputFormat format, GString *out);
/* One value of TYPE as JSON (NULL: null); a non-number in a number column is a string. */
void output_json_value(GString *buf, OutputColumnType type, const char *value);

/* S as a JSON string literal, quoted, with every control character escaped and any
 * invalid UTF-8 replaced by U+FFFD. */
void output_json_string(GString *buf, const char *s);
/* S as one CSV field: quoted when it holds a comma, quote, CR, LF or edge space. */
void output_csv_field(GString *buf, const char *s);

#endif
