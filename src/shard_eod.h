/* The night of a sharded group (issue 16 §4): every shard runs its own night for the
 * same business date, one process per shard (`baitiao eod --shard NAME` with the
 * group's options), at most JOBS at a time. A date is closed for the group
 * (group_closed_dates) only when every shard closed it; a shard that failed or could
 * not be reached leaves the others closed and the group open, and the rerun runs only
 * what is missing (each shard's night resumes where it stopped). Exit codes keep their
 * meaning: 0 every shard closed, 75 a shard unreachable or locked (named), else the
 * first failing shard's own code (named). */
#ifndef BAITIAO_SHARD_EOD_H
#define BAITIAO_SHARD_EOD_H

#include <glib.h>
#include <libpq-fe.h>

#include "config.h"

typedef struct {
  const char *const *eod_args;   /* the options every shard's eod gets (NULL terminated) */
  gboolean group_date;           /* no --date, no --catch-up: every shard runs the day after the
                                  * group's newest closed date (a shard ahead resumes or no-ops,
                                  * one behind catches up to it: the group never drifts apart) */
  guint jobs;                    /* shards run at once (0: all) */
  gboolean dry_run;              /* the shards roll back: the group closes nothing */
  /* For the group's expected-files gate ([intake] expected: the spool is the
   * coordinator's): the dates the shards will run. */
  const GDate *date;             /* --date, or NULL */
  gboolean catch_up;
  const GDate *until;            /* --until, or NULL: yesterday */
} ShardEodArgs;

/* Runs the group's night through the coordinator COORDINATOR (batch role), holding the
 * coordinator's night lock and the group's intake lock (shard_load.h) throughout, after
 * finishing any decided load. */
gboolean shard_eod_run(PGconn *coordinator, const Config *config, const ShardEodArgs *args, GError **error);

#endif
