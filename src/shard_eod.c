/* The night of a sharded group (shard_eod.h). */
#include "shard_eod.h"

#include <errno.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "date.h"
#include "db.h"
#include "exitcode.h"
#include "log.h"
#include "shard.h"
#include "shard_import.h"
#include "shard_load.h"
#include "spool.h"
#include "stmt.h"

#define SHARD_SQL(what) ("queries/shard/" what)

/* One shard's night: its process and how it ended. */
typedef struct {
  const ConfigShard *shard;
  GPid pid;          /* 0: not started, or reaped */
  int status;        /* exit status, 128 + signal when killed, -1 not started */
} ShardNight;

/* The program to start for each shard: this very binary. */
static char *
self_path(GError **error)
{
  char *path = g_file_read_link("/proc/self/exe", error);
  if (path)
    return path;
  g_prefix_error(error, "cannot start the shards' nights: ");
  return NULL;
}

static GPtrArray *
child_argv(const char *self, const Config *config, const ConfigShard *shard, const ShardEodArgs *args,
           const char *const *extra)
{
  GPtrArray *argv = g_ptr_array_new();
  g_ptr_array_add(argv, (char *) self);
  g_ptr_array_add(argv, "eod");
  g_ptr_array_add(argv, "--config");
  g_ptr_array_add(argv, config->path);
  g_ptr_array_add(argv, "--shard");
  g_ptr_array_add(argv, shard->name);
  for (const char *const *a = args->eod_args; a && *a; a++)
    g_ptr_array_add(argv, (char *) *a);
  for (const char *const *a = extra; *a; a++)   /* a later option wins: --until given last */
    g_ptr_array_add(argv, (char *) *a);
  g_ptr_array_add(argv, NULL);
  return argv;
}

/* In the child before exec: a shard's night ends with the group's process, which holds
 * the group's intake lock: a night left running without it could meet a group load. */
