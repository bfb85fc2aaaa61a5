/* The command frame (cli.h): one parse → check → validate → connect for every
 * subcommand, and the help generated from the command's entry. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "date.h"
#include "log.h"
#include "shard.h"

G_DEFINE_QUARK(cli-error-quark, cli_error)

static gboolean quiet;
static const CliCommand *current;   /* the command running, for the --help hint */

/* The options every command has. */
typedef struct {
  char *config_path;
  char *shard;
  gboolean verbose;
  gboolean quiet;
  gboolean help;
} CliCommon;

static void
common_clear(CliCommon *c)
{
  g_clear_pointer(&c->config_path, g_free);
  g_clear_pointer(&c->shard, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CliCommon, common_clear)

/* The frame's state around the run the hooks see. */
typedef struct {
  CliRun run;
  CliCommon common;
} CliFrame;

static void
frame_clear(CliFrame *f)
{
  g_clear_pointer(&f->run.conn, PQfinish);
  g_clear_pointer(&f->run.config, config_free);
  common_clear(&f->common);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CliFrame, frame_clear)

/* The shared --dry-run: one definition, each command saying what it means for it. */
static GOptionEntry
dry_run_entry(const CliCommand *cmd, gboolean *value)
{
  return (GOptionEntry) { "dry-run", 'n', 0, G_OPTION_ARG_NONE, value, cmd->dry_run, NULL };
}

static void
common_entries(CliCommon *c, GArray *out)
{
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &c->config_path,
      "Configuration file (default: $BAITIAO_CONFIG, else built-in defaults and PG* environment)", "FILE" },
    { "shard", 0, 0, G_OPTION_ARG_STRING, &c->shard,
      "Run on shard NAME of a sharded group ([shard NAME] of the configuration) as on one database", "NAME" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &c->verbose, "Log debug messages", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &c->quiet,
      "Print nothing on success: no summary on stdout, only warnings and errors on stderr", NULL },
    { "help", 'h', 0, G_OPTION_ARG_NONE, &c->help, "Show this help and exit", NULL },
  };
  g_array_append_vals(out, entries, G_N_ELEMENTS(entries));
}

/* The command's own options, then --dry-run when it has one. */
static void
command_entries(const CliCommand *cmd, gboolean *dry_run, GArray *out)
{
  for (const GOptionEntry *e = cmd->options; e && e->long_name; e++)
    g_array_append_vals(out, e, 1);
  if (cmd->dry_run) {
    GOptionEntry d = dry_run_entry(cmd, dry_run);
    g_array_append_val(out, d);
  }
}

/* ---- help ------------------------------------------------------------------------ */

static const char *
arg_name(const GOptionEntry *e)
{
  if (e->arg_description)
    return e->arg_description;
  switch (e->arg) {
  case G_OPTION_ARG_FILENAME:
  case G_OPTION_ARG_FILENAME_ARRAY: return "FILE";
  case G_OPTION_ARG_INT:
  case G_OPTION_ARG_INT64:
  case G_OPTION_ARG_DOUBLE: return "N";
  default: return "TEXT";
  }
}

/* "  -d, --date=YYYY-MM-DD" or "      --catch-up". */
static char *
option_left(const GOptionEntry *e)
{
  g_autofree char *shortname = e->short_name ? g_strdup_printf("-%c, ", e->short_name) : g_strdup("    ");
  if (e->arg == G_OPTION_ARG_NONE)
    return g_strdup_printf("  %s--%s", shortname, e->long_name);
  return g_strdup_printf("  %s--%s=%s", shortname, e->long_name, arg_name(e));
}

