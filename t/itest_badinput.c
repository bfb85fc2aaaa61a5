/* Integration tests: badinput (issue 8). */
#include "itest.h"

CU_TestInfo itest_badinput_cases[] = {
  CU_TEST_INFO_NULL,
};
