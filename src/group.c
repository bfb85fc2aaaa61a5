/* The group's reads over its shards through postgres_fdw: attaching a shard, the
 * consolidated trial balance and the group checks G1–G8 (group.h). The SQL is
 * sql/0067's functions and sql/queries/group/; this file only sequences it. */
#include "group.h"

#include <string.h>

#include "date.h"
#include "db.h"
#include "log.h"
#include "stmt.h"

G_DEFINE_QUARK(baitiao-group-error-quark, group_error)

/* A check is a row: its id, what it proves, its statement. The statement declares
 * which of (D, settlement_wait_days) it takes, in that order; it inserts its
 * differences into pg_temp.group_found and returns (rows compared, total compared). */
typedef struct {
  const char *id;
  const char *title;
  const char *stmt;
} GroupCheck;

static const GroupCheck checks[GROUP_N_CHECKS] = {
  { "G1", "consolidated trial balance balanced, = Σ shards, opening = closing of D-1",
    "queries/group/g1_trial_balance" },
  { "G2", "every shard closed exactly the group's closed dates", "queries/group/g2_closed_dates" },
  { "G3", "directory and shards agree on who lives where", "queries/group/g3_directory" },
  { "G4", "no user on two shards", "queries/group/g4_one_shard" },
  { "G5", "coordinator's channel-only settlement lines (长款) past the wait", "queries/group/g5_channel_only" },
  { "G6", "every member attached, answering with its own name and the group's id",
    "queries/group/g6_members" },
  { "G7", "no group load left half-committed", "queries/group/g7_loads_done" },
  { "G8", "every shard that closed D reconciled it, no break of D open (R4, R5 per shard)",
    "queries/group/g8_shard_recon" },
};

/* A shard that stops answering mid-read fails the statement with SQLSTATE class 08,
 * which the db layer reports as a lost connection; say it was a shard (the server's
 * message names it: server "shard_NAME"). */
static gboolean
shard_error(PGconn *coord, GError **error)
{
  if (error && *error && g_error_matches(*error, DB_ERROR, DB_ERROR_UNREACHABLE)
      && PQstatus(coord) == CONNECTION_OK)
    g_prefix_error(error, "a shard of the group did not answer (its server is named below): ");
  return FALSE;
}

gboolean
group_attach_shard(PGconn *coord, const char *shard_name, const char *host, const char *port,
                   const char *dbname, GError **error)
{
  /* a key a [shard] group does not set is the coordinator's: as connected */
  const char *params[] = {
    shard_name,
    host && *host ? host : PQhost(coord),
    port && *port ? port : PQport(coord),
    dbname && *dbname ? dbname : PQdb(coord),
  };
  g_autoptr(PGresult) res = stmt_query_one(coord, "queries/group/30_attach_shard", 4, params, error);
  if (!res) {
    shard_error(coord, error);
    g_prefix_error(error, "shard %s: cannot attach it to the group's reads: ", shard_name);
    return FALSE;
  }
  log_info("shard %s attached to the group's reads (%s shard(s) in grp)", shard_name, PQgetvalue(res, 0, 0));
  return TRUE;
}

gboolean
group_probe_shards(PGconn *coord, GError **error)
{
  g_autoptr(PGresult) res = stmt_query(coord, "queries/group/11_probe", 0, NULL, error);
  if (!res)
    return shard_error(coord, error);
  g_autoptr(GString) down = g_string_new(NULL);
  int n_down = 0;
  for (int r = 0; r < PQntuples(res); r++) {
    if (PQgetisnull(res, r, 1))
      continue;
    g_autofree char *why = g_strchomp(g_strdup(PQgetvalue(res, r, 1)));
    g_string_append_printf(down, "%sshard %s: %s", n_down++ ? "\n" : "", PQgetvalue(res, r, 0), why);
  }
  if (n_down == 0)
    return TRUE;
  g_set_error(error, DB_ERROR, DB_ERROR_UNREACHABLE,
              "%d shard(s) of the group unreachable:\n%s\nhint: nothing was read; retry when %s back",
              n_down, down->str, n_down > 1 ? "they are" : "it is");
  return FALSE;
}

