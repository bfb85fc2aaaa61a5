/* libFuzzer target for the CSV reader. Every input is read with several read sizes (all must
 * give the same records and the same error) and with small limits; records must be valid UTF-8
 * without NUL, within the limits, on increasing lines; a file read without error must be valid
 * UTF-8 as a whole, and its records must come back unchanged through a quoting writer.
 *   clang -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc fuzz/csv_fuzz.c src/csv.c \
 *     $(pkg-config --cflags --libs glib-2.0) -o csv_fuzz && ./csv_fuzz fuzz/corpus/csv */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "csv_fuzz: check failed: %s (line %d)\n", #cond, __LINE__);                 \
      abort();                                                                                     \
    }                                                                                              \
  } while (0)

/* Reads DATA whole; returns the records as text (fields separated by NUL-safe length prefixes)
 * and *MESSAGE the error, if any. Checks what must hold of every record. */
static GString *
read_all(const char *data, gsize size, gsize read_size, gsize max_record, guint max_fields,
         char **message)
{
  g_autoptr(CsvReader) r = csv_reader_new_from_data(data, size, "fuzz.csv");
  if (read_size)
    csv_reader_set_read_size(r, read_size);
  csv_reader_set_limits(r, max_record, max_fields);
  gint64 lines = 1;
  for (gsize i = 0; i < size; i++)
    lines += data[i] == '\n';

  GString *out = g_string_new(NULL);
  g_autoptr(GError) error = NULL;
  CsvRecord rec;
  gint64 last = 0;
  while (csv_reader_next(r, &rec, &error)) {
    CHECK(rec.n_fields >= 1 && rec.n_fields <= max_fields);
    CHECK(rec.line_no > last && rec.line_no <= lines && rec.line_no == csv_reader_line(r));
    last = rec.line_no;
    gsize total = 0;
    g_string_append_printf(out, "%" G_GINT64_FORMAT ":%u", rec.line_no, rec.n_fields);
    for (guint i = 0; i < rec.n_fields; i++) {
      CHECK(strlen(rec.fields[i]) == rec.lengths[i]);
      CHECK(g_utf8_validate(rec.fields[i], (gssize)rec.lengths[i], NULL));
      total += rec.lengths[i];
      g_string_append_printf(out, ":%zu:", rec.lengths[i]);
      g_string_append_len(out, rec.fields[i], (gssize)rec.lengths[i]);
    }
    CHECK(total <= max_record);
    g_string_append_c(out, '\n');
  }
  CHECK(csv_reader_offset(r) <= size);
  if (error) {
    CHECK(error->domain == CSV_ERROR && g_str_has_prefix(error->message, "fuzz.csv:"));
    CHECK(!csv_reader_next(r, &rec, NULL));
    *message = g_strdup(error->message);
  } else {
    CHECK(csv_reader_offset(r) == size);
    CHECK(g_utf8_validate(data, (gssize)size, NULL));
    *message = NULL;
  }
  return out;
}

/* Writes every record of DATA with every field quoted, reads that back: same fields. */
static void
round_trip(const char *data, gsize size)
{
  g_autoptr(CsvReader) r = csv_reader_new_from_data(data, size, "fuzz.csv");
  g_autoptr(GString) text = g_string_new(NULL);
  g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
  CsvRecord rec;
  while (csv_reader_next(r, &rec, NULL)) {
    for (guint i = 0; i < rec.n_fields; i++) {
      if (i)
        g_string_append_c(text, ',');
      g_string_append_c(text, '"');
      for (gsize k = 0; k < rec.lengths[i]; k++) {
        if (rec.fields[i][k] == '"')
          g_string_append_c(text, '"');
        g_string_append_c(text, rec.fields[i][k]);
      }
      g_string_append_c(text, '"');
      g_ptr_array_add(want, g_strdup(rec.fields[i]));
    }
    g_ptr_array_add(want, NULL); /* end of record */
    g_string_append(text, "\r\n");
  }
  g_autoptr(CsvReader) back = csv_reader_new_from_data(text->str, text->len, "fuzz.csv");
  csv_reader_set_limits(back, 1u << 24, 1u << 20);
  guint k = 0;
  g_autoptr(GError) error = NULL;
  while (csv_reader_next(back, &rec, &error)) {
    for (guint i = 0; i < rec.n_fields; i++) {
      CHECK(k < want->len && g_ptr_array_index(want, k));
      CHECK(g_str_equal(rec.fields[i], g_ptr_array_index(want, k)));
      k++;
    }
    CHECK(k < want->len && g_ptr_array_index(want, k) == NULL);
    k++;
  }
  CHECK(error == NULL && k == want->len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
  const char *data = (const char *)bytes;
  static const gsize read_sizes[] = { 1, 2, 3, 7, 0 };
  g_autofree char *first_error = NULL;
  g_autoptr(GString) first = read_all(data, size, read_sizes[0], CSV_DEFAULT_MAX_RECORD_BYTES,
                                      CSV_DEFAULT_MAX_FIELDS, &first_error);
  for (gsize i = 1; i < G_N_ELEMENTS(read_sizes); i++) {
    g_autofree char *msg = NULL;
    g_autoptr(GString) got = read_all(data, size, read_sizes[i], CSV_DEFAULT_MAX_RECORD_BYTES,
                                      CSV_DEFAULT_MAX_FIELDS, &msg);
    CHECK(g_string_equal(got, first));
    CHECK(g_strcmp0(msg, first_error) == 0);
  }
  if (!first_error)
    round_trip(data, size);

  /* small limits, so that inputs of a few bytes reach them */
  g_autofree char *small_error = NULL;
  g_autoptr(GString) small = read_all(data, size, 5, 24, 4, &small_error);
  g_autofree char *small_error2 = NULL;
  g_autoptr(GString) small2 = read_all(data, size, 0, 24, 4, &small_error2);
  CHECK(g_string_equal(small, small2) && g_strcmp0(small_error, small_error2) == 0);

  static const char *const columns[] = { "order_id", "user_id", NULL };
  g_autoptr(CsvReader) h = csv_reader_new_from_data(data, size, "fuzz.csv");
  g_autoptr(GError) error = NULL;
  if (!csv_expect_header(h, columns, &error))
    CHECK(error && error->domain == CSV_ERROR && g_str_has_prefix(error->message, "fuzz.csv:"));
  else
    CHECK(error == NULL);
  return 0;
}
