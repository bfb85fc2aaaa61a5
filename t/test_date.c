/* Tests for the date parser: the calendar (leap years by the Gregorian rules, month
 * lengths) worked out by hand, the shapes refused, and what the error says. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "date.h"
#include "unit_suites.h"

static void
assert_date(const char *text, int y, int m, int d)
{
  GDate out;
  g_autoptr(GError) error = NULL;
  CU_ASSERT_TRUE_FATAL(date_parse(text, &out, &error));
  CU_ASSERT_PTR_NULL(error);
  CU_ASSERT_EQUAL((int) g_date_get_year(&out), y);
  CU_ASSERT_EQUAL((int) g_date_get_month(&out), m);
  CU_ASSERT_EQUAL((int) g_date_get_day(&out), d);
  char back[DATE_TEXT_SIZE];
  date_format(&out, back);
  CU_ASSERT_STRING_EQUAL(back, text);
}

/* TEXT is refused, the output date is left invalid, and the message is exactly WHY. */
static void
assert_refused(const char *text, const char *why)
{
  GDate out;
  g_date_set_dmy(&out, 1, 1, 2000);
  g_autoptr(GError) error = NULL;
  CU_ASSERT_FALSE(date_parse(text, &out, &error));
  CU_ASSERT_FALSE(g_date_valid(&out));
  CU_ASSERT_PTR_NOT_NULL_FATAL(error);
  CU_ASSERT_TRUE(g_error_matches(error, DATE_ERROR, DATE_ERROR_INVALID));
  CU_ASSERT_STRING_EQUAL(error->message, why);
  CU_ASSERT_FALSE(date_parse(text, &out, NULL));   /* a caller may not want the message */
}

static void
test_real_dates(void)
{
  assert_date("2026-03-05", 2026, 3, 5);
  assert_date("2026-01-01", 2026, 1, 1);
  assert_date("2026-12-31", 2026, 12, 31);
  assert_date("2026-01-31", 2026, 1, 31);
  assert_date("2026-04-30", 2026, 4, 30);
  assert_date("2026-02-28", 2026, 2, 28);
  assert_date("1900-01-01", 1900, 1, 1);
  assert_date("9999-12-31", 9999, 12, 31);
}

/* Divisible by 4 is a leap year, by 100 not, by 400 again. */
static void
test_leap_years(void)
{
  assert_date("2024-02-29", 2024, 2, 29);
  assert_date("2028-02-29", 2028, 2, 29);
  assert_date("2000-02-29", 2000, 2, 29);
  assert_refused("2026-02-29", "\"2026-02-29\" is not a date YYYY-MM-DD: February 2026 has 28 days");
  assert_refused("2100-02-29", "\"2100-02-29\" is not a date YYYY-MM-DD: February 2100 has 28 days");
  assert_refused("1900-02-29", "\"1900-02-29\" is not a date YYYY-MM-DD: February 1900 has 28 days");
  assert_refused("2024-02-30", "\"2024-02-30\" is not a date YYYY-MM-DD: February 2024 has 29 days");
}

static void
test_month_and_day_bounds(void)
{
  assert_refused("2026-04-31", "\"2026-04-31\" is not a date YYYY-MM-DD: April 2026 has 30 days");
  assert_refused("2026-12-32", "\"2026-12-32\" is not a date YYYY-MM-DD: December 2026 has 31 days");
  assert_refused("2026-13-01", "\"2026-13-01\" is not a date YYYY-MM-DD: there is no month 13");
  assert_refused("2026-00-10", "\"2026-00-10\" is not a date YYYY-MM-DD: there is no month 00");
  assert_refused("2026-03-00", "\"2026-03-00\" is not a date YYYY-MM-DD: there is no day 00");
  assert_refused("1899-12-31", "\"1899-12-31\" is not a date YYYY-MM-DD: the year must be 1900 or later");
  assert_refused("0000-01-01", "\"0000-01-01\" is not a date YYYY-MM-DD: the year must be 1900 or later");
}

#define SHAPE "expected a four-digit year, a two-digit month and a two-digit day, joined by '-'"

static void
test_shapes_refused(void)
{
  assert_refused("2026-1-5", "\"2026-1-5\" is not a date YYYY-MM-DD: " SHAPE);
  assert_refused("2026-01-5", "\"2026-01-5\" is not a date YYYY-MM-DD: " SHAPE);
  assert_refused("26-01-05", "\"26-01-05\" is not a date YYYY-MM-DD: " SHAPE);
  assert_refused("20260105", "\"20260105\" is not a date YYYY-MM-DD: " SHAPE);
  assert_refused("2026/01/05", "\"2026/01/05\" is not a date YYYY-MM-DD: " SHAPE);
  assert_refused("2026-0a-05", "\"2026-0a-05\" is not a date YYYY-MM-DD: " SHAPE);
  assert_refused(" 2026-01-05", "\" 2026-01-05\" is not a date YYYY-MM-DD: " SHAPE);
  assert_refused("+026-01-05", "\"+026-01-05\" is not a date YYYY-MM-DD: " SHAPE);
  assert_refused("2026-+1-05", "\"2026-+1-05\" is not a date YYYY-MM-DD: " SHAPE);
  assert_refused("", "\"\" is not a date YYYY-MM-DD: it is empty");
  assert_refused(NULL, "\"\" is not a date YYYY-MM-DD: it is empty");
}

static void
test_trailing_junk_refused(void)
{
  assert_refused("2026-01-05x", "\"2026-01-05x\" is not a date YYYY-MM-DD: something follows the date");
  assert_refused("2026-01-05 ", "\"2026-01-05 \" is not a date YYYY-MM-DD: something follows the date");
  assert_refused("2026-01-05T00:00", "\"2026-01-05T00:00\" is not a date YYYY-MM-DD: something follows the date");
  assert_refused("2026-01-055", "\"2026-01-055\" is not a date YYYY-MM-DD: something follows the date");
}

/* A long or broken value is shown clipped and as valid UTF-8, never whole. */
static void
test_message_shows_clipped_text(void)
{
  assert_refused("2026-01-05 and a very long tail of text",
                 "\"2026-01-05 and a very lo…\" is not a date YYYY-MM-DD: something follows the date");
  GDate out;
  g_autoptr(GError) error = NULL;
  CU_ASSERT_FALSE(date_parse("2026-\xff\xfe-01", &out, &error));
  CU_ASSERT_TRUE(g_utf8_validate(error->message, -1, NULL));
}

CU_TestInfo test_date_cases[] = {
  { "real dates", test_real_dates },
  { "leap years", test_leap_years },
  { "month and day bounds", test_month_and_day_bounds },
  { "shapes refused", test_shapes_refused },
  { "trailing junk refused", test_trailing_junk_refused },
  { "message shows clipped text", test_message_shows_clipped_text },
  CU_TEST_INFO_NULL,
};