static void
append_options(GString *out, const char *title, const GArray *entries, glong width)
{
  if (entries->len == 0)
    return;
  g_string_append_printf(out, "\n%s\n", title);
  for (guint i = 0; i < entries->len; i++) {
    const GOptionEntry *e = &g_array_index(entries, GOptionEntry, i);
    if (e->flags & G_OPTION_FLAG_HIDDEN)
      continue;
    g_autofree char *left = option_left(e);
    g_string_append(out, left);
    glong pad = width - g_utf8_strlen(left, -1);
    if (pad < 2) {   /* too long for the column: the description on a line of its own */
      g_string_append_c(out, '\n');
      pad = width;
    }
    g_auto(GStrv) lines = g_strsplit(e->description ? e->description : "", "\n", -1);
    for (guint l = 0; lines[l]; l++)
      g_string_append_printf(out, "%*s%s\n", (int) (l ? width : pad), "", lines[l]);
  }
}

static glong
left_width(const GArray *a, const GArray *b)
{
  glong width = 0;
  for (guint k = 0; k < 2; k++) {
    const GArray *entries = k ? b : a;
    for (guint i = 0; i < entries->len; i++) {
      g_autofree char *left = option_left(&g_array_index(entries, GOptionEntry, i));
      width = MAX(width, g_utf8_strlen(left, -1));
    }
  }
  return MIN(width, 30) + 2;
}

char *
cli_help(const CliCommand *cmd)
{
  gboolean dry_run = FALSE;
  CliCommon common = { 0 };
  g_autoptr(GArray) own = g_array_new(FALSE, FALSE, sizeof(GOptionEntry));
  g_autoptr(GArray) shared = g_array_new(FALSE, FALSE, sizeof(GOptionEntry));
  command_entries(cmd, &dry_run, own);
  common_entries(&common, shared);
  GString *out = g_string_new(NULL);
  g_string_append_printf(out, "Usage: baitiao %s [OPTION…]%s%s\n%s\n", cmd->name, cmd->args ? " " : "",
                         cmd->args ? cmd->args : "", cmd->description);
  glong width = left_width(own, shared);
  append_options(out, "Options:", own, width);
  append_options(out, "Common options:", shared, width);
  return g_string_free(out, FALSE);
}

/* ---- the frame ------------------------------------------------------------------- */

void
cli_usage_error(GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, CLI_ERROR, CLI_ERROR_USAGE, "%s\nhint: try \"baitiao %s%s--help\"", msg,
              current ? current->name : "", current ? " " : "");
}

gboolean
cli_parse_date(const char *option, const char *text, GDate *out, GError **error)
{
  g_autoptr(GError) local = NULL;
  if (date_parse(text, out, &local))
    return TRUE;
  cli_usage_error(error, "%s: %s", option, local->message);
  return FALSE;
}

static gboolean
parse_options(const CliCommand *cmd, CliFrame *f, int *argc, char ***argv, GError **error)
{
  g_autoptr(GArray) entries = g_array_new(TRUE, TRUE, sizeof(GOptionEntry));
  command_entries(cmd, &f->run.dry_run, entries);
  common_entries(&f->common, entries);
  g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
  g_option_context_set_help_enabled(ctx, FALSE);   /* cli_help prints it, GNU style */
  g_option_context_add_main_entries(ctx, (const GOptionEntry *) entries->data, NULL);
  g_autoptr(GError) local = NULL;
  if (g_option_context_parse(ctx, argc, argv, &local))
    return TRUE;
  cli_usage_error(error, "%s", local->message);
  return FALSE;
}

static gboolean
check_arg_count(const CliCommand *cmd, const CliRun *run, GError **error)
{
  if (run->argc > cmd->max_args) {
    cli_usage_error(error, "unexpected argument \"%s\"", run->argv[cmd->max_args]);
    return FALSE;
  }
  if (run->argc < cmd->min_args) {
    cli_usage_error(error, "missing argument: expected \"baitiao %s %s\"", cmd->name, cmd->args);
    return FALSE;
  }
  return TRUE;
}

static void
apply_verbosity(const CliCommon *common)
{
  quiet = common->quiet && !common->verbose;
  if (common->verbose)
    log_set_level(LOG_LEVEL_DEBUG);
  else if (common->quiet)
    log_set_level(LOG_LEVEL_WARNING);
}

