/* Tests for money: the parser's accept/refuse table, formatting, checked
 * arithmetic and half-up rounding, with expected values worked out by hand
 * or by an independent GMP route — never copied from the program. */
#include <CUnit/CUnit.h>
#include <gmp.h>
#include <string.h>

#include "money.h"
#include "prng.h"
#include "unit_suites.h"

typedef struct {
  const char *in;
  gint64 fen;         /* when code < 0 */
  int code;           /* MoneyError, or -1 for success */
  const char *quoted; /* what the message must contain; NULL = the input */
} ParseCase;

#define OK(s, v)                                                                                   \
  {                                                                                                \
    s, v, -1, NULL                                                                                 \
  }
#define BAD(s, c)                                                                                  \
  {                                                                                                \
    s, 0, c, NULL                                                                                  \
  }
#define BADQ(s, c, q)                                                                              \
  {                                                                                                \
    s, 0, c, q                                                                                     \
  }

static const ParseCase strict_cases[] = {
  OK("0.00", 0),
  OK("0.01", 1),
  OK("0.10", 10),
  OK("1234.50", 123450),
  OK("12.00", 1200),
  OK("-0.05", -5),
  OK("-0.00", 0),
  OK("-1234.56", -123456),
  OK("007.50", 750),
  OK("1000000.00", 100000000),
  OK("92233720368547758.07", G_MAXINT64),
  OK("-92233720368547758.08", G_MININT64),
  BAD("", MONEY_ERROR_EMPTY),
  BAD(" 12.50", MONEY_ERROR_WHITESPACE),
  BAD("12.50 ", MONEY_ERROR_WHITESPACE),
  BADQ("12.50\n", MONEY_ERROR_WHITESPACE, "\"12.50\\n\""),
  BADQ("\t1.00", MONEY_ERROR_WHITESPACE, "\"\\t1.00\""),
  BAD("1 000.00", MONEY_ERROR_WHITESPACE),
  BAD("- 1.00", MONEY_ERROR_WHITESPACE),
  BAD("+12.50", MONEY_ERROR_PLUS_SIGN),
  BAD("+0.00", MONEY_ERROR_PLUS_SIGN),
  BAD("1,234.50", MONEY_ERROR_GROUPING),
  BAD("1,234,567.50", MONEY_ERROR_GROUPING),
  BAD("12,50", MONEY_ERROR_GROUPING),
  BAD("12", MONEY_ERROR_MISSING_DECIMALS),
  BAD("12.5", MONEY_ERROR_MISSING_DECIMALS),
  BAD("12.", MONEY_ERROR_MISSING_DECIMALS),
  BAD("-7", MONEY_ERROR_MISSING_DECIMALS),
  BAD("12.345", MONEY_ERROR_TOO_MANY_DECIMALS),
  BAD("12.500", MONEY_ERROR_TOO_MANY_DECIMALS),
  BAD("0.001", MONEY_ERROR_TOO_MANY_DECIMALS),
  BAD(".50", MONEY_ERROR_SYNTAX),
  BAD("-.50", MONEY_ERROR_SYNTAX),
  BAD("-", MONEY_ERROR_SYNTAX),
  BAD("--1.00", MONEY_ERROR_SYNTAX),
  BAD("-+1.00", MONEY_ERROR_SYNTAX),
  BAD("1-.00", MONEY_ERROR_SYNTAX),
  BAD("1.2.3", MONEY_ERROR_SYNTAX),
  BAD("1e3", MONEY_ERROR_SYNTAX),
  BAD("1.50e3", MONEY_ERROR_SYNTAX),
  BAD("0x10", MONEY_ERROR_SYNTAX),
  BAD("12.5a", MONEY_ERROR_SYNTAX),
  BAD("abc", MONEY_ERROR_SYNTAX),
  BAD("NaN", MONEY_ERROR_SYNTAX),
  BAD("inf", MONEY_ERROR_SYNTAX),
  BAD("\xc2\xa5"
      "12.50",
      MONEY_ERROR_SYNTAX),                                /* ¥12.50 */
  BAD("\xef\xbc\x91\xef\xbc\x92.50", MONEY_ERROR_SYNTAX), /* fullwidth １２ */
  BAD("12.50\xe5\x85\x83", MONEY_ERROR_SYNTAX),           /* 12.50元 */
  BAD("92233720368547758.08", MONEY_ERROR_OVERFLOW),
  BAD("-92233720368547758.09", MONEY_ERROR_OVERFLOW),
  BAD("99999999999999999999999.00", MONEY_ERROR_OVERFLOW),
  BAD("100000000000000000.00", MONEY_ERROR_OVERFLOW),
};

