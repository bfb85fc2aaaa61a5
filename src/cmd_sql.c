/* baitiao sql list | show NAME — the statements compiled into the binary, as a DBA
 * reads, runs and EXPLAINs them in psql (docs/operations.md, "A step's SQL in psql").
 * No database: the text is the binary's own. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "stmt.h"

static void
list_statements(void)
{
  g_auto(GStrv) names = stmt_list();
  int width = 0;
  for (guint i = 0; names[i]; i++)
    width = MAX(width, (int) strlen(names[i]));
  for (guint i = 0; names[i]; i++) {
    g_autoptr(GError) local = NULL;
    const Stmt *stmt = stmt_get(names[i], &local);
    printf("%-*s  %s\n", width, names[i], stmt ? stmt->summary : local->message);
  }
}

/* The prepared statement's name: the path with '_' for '/', an SQL identifier. */
static char *
prepared_name(const char *name)
{
  return g_strdelimit(g_strdup(name), "/-.", '_');
}

/* The statement after its header comment, without trailing blanks or ';'. */
static char *
statement_body(const char *sql)
{
  const char *p = sql;
  while (g_str_has_prefix(p, "--")) {
    const char *nl = strchr(p, '\n');
    p = nl ? nl + 1 : p + strlen(p);
  }
  char *body = g_strdup(p);
  g_strchomp(body);
  for (size_t n = strlen(body); n > 0 && body[n - 1] == ';'; n--)
    body[n - 1] = '\0';
  return g_strchomp(body);
}

/* The header, a PREPARE of the body and an EXECUTE taking psql variables p1..pN, so
 * that "psql -v p1=2026-03-05 -f FILE" runs it. */
static void
show_statement(const Stmt *stmt)
{
  g_autofree char *pname = prepared_name(stmt->name);
  g_autofree char *body = statement_body(stmt->sql);
  g_autoptr(GString) vars = g_string_new(NULL);
  for (guint i = 0; i < stmt->nparams; i++)
    g_string_append_printf(vars, " -v p%u=…", i + 1);
  printf("-- %s\n", stmt->file);
  for (const char *p = stmt->sql; g_str_has_prefix(p, "--");) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t) (nl - p) : strlen(p);
    printf("%.*s\n", (int) len, p);
    p += len + (nl != NULL);
  }
  printf("-- run: baitiao sql show %s > stmt.sql && psql%s -f stmt.sql\n", stmt->name, vars->str);
  printf("-- plan: replace EXECUTE by EXPLAIN (ANALYZE, BUFFERS) EXECUTE (inside BEGIN … ROLLBACK when it writes)\n");
  printf("SET search_path = %s;\n", DB_SCHEMA);
  if (stmt->nparams == 0) {
    printf("PREPARE %s AS\n%s;\nEXECUTE %s;\n", pname, body, pname);
    return;
  }
  g_autofree char *types = g_strjoinv(", ", stmt->types);
  printf("PREPARE %s (%s) AS\n%s;\nEXECUTE %s (\n", pname, types, body, pname);
  for (guint i = 0; i < stmt->nparams; i++)
    printf("  :'p%u'%s  -- $%u %s: %s\n", i + 1, i + 1 < stmt->nparams ? "," : " ", i + 1, stmt->types[i],
           stmt->meanings[i]);
  printf(");\n");
}

static gboolean
validate(CliRun *run, GError **error)
{
  const char *action = run->argv[0];
  if (g_str_equal(action, "list") && run->argc == 1)
    return TRUE;
  if (g_str_equal(action, "show") && run->argc == 2)
    return TRUE;
  if (g_str_equal(action, "list") || g_str_equal(action, "show"))
    cli_usage_error(error, "expected \"sql list\" or \"sql show NAME\"");
  else
    cli_usage_error(error, "unknown action \"%s\": list or show NAME", action);
  return FALSE;
}

static gboolean
body(CliRun *run, GError **error)
{
  if (g_str_equal(run->argv[0], "list")) {
    list_statements();
    return TRUE;
  }
  const char *name = run->argv[1];
  g_auto(GStrv) names = stmt_list();
  if (!g_strv_contains((const char *const *) names, name)) {
    const char *guess = cli_closest_name((const char *const *) names, g_strv_length(names), name);
    g_autofree char *hint = guess ? g_strdup_printf(" (did you mean \"%s\"?)", guess) : g_strdup("");
    cli_usage_error(error, "no statement \"%s\"%s: \"baitiao sql list\" names them", name, hint);
    return FALSE;
  }
  const Stmt *stmt = stmt_get(name, error);
  if (!stmt)
    return FALSE;
  show_statement(stmt);
  return TRUE;
}

const CliCommand cmd_sql = {
  .name = "sql",
  .summary = "list the SQL statements compiled in, or show one as psql runs it",
  .description =
    "List the statements of the steps and queries (sql/steps/…, sql/queries/…) with what each\n"
    "does, or show one as a PREPARE and an EXECUTE template a DBA runs or EXPLAINs in psql:\n"
    "  baitiao sql show NAME > stmt.sql && psql -v p1=VALUE … -f stmt.sql\n"
    "No database is needed: the text is the one compiled into this binary.",
  .args = "list | show NAME",
  .min_args = 1,
  .max_args = 2,
  .db = CLI_DB_NONE,
  .validate = validate,
  .body = body,
};
