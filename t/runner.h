/* Runs CUnit suites and prints the summary lines CI reads. */
#ifndef BAITIAO_T_RUNNER_H
#define BAITIAO_T_RUNNER_H

#include <CUnit/CUnit.h>

/* Registers and runs SUITES (CU_SUITE_INFO_NULL terminated); a suite or test named
 * on the command line runs alone; "--list" prints the suites' names, "--list SUITE"
 * its tests'. Returns the number of failures (capped for exit). */
int test_run_suites(const char *label, CU_SuiteInfo *suites, int argc, char **argv);

#endif
