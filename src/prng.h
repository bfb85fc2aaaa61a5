/* A small deterministic PRNG (splitmix64): the same seed gives the same sequence on
 * every machine, for generated test cases, benchmarks and synthetic portfolios.
 * Not for anything secret. */
#ifndef BAITIAO_PRNG_H
#define BAITIAO_PRNG_H

#include <glib.h>

static inline guint64
prng_next(guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* Uniform in [LO, HI] (the modulo bias is negligible for test-sized ranges). */
static inline gint64
prng_uniform(guint64 *state, gint64 lo, gint64 hi)
{
  return lo + (gint64) (prng_next(state) % (guint64) (hi - lo + 1));
}

#endif
