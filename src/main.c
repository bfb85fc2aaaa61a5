/* baitiao: one binary, one subcommand per job. Only main decides the exit code. */
#include "autoconfig.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

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
#include "spool.h"

static const CliCommand commands[] = {
  { "eod", "run the night for the next business date (or catch up)", cmd_eod },
  { "gen", "write a synthetic portfolio as partner files (demo, benchmarks)", cmd_gen },
  { "import", "book an opening portfolio from a previous system (import book DIR)", cmd_import },
  { "intake", "take in every partner file delivered to the spool folder", cmd_intake },
  { "load", "take in a partner file (users, orders, repayments, refunds)", cmd_load },
  { "migrate", "show, apply or verify the SQL migrations", cmd_migrate },
  { "products", "check or load the product catalogue", cmd_products },
  { "recon", "reconcile a business date (R1-R12 nightly, R1-R16 with --full); list, explain, resolve breaks", cmd_recon },
  { "report", "write the finance reports (XLSX or CSV) of a closed business date, or list them", cmd_report },
  { "schedule", "print the installment schedule and APR of one purchase", cmd_schedule },
  { "status", "show the schema, business dates, open breaks, waiting files and last runs", cmd_status },
};

static void
print_usage(FILE *out)
{
  fprintf(out, "Usage: baitiao COMMAND [OPTION…]\n\n"
               "Nightly batch for consumer-credit installment lines (白条).\n\nCommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n\"baitiao COMMAND --help\" describes a command and its options.\n"
               "Exit codes: 0 ok, 1 failure, 2 usage or configuration, 3 reconciliation breaks,\n"
               "4 waiting for partner files, 5 file loaded but rows of a date already cut rejected\n"
               "(DATE_CLOSED: the partner must resend them), 75 temporary (lock held or database\n"
               "unreachable: retry later).\n");
}

static int
exit_code_for(const GError *error)
{
  if (error->domain == CLI_ERROR || error->domain == KEYFILE_ERROR || error->domain == G_OPTION_ERROR
      || (error->domain == INTAKE_ERROR && error->code == INTAKE_ERROR_KIND))
    return BT_EXIT_USAGE;
  if (error->domain == INTAKE_ERROR && error->code == INTAKE_ERROR_LATE)
    return BT_EXIT_LATE_ROWS;
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

static const CliCommand *
find_command(const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
    if (strcmp(commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

int
main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
  if (argc < 2) {
    print_usage(stderr);
    return BT_EXIT_USAGE;
  }
  const char *name = argv[1];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
    print_usage(stdout);
    return BT_EXIT_OK;
  }
  if (strcmp(name, "--version") == 0) {
    printf("baitiao %s\n", PACKAGE_VERSION);
    return BT_EXIT_OK;
  }
  const CliCommand *cmd = find_command(name);
  if (!cmd) {
    fprintf(stderr, "baitiao: unknown command \"%s\"\n\n", name);
    print_usage(stderr);
    return BT_EXIT_USAGE;
  }
  log_set_context(cmd->name);
  fault_set_scope(cmd->name);
  g_autoptr(GError) error = NULL;
  if (cmd->fn(argc - 1, argv + 1, &error))
    return BT_EXIT_OK;
  if (!error) {
    log_error("%s failed without saying why", cmd->name);
    return BT_EXIT_FAILURE;
  }
  log_gerror(error);
  return exit_code_for(error);
}
