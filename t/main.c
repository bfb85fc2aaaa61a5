/* Unit tests: no database, no network; fast enough to run on every build. */
#include "runner.h"
#include "unit_suites.h"

int
main(int argc, char **argv)
{
  CU_SuiteInfo suites[] = {
    { "campaign_catalogue", NULL, NULL, NULL, NULL, test_campaign_catalogue_cases },
    { "config", NULL, NULL, NULL, NULL, test_config_cases },
    { "csv", NULL, NULL, NULL, NULL, test_csv_cases },
    { "date", NULL, NULL, NULL, NULL, test_date_cases },
    { "migrate", NULL, NULL, NULL, NULL, test_migrate_cases },
    { "money", NULL, NULL, NULL, NULL, test_money_cases },
    { "output", NULL, NULL, NULL, NULL, test_output_cases },
    { "campaign match", NULL, NULL, NULL, NULL, test_campaign_match_cases },
    { "product", NULL, NULL, NULL, NULL, test_product_cases },
    { "schedule", NULL, NULL, NULL, NULL, test_schedule_cases },
    { "schedule properties", NULL, NULL, NULL, NULL, test_schedule_property_cases },
    { "shard", NULL, NULL, NULL, NULL, test_shard_cases },
    { "stmt", NULL, NULL, NULL, NULL, test_stmt_cases },
    CU_SUITE_INFO_NULL,
  };
  return test_run_suites("unit", suites, argc, argv);
}
