/* A sharded group's cut-over (issue 16 §3 with issue 15 §1): `baitiao import book DIR`
 * at the coordinator books one opening book over the shards, each user and everything
 * of theirs on one shard, all or nothing.
 *
 * The set is read and controlled as a whole by import.c's own rules (manifest, each
 * file's control line), then split into one part set per shard in a work folder: users
 * by the directory, else the placement policy (shard_place); loans by their user,
 * installments by their loan's user, credit balances by their user. Each part has a
 * manifest whose control lines are computed by the same rule, so each shard's import
 * checks its part as a single database checks a book.
 *
 * The commit follows the group load's (docs/decisions.md "A sharded group's
 * cut-over"): every shard books its part in a transaction left open (import_book_open);
 * when every one succeeded the coordinator commits the decision (group_imports, each
 * shard's part, the directory rows of the users and loans the shards accepted); then
 * each shard commits and the coordinator records it. A failure before the decision
 * leaves nothing anywhere. A crash after it is finished by running the same import
 * again: the directory routes every row as before and only the shards that did not
 * commit import. The cut-over date becomes the group's closed date when every shard
 * has it. */
#ifndef BAITIAO_SHARD_IMPORT_H
#define BAITIAO_SHARD_IMPORT_H

#include <glib.h>
#include <libpq-fe.h>

#include "config.h"
#include "import.h"

typedef struct {
  gboolean already_done;   /* the group imported this set before: nothing done */
  gint64 load_id;          /* the group import (its group_loads id) */
  char cutover[11];
  ImportSummary total;     /* Σ over the shards that imported now (import_id unused) */
  GPtrArray *parts;        /* one line per shard: "s1: import 3, 97 users, 120 loans" */
  GPtrArray *refusals;     /* "FILE:LINE:FIELD: …" with the ORIGINAL set's lines */
} ShardImportResult;

void shard_import_result_clear(ShardImportResult *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ShardImportResult, shard_import_result_clear)

/* Imports the set in DIR over CONFIG's shards through COORDINATOR (batch role), holding
 * the coordinator's night lock and the group's intake lock. Errors: the import's own
 * (a control line, a file, dates already there: nothing stored anywhere), a shard
 * unreachable (75, named), a shard's refusal (prefixed "shard NAME: ", its lines the
 * original set's). */
gboolean shard_import_book(PGconn *coordinator, const Config *config, const char *dir, ShardImportResult *r,
                           GError **error);

/* FALSE, naming the shards, when a group import was decided and some shard has not
 * committed its part: for the group's night to refuse to run past a half-done cut-over
 * (the lead's shard_eod.c would call it; the files are the operator's: rerun the import). */
gboolean shard_import_check_finished(PGconn *coordinator, GError **error);

#endif
