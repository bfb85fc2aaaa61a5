/* A partner file loaded across a sharded group (issue 16 §3): every row goes to
 * exactly one shard — users, orders, repayments and coupons by their user (the directory,
 * else the placement policy; a repeated order, transaction or coupon id where the first
 * went), refunds by their order's shard (the order directory, else the
 * placement of the order id), settlement lines by their repayment's shard (else the
 * coordinator keeps them: channel-only lines, 长款) — and the file is loaded on every
 * shard or on none.
 *
 * The commit (docs/decisions.md "Loading a file across shards"): each shard judges its
 * rows in a transaction left open; when every one succeeded, the coordinator commits
 * the decision in one transaction (the directory rows of the accepted users, orders,
 * repayments and coupons, the coordinator's own part, and the file's bytes with each shard's
 * lines); then each shard commits. A crash after the decision is finished by the next
 * sharded load or night: each shard whose load_files lacks the file loads the stored
 * bytes' same lines again (a shard's load is idempotent by sha256). A crash before it
 * leaves nothing anywhere: the shards' open transactions die with their connections. */
#ifndef BAITIAO_SHARD_LOAD_H
#define BAITIAO_SHARD_LOAD_H

#include <glib.h>
#include <libpq-fe.h>

#include "config.h"
#include "intake.h"

typedef struct {
  gboolean already_loaded;   /* the group loaded the same file (kind, sha256) before */
  gint64 load_id;
  gint64 rows_read, rows_accepted, rows_rejected;   /* Σ over the shards' parts */
  gint64 rows_date_closed;
  char *cut_date;            /* a shard's intake cut, when rows were DATE_CLOSED */
  GPtrArray *parts;          /* "s1 120 rows (118 accepted, 2 rejected)" per shard */
} ShardLoadResult;

void shard_load_result_clear(ShardLoadResult *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ShardLoadResult, shard_load_result_clear)

/* Loads PATH (KIND, CHANNEL as intake_load_file takes them) across CONFIG's shards
 * through the coordinator COORDINATOR (batch role). Finishes any earlier decided load
 * first. Exit codes through the errors: a shard unreachable 75 naming it, a bad file
 * 2 or 1 as for one database; nothing is stored anywhere unless all is. */
gboolean shard_load_file(PGconn *coordinator, const Config *config, const char *kind, const char *channel,
                         const char *path, ShardLoadResult *result, GError **error);

/* spool_intake's loader at a sharded group's coordinator (SpoolLoadFn): DATA is the
 * Config; the group's result as the spool records it (group_load_id, the Σ counts). */
gboolean shard_spool_load(PGconn *coordinator, gpointer data, const char *kind, const char *channel,
                          const char *path, IntakeResult *result, GError **error);

/* Finishes every decided load some shard has not committed (a crash between the
 * shards' commits). Run by shard_load_file and by the group's night, under the group's
 * intake lock. */
gboolean shard_load_recover(PGconn *coordinator, const Config *config, GError **error);

/* The group's intake lock (a session lock at the coordinator): group loads and the
 * group's night one at a time, so every shard sees a file before or after a night's
 * cut, never some before and some after. Fails 75 naming the holder. */
gboolean shard_lock_group_intake(PGconn *coordinator, const char *what, GError **error);

#endif
