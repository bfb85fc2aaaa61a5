/* The one parser of business dates (see date.h). */
#include "date.h"

#include <string.h>

G_DEFINE_QUARK(date-error-quark, date_error)

static const char *const month_names[] = {
  "January", "February", "March", "April", "May", "June", "July", "August", "September",
  "October", "November", "December",
};

/* The text as the error shows it: valid UTF-8, at most 24 characters. */
static char *
shown(const char *text)
{
  g_autofree char *valid = g_utf8_make_valid(text, -1);
  if (g_utf8_strlen(valid, -1) <= 24)
    return g_steal_pointer(&valid);
  g_autofree char *head = g_utf8_substring(valid, 0, 24);
  return g_strconcat(head, "…", NULL);
}

static gboolean
fail(GError **error, const char *text, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static gboolean
fail(GError **error, const char *text, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *why = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_autofree char *s = shown(text);
  g_set_error(error, DATE_ERROR, DATE_ERROR_INVALID, "\"%s\" is not a date YYYY-MM-DD: %s", s, why);
  return FALSE;
}

/* The value of N ASCII digits at S, or -1 when one of them is not a digit. */
static int
digits(const char *s, int n)
{
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!g_ascii_isdigit(s[i]))
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/* YYYY-MM-DD as its three numbers, or FALSE when the text has another shape. */
static gboolean
split(const char *text, int *y, int *m, int *d, GError **error)
{
  size_t len = strlen(text);
  if (len == 0)
    return fail(error, text, "it is empty");
  gboolean shaped = len >= 10 && text[4] == '-' && text[7] == '-';
  *y = shaped ? digits(text, 4) : -1;
  *m = shaped ? digits(text + 5, 2) : -1;
  *d = shaped ? digits(text + 8, 2) : -1;
  if (*y < 0 || *m < 0 || *d < 0)
    return fail(error, text, "expected a four-digit year, a two-digit month and a two-digit day, joined by '-'");
  if (len > 10)
    return fail(error, text, "something follows the date");
  return TRUE;
}

gboolean
date_parse(const char *text, GDate *out, GError **error)
{
  g_date_clear(out, 1);
  int y = 0, m = 0, d = 0; /* set by split on success; gcc -O2 cannot see it */
  if (!split(text ? text : "", &y, &m, &d, error))
    return FALSE;
  if (y < DATE_MIN_YEAR)
    return fail(error, text, "the year must be %d or later", DATE_MIN_YEAR);
  if (m < 1 || m > 12)
    return fail(error, text, "there is no month %02d", m);
  int days = g_date_get_days_in_month((GDateMonth) m, (GDateYear) y);
  if (d < 1)
    return fail(error, text, "there is no day 00");
  if (d > days)
    return fail(error, text, "%s %d has %d days", month_names[m - 1], y, days);
  g_date_set_dmy(out, (GDateDay) d, (GDateMonth) m, (GDateYear) y);
  return TRUE;
}

void
date_format(const GDate *date, char out[DATE_TEXT_SIZE])
{
  g_snprintf(out, DATE_TEXT_SIZE, "%04u-%02u-%02u", (unsigned) g_date_get_year(date),
             (unsigned) g_date_get_month(date), (unsigned) g_date_get_day(date));
}
