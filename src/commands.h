/* The subcommands of the baitiao binary; main.c holds the table. */
#ifndef BAITIAO_COMMANDS_H
#define BAITIAO_COMMANDS_H

#include <glib.h>

gboolean cmd_eod(int argc, char **argv, GError **error);
gboolean cmd_gen(int argc, char **argv, GError **error);
gboolean cmd_import(int argc, char **argv, GError **error);
gboolean cmd_intake(int argc, char **argv, GError **error);
gboolean cmd_load(int argc, char **argv, GError **error);
gboolean cmd_migrate(int argc, char **argv, GError **error);
gboolean cmd_products(int argc, char **argv, GError **error);
gboolean cmd_recon(int argc, char **argv, GError **error);
gboolean cmd_report(int argc, char **argv, GError **error);
gboolean cmd_schedule(int argc, char **argv, GError **error);
gboolean cmd_status(int argc, char **argv, GError **error);

#endif
