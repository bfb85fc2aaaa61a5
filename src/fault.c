/* Fault injection (see fault.h; compiled only with --enable-fault-injection): one
 * environment variable, read once, compared by name at each point. The actions are
 * what a real failure leaves behind: no cleanup, no rollback, no run status — the
 * rerun has to cope. */
#include "fault.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
  FAULT_NONE,
  FAULT_TRACE,
  FAULT_KILL,
  FAULT_STOP,
} FaultAction;

typedef struct {
  char *name;
  guint at;        /* act at this pass of the point (1 = the first) */
  guint hits;
} FaultPoint;

/* Parsed once; kept for the life of the process. */
static struct {
  gboolean parsed;
  FaultAction action;
  GArray *points;  /* FaultPoint */
  char scope[64];
  guint copies;
  gint64 traced_since;  /* trace: the first point's time, for the offsets printed */
} fault = { .scope = "eod" };

/* One point of the list: "stmt:originate:create_loans@2" is that statement's second pass. */
static void
add_point(const char *item)
{
  FaultPoint p = { .name = g_strdup(item), .at = 1 };
  char *at = strrchr(p.name, '@');
  if (at) {
    *at = '\0';
    p.at = (guint) MAX(1, atoi(at + 1));
  }
  g_array_append_val(fault.points, p);
}

/* ACTION ":" the list, e.g. "kill:A,B@2": kill at whichever comes first of A and B's
 * second pass. FALSE for anything else. */
static gboolean
parse_spec(const char *spec)
{
  static const struct { const char *prefix; FaultAction action; } actions[] = {
    { "kill:", FAULT_KILL },
    { "stop:", FAULT_STOP },
  };
  const char *list = NULL;
  for (gsize i = 0; i < G_N_ELEMENTS(actions) && !list; i++)
    if (g_str_has_prefix(spec, actions[i].prefix)) {
      fault.action = actions[i].action;
      list = spec + strlen(actions[i].prefix);
    }
  if (!list)
    return FALSE;
  g_auto(GStrv) items = g_strsplit(list, ",", -1);
  for (guint i = 0; items[i]; i++)
    if (*items[i])
      add_point(items[i]);
  return fault.points->len > 0;
}

static void
parse_once(void)
{
  if (fault.parsed)
    return;
  fault.parsed = TRUE;
  fault.points = g_array_new(FALSE, FALSE, sizeof(FaultPoint));
  const char *spec = g_getenv("BAITIAO_FAULT");
  if (!spec || !*spec)
    fault.action = FAULT_NONE;
  else if (strcmp(spec, "trace") == 0)
    fault.action = FAULT_TRACE;
  else if (!parse_spec(spec)) {
    /* a mistyped spec must not pass for a point that was never reached */
    fprintf(stderr, "baitiao: BAITIAO_FAULT=\"%s\" ignored: expected kill:POINT[@K][,…], "
                    "stop:POINT[@K][,…] or trace (src/fault.h)\n", spec);
    fault.action = FAULT_NONE;
  }
}

void
fault_set_scope(const char *scope)
{
  g_strlcpy(fault.scope, scope, sizeof fault.scope);
}

/* TRUE when the K-th pass of POINT is the next one and would act (kill or stop). */
static gboolean
armed(const char *point)
{
  parse_once();
  for (guint i = 0; fault.action >= FAULT_KILL && i < fault.points->len; i++) {
    const FaultPoint *p = &g_array_index(fault.points, FaultPoint, i);
    if (p->hits + 1 == p->at && strcmp(point, p->name) == 0)
      return TRUE;
  }
  return FALSE;
}

/* The message names the point as the spec did ("NAME@K"), for the tests to read. */
static void
act(const FaultPoint *p)
{
  if (p->at > 1)
    fprintf(stderr, "baitiao: fault injected (%s@%u)\n", p->name, p->at);
  else
    fprintf(stderr, "baitiao: fault injected (%s)\n", p->name);
  fflush(stderr);
  switch (fault.action) {
  case FAULT_KILL:
    raise(SIGKILL);
    break;
  case FAULT_STOP:
    raise(SIGSTOP);
    break;
  case FAULT_NONE:
  case FAULT_TRACE:
    break;
  }
}

void
fault_reached(const char *point)
{
  parse_once();
  if (fault.action == FAULT_NONE)
    return;
  if (fault.action == FAULT_TRACE) {
    /* with its time from the first point: the crash tests aim random kills with it */
    gint64 now = g_get_monotonic_time();
    if (!fault.traced_since)
      fault.traced_since = now;
    fprintf(stderr, "baitiao: fault point %.6f %s\n", (now - fault.traced_since) / 1e6, point);
    return;
  }
  /* only the K-th pass acts: a stopped process that goes on passes the point again */
  const FaultPoint *now = NULL;
  for (guint i = 0; i < fault.points->len; i++) {
    FaultPoint *p = &g_array_index(fault.points, FaultPoint, i);
    if (strcmp(point, p->name) == 0 && ++p->hits == p->at && !now)
      now = p;
  }
  if (now)
    act(now);
}

void
fault_reached_in(const char *what)
{
  parse_once();
  if (fault.action == FAULT_NONE)
    return;
  g_autofree char *point = g_strdup_printf("%s:%s", what, fault.scope);
  fault_reached(point);
}

void
fault_statement(const char *name)
{
  parse_once();
  if (fault.action == FAULT_NONE)
    return;
  g_autofree char *point = g_strdup_printf("stmt:%s:%s", fault.scope, name);
  fault_reached(point);
}

guint
fault_next_copy(void)
{
  return ++fault.copies;
}

gboolean
fault_copy_armed(guint ordinal)
{
  g_autofree char *point = g_strdup_printf("mid-copy:%u", ordinal);
  return armed(point);
}

void
fault_copy_reached(guint ordinal)
{
  parse_once();
  if (fault.action == FAULT_NONE)
    return;
  g_autofree char *point = g_strdup_printf("mid-copy:%u", ordinal);
  fault_reached(point);
}
