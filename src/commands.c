/* The table of subcommands (commands.h): the help of "baitiao --help" is made from it. */
#include "commands.h"

#include <string.h>

const CliCommand *const commands[] = {
  &cmd_campaigns, &cmd_eod, &cmd_gen, &cmd_group, &cmd_import, &cmd_intake, &cmd_load, &cmd_migrate, &cmd_products,
  &cmd_recon, &cmd_report, &cmd_schedule, &cmd_shard, &cmd_sql, &cmd_status, NULL,
};
G_STATIC_ASSERT(G_N_ELEMENTS(commands) <= COMMANDS_MAX + 1);

const CliCommand *
commands_find(const char *name)
{
  for (const CliCommand *const *c = commands; *c; c++)
    if (strcmp((*c)->name, name) == 0)
      return *c;
  return NULL;
}

void
commands_print_usage(FILE *out)
{
  fprintf(out, "Usage: baitiao COMMAND [OPTION…] [ARG…]\n"
               "Nightly batch for consumer-credit installment lines (白条).\n\nCommands:\n");
  for (const CliCommand *const *c = commands; *c; c++)
    fprintf(out, "  %-10s %s\n", (*c)->name, (*c)->summary);
  fprintf(out, "\nOptions:\n"
               "  -h, --help     Show this help and exit\n"
               "  -V, --version  Show the version and exit\n"
               "\n\"baitiao COMMAND --help\" (or \"baitiao help COMMAND\") describes a command and its options.\n"
               "Exit codes: 0 ok, 1 failure, 2 usage or configuration, 3 reconciliation breaks,\n"
               "4 waiting for partner files, 5 file loaded but rows of a date already cut rejected\n"
               "(DATE_CLOSED: the partner must resend them), 75 temporary (lock held or database\n"
               "unreachable: retry later).\n");
}
