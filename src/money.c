/* money: parsing and formatting of yuan amounts held as int64 fen, checked
 * arithmetic, and the one rounding rule of the contract (half up on the
 * exact rational value).  No floating point anywhere. */
#include "money.h"

#include <string.h>

G_DEFINE_QUARK(money-error-quark, money_error)

#define QUOTE_MAX 64
#define PPM 1000000

/* The input goes into the message, but escaped and cut short: a CSV field
 * can hold anything, including control bytes and megabytes of junk.  Valid
 * UTF-8 (Chinese text) is kept readable; anything else is octal-escaped so
 * the message stays valid UTF-8. */
static char *
quote_input(const char *s)
{
  gboolean utf8 = g_utf8_validate(s, -1, NULL);
  const char *cut = s + strlen(s);
  g_autofree char *head = NULL;
  g_autofree char *esc = NULL;
  char high[129];

  if (utf8 && g_utf8_strlen(s, -1) > QUOTE_MAX)
    cut = g_utf8_offset_to_pointer(s, QUOTE_MAX);
  else if (!utf8 && cut - s > QUOTE_MAX)
    cut = s + QUOTE_MAX;
  for (int i = 0; i < 128; i++)
    high[i] = (char) (0x80 + i);
  high[128] = '\0';
  head = g_strndup(s, (gsize) (cut - s));
  esc = g_strescape(head, utf8 ? high : NULL);
  return g_strdup_printf("\"%s\"%s", esc, *cut != '\0' ? "..." : "");
}

static gboolean
fail(GError **error, MoneyError code, const char *s, const char *what)
{
  g_autofree char *q = quote_input(s);

  g_set_error(error, MONEY_ERROR, code, "amount %s %s", q, what);
  return FALSE;
}

static gboolean
parse_yuan(const char *s, gboolean strict, gint64 *out_fen, GError **error)
{
  const char *p = s;
  const char *int_start, *frac_start = NULL;
  gsize n_int, n_frac = 0;
  gboolean neg = FALSE;
  gint64 v = 0;

  g_return_val_if_fail(s != NULL, FALSE);
  g_return_val_if_fail(out_fen != NULL, FALSE);

  if (*s == '\0') {
    g_set_error(error, MONEY_ERROR, MONEY_ERROR_EMPTY, "amount is empty");
    return FALSE;
  }
  for (const char *c = s; *c; c++)
    if (g_ascii_isspace(*c))
      return fail(error, MONEY_ERROR_WHITESPACE, s, "contains whitespace");
  if (*s == '+')
    return fail(error, MONEY_ERROR_PLUS_SIGN, s, "has a '+' sign");
  if (strchr(s, ',') != NULL)
    return fail(error, MONEY_ERROR_GROUPING, s,
                "contains a comma (no thousands separators or decimal commas)");

  if (*p == '-') {
    neg = TRUE;
    p++;
  }
  int_start = p;
  while (g_ascii_isdigit(*p))
    p++;
  n_int = (gsize) (p - int_start);
  if (n_int == 0)
    goto syntax;
  if (*p == '.') {
    frac_start = ++p;
    while (g_ascii_isdigit(*p))
      p++;
    n_frac = (gsize) (p - frac_start);
  }
  if (*p != '\0')
    goto syntax;

  if (frac_start != NULL && n_frac == 0)
    return fail(error, MONEY_ERROR_MISSING_DECIMALS, s, "has no digits after the decimal point");
  if (n_frac > 2)
    return fail(error, MONEY_ERROR_TOO_MANY_DECIMALS, s, "has more than two decimals");
  if (strict && n_frac != 2)
    return fail(error, MONEY_ERROR_MISSING_DECIMALS, s, "must have exactly two decimals");

  /* Accumulate negatively so that G_MININT64 fen parses. */
  for (gsize i = 0; i < n_int + 2; i++) {
    int d;

    if (i < n_int)
      d = int_start[i] - '0';
    else if (i - n_int < n_frac)
      d = frac_start[i - n_int] - '0';
    else
      d = 0;
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_sub_overflow(v, d, &v))
      goto overflow;
  }
  if (!neg) {
    if (v == G_MININT64)
      goto overflow;
    v = -v;
  }
  *out_fen = v;
  return TRUE;

