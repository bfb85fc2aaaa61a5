/* Integration tests: hardening (issue 8). */
#include "itest.h"

CU_TestInfo itest_hardening_cases[] = {
  CU_TEST_INFO_NULL,
};
