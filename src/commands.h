/* The subcommands of the baitiao binary: each cmd_*.c defines its entry, commands.c
 * holds the table main dispatches on. */
#ifndef BAITIAO_COMMANDS_H
#define BAITIAO_COMMANDS_H

#include <stdio.h>

#include "cli.h"

extern const CliCommand cmd_campaigns;
extern const CliCommand cmd_eod;
extern const CliCommand cmd_gen;
extern const CliCommand cmd_group;
extern const CliCommand cmd_import;
extern const CliCommand cmd_intake;
extern const CliCommand cmd_load;
extern const CliCommand cmd_migrate;
extern const CliCommand cmd_products;
extern const CliCommand cmd_recon;
extern const CliCommand cmd_report;
extern const CliCommand cmd_schedule;
extern const CliCommand cmd_shard;
extern const CliCommand cmd_sql;
extern const CliCommand cmd_status;

#define COMMANDS_MAX 32
/* Every command, in the order "baitiao --help" lists them; NULL terminated. */
extern const CliCommand *const commands[];

/* The command called NAME, or NULL. */
const CliCommand *commands_find(const char *name);
/* "baitiao --help": the commands with their summaries, the exit codes. */
void commands_print_usage(FILE *out);

#endif