syntax:
  return fail(error, MONEY_ERROR_SYNTAX, s, "is not a decimal number of yuan like 1234.50");
overflow:
  return fail(error, MONEY_ERROR_OVERFLOW, s, "is out of range");
}

gboolean
money_parse_yuan(const char *s, gint64 *out_fen, GError **error)
{
  return parse_yuan(s, TRUE, out_fen, error);
}

gboolean
money_parse_yuan_lenient(const char *s, gint64 *out_fen, GError **error)
{
  return parse_yuan(s, FALSE, out_fen, error);
}

static guint64
magnitude(gint64 fen)
{
  return fen < 0 ? -(guint64) fen : (guint64) fen;
}

char *
money_format_fen(gint64 fen)
{
  guint64 m = magnitude(fen);

  return g_strdup_printf("%s%" G_GUINT64_FORMAT ".%02u", fen < 0 ? "-" : "", m / 100,
                         (unsigned) (m % 100));
}

char *
money_format_fen_grouped(gint64 fen)
{
  guint64 m = magnitude(fen);
  char digits[32];
  int n = g_snprintf(digits, sizeof digits, "%" G_GUINT64_FORMAT, m / 100);
  GString *out = g_string_sized_new(40);

  if (fen < 0)
    g_string_append_c(out, '-');
  for (int i = 0; i < n; i++) {
    if (i > 0 && (n - i) % 3 == 0)
      g_string_append_c(out, ',');
    g_string_append_c(out, digits[i]);
  }
  g_string_append_printf(out, ".%02u", (unsigned) (m % 100));
  return g_string_free(out, FALSE);
}

gboolean
money_add(gint64 a, gint64 b, gint64 *out)
{
  return !__builtin_add_overflow(a, b, out);
}

gboolean
money_sub(gint64 a, gint64 b, gint64 *out)
{
  return !__builtin_sub_overflow(a, b, out);
}

gboolean
money_mul(gint64 a, gint64 b, gint64 *out)
{
  return !__builtin_mul_overflow(a, b, out);
}

#define INT128_MIN_ ((MoneyInt128) ((MoneyUInt128) 1 << 127))

MoneyInt128
money_div_round_half_up(MoneyInt128 num, MoneyInt128 den)
{
  MoneyInt128 q, r;

  g_return_val_if_fail(den != 0, 0);
  g_return_val_if_fail(!(den == -1 && num == INT128_MIN_), 0);

  q = num / den;
  r = num % den;
  if (r != 0) {
    MoneyUInt128 ar = r < 0 ? -(MoneyUInt128) r : (MoneyUInt128) r;
    MoneyUInt128 ad = den < 0 ? -(MoneyUInt128) den : (MoneyUInt128) den;

    /* |r| >= |den| - |r| is 2|r| >= |den| without overflowing. */
    if (ar >= ad - ar)
      q += ((num < 0) != (den < 0)) ? -1 : 1;
  }
  return q;
}

/* The 64-bit path is the common one (fees and penalties of real loans) and
 * lets the compiler divide by the constant with a multiply. */
static gint64
div_ppm_round64(gint64 p)
{
  gint64 q = p / PPM, r = p % PPM;

  if (r >= PPM / 2)
    q++;
  else if (r <= -PPM / 2)
    q--;
  return q;
}

gboolean
money_mul_ppm_round_checked(gint64 amount_fen, gint64 ppm, gint64 *out)
{
  gint64 p;
  MoneyInt128 q;

  if (!__builtin_mul_overflow(amount_fen, ppm, &p)) {
    *out = div_ppm_round64(p);
    return TRUE;
  }
  q = money_div_round_half_up((MoneyInt128) amount_fen * ppm, PPM);
  if (q > G_MAXINT64 || q < G_MININT64)
    return FALSE;
  *out = (gint64) q;
  return TRUE;
}

gint64
money_mul_ppm_round(gint64 amount_fen, gint64 ppm)
{
  gint64 out = 0;
  gboolean ok = money_mul_ppm_round_checked(amount_fen, ppm, &out);

  g_return_val_if_fail(ok, 0);
  return out;
}
