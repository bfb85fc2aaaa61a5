/* Command-line plumbing shared by every subcommand: common options, usage errors. */
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

typedef struct {
  char *config_path;
  gboolean verbose;
  gboolean quiet;
} CliCommon;

/* A subcommand: parses its own options from ARGV (ARGV[0] is its name). */
typedef gboolean (*CliCommandFn)(int argc, char **argv, GError **error);

typedef struct {
  const char *name;
  const char *summary;
  CliCommandFn fn;
} CliCommand;

/* An option context for "baitiao NAME PARAMS" with the common options added. */
GOptionContext *cli_context_new(const char *name, const char *params, const char *summary,
                                CliCommon *common);
/* Parses, turning option errors into CLI_ERROR_USAGE with a pointer to --help. */
gboolean cli_parse(GOptionContext *ctx, const char *name, int *argc, char ***argv, GError **error);
/* Applies --verbose/--quiet and loads the configuration. */
Config *cli_setup(const CliCommon *common, GError **error);
/* cli_setup, then a connection as ROLE (application_name baitiao/COMMAND) whose
 * running query is cancelled on SIGINT/SIGTERM. *CONFIG receives the configuration. */
PGconn *cli_connect(const CliCommon *common, DbRole role, const char *command, Config **config,
                    GError **error);
/* --quiet was given (and applied by cli_setup): a command prints no summary of what it
 * did. Listings the user asked for (status, schedule, recon breaks, ...) still print. */
gboolean cli_quiet(void);
void cli_common_clear(CliCommon *common);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CliCommon, cli_common_clear)

/* Sets a usage error: "baitiao NAME: message" plus the --help hint. */
void cli_usage_error(GError **error, const char *name, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

#endif
