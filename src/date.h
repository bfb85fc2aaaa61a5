/* Business dates as text: the one parser of "YYYY-MM-DD" (strict: four-digit year,
 * two-digit month and day, a real calendar date) and its formatter. Every date the
 * program reads — arguments, partner files, spool folders, the database's dates —
 * goes through date_parse. */
#ifndef BAITIAO_DATE_H
#define BAITIAO_DATE_H

#include <glib.h>

#define DATE_ERROR (date_error_quark())
GQuark date_error_quark(void);

typedef enum {
  DATE_ERROR_INVALID,   /* not YYYY-MM-DD, or no such day */
} DateError;

/* "YYYY-MM-DD" and its terminating NUL. */
#define DATE_TEXT_SIZE 11
/* The first year a business date may have. */
#define DATE_MIN_YEAR 1900

/* Parses TEXT, exactly "YYYY-MM-DD" naming a day of the calendar from DATE_MIN_YEAR
 * on, into *OUT (cleared when it fails). The error quotes the text and says what is
 * wrong with it ("2026-02-29": February 2026 has 28 days). ERROR may be NULL. */
gboolean date_parse(const char *text, GDate *out, GError **error);
/* DATE as "YYYY-MM-DD". */
void date_format(const GDate *date, char out[DATE_TEXT_SIZE]);

#endif
