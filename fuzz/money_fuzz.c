/* libFuzzer target for the money module. The input, up to its first NUL, is parsed by the strict
 * and the lenient parser; a small reference parser written here from the grammar in money.h says
 * what each must do: accept exactly the grammar within gint64 fen with the same value, or refuse
 * with a documented code consistent with the input and a short, valid UTF-8 message (also for the
 * input repeated past the quoting limit). An accepted value must format to the canonical text
 * (exactly two decimals) and parse back to the same fen. The raw bytes are also read as three
 * gint64 for the checked arithmetic and the half-up rounding, compared with __int128 arithmetic
 * (plus tie cases, exactly half a fen, which random words almost never make).
 *   clang -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc fuzz/money_fuzz.c src/money.c \
 *     $(pkg-config --cflags --libs glib-2.0) -o money_fuzz && ./money_fuzz fuzz/corpus/money */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "money_fuzz: check failed: %s (line %d)\n", #cond, __LINE__);               \
      abort();                                                                                     \
    }                                                                                              \
  } while (0)

/* The message quotes at most 64 characters of 4 bytes (or 64 bytes escaped as \ooo). */
#define MESSAGE_MAX 400

/* What the grammar of money.h says of a string: -?[0-9]+(\.[0-9]+)? (or the same with a trailing
 * '.'), the decimals, and the value in fen when there are at most two (saturated, far beyond
 * gint64, for long digit strings). */
typedef struct {
  gboolean number;       /* -?[0-9]+(\.[0-9]+)? */
  gboolean trailing_dot; /* -?[0-9]+\. */
  gboolean neg;
  gsize n_frac;
  MoneyInt128 fen; /* when number && n_frac <= 2 */
  GString *canonical;
} Ref;

#define SATURATE ((MoneyInt128)1 << 100)

static void
reference(const char *s, Ref *ref)
{
  const char *p = s;
  gsize n_int = 0;

  memset(ref, 0, sizeof *ref);
  ref->canonical = g_string_new(NULL);
  if (*p == '-') {
    ref->neg = TRUE;
    p++;
  }
  for (; *p >= '0' && *p <= '9'; p++, n_int++) {
    if (ref->fen < SATURATE)
      ref->fen = ref->fen * 10 + (*p - '0');
    if (ref->canonical->len > 0 || *p != '0')
      g_string_append_c(ref->canonical, *p);
  }
  if (n_int == 0)
    return;
  if (ref->canonical->len == 0)
    g_string_append_c(ref->canonical, '0');
  g_string_append_c(ref->canonical, '.');
  if (*p == '.') {
    p++;
    for (; *p >= '0' && *p <= '9'; p++, ref->n_frac++) {
      if (ref->fen < SATURATE)
        ref->fen = ref->fen * 10 + (*p - '0');
      g_string_append_c(ref->canonical, *p);
    }
    if (*p == '\0' && ref->n_frac == 0)
      ref->trailing_dot = TRUE;
  }
  if (*p != '\0' || ref->trailing_dot)
    return;
  ref->number = TRUE;
  for (gsize i = ref->n_frac; i < 2; i++) {
    ref->fen *= 10;
    g_string_append_c(ref->canonical, '0');
  }
  if (ref->neg)
    ref->fen = -ref->fen;
  if (ref->neg && ref->fen != 0)
    g_string_prepend_c(ref->canonical, '-');
}

static gboolean
fits64(MoneyInt128 v)
{
  return v >= G_MININT64 && v <= G_MAXINT64;
}

static gboolean
has_ascii_space(const char *s)
{
  for (; *s; s++)
    if (g_ascii_isspace(*s))
      return TRUE;
  return FALSE;
}

/* FEN formats as its canonical text, which has exactly two decimals and parses back to FEN; the
 * grouped form is the same digits with a comma every three. */
