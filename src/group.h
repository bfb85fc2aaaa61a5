/* The group's reads over its shards (issue 16 §2, §5): at the coordinator, each shard
 * is a postgres_fdw foreign server shard_NAME with its tables as foreign tables, and
 * schema grp holds the views that union them (sql/0067). From them: the consolidated
 * trial balance (baitiao group gl) and the group's reconciliation checks G1–G8
 * (baitiao group recon), each a statement under sql/queries/group/, run in one
 * REPEATABLE READ transaction. docs/architecture.md, "Group reads". */
#ifndef BAITIAO_GROUP_H
#define BAITIAO_GROUP_H

#include <glib.h>
#include <libpq-fe.h>

#include "config.h"

#define GROUP_ERROR (group_error_quark())
GQuark group_error_quark(void);

typedef enum {
  GROUP_ERROR_DATE,      /* no date given and the group has closed none */
} GroupError;

/* Attaches shard SHARD_NAME (a member: its shard_members row written first, in the same
 * transaction when the caller has one open) to the group's reads through COORD, the
 * owner's connection to the coordinator: the foreign server shard_NAME made or its
 * connection (HOST, PORT, DBNAME) updated, user mappings for the three roles where
 * missing, the shard's tables imported afresh, the grp views rebuilt. HOST, PORT or
 * DBNAME NULL or empty: the coordinator connection's own (a [shard] key not set falls
 * back to [database]'s). Idempotent. A shard that cannot be reached fails with
 * DB_ERROR_UNREACHABLE naming it. */
gboolean group_attach_shard(PGconn *coord, const char *shard_name, const char *host, const char *port,
                            const char *dbname, GError **error);

/* Fails with DB_ERROR_UNREACHABLE naming every attached member shard that does not
 * answer through its server (and why), before a group read. */
gboolean group_probe_shards(PGconn *coord, GError **error);

/* The date a group read defaults to: the group's last closed date, or GROUP_ERROR_DATE. */
gboolean group_default_date(PGconn *coord, GDate *date, GError **error);

/* The consolidated trial balance of DATE: rows account_code, name, opening_fen, debit_fen,
 * credit_fen, closing_fen, shards; the last row (account_code NULL) the totals. */
PGresult *group_trial_balance(PGconn *coord, const GDate *date, GError **error);

#define GROUP_N_CHECKS 8

typedef struct {
  const char *check_id;   /* "G1" … "G8" */
  const char *title;
  gint64 rows;            /* rows compared */
  gint64 total_fen;       /* total compared */
  gint64 breaks;
} GroupCheckSummary;

typedef struct {
  char date_str[11];
  GroupCheckSummary checks[GROUP_N_CHECKS];
  gint64 breaks;
  /* the differences: check_id, break_type, break_key, shard, expected_fen, actual_fen,
   * diff_fen, ordered by check, shard, key */
  PGresult *found;
} GroupRecon;

void group_recon_clear(GroupRecon *recon);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GroupRecon, group_recon_clear)

/* The group's checks G1–G8 of DATE through COORD, in one REPEATABLE READ transaction,
 * after every shard answered (else DB_ERROR_UNREACHABLE naming it); nothing is written.
 * The caller decides what breaks mean (baitiao group recon: exit 3). */
gboolean group_recon(PGconn *coord, const Config *config, const GDate *date, GroupRecon *recon,
                     GError **error);

#endif