static void
die_with_parent(gpointer data)
{
  (void) data;
  prctl(PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean
start_night(const char *self, const Config *config, const ShardEodArgs *args, const char *const *extra,
            ShardNight *night, GError **error)
{
  g_autoptr(GPtrArray) argv = child_argv(self, config, night->shard, args, extra);
  /* stdout and stderr are the group's: each shard's lines say eod@NAME */
  if (!g_spawn_async(NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD, die_with_parent, NULL,
                     &night->pid, error)) {
    g_prefix_error(error, "shard %s: cannot start its night: ", night->shard->name);
    return FALSE;
  }
  log_debug("shard %s: night started (pid %d)", night->shard->name, (int) night->pid);
  return TRUE;
}

/* Waits for any started night to end; records its status. */
static gboolean
reap_one(ShardNight *nights, guint n, GError **error)
{
  int status = 0;
  pid_t pid;
  do
    pid = waitpid(-1, &status, 0);
  while (pid < 0 && errno == EINTR);
  if (pid < 0) {
    int e = errno;
    g_set_error(error, SHARD_ERROR, BT_EXIT_FAILURE, "waiting for the shards' nights: %s", g_strerror(e));
    return FALSE;
  }
  for (guint i = 0; i < n; i++)
    if (nights[i].pid == pid) {
      nights[i].status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      nights[i].pid = 0;
      g_spawn_close_pid(pid);
      log_debug("shard %s: night ended with %d", nights[i].shard->name, nights[i].status);
    }
  return TRUE;
}

/* Every shard's night, at most JOBS at once, each to its end. A night that cannot be
 * started counts as failed; the others still run. */
static gboolean
run_all(const Config *config, const ShardEodArgs *args, const char *const *extra, ShardNight *nights, guint n,
        GError **error)
{
  g_autofree char *self = self_path(error);
  if (!self)
    return FALSE;
  guint jobs = args->jobs ? args->jobs : n, running = 0, next = 0;
  while (next < n || running > 0) {
    while (next < n && running < jobs) {
      g_autoptr(GError) local = NULL;
      if (start_night(self, config, args, extra, &nights[next], &local))
        running++;
      else {
        log_gerror(local);
        nights[next].status = BT_EXIT_FAILURE;
      }
      next++;
    }
    if (running == 0)
      break;
    if (!reap_one(nights, n, error))
      return FALSE;
    running--;
  }
  return TRUE;
}

/* ---- the group's dates --------------------------------------------------------------- */

/* The dates shard SHARD closed after AFTER (NULL: all), into a set of "YYYY-MM-DD". */
static GHashTable *
closed_since(PGconn *coordinator, const Config *config, const ConfigShard *shard, const char *after, GError **error)
{
  g_autoptr(PGconn) conn = shard_connect_member(coordinator, config, shard, DB_ROLE_BATCH, "eod", error);
  const char *params[] = { after };
  g_autoptr(PGresult) res = conn ? stmt_query(conn, SHARD_SQL("51_closed_since"), 1, params, error) : NULL;
  if (!res)
    return NULL;
  GHashTable *dates = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (int i = 0; i < PQntuples(res); i++)
    g_hash_table_add(dates, g_strdup(PQgetvalue(res, i, 0)));
  return dates;
}

static gint
by_text(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The dates every shard closed since the group's newest, oldest first. */
static GPtrArray *
dates_all_closed(PGconn *coordinator, const Config *config, GError **error)
{
  g_autoptr(PGresult) last = stmt_query_one(coordinator, SHARD_SQL("50_group_last_closed"), 0, NULL, error);
  if (!last)
    return NULL;
  const char *after = PQgetisnull(last, 0, 0) ? NULL : PQgetvalue(last, 0, 0);
  g_autoptr(GHashTable) common = NULL;
  for (guint i = 0; i < config->shards->len; i++) {
    g_autoptr(GHashTable) dates = closed_since(coordinator, config, g_ptr_array_index(config->shards, i), after,
                                               error);
    if (!dates)
      return NULL;
    if (!common) {
      common = g_steal_pointer(&dates);
      continue;
    }
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, common);
    while (g_hash_table_iter_next(&it, &key, NULL))
      if (!g_hash_table_contains(dates, key))
        g_hash_table_iter_remove(&it);
  }
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, common);
  while (g_hash_table_iter_next(&it, &key, NULL))
    g_ptr_array_add(out, g_strdup(key));
  g_ptr_array_sort(out, by_text);
  return out;
}

static gboolean
close_group_dates(PGconn *coordinator, const Config *config, GError **error)
{
  g_autoptr(GPtrArray) dates = dates_all_closed(coordinator, config, error);
  if (!dates)
    return FALSE;
  g_autofree char *shards = g_strdup_printf("%u", config->shards->len);
  for (guint i = 0; i < dates->len; i++) {
    const char *params[] = { dates->pdata[i], shards };
    if (!stmt_exec(coordinator, SHARD_SQL("52_group_close"), 2, params, error))
      return FALSE;
    log_info("%s is closed for the group: every one of its %s shards closed it", (const char *) dates->pdata[i],
             shards);
  }
  return TRUE;
}

/* The day after the group's newest closed date into *NEXT; *FOUND FALSE when the
 * group closed none yet. */
static gboolean
group_next_date(PGconn *coordinator, GDate *next, gboolean *found, GError **error)
{
  g_autoptr(PGresult) last = stmt_query_one(coordinator, SHARD_SQL("50_group_last_closed"), 0, NULL, error);
  if (!last)
    return FALSE;
  *found = !PQgetisnull(last, 0, 0);
  if (!*found)
    return TRUE;
  if (!date_parse(PQgetvalue(last, 0, 0), next, error))
    return FALSE;
  g_date_add_days(next, 1);
  return TRUE;
}

static char *
date_option(const char *option, const GDate *d)
{
  char text[DATE_TEXT_SIZE];
  date_format(d, text);
  return g_strdup_printf("--%s=%s", option, text);
}

/* The dates the shards run, for the gate: FIRST (--date, else the group's next),
 * through LAST (--until or yesterday with --catch-up, else FIRST). */
static gboolean
gate_dates(PGconn *coordinator, const ShardEodArgs *args, GDate *first, GDate *last, GError **error)
{
  gboolean found = TRUE;
  if (args->date)
    *first = *args->date;
  else if (!group_next_date(coordinator, first, &found, error))
    return FALSE;
  if (!found) {
    g_set_error(error, SHARD_ERROR, BT_EXIT_USAGE,
                "the group's first night with [intake] expected files: give its date with --date YYYY-MM-DD");
    return FALSE;
  }
  if (!args->catch_up)
    *last = *first;
  else if (args->until)
    *last = *args->until;
  else {
    g_date_clear(last, 1);
    g_date_set_time_t(last, time(NULL));
    g_date_subtract_days(last, 1);
  }
  if (args->catch_up && args->date && !args->until && g_date_compare(last, first) < 0)
    *last = *first;
  return TRUE;
}

/* The group's expected-files gate ([intake] expected), at the coordinator whose spool
 * took the files: the dates from the first on whose files all arrived are run; at a
 * date still waiting the group stops before it (*WAITING: exit 4 once the dates
 * before it ran). *UNTIL_ARG: "--until=D" to give the shards, or NULL. */
static gboolean
group_gate(PGconn *coordinator, const Config *config, const ShardEodArgs *args, char **until_arg,
           GError **waiting, GError **error)
{
  *until_arg = NULL;
  if (!config->intake_expected || !config->intake_expected[0])
    return TRUE;
  GDate first, last, d;
  if (!gate_dates(coordinator, args, &first, &last, error))
    return FALSE;
  for (guint i = 0; config->intake_allow_missing && config->intake_allow_missing[i]; i++)
    log_warning("--allow-missing %s: the group's night passes its gate without that file if it is missing"
                " (logged here, not recorded on a run: a group has none at the coordinator)",
                config->intake_allow_missing[i]);
  for (d = first; g_date_compare(&d, &last) <= 0; g_date_add_days(&d, 1)) {
    char day[DATE_TEXT_SIZE];
    date_format(&d, day);
    g_autoptr(GError) local = NULL;
    if (spool_night_gate(coordinator, config, day, &local))
      continue;
    if (!g_error_matches(local, SPOOL_ERROR, SPOOL_ERROR_WAITING) || g_date_compare(&d, &first) == 0) {
      g_propagate_error(error, g_steal_pointer(&local));
      return FALSE;
    }
    g_date_subtract_days(&d, 1);
    *until_arg = date_option("until", &d);
    *waiting = g_steal_pointer(&local);
    return TRUE;
  }
  return TRUE;
}

/* ---- the outcome ------------------------------------------------------------------------ */

static const char *
status_meaning(int status)
{
  switch (status) {
  case BT_EXIT_FAILURE: return "failed";
  case BT_EXIT_USAGE: return "usage or configuration";
  case BT_EXIT_BREAKS: return "reconciliation breaks";
  case BT_EXIT_WAITING: return "waiting for partner files";
  case BT_EXIT_TEMPFAIL: return "unreachable or locked: retry later";
  default: return status > 128 ? "killed" : "failed";
  }
}

/* 0 when every shard's night ended 0; else 75 if any was unreachable or locked, else
 * the first failing shard's own code, every failing shard named. */
static gboolean
outcome(const ShardNight *nights, guint n, GError **error)
{
  g_autoptr(GString) failed = g_string_new(NULL);
  int code = BT_EXIT_OK;
  for (guint i = 0; i < n; i++) {
    int s = nights[i].status;
    if (s == BT_EXIT_OK)
      continue;
    g_string_append_printf(failed, "%sshard %s exit %d (%s)", failed->len ? ", " : "", nights[i].shard->name, s,
                           status_meaning(s));
    /* 75 first (retry later), then a failure of any other kind, then breaks (the date
     * closed): the most urgent code wins, whatever the shards' names */
    int as = s > 128 || s < 0 ? BT_EXIT_FAILURE : s;
    if (code == BT_EXIT_OK || as == BT_EXIT_TEMPFAIL || (code == BT_EXIT_BREAKS && as != BT_EXIT_BREAKS))
      code = code == BT_EXIT_TEMPFAIL ? code : as;
  }
  if (code == BT_EXIT_OK)
    return TRUE;
  if (code == BT_EXIT_BREAKS) {   /* the shards closed their dates (unless breaks_block_close): breaks to work */
    g_set_error(error, SHARD_ERROR, code,
                "reconciliation left open breaks: %s; a date every shard closed is the group's\n"
                "hint: \"baitiao recon breaks --open --shard NAME\" lists a shard's; explain or resolve each"
                " (docs/operations.md)", failed->str);
    return FALSE;
  }
  g_set_error(error, SHARD_ERROR, code,
              "the group's night is not complete: %s; the other shards closed their dates, the group's date stays"
              " open\n"
              "hint: fix what the shard's lines (eod@NAME) say, then run \"baitiao eod\" again: it runs only what is"
              " missing", failed->str);
  return FALSE;
}

/* After the nights: the dates every shard closed become the group's, then the outcome.
 * A shard that failed is the error to report even when the dates could not be read
 * (that shard is likely the one unreachable): the other is logged. */
static gboolean
settle(PGconn *coordinator, const Config *config, const ShardEodArgs *args, const ShardNight *nights, guint n,
       GError **error)
{
  g_autoptr(GError) close_error = NULL;
  gboolean closed = args->dry_run || close_group_dates(coordinator, config, &close_error);
  if (!outcome(nights, n, error)) {
    if (close_error)
      log_gerror(close_error);
    return FALSE;
  }
  if (!closed)
    g_propagate_error(error, g_steal_pointer(&close_error));
  return closed;
}

/* The options the group adds for every shard: the group's date, the gate's last date. */
static gboolean
group_options(PGconn *coordinator, const Config *config, const ShardEodArgs *args, GPtrArray *extra,
              GError **waiting, GError **error)
{
  char *until = NULL;
  if (!group_gate(coordinator, config, args, &until, waiting, error))
    return FALSE;
  if (args->group_date) {
    GDate next;
    gboolean found = FALSE;
    if (!group_next_date(coordinator, &next, &found, error))
      return FALSE;
    if (found)
      g_ptr_array_add(extra, date_option("date", &next));
  }
  if (until)
    g_ptr_array_add(extra, until);
  g_ptr_array_add(extra, NULL);
  return TRUE;
}

/* The group's night under both locks. */
static gboolean
run_group(PGconn *coordinator, const Config *config, const ShardEodArgs *args, GError **error)
{
  guint n = config->shards->len;
  g_autofree ShardNight *nights = g_new0(ShardNight, n);
  for (guint i = 0; i < n; i++)
    nights[i] = (ShardNight) { .shard = g_ptr_array_index(config->shards, i), .status = -1 };
  g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) waiting = NULL;
  /* a cut-over import some shard has not committed must be finished (import book) first:
   * a shard without its opening book must not start nights of its own */
  if (!shard_import_check_finished(coordinator, error) || !shard_load_recover(coordinator, config, error)
      || !group_options(coordinator, config, args, extra, &waiting, error)
      || !run_all(config, args, (const char *const *) extra->pdata, nights, n, error)
      || !settle(coordinator, config, args, nights, n, error))
    return FALSE;
  if (!waiting)
    return TRUE;
  g_propagate_error(error, g_steal_pointer(&waiting));   /* the dates before it ran: now the wait, exit 4 */
  return FALSE;
}

gboolean
shard_eod_run(PGconn *coordinator, const Config *config, const ShardEodArgs *args, GError **error)
{
  if (!shard_check_topology(coordinator, config, error)
      || !db_lock_or_fail(coordinator, DB_LOCK_NIGHT, "the group's night (eod)", error))
    return FALSE;
  gboolean ok = shard_lock_group_intake(coordinator, "the group's night (eod)", error);
  if (ok) {
    ok = run_group(coordinator, config, args, error);
    db_unlock(coordinator, DB_LOCK_GROUP_INTAKE);
  }
  db_unlock(coordinator, DB_LOCK_NIGHT);
  return ok;
}