static void
check_format(gint64 fen, const char *canonical)
{
  g_autofree char *text = money_format_fen(fen);
  g_autofree char *grouped = money_format_fen_grouped(fen);
  const char *p = text;
  const char *dot = strchr(text, '.');
  gint64 back = 0;

  if (canonical)
    CHECK(strcmp(text, canonical) == 0);
  CHECK(dot != NULL && strlen(dot) == 3 && g_ascii_isdigit(dot[1]) && g_ascii_isdigit(dot[2]));
  if (*p == '-')
    p++;
  CHECK(p < dot && (*p != '0' || p + 1 == dot) && strspn(p, "0123456789") == (gsize)(dot - p));
  CHECK(strcmp(text, "-0.00") != 0);
  CHECK(money_parse_yuan(text, &back, NULL) && back == fen);
  CHECK(money_parse_yuan_lenient(text, &back, NULL) && back == fen);

  /* grouped: same text once the commas are gone, commas only between groups of three */
  const char *g = grouped, *t = text;
  const char *gdot = strchr(grouped, '.');
  ptrdiff_t first = *grouped == '-';
  CHECK(gdot != NULL);
  for (; *g; g++) {
    if (*g == ',') {
      CHECK(g > grouped && g[-1] != '-' && g < gdot && (gdot - g - 1) % 4 == 3);
      continue;
    }
    CHECK(*g == *t);
    t++;
  }
  CHECK(*t == '\0');
  for (ptrdiff_t i = (gdot - grouped) - 4; i > first; i -= 4)
    CHECK(grouped[i] == ',');
}

static void
check_parse(const char *s, gboolean strict, const Ref *ref)
{
  g_autoptr(GError) error = NULL;
  gint64 fen = 0;
  gboolean ok = strict ? money_parse_yuan(s, &fen, &error)
                        : money_parse_yuan_lenient(s, &fen, &error);
  gboolean grammar = ref->number && (strict ? ref->n_frac == 2 : ref->n_frac <= 2);

  if (ok) {
    CHECK(error == NULL);
    CHECK(grammar && fits64(ref->fen) && fen == (gint64)ref->fen);
    check_format(fen, ref->canonical->str);
    return;
  }
  CHECK(error != NULL && error->domain == MONEY_ERROR && error->message != NULL);
  CHECK(g_utf8_validate(error->message, -1, NULL) && strlen(error->message) <= MESSAGE_MAX);
  CHECK(g_str_has_prefix(error->message, "amount "));
  CHECK(!grammar || !fits64(ref->fen)); /* everything the grammar allows in range is accepted */
  switch ((MoneyError)error->code) {
  case MONEY_ERROR_EMPTY:
    CHECK(*s == '\0');
    break;
  case MONEY_ERROR_WHITESPACE:
    CHECK(has_ascii_space(s));
    break;
  case MONEY_ERROR_PLUS_SIGN:
    CHECK(*s == '+');
    break;
  case MONEY_ERROR_GROUPING:
    CHECK(strchr(s, ',') != NULL);
    break;
  case MONEY_ERROR_SYNTAX:
    CHECK(!ref->number && !ref->trailing_dot);
    break;
  case MONEY_ERROR_MISSING_DECIMALS:
    CHECK(ref->trailing_dot || (strict && ref->number && ref->n_frac < 2));
    break;
  case MONEY_ERROR_TOO_MANY_DECIMALS:
    CHECK(ref->number && ref->n_frac > 2);
    break;
  case MONEY_ERROR_OVERFLOW:
    CHECK(grammar && !fits64(ref->fen));
    break;
  default:
    CHECK(!"undocumented error code");
  }
  /* the order in which the faults are told apart (the unit tests fix it too) */
  if (*s == '\0')
    CHECK(error->code == MONEY_ERROR_EMPTY);
  else if (has_ascii_space(s))
    CHECK(error->code == MONEY_ERROR_WHITESPACE);
  else if (*s == '+')
    CHECK(error->code == MONEY_ERROR_PLUS_SIGN);
  else if (strchr(s, ',') != NULL)
    CHECK(error->code == MONEY_ERROR_GROUPING);
  else if (grammar)
    CHECK(error->code == MONEY_ERROR_OVERFLOW);
}

