/* Common command-line handling, so every subcommand behaves the same way. */
#include "cli.h"

#include "log.h"

G_DEFINE_QUARK(cli-error-quark, cli_error)

static gboolean quiet;

GOptionContext *
cli_context_new(const char *name, const char *params, const char *summary, CliCommon *common)
{
  g_autofree char *usage = g_strdup_printf("%s%s%s", name, params ? " " : "", params ? params : "");
  GOptionContext *ctx = g_option_context_new(usage);
  g_option_context_set_summary(ctx, summary);
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &common->config_path,
      "Configuration file (default: $BAITIAO_CONFIG, else built-in defaults and PG* environment)", "FILE" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &common->verbose, "Log debug messages", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &common->quiet,
      "Print nothing on success: no summary on stdout, only warnings and errors on stderr", NULL },
    G_OPTION_ENTRY_NULL,
  };
  GOptionGroup *group = g_option_group_new("common", "Common options:", "Show common options",
                                           NULL, NULL);
  g_option_group_add_entries(group, entries);
  g_option_context_add_group(ctx, group);
  return ctx;
}

void
cli_usage_error(GError **error, const char *name, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE, "%s\nhint: try \"baitiao %s --help\"", msg, name);
}

gboolean
cli_parse(GOptionContext *ctx, const char *name, int *argc, char ***argv, GError **error)
{
  g_autoptr(GError) local = NULL;
  if (g_option_context_parse(ctx, argc, argv, &local))
    return TRUE;
  cli_usage_error(error, name, "%s", local->message);
  return FALSE;
}

Config *
cli_setup(const CliCommon *common, GError **error)
{
  quiet = common->quiet && !common->verbose;
  if (common->verbose)
    log_set_level(LOG_LEVEL_DEBUG);
  else if (common->quiet)
    log_set_level(LOG_LEVEL_WARNING);
  return config_resolve(common->config_path, error);
}

gboolean
cli_quiet(void)
{
  return quiet;
}

PGconn *
cli_connect(const CliCommon *common, DbRole role, const char *command, Config **config, GError **error)
{
  *config = cli_setup(common, error);
  if (!*config)
    return NULL;
  PGconn *conn = db_connect(*config, role, command, error);
  if (conn)
    db_cancel_on_signal(conn);
  return conn;
}

void
cli_common_clear(CliCommon *common)
{
  g_clear_pointer(&common->config_path, g_free);
}