static const ParseCase lenient_cases[] = {
  OK("12", 1200),
  OK("12.5", 1250),
  OK("12.50", 1250),
  OK("-3", -300),
  OK("0", 0),
  OK("92233720368547758", G_GINT64_CONSTANT(9223372036854775800)),
  OK("-92233720368547758.08", G_MININT64),
  BAD("12.", MONEY_ERROR_MISSING_DECIMALS),
  BAD("12.345", MONEY_ERROR_TOO_MANY_DECIMALS),
  BAD(" 1", MONEY_ERROR_WHITESPACE),
  BAD("+1", MONEY_ERROR_PLUS_SIGN),
  BAD("1,000", MONEY_ERROR_GROUPING),
  BAD("", MONEY_ERROR_EMPTY),
  BAD("x", MONEY_ERROR_SYNTAX),
  BAD("92233720368547759", MONEY_ERROR_OVERFLOW),
};

static void
run_parse_table(const ParseCase *cases, gsize n,
                gboolean (*parse)(const char *, gint64 *, GError **))
{
  for (gsize i = 0; i < n; i++) {
    const ParseCase *c = &cases[i];
    g_autoptr(GError) error = NULL;
    gint64 fen = 12345;
    gboolean ok = parse(c->in, &fen, &error);

    if (c->code < 0) {
      CU_ASSERT_TRUE(ok);
      CU_ASSERT_PTR_NULL(error);
      CU_ASSERT_EQUAL(fen, c->fen);
      if (!ok || fen != c->fen)
        fprintf(stderr, "\n  parse \"%s\" failed\n", c->in);
      continue;
    }
    CU_ASSERT_FALSE(ok);
    CU_ASSERT_EQUAL(fen, 12345); /* untouched on failure */
    CU_ASSERT_PTR_NOT_NULL_FATAL(error);
    CU_ASSERT_TRUE(g_error_matches(error, MONEY_ERROR, c->code));
    if (c->code != MONEY_ERROR_EMPTY) {
      g_autofree char *want =
          c->quoted != NULL ? g_strdup(c->quoted) : g_strdup_printf("\"%s\"", c->in);
      CU_ASSERT_PTR_NOT_NULL(strstr(error->message, want));
      if (strstr(error->message, want) == NULL)
        fprintf(stderr, "\n  message \"%s\" lacks %s\n", error->message, want);
    }
    if (!g_error_matches(error, MONEY_ERROR, c->code))
      fprintf(stderr, "\n  \"%s\": code %d, want %d (%s)\n", c->in, error->code, c->code,
              error->message);
  }
}

static void
test_parse_strict(void)
{
  run_parse_table(strict_cases, G_N_ELEMENTS(strict_cases), money_parse_yuan);
}

static void
test_parse_lenient(void)
{
  run_parse_table(lenient_cases, G_N_ELEMENTS(lenient_cases), money_parse_yuan_lenient);
}

