/* The unit-test cases each t/test_<module>.c exports. */
#ifndef BAITIAO_T_UNIT_SUITES_H
#define BAITIAO_T_UNIT_SUITES_H

#include <CUnit/CUnit.h>

extern CU_TestInfo test_campaign_catalogue_cases[];
extern CU_TestInfo test_config_cases[];
extern CU_TestInfo test_csv_cases[];
extern CU_TestInfo test_date_cases[];
extern CU_TestInfo test_migrate_cases[];
extern CU_TestInfo test_money_cases[];
extern CU_TestInfo test_output_cases[];
extern CU_TestInfo test_campaign_match_cases[];
extern CU_TestInfo test_product_cases[];
extern CU_TestInfo test_schedule_cases[];
extern CU_TestInfo test_schedule_property_cases[];
extern CU_TestInfo test_shard_cases[];
extern CU_TestInfo test_stmt_cases[];

#endif