gboolean
group_default_date(PGconn *coord, GDate *date, GError **error)
{
  g_autoptr(PGresult) res = stmt_query_one(coord, "queries/group/10_default_date", 0, NULL, error);
  if (!res)
    return FALSE;
  if (PQgetisnull(res, 0, 0)) {
    g_set_error(error, GROUP_ERROR, GROUP_ERROR_DATE,
                "the group has closed no business date yet (group_closed_dates is empty): give --date");
    return FALSE;
  }
  return date_parse(PQgetvalue(res, 0, 0), date, error);
}

PGresult *
group_trial_balance(PGconn *coord, const GDate *date, GError **error)
{
  if (!group_probe_shards(coord, error))
    return NULL;
  char d[DATE_TEXT_SIZE];
  date_format(date, d);
  const char *params[] = { d };
  PGresult *res = stmt_query(coord, "queries/group/20_trial_balance", 1, params, error);
  if (!res)
    shard_error(coord, error);
  return res;
}

void
group_recon_clear(GroupRecon *recon)
{
  g_clear_pointer(&recon->found, PQclear);
}

/* One check: its parameters as its statement declares them, its one row read. */
static gboolean
run_check(PGconn *coord, const GroupCheck *check, const char *const *params, GroupCheckSummary *out,
          GError **error)
{
  const Stmt *st = stmt_get(check->stmt, error);
  if (!st)
    return FALSE;
  g_autoptr(PGresult) res = stmt_query_one(coord, check->stmt, st->nparams, params, error);
  if (!res)
    return FALSE;
  out->check_id = check->id;
  out->title = check->title;
  out->rows = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  out->total_fen = g_ascii_strtoll(PQgetvalue(res, 0, 1), NULL, 10);
  return TRUE;
}

static gboolean
run_checks(PGconn *coord, const Config *config, GroupRecon *recon, GError **error)
{
  g_autofree char *wait = g_strdup_printf("%d", config->recon_settlement_wait_days);
  const char *params[] = { recon->date_str, wait };
  if (!stmt_temp_table(coord, "group_found", "queries/group/12_found_table", error))
    return FALSE;
  for (int i = 0; i < GROUP_N_CHECKS; i++)
    if (!run_check(coord, &checks[i], params, &recon->checks[i], error)) {
      g_prefix_error(error, "group check %s: ", checks[i].id);
      return FALSE;
    }
  recon->found = stmt_query(coord, "queries/group/13_found", 0, NULL, error);
  if (!recon->found)
    return FALSE;
  for (int r = 0; r < PQntuples(recon->found); r++)
    for (int i = 0; i < GROUP_N_CHECKS; i++)
      if (strcmp(PQgetvalue(recon->found, r, 0), checks[i].id) == 0)
        recon->checks[i].breaks++;
  recon->breaks = PQntuples(recon->found);
  return TRUE;
}

gboolean
group_recon(PGconn *coord, const Config *config, const GDate *date, GroupRecon *recon, GError **error)
{
  memset(recon, 0, sizeof *recon);
  date_format(date, recon->date_str);
  if (!group_probe_shards(coord, error))
    return FALSE;
  /* one snapshot of the coordinator; postgres_fdw holds one per shard for the
   * transaction too (REPEATABLE READ there), so every check sees the same rows */
  if (!db_begin_isolated(coord, DB_REPEATABLE_READ, error))
    return FALSE;
  if (!run_checks(coord, config, recon, error)) {
    db_rollback(coord);
    group_recon_clear(recon);
    return shard_error(coord, error);
  }
  /* nothing was written but the temporary table: end the read */
  db_rollback(coord);
  return TRUE;
}
