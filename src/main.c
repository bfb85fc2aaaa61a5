/* baitiao: one binary, one subcommand per job. Only main decides the exit code. */
#include "autoconfig.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "campaign.h"
#include "cli.h"
#include "commands.h"
#include "db.h"
#include "exitcode.h"
#include "fault.h"
#include "intake.h"
#include "keyfile.h"
#include "log.h"
#include "migrate.h"
#include "recon.h"
#include "shard.h"
#include "spool.h"

static int
exit_code_for(const GError *error)
{
  if (error->domain == CLI_ERROR || error->domain == KEYFILE_ERROR || error->domain == G_OPTION_ERROR
      || error->domain == CAMPAIGN_ERROR   /* a catalogue or segments file refused: fix the file */
      || (error->domain == INTAKE_ERROR && error->code == INTAKE_ERROR_KIND))
    return BT_EXIT_USAGE;
  if (error->domain == INTAKE_ERROR && error->code == INTAKE_ERROR_LATE)
    return BT_EXIT_LATE_ROWS;
  if (error->domain == SHARD_ERROR)   /* a shard's own code, carried up to the group */
    return error->code;
  if (error->domain == RECON_ERROR && error->code == RECON_ERROR_BREAKS)
    return BT_EXIT_BREAKS;
  if (error->domain == SPOOL_ERROR)
    return error->code == SPOOL_ERROR_WAITING ? BT_EXIT_WAITING
           : error->code == SPOOL_ERROR_SPEC  ? BT_EXIT_USAGE
           : error->code == SPOOL_ERROR_BUSY  ? BT_EXIT_TEMPFAIL : BT_EXIT_FAILURE;
  if (error->domain == DB_ERROR
      && (error->code == DB_ERROR_UNREACHABLE || error->code == DB_ERROR_LOCK_HELD))
    return BT_EXIT_TEMPFAIL;
  return BT_EXIT_FAILURE;
}

/* A name that is no command: exit 2, with the closest command when one is close. */
static int
unknown_command(const char *name)
{
  const char *names[COMMANDS_MAX];
  guint n = 0;
  for (const CliCommand *const *c = commands; *c && n < COMMANDS_MAX; c++)
    names[n++] = (*c)->name;
  const char *guess = cli_closest_name(names, n, name);
  g_autofree char *hint = guess ? g_strdup_printf(" (did you mean \"%s\"?)", guess) : g_strdup("");
  fprintf(stderr, "baitiao: unknown command \"%s\"%s\nTry \"baitiao --help\" for the list of commands.\n", name,
          hint);
  return BT_EXIT_USAGE;
}

/* "baitiao help [COMMAND]". */
static int
help(int argc, char **argv)
{
  if (argc < 3) {
    commands_print_usage(stdout);
    return BT_EXIT_OK;
  }
  const CliCommand *cmd = commands_find(argv[2]);
  if (!cmd)
    return unknown_command(argv[2]);
  g_autofree char *text = cli_help(cmd);
  fputs(text, stdout);
  return BT_EXIT_OK;
}

int
main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
  g_set_prgname("baitiao");
  if (argc < 2) {
    commands_print_usage(stderr);
    return BT_EXIT_USAGE;
  }
  const char *name = argv[1];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0)
    return help(argc, argv);
  if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
    printf("baitiao %s\n", PACKAGE_VERSION);
    return BT_EXIT_OK;
  }
  if (name[0] == '-') {
    fprintf(stderr, "baitiao: a command comes first, not the option \"%s\"\nTry \"baitiao --help\".\n", name);
    return BT_EXIT_USAGE;
  }
  const CliCommand *cmd = commands_find(name);
  if (!cmd)
    return unknown_command(name);
  log_set_context(cmd->name);
  fault_set_scope(cmd->name);
  g_autoptr(GError) error = NULL;
  if (cli_run(cmd, argc - 1, argv + 1, &error))
    return BT_EXIT_OK;
  if (!error) {
    log_error("%s failed without saying why", cmd->name);
    return BT_EXIT_FAILURE;
  }
  log_gerror(error);
  return exit_code_for(error);
}
