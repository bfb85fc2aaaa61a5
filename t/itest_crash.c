/* Integration tests: crash (issue 8). */
#include "itest.h"

CU_TestInfo itest_crash_cases[] = {
  CU_TEST_INFO_NULL,
};