static void
test_parse_message_text(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) big = g_string_new(NULL);
  gint64 fen;

  CU_ASSERT_FALSE(money_parse_yuan("12.345", &fen, &error));
  CU_ASSERT_STRING_EQUAL(error->message, "amount \"12.345\" has more than two decimals");
  g_clear_error(&error);

  /* Non-ASCII input is quoted as itself, not as octal escapes. */
  CU_ASSERT_FALSE(money_parse_yuan("12.50\xe5\x85\x83", &fen, &error));
  CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "\"12.50\xe5\x85\x83\""));
  g_clear_error(&error);

  /* A huge field is cut in the message. */
  for (int i = 0; i < 10000; i++)
    g_string_append_c(big, '9');
  g_string_append(big, ".00");
  CU_ASSERT_FALSE(money_parse_yuan(big->str, &fen, &error));
  CU_ASSERT_TRUE(g_error_matches(error, MONEY_ERROR, MONEY_ERROR_OVERFLOW));
  CU_ASSERT_TRUE(strlen(error->message) < 200);
  CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "9999\"..."));
  g_clear_error(&error);

  /* Invalid UTF-8 is escaped, so the message stays valid UTF-8. */
  CU_ASSERT_FALSE(money_parse_yuan("\xff"
                                   "1.00",
                                   &fen, &error));
  CU_ASSERT_TRUE(g_utf8_validate(error->message, -1, NULL));
  CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "\"\\3771.00\""));
}

