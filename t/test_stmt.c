/* The compiled statements (src/stmt.h): every file's header declares the parameters
 * its body uses, and the loader's contracts hold. */
#include <CUnit/CUnit.h>
#include <glib.h>
#include <string.h>

#include "stmt.h"
#include "unit_suites.h"

/* Every statement compiled in: a summary line, $1..$n declared and used, no more. */
static void
test_every_statement_declares_its_parameters(void)
{
  g_auto(GStrv) names = stmt_list();
  CU_ASSERT_FATAL(names != NULL && names[0] != NULL);
  for (guint i = 0; names[i]; i++) {
    g_autoptr(GError) err = NULL;
    gboolean ok = stmt_check(names[i], &err);
    if (!ok)
      fprintf(stderr, "\n  %s\n", err->message);
    CU_ASSERT(ok);
    const Stmt *stmt = stmt_get(names[i], NULL);
    CU_ASSERT_FATAL(stmt != NULL);
    CU_ASSERT(g_str_has_prefix(stmt->name, "steps/") || g_str_has_prefix(stmt->name, "queries/"));
    CU_ASSERT(strlen(stmt->summary) > 10);
  }
}

static void
test_a_known_statement(void)
{
  g_autoptr(GError) err = NULL;
  const Stmt *stmt = stmt_get("steps/gl_close/10_daily_balances", &err);
  CU_ASSERT_FATAL(stmt != NULL);
  CU_ASSERT_STRING_EQUAL(stmt->file, "sql/steps/gl_close/10_daily_balances.sql");
  CU_ASSERT_EQUAL(stmt->nparams, 1);
  CU_ASSERT_STRING_EQUAL(stmt->types[0], "date");
  CU_ASSERT_STRING_EQUAL(stmt->meanings[0], "the business date D");
  CU_ASSERT_PTR_EQUAL(stmt_get("steps/gl_close/10_daily_balances", NULL), stmt); /* loaded once */
}

static void
test_unknown_statement_and_wrong_count(void)
{
  g_autoptr(GError) err = NULL;
  CU_ASSERT_PTR_NULL(stmt_get("steps/none/10_such", &err));
  CU_ASSERT_PTR_NOT_NULL_FATAL(err);
  CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "sql/steps/none/10_such.sql"));
  g_clear_error(&err);
  /* the count is checked before anything is sent: no connection needed */
  CU_ASSERT_FALSE(stmt_exec(NULL, "steps/gl_close/10_daily_balances", 2,
                            (const char *[]) { "2026-01-01", "x" }, &err));
  CU_ASSERT_PTR_NOT_NULL_FATAL(err);
  CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "declares 1 parameter(s), called with 2"));
}

static void
test_listing_is_sorted(void)
{
  g_auto(GStrv) names = stmt_list();
  for (guint i = 1; names[i]; i++)
    CU_ASSERT(strcmp(names[i - 1], names[i]) < 0);
}

CU_TestInfo test_stmt_cases[] = {
  { "every statement declares its parameters", test_every_statement_declares_its_parameters },
  { "a known statement", test_a_known_statement },
  { "unknown statement, wrong count", test_unknown_statement_and_wrong_count },
  { "listing is sorted", test_listing_is_sorted },
  CU_TEST_INFO_NULL,
};
