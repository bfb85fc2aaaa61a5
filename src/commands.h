/* The subcommands of the baitiao binary: each cmd_*.c defines its entry; main.c
 * holds the table. */
#ifndef BAITIAO_COMMANDS_H
#define BAITIAO_COMMANDS_H

#include "cli.h"

extern const CliCommand cmd_eod;
extern const CliCommand cmd_gen;
extern const CliCommand cmd_import;
extern const CliCommand cmd_intake;
extern const CliCommand cmd_load;
extern const CliCommand cmd_migrate;
extern const CliCommand cmd_products;
extern const CliCommand cmd_recon;
extern const CliCommand cmd_report;
extern const CliCommand cmd_schedule;
extern const CliCommand cmd_sql;
extern const CliCommand cmd_status;

#endif
