/* The one CUnit driver of both test programs: CUnit's own run summary, then a plain
 * "label: N passed, N failed" line. The exit status is non-zero on any failure.
 * "--list" prints the suites' names instead, "--list SUITE" the suite's tests. */
#include "runner.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

static int
run_selected(const char *name)
{
  CU_pSuite suite = CU_get_suite(name);
  if (suite)
    return CU_basic_run_suite(suite) == CUE_SUCCESS ? 0 : -1;
  for (suite = CU_get_registry()->pSuite; suite; suite = suite->pNext) {
    CU_pTest test = CU_get_test(suite, name);
    if (test)
      return CU_basic_run_test(suite, test) == CUE_SUCCESS ? 0 : -1;
  }
  fprintf(stderr, "no suite or test named \"%s\"\n", name);
  return -1;
}

/* The suites registered in this build, one per line, or SUITE's tests (t/integration.sh
 * runs them). */
static int
list_names(const char *suite_name)
{
  if (!suite_name) {
    for (CU_pSuite suite = CU_get_registry()->pSuite; suite; suite = suite->pNext)
      printf("%s\n", suite->pName);
    return 0;
  }
  CU_pSuite suite = CU_get_suite(suite_name);
  if (!suite) {
    fprintf(stderr, "no suite named \"%s\"\n", suite_name);
    return 1;
  }
  for (CU_pTest test = suite->pTest; test; test = test->pNext)
    printf("%s\n", test->pName);
  return 0;
}

int
test_run_suites(const char *label, CU_SuiteInfo *suites, int argc, char **argv)
{
  if (CU_initialize_registry() != CUE_SUCCESS || CU_register_suites(suites) != CUE_SUCCESS) {
    fprintf(stderr, "%s: cannot set up CUnit: %s\n", label, CU_get_error_msg());
    return 1;
  }
  if ((argc == 2 || argc == 3) && strcmp(argv[1], "--list") == 0) {
    int rc = list_names(argc == 3 ? argv[2] : NULL);
    CU_cleanup_registry();
    return rc;
  }
  CU_basic_set_mode(CU_BRM_VERBOSE);
  /* Suites or tests named on the command line, in that order; none named: all of them.
   * CUnit counts only its last run, so each run's counts are added up here. */
  int ok = 1;
  unsigned run = 0, failed = 0, suites_failed = 0;
  int n_runs = argc > 1 ? argc - 1 : 1;
  for (int i = 0; i < n_runs; i++) {
    if (argc > 1 ? run_selected(argv[i + 1]) != 0 : CU_basic_run_tests() != CUE_SUCCESS)
      ok = 0;
    run += CU_get_number_of_tests_run();
    failed += CU_get_number_of_tests_failed();
    suites_failed += CU_get_number_of_suites_failed();
  }
  printf("\n%s: %u passed, %u failed\n", label, run - failed, failed + suites_failed);
  CU_cleanup_registry();
  return ok && failed + suites_failed == 0 ? 0 : 1;
}