static void
test_format(void)
{
  static const struct {
    gint64 fen;
    const char *plain, *grouped;
  } cases[] = {
    { 0, "0.00", "0.00" },
    { 1, "0.01", "0.01" },
    { -5, "-0.05", "-0.05" },
    { -100, "-1.00", "-1.00" },
    { 123450, "1234.50", "1,234.50" },
    { 99999, "999.99", "999.99" },
    { 100000, "1000.00", "1,000.00" },
    { 12345678, "123456.78", "123,456.78" },
    { 123456750, "1234567.50", "1,234,567.50" },
    { -123456750, "-1234567.50", "-1,234,567.50" },
    { G_MAXINT64, "92233720368547758.07", "92,233,720,368,547,758.07" },
    { G_MININT64, "-92233720368547758.08", "-92,233,720,368,547,758.08" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *plain = money_format_fen(cases[i].fen);
    g_autofree char *grouped = money_format_fen_grouped(cases[i].fen);

    CU_ASSERT_STRING_EQUAL(plain, cases[i].plain);
    CU_ASSERT_STRING_EQUAL(grouped, cases[i].grouped);
  }
}

/* A random gint64 with a random magnitude, so small values are common. */
static gint64
random_i64(guint64 *s)
{
  guint64 v = prng_next(s);
  int bits = (int) (prng_next(s) % 64);

  return (gint64) (bits == 63 ? v : v >> (63 - bits)) * ((v & 1) ? -1 : 1);
}

static void
test_format_parse_roundtrip(void)
{
  guint64 seed = 20260304;
  static const gint64 edges[] = { 0,   1,    -1,         99,         -99,
                                  100, -100, G_MAXINT64, G_MININT64, G_MININT64 + 1 };
  int bad = 0;

  for (int i = 0; i < 20000; i++) {
    gint64 v = i < (int) G_N_ELEMENTS(edges) ? edges[i] : random_i64(&seed);
    g_autofree char *s = money_format_fen(v);
    gint64 back = 0;

    if (!money_parse_yuan(s, &back, NULL) || back != v)
      bad++;
  }
  CU_ASSERT_EQUAL(bad, 0);
}

static void
test_checked_arithmetic(void)
{
  gint64 r;

  CU_ASSERT_TRUE(money_add(2, 3, &r) && r == 5);
  CU_ASSERT_TRUE(money_add(G_MAXINT64 - 1, 1, &r) && r == G_MAXINT64);
  CU_ASSERT_FALSE(money_add(G_MAXINT64, 1, &r));
  CU_ASSERT_FALSE(money_add(G_MININT64, -1, &r));
  CU_ASSERT_TRUE(money_add(G_MININT64, G_MAXINT64, &r) && r == -1);

  CU_ASSERT_TRUE(money_sub(5, 7, &r) && r == -2);
  CU_ASSERT_TRUE(money_sub(-1, G_MAXINT64, &r) && r == G_MININT64);
  CU_ASSERT_FALSE(money_sub(-2, G_MAXINT64, &r));
  CU_ASSERT_FALSE(money_sub(0, G_MININT64, &r));

  CU_ASSERT_TRUE(money_mul(-4, 25, &r) && r == -100);
  CU_ASSERT_TRUE(money_mul(G_MININT64, 1, &r) && r == G_MININT64);
  CU_ASSERT_FALSE(money_mul(G_MININT64, -1, &r));
  CU_ASSERT_FALSE(money_mul(G_GINT64_CONSTANT(4294967296), G_GINT64_CONSTANT(2147483648), &r));
  CU_ASSERT_TRUE(money_mul(G_GINT64_CONSTANT(4294967296), G_GINT64_CONSTANT(2147483647), &r)
                 && r == G_GINT64_CONSTANT(9223372032559808512));
}

static char *
i128_to_string(MoneyInt128 v)
{
  char buf[48];
  int i = (int) sizeof buf - 1;
  MoneyUInt128 m = v < 0 ? -(MoneyUInt128) v : (MoneyUInt128) v;

  buf[i] = '\0';
  do {
    buf[--i] = (char) ('0' + (int) (m % 10));
    m /= 10;
  } while (m != 0);
  if (v < 0)
    buf[--i] = '-';
  return g_strdup(buf + i);
}

#define I128_MAX ((MoneyInt128) (~(MoneyUInt128) 0 >> 1))
#define I128_MIN (-I128_MAX - 1)

static void
test_div_round_half_up(void)
{
  static const struct {
    int num, den, q;
  } small[] = {
    { 5, 2, 3 },   { -5, 2, -3 }, { 5, -2, -3 }, { -5, -2, 3 },  { 7, 2, 4 },
    { 1, 2, 1 },   { -1, 2, -1 }, { 1, 3, 0 },   { -1, 3, 0 },   { 4, 3, 1 },
    { 5, 3, 2 },   { -4, 3, -1 }, { -5, 3, -2 }, { 0, 7, 0 },    { 6, 3, 2 },
    { -6, 3, -2 }, { 14, 4, 4 },  { 13, 4, 3 },  { -14, 4, -4 },
  };
  struct {
    MoneyInt128 num, den;
    const char *q;
  } big[] = {
    { I128_MAX, 1, "170141183460469231731687303715884105727" },
    { I128_MIN, 1, "-170141183460469231731687303715884105728" },
    { I128_MAX, 2, "85070591730234615865843651857942052864" },
    { I128_MIN, 2, "-85070591730234615865843651857942052864" },
    { I128_MAX, -2, "-85070591730234615865843651857942052864" },
    { I128_MIN, 3, "-56713727820156410577229101238628035243" },
    { I128_MAX, 3, "56713727820156410577229101238628035242" },
    { I128_MIN, -3, "56713727820156410577229101238628035243" },
    { I128_MIN, I128_MAX, "-1" },
    { I128_MAX, I128_MIN, "-1" },
    { I128_MAX, I128_MAX, "1" },
    { I128_MIN + 1, I128_MAX, "-1" },
    { I128_MAX, 1000000, "170141183460469231731687303715884" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(small); i++)
    CU_ASSERT_TRUE(money_div_round_half_up(small[i].num, small[i].den) == small[i].q);
  for (gsize i = 0; i < G_N_ELEMENTS(big); i++) {
    g_autofree char *q = i128_to_string(money_div_round_half_up(big[i].num, big[i].den));

    CU_ASSERT_STRING_EQUAL(q, big[i].q);
  }

  /* Brute force against sign * floor ((2|n| + |d|) / (2|d|)). */
  for (int n = -60; n <= 60; n++)
    for (int d = -9; d <= 9; d++) {
      int an = ABS(n), ad = ABS(d), want;

      if (d == 0)
        continue;
      want = (2 * an + ad) / (2 * ad) * ((n < 0) != (d < 0) ? -1 : 1);
      CU_ASSERT_TRUE(money_div_round_half_up(n, d) == want);
    }
}

static void
test_mul_ppm_round(void)
{
  static const struct {
    gint64 a, ppm, want;
  } cases[] = {
    { 8833, 500, 4 },      /* product rules §7: 4.4165 -> 4 */
    { 100000, 5000, 500 }, /* §2: fee of 1000.00 at 0.5 % */
    { 1000000, 10000, 10000 },
    { 1, 500000, 1 },
    { 1, 499999, 0 },
    { 3, 500000, 2 },
    { -1, 500000, -1 },
    { -1, 499999, 0 },
    { -3, 500000, -2 },
    { 0, 123, 0 },
    { 66667, 5000, 333 },
    { 33334, 5000, 167 },
    { G_MAXINT64, 1000000, G_MAXINT64 },
    { G_MININT64, 1000000, G_MININT64 },
    { G_MAXINT64, -1000000, -G_MAXINT64 },
    { G_MAXINT64, 500000, G_GINT64_CONSTANT(4611686018427387904) },
    { G_MININT64, 500000, G_GINT64_CONSTANT(-4611686018427387904) },
    { G_MAXINT64, 999999, G_GINT64_CONSTANT(9223362813482738952) },
    { G_MININT64, 999999, G_GINT64_CONSTANT(-9223362813482738953) },
    { G_GINT64_CONSTANT(10000000000001), 999999, G_GINT64_CONSTANT(9999990000001) },
    { G_GINT64_CONSTANT(123456789012345), 777777, G_GINT64_CONSTANT(96021850987655) },
  };
  gint64 r;

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    CU_ASSERT_EQUAL(money_mul_ppm_round(cases[i].a, cases[i].ppm), cases[i].want);
    CU_ASSERT_TRUE(money_mul_ppm_round_checked(cases[i].a, cases[i].ppm, &r) && r == cases[i].want);
  }
  CU_ASSERT_TRUE(money_mul_ppm_round_checked(G_GINT64_CONSTANT(10000000000000), 1000000000, &r)
                 && r == G_GINT64_CONSTANT(10000000000000000));
  CU_ASSERT_FALSE(money_mul_ppm_round_checked(G_MAXINT64, 1000001, &r));
  CU_ASSERT_FALSE(money_mul_ppm_round_checked(G_MININT64, -1000000, &r));
  CU_ASSERT_FALSE(money_mul_ppm_round_checked(G_MAXINT64, G_MAXINT64, &r));
  CU_ASSERT_TRUE(money_mul_ppm_round_checked(G_MININT64, G_MININT64, &r) == FALSE);
}

/* Random amounts and rates against GMP: sign * floor ((2|a p| + 10^6) / 2e6). */
static void
test_mul_ppm_round_random(void)
{
  guint64 seed = 42;
  mpz_t prod, t;
  int bad = 0;

  mpz_inits(prod, t, NULL);
  for (int i = 0; i < 20000; i++) {
    gint64 a = random_i64(&seed);
    gint64 p = i % 2 ? (gint64) (prng_next(&seed) % 2000001) - 1000000 : random_i64(&seed);
    gint64 got = 0;
    gboolean ok = money_mul_ppm_round_checked(a, p, &got);
    int sign;

    mpz_set_si(prod, (long) a);
    mpz_set_si(t, (long) p);
    mpz_mul(prod, prod, t);
    sign = mpz_sgn(prod);
    mpz_abs(prod, prod);
    mpz_mul_2exp(prod, prod, 1);
    mpz_add_ui(prod, prod, 1000000);
    mpz_fdiv_q_ui(prod, prod, 2000000);
    if (sign < 0)
      mpz_neg(prod, prod);
    if (mpz_fits_slong_p(prod))
      bad += !ok || got != (gint64) mpz_get_si(prod);
    else
      bad += ok;
  }
  mpz_clears(prod, t, NULL);
  CU_ASSERT_EQUAL(bad, 0);
}

CU_TestInfo test_money_cases[] = {
  { "parse strict table", test_parse_strict },
  { "parse lenient table", test_parse_lenient },
  { "parse error messages", test_parse_message_text },
  { "format plain and grouped", test_format },
  { "format/parse round trip", test_format_parse_roundtrip },
  { "checked add/sub/mul", test_checked_arithmetic },
  { "div round half up", test_div_round_half_up },
  { "mul ppm round (table)", test_mul_ppm_round },
  { "mul ppm round vs GMP", test_mul_ppm_round_random },
  CU_TEST_INFO_NULL,
};
