/* money: int64 fen amounts — strict parsing of decimal yuan, formatting,
 * overflow-checked arithmetic and exact half-up rounding of rate products.
 * No floating point. */
#ifndef BAITIAO_MONEY_H
#define BAITIAO_MONEY_H

#include <glib.h>

/* GCC/Clang extension; spelled once here so -Wpedantic users stay quiet. */
G_GNUC_EXTENSION typedef __int128 MoneyInt128;
G_GNUC_EXTENSION typedef unsigned __int128 MoneyUInt128;

#define MONEY_ERROR (money_error_quark())
GQuark money_error_quark(void);

typedef enum {
  MONEY_ERROR_EMPTY,             /* "" */
  MONEY_ERROR_WHITESPACE,        /* " 1.00", "1.00\n", "1 000.00" */
  MONEY_ERROR_PLUS_SIGN,         /* "+1.00" */
  MONEY_ERROR_GROUPING,          /* "1,000.00" */
  MONEY_ERROR_SYNTAX,            /* "abc", "-", ".50", "1.2.3", "1e3", "--1.00" */
  MONEY_ERROR_MISSING_DECIMALS,  /* strict only: "12", "12.5", "12." */
  MONEY_ERROR_TOO_MANY_DECIMALS, /* "12.345" */
  MONEY_ERROR_OVERFLOW,          /* outside gint64 fen */
} MoneyError;

/* The system's maximum for one amount or credit limit: 100 000 000.00 yuan (一亿元).
 * Far above any consumer credit line, far below where sums of a portfolio could
 * overflow int64 fen; an input above it is refused at load (BAD_FIELD). */
#define MONEY_MAX_AMOUNT_FEN G_GINT64_CONSTANT(10000000000)

/* Interchange format (CSV): optional '-', one or more ASCII digits, '.',
 * exactly two digits.  Leading zeros are accepted ("007.50"), "-0.00" is 0. */
gboolean money_parse_yuan(const char *s, gint64 *out_fen, GError **error);

/* For humans (command line, config): like money_parse_yuan but zero, one or
 * two decimals ("12", "12.5", "12.50"); a trailing '.' is still refused. */
gboolean money_parse_yuan_lenient(const char *s, gint64 *out_fen, GError **error);

/* "1234.50", "-0.05"; correct for G_MININT64.  Free with g_free. */
char *money_format_fen(gint64 fen);
/* "1,234,567.50" — display only, never parsed back. */
char *money_format_fen_grouped(gint64 fen);

/* FALSE on overflow (*out is then unspecified). */
gboolean money_add(gint64 a, gint64 b, gint64 *out);
gboolean money_sub(gint64 a, gint64 b, gint64 *out);
gboolean money_mul(gint64 a, gint64 b, gint64 *out);

/* num / den rounded half away from zero: 2.5 -> 3, -2.5 -> -3, -2.4 -> -2.
 * den != 0 and the quotient must fit in MoneyInt128 (everything does except
 * INT128_MIN / -1).  Exact for every input meeting that. */
MoneyInt128 money_div_round_half_up(MoneyInt128 num, MoneyInt128 den);

/* round_half_up (amount_fen * ppm / 10^6), half away from zero, exact.
 * The result must fit in gint64, which always holds for |ppm| <= 10^6;
 * use the _checked variant otherwise. */
gint64 money_mul_ppm_round(gint64 amount_fen, gint64 ppm);
/* Same for any inputs; FALSE when the result does not fit in gint64. */
gboolean money_mul_ppm_round_checked(gint64 amount_fen, gint64 ppm, gint64 *out);

#endif
