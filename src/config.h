/* Configuration: one GKeyFile (--config or $BAITIAO_CONFIG) over built-in defaults.
 * Connection settings not given fall back to libpq's PG* environment. */
#ifndef BAITIAO_CONFIG_H
#define BAITIAO_CONFIG_H

#include <glib.h>

/* [report] timezone when the file does not set it */
#define CONFIG_DEFAULT_REPORT_TIMEZONE "Asia/Shanghai"
/* [intake] spool_dir when the file does not set it */
#define CONFIG_DEFAULT_SPOOL_DIR "/var/lib/baitiao/spool"
/* [database] batch_work_mem_mb when the file does not set it: the batch's few large
 * statements (a month end's snapshot of every live loan, an import's cut-over) group a
 * million loans; at the server's default 4 MB their hash aggregates spill to disk. */
#define CONFIG_DEFAULT_BATCH_WORK_MEM_MB 256

/* One shard of a sharded group ([shard NAME]): a complete baitiao database of its users.
 * Connection keys not given are the coordinator's ([database]). */
typedef struct {
  char *name;           /* 1..32 of [a-z0-9_], starting with a letter */
  char *host;
  char *port;
  char *dbname;
  int weight;           /* placement=weights: relative share of new users (default 1) */
  gboolean open;        /* takes users not yet placed (default true) */
} ConfigShard;

/* How a user not yet in the directory is placed ([shards] placement). */
typedef enum {
  CONFIG_PLACEMENT_HASH,      /* the user id's hash over the open shards, each alike */
  CONFIG_PLACEMENT_WEIGHTS,   /* the same hash over the open shards' weights */
} ConfigPlacement;

typedef struct {
  char *path;           /* file the settings came from, NULL for defaults only */
  /* [database]: NULL means "let libpq decide" (PGHOST, PGPORT, ...) */
  char *db_host;
  char *db_port;
  char *db_name;
  int connect_timeout_s;
  int batch_work_mem_mb;   /* work_mem of the batch role's sessions */
  char *owner_user;     /* runs migrations (DDL) */
  char *batch_user;     /* the nightly run: DML only */
  char *report_user;    /* reports and status: read only */
  /* [paths] */
  char *sql_dir;        /* the migrations */
  char *metrics_file;   /* Prometheus textfile, NULL: none */
  char *reports_dir;    /* where `report` writes its files when no --out (NULL: the cwd) */
  char *report_specs;   /* the report specs (NULL: $BAITIAO_REPORTS_DIR or the installed ones) */
  /* [recon] */
  gboolean recon_breaks_block_close;   /* breaks keep the date from closing (default false) */
  int recon_settlement_wait_days;      /* days an unmatched settlement item waits (default 2) */
  /* [intake] (src/spool.h) */
  char *intake_spool_dir;              /* where partners deliver files (default /var/lib/baitiao/spool) */
  char **intake_expected;              /* files each day must have, "KIND:CHANNEL" (default none) */
  int intake_wait_deadline_min;        /* minutes after the midnight ending D, local; -1: none */
  /* Not read from the file: `eod --allow-missing` puts its KIND:CHANNEL list here. */
  char **intake_allow_missing;
  /* [calendar] */
  gboolean calendar_allow_future;      /* eod may run dates not yet ended (default false) */
  /* [report] */
  char *report_timezone;               /* IANA zone of the times reports show (default Asia/Shanghai) */
  /* [shards] and [shard NAME]: with shards, [database] is the coordinator */
  GPtrArray *shards;                   /* ConfigShard *, sorted by name; empty: one database */
  ConfigPlacement shard_placement;
  /* Not read from the file: `--shard NAME` made this process run on shard NAME. */
  char *selected_shard;
} Config;

Config *config_new_defaults(void);
/* Loads PATH over the defaults; errors (KEYFILE_ERROR) name the file and line. */
Config *config_load(const char *path, GError **error);
void config_free(Config *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Config, config_free)

/* TRUE when the configuration names shards: [database] is then the coordinator. */
gboolean config_sharded(const Config *config);
/* The shard called NAME, or NULL. */
const ConfigShard *config_find_shard(const Config *config, const char *name);
/* Makes CONFIG the configuration of shard NAME (`--shard NAME`): its [database]
 * connection becomes the shard's and it names no shards, so the process works as a
 * single-database baitiao there; the group's expected-files gate is the coordinator's,
 * so the shard's is empty. Fails (KEYFILE_ERROR) when the configuration has no such shard. */
gboolean config_select_shard(Config *config, const char *name, GError **error);

/* Finds the configuration to use: PATH if given, else $BAITIAO_CONFIG, else defaults. */
Config *config_resolve(const char *path, GError **error);

#endif