/* Half away from zero on the exact quotient; num > INT128_MIN, 0 < |den| < 2^127. */
static MoneyInt128
ref_div_round(MoneyInt128 num, MoneyInt128 den)
{
  MoneyUInt128 n = num < 0 ? -(MoneyUInt128)num : (MoneyUInt128)num;
  MoneyUInt128 d = den < 0 ? -(MoneyUInt128)den : (MoneyUInt128)den;
  MoneyUInt128 q = n / d, r = n % d;

  if (2 * r >= d)
    q++;
  return ((num < 0) != (den < 0)) ? -(MoneyInt128)q : (MoneyInt128)q;
}

static void
check_arithmetic(gint64 a, gint64 b, gint64 ppm)
{
  MoneyInt128 want;
  gint64 got = 0;
  gboolean ok;

  want = (MoneyInt128)a + b;
  ok = money_add(a, b, &got);
  CHECK(ok == fits64(want) && (!ok || got == want));
  want = (MoneyInt128)a - b;
  ok = money_sub(a, b, &got);
  CHECK(ok == fits64(want) && (!ok || got == want));
  want = (MoneyInt128)a * b;
  ok = money_mul(a, b, &got);
  CHECK(ok == fits64(want) && (!ok || got == want));

  want = ref_div_round((MoneyInt128)a * ppm, 1000000);
  ok = money_mul_ppm_round_checked(a, ppm, &got);
  CHECK(ok == fits64(want) && (!ok || got == want));
  if (ppm >= -1000000 && ppm <= 1000000)
    CHECK(money_mul_ppm_round(a, ppm) == want);

  if (b != 0) {
    MoneyInt128 num = (MoneyInt128)a * ppm;
    MoneyInt128 tie = (MoneyInt128)(a / 4 * 2 + 1) * b; /* an odd multiple of b, over 2b */
    MoneyInt128 b2 = (MoneyInt128)b * 2;

    CHECK(money_div_round_half_up(a, b) == ref_div_round(a, b));
    CHECK(money_div_round_half_up(num, b) == ref_div_round(num, b));
    CHECK(money_div_round_half_up(tie, b2) == ref_div_round(tie, b2));
  }
  check_format(a, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
  /* An exact-size copy, so that ASan sees any read past the terminator. */
  size_t n = strnlen((const char *)bytes, size);
  char *s = malloc(n + 1);
  gint64 words[3] = { 0, 0, 0 };
  Ref ref;

  CHECK(s != NULL);
  memcpy(s, bytes, n);
  s[n] = '\0';
  reference(s, &ref);
  check_parse(s, TRUE, &ref);
  check_parse(s, FALSE, &ref);
  g_string_free(ref.canonical, TRUE);

  /* the same text repeated past the 64 characters a message quotes, cut anywhere in UTF-8 */
  if (n > 0) {
    g_autoptr(GString) longer = g_string_new(NULL);

    while (longer->len < 300)
      g_string_append_len(longer, s, (gssize)n);
    reference(longer->str, &ref);
    check_parse(longer->str, TRUE, &ref);
    g_string_free(ref.canonical, TRUE);
  }
  free(s);

  memcpy(words, bytes, MIN(size, sizeof words));
  gint64 a = GINT64_FROM_LE(words[0]), b = GINT64_FROM_LE(words[1]);
  gint64 ppm = GINT64_FROM_LE(words[2]);
  check_arithmetic(a, b, ppm);
  /* a real loan's sizes: under ten million yuan, a rate under 100% */
  check_arithmetic(a % 1000000000, b % 1000000000, ppm % 1000001);
  /* Exactly half a fen, where rounding goes wrong and random words almost never land: odd
   * amounts times 0.5, through the 128-bit and the 64-bit path. */
  check_arithmetic(a / 4 * 2 + 1, b, 500000);
  check_arithmetic(a % 1000000000 / 4 * 2 + 1, b, -500000);
  return 0;
}
