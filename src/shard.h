/* A book split by user over several databases (issue 16, 分库): the coordinator
 * ([database] of a sharded configuration) and its shards ([shard NAME]), each a
 * complete baitiao database of its users. This module is the topology: where a user
 * not yet placed goes, connecting to a shard, and the check that the configuration
 * still names every shard the group added. Loading across shards is shard_load.h,
 * the group's night shard_eod.h. */
#ifndef BAITIAO_SHARD_H
#define BAITIAO_SHARD_H

#include <glib.h>
#include <libpq-fe.h>

#include "config.h"
#include "db.h"

/* SHARD_ERROR's code is the exit code the command ends with (exitcode.h): a shard's
 * failure carries the shard's own code up to the group. */
#define SHARD_ERROR (shard_error_quark())
GQuark shard_error_quark(void);

/* The shard a key not yet in the directory goes to: the FNV-1a 64 hash of its bytes
 * modulo the open shards' total weight (placement=hash: each weighs 1), the shards
 * taken in name order. Integers only, the same on every machine and version. */
const ConfigShard *shard_place(const Config *config, const char *key);
/* The FNV-1a 64-bit hash of KEY's bytes (exposed for the tests). */
guint64 shard_hash(const char *key);

/* Connects to shard SHARD as ROLE. A shard that cannot be reached fails with
 * DB_ERROR_UNREACHABLE (exit 75) whose message starts "shard NAME: ". */
PGconn *shard_connect(const Config *config, const ConfigShard *shard, DbRole role, const char *command,
                      GError **error);

/* Connects to member SHARD as ROLE for the group's work (a load, a night), checking
 * that the database there is that shard of this group (shard_identity) and at the
 * coordinator's schema version: a configuration whose connections were swapped or
 * point at another group's shard would otherwise route users to the wrong book. */
PGconn *shard_connect_member(PGconn *coordinator, const Config *config, const ConfigShard *shard, DbRole role,
                             const char *command, GError **error);

/* `--shard NAME` on a database that is another shard (its shard_identity names another
 * name) is refused; a database not yet added (no identity: migrate, products before
 * `shard add`) is allowed. */
gboolean shard_check_selected(PGconn *conn, const char *name, GError **error);

/* A one-database configuration ([shards] absent) whose [database] is a group's
 * coordinator is refused: every command would act on the coordinator as the book. */
gboolean shard_check_not_coordinator(PGconn *conn, const Config *config, GError **error);

/* The coordinator's members (shard add) against the configuration: a member the
 * configuration no longer names is refused (its users would be lost to the group),
 * and so is a configured shard not yet added (`baitiao shard add NAME`). Exit 2. */
gboolean shard_check_topology(PGconn *coordinator, const Config *config, GError **error);
/* Only the first half: no member dropped (`shard list` shows shards not yet added). */
gboolean shard_check_no_drop(PGconn *coordinator, const Config *config, GError **error);

/* Adds shard NAME (configured) to the group: same schema version as the coordinator,
 * empty or already this group's under this name; records it on both sides. */
gboolean shard_add(PGconn *coordinator, const Config *config, const char *name, GError **error);

#endif
