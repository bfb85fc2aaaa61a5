/* The command frame shared by every subcommand (in the manner of flatpak's shared
 * option parsing): a command is one CliCommand entry — its name, summary, the role it
 * connects as, its options and arguments, a validate hook and a body — and cli_run
 * parses the options (the command's own plus the common ones), checks the number of
 * arguments, validates them, loads the configuration and connects, all before the
 * body runs. Usage errors are CLI_ERROR_USAGE (exit 2). */
#ifndef BAITIAO_CLI_H
#define BAITIAO_CLI_H

#include <glib.h>

#include "config.h"
#include "db.h"

#define CLI_ERROR (cli_error_quark())
GQuark cli_error_quark(void);

typedef enum {
  CLI_ERROR_USAGE,   /* exit 2 */
} CliError;

/* Whom a command connects as. */
typedef enum {
  CLI_DB_NONE,     /* no database (and no configuration) */
  CLI_DB_OWNER,    /* DB_ROLE_OWNER: migrations */
  CLI_DB_BATCH,    /* DB_ROLE_BATCH */
  CLI_DB_REPORT,   /* DB_ROLE_REPORT: read only */
} CliDb;

typedef enum {
  CLI_FLAG_NONE = 0,
  /* the frame loads nothing: the body calls cli_config / cli_connect when the action
   * it runs needs them (products check needs neither, report --list no database) */
  CLI_FLAG_CONNECT_IN_BODY = 1 << 0,
  /* the command knows a sharded group (load, eod, shard): with [shards] configured and
   * no --shard it runs for the group through the coordinator. Any other command then
   * needs --shard NAME: it would otherwise act on the coordinator as if it were the book. */
  CLI_FLAG_GROUP = 1 << 1,
} CliFlags;

typedef struct CliCommand CliCommand;

/* One run of a command, as the frame hands it to the hooks. */
typedef struct {
  const CliCommand *command;
  int argc;            /* the arguments after the options, without the command's name */
  char **argv;
  gboolean dry_run;    /* --dry-run, for a command that has it */
  const char *config_path;   /* --config, or NULL */
  const char *shard;         /* --shard NAME: the command runs on that shard, or NULL */
  Config *config;      /* loaded before the body runs (or by cli_config) */
  PGconn *conn;        /* connected before the body runs (or by cli_connect) */
} CliRun;

/* Checks the arguments and option values (dates, paths, words) before anything is
 * loaded or connected: a bad date is exit 2 even with the database down. */
typedef gboolean (*CliValidateFn)(CliRun *run, GError **error);
typedef gboolean (*CliBodyFn)(CliRun *run, GError **error);

struct CliCommand {
  const char *name;
  const char *summary;        /* one line, for "baitiao --help" */
  const char *description;    /* the paragraph of "baitiao NAME --help" */
  const char *args;           /* the arguments in the usage line, e.g. "check|load FILE", or NULL */
  int min_args, max_args;
  CliDb db;
  CliFlags flags;
  const GOptionEntry *options;   /* the command's own, G_OPTION_ENTRY_NULL terminated, or NULL */
  const char *dry_run;        /* the meaning of the shared --dry-run for this command, or NULL: none */
  CliValidateFn validate;     /* or NULL */
  CliBodyFn body;
};

/* The whole frame: parse, check, validate, configure, connect, run the body. --help
 * prints the command's help and returns TRUE without running anything. */
gboolean cli_run(const CliCommand *command, int argc, char **argv, GError **error);
/* The help of COMMAND: "Usage: baitiao NAME [OPTION…] ARGS", the description, every
 * option. */
char *cli_help(const CliCommand *command);

/* The configuration of RUN, loaded on first use. */
Config *cli_config(CliRun *run, GError **error);
/* RUN's connection as its command's role, made on first use (application_name
 * baitiao/NAME; the running query is cancelled on SIGINT/SIGTERM). */
PGconn *cli_connect(CliRun *run, GError **error);
/* A new connection of RUN's kind that the caller owns (report's children). */
PGconn *cli_connect_new(const CliRun *run, GError **error);

/* --quiet was given: a command prints no summary of what it did. Listings the user
 * asked for (status, schedule, recon breaks, ...) still print. */
gboolean cli_quiet(void);

/* Sets a usage error of the running command: "message" plus the --help hint. */
void cli_usage_error(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* The value of date option OPTION (its text TEXT) into *OUT, or a usage error naming
 * the option and what is wrong with the date. */
gboolean cli_parse_date(const char *option, const char *text, GDate *out, GError **error);

/* The one of NAMES (N of them) that NAME was most likely meant as — a typo (edit
 * distance), or a part of it — or NULL when none is close: "did you mean …?". */
const char *cli_closest_name(const char *const *names, guint n, const char *name);

#endif