gboolean
cli_run(const CliCommand *cmd, int argc, char **argv, GError **error)
{
  current = cmd;
  g_auto(CliFrame) f = { .run = { .command = cmd } };
  if (!parse_options(cmd, &f, &argc, &argv, error))
    return FALSE;
  if (f.common.help) {
    g_autofree char *help = cli_help(cmd);
    fputs(help, stdout);
    return TRUE;
  }
  apply_verbosity(&f.common);
  f.run.config_path = f.common.config_path;
  f.run.shard = f.common.shard;
  f.run.argc = argc - 1;
  f.run.argv = argv + 1;
  if (!check_arg_count(cmd, &f.run, error) || (cmd->validate && !cmd->validate(&f.run, error)))
    return FALSE;
  if (cmd->db != CLI_DB_NONE && !(cmd->flags & CLI_FLAG_CONNECT_IN_BODY) && !cli_connect(&f.run, error))
    return FALSE;
  return cmd->body(&f.run, error);
}

/* --shard, or the group's configuration given to a command that knows no group. */
static gboolean
apply_topology(CliRun *run, GError **error)
{
  if (run->shard) {
    /* the log says which shard a line is of: the group's night interleaves them */
    log_set_shard(run->shard);
    return config_select_shard(run->config, run->shard, error);
  }
  if (!config_sharded(run->config) || (run->command->flags & CLI_FLAG_GROUP))
    return TRUE;
  cli_usage_error(error, "%s runs on one database, and %s names shards: say which with --shard NAME",
                  run->command->name, run->config->path);
  return FALSE;
}

Config *
cli_config(CliRun *run, GError **error)
{
  if (run->config)
    return run->config;
  run->config = config_resolve(run->config_path, error);
  if (run->config && !apply_topology(run, error))
    g_clear_pointer(&run->config, config_free);
  return run->config;
}

static DbRole
role_of(CliDb db)
{
  return db == CLI_DB_OWNER ? DB_ROLE_OWNER : db == CLI_DB_REPORT ? DB_ROLE_REPORT : DB_ROLE_BATCH;
}

PGconn *
cli_connect_new(const CliRun *run, GError **error)
{
  g_return_val_if_fail(run->command->db != CLI_DB_NONE && run->config, NULL);
  PGconn *conn = db_connect(run->config, role_of(run->command->db), run->command->name, error);
  if (conn)
    db_cancel_on_signal(conn);
  return conn;
}

PGconn *
cli_connect(CliRun *run, GError **error)
{
  if (!run->conn && cli_config(run, error))
    run->conn = cli_connect_new(run, error);
  /* --shard NAME must reach that shard, not another one a swapped setting points at; a
   * configuration without [shards] must not reach a group's coordinator */
  if (run->conn && (run->shard ? !shard_check_selected(run->conn, run->shard, error)
                               : !config_sharded(run->config) && !shard_check_not_coordinator(run->conn, run->config,
                                                                                              error)))
    g_clear_pointer(&run->conn, PQfinish);
  return run->conn;
}

gboolean
cli_quiet(void)
{
  return quiet;
}

/* ---- did you mean ---------------------------------------------------------------- */

/* Edit distance (insert, delete, substitute) of two short names. */
static guint
distance(const char *a, const char *b)
{
  size_t n = strlen(b);
  g_autofree guint *row = g_new(guint, n + 1);
  for (size_t j = 0; j <= n; j++)
    row[j] = (guint) j;
  for (size_t i = 1; a[i - 1]; i++) {
    guint diag = row[0];
    row[0] = (guint) i;
    for (size_t j = 1; j <= n; j++) {
      guint up = row[j];
      guint sub = diag + (a[i - 1] != b[j - 1]);
      row[j] = MIN(MIN(row[j - 1] + 1, up + 1), sub);
      diag = up;
    }
  }
  return row[n];
}

const char *
cli_closest_name(const char *const *names, guint n, const char *name)
{
  const char *best = NULL;
  guint best_d = G_MAXUINT;
  for (guint i = 0; i < n; i++) {
    const char *k = names[i];
    guint d = strstr(k, name) && strlen(name) >= 3 ? 1 : distance(name, k);
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  return best_d <= MAX(2, strlen(name) / 3) ? best : NULL;
}
