/* Integration tests: run by t/integration.sh inside a throwaway PostgreSQL cluster. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"
#include "runner.h"

extern CU_TestInfo itest_aging_cases[];
extern CU_TestInfo itest_badinput_cases[];
extern CU_TestInfo itest_campaigns_cases[];
extern CU_TestInfo itest_chain_cases[];
extern CU_TestInfo itest_cli_cases[];
extern CU_TestInfo itest_coupons_cases[];
extern CU_TestInfo itest_crash_cases[];
extern CU_TestInfo itest_cutoff_cases[];
extern CU_TestInfo itest_eod_cases[];
extern CU_TestInfo itest_campaign_night_cases[];
extern CU_TestInfo itest_finepoints_cases[];
extern CU_TestInfo itest_campaign_report_cases[];
extern CU_TestInfo itest_footing_cases[];
extern CU_TestInfo itest_gen_cases[];
extern CU_TestInfo itest_group_cases[];
extern CU_TestInfo itest_group_report_cases[];
extern CU_TestInfo itest_hardening_cases[];
extern CU_TestInfo itest_import_cases[];
extern CU_TestInfo itest_intake_cases[];
extern CU_TestInfo itest_migrate_cases[];
extern CU_TestInfo itest_night_cases[];
extern CU_TestInfo itest_recon_cases[];
extern CU_TestInfo itest_repay_cases[];
extern CU_TestInfo itest_output_cases[];
extern CU_TestInfo itest_report_cases[];
extern CU_TestInfo itest_penalty_cases[];
extern CU_TestInfo itest_risk_cases[];
extern CU_TestInfo itest_roles_cases[];
extern CU_TestInfo itest_shard_import_cases[];
extern CU_TestInfo itest_tamper_cases[];
extern CU_TestInfo itest_schedule_cases[];
extern CU_TestInfo itest_shard_cases[];
extern CU_TestInfo itest_spool_cases[];

int
main(int argc, char **argv)
{
  gboolean listing = argc >= 2 && strcmp(argv[1], "--list") == 0;
  if (!listing && (!g_getenv("PGHOST") || !g_getenv("BAITIAO_BIN"))) {
    fprintf(stderr, "integration_tests: run me through t/integration.sh (make check): "
                    "PGHOST and BAITIAO_BIN must point at the test cluster and binary\n");
    return 1;
  }
  CU_SuiteInfo suites[] = {
    { "aging", NULL, NULL, NULL, NULL, itest_aging_cases },
    { "badinput", NULL, NULL, NULL, NULL, itest_badinput_cases },
    { "campaign_night", NULL, NULL, NULL, NULL, itest_campaign_night_cases },
    { "campaigns", NULL, NULL, NULL, NULL, itest_campaigns_cases },
    { "chain", NULL, NULL, NULL, NULL, itest_chain_cases },
    { "cli", NULL, NULL, NULL, NULL, itest_cli_cases },
    { "coupons", NULL, NULL, NULL, NULL, itest_coupons_cases },
#ifdef BAITIAO_FAULT_INJECTION  /* every crash test kills or stops the binary */
    { "crash", NULL, NULL, NULL, NULL, itest_crash_cases },
#endif
    { "campaign_report", NULL, NULL, NULL, NULL, itest_campaign_report_cases },
    { "cutoff", NULL, NULL, NULL, NULL, itest_cutoff_cases },
    { "eod", NULL, NULL, NULL, NULL, itest_eod_cases },
    { "finepoints", NULL, NULL, NULL, NULL, itest_finepoints_cases },
    { "footing", NULL, NULL, NULL, NULL, itest_footing_cases },
    { "gen", NULL, NULL, NULL, NULL, itest_gen_cases },
    { "group", NULL, NULL, NULL, NULL, itest_group_cases },
    { "group_report", NULL, NULL, NULL, NULL, itest_group_report_cases },
    { "hardening", NULL, NULL, NULL, NULL, itest_hardening_cases },
    { "import", NULL, NULL, NULL, NULL, itest_import_cases },
    { "intake", NULL, NULL, NULL, NULL, itest_intake_cases },
    { "migrate", NULL, NULL, NULL, NULL, itest_migrate_cases },
    { "output", NULL, NULL, NULL, NULL, itest_output_cases },
    { "repay", NULL, NULL, NULL, NULL, itest_repay_cases },
    { "report", NULL, NULL, NULL, NULL, itest_report_cases },
    { "night", NULL, NULL, NULL, NULL, itest_night_cases },
    { "penalty", NULL, NULL, NULL, NULL, itest_penalty_cases },
    { "recon", NULL, NULL, NULL, NULL, itest_recon_cases },
    { "risk", NULL, NULL, NULL, NULL, itest_risk_cases },
    { "roles", NULL, NULL, NULL, NULL, itest_roles_cases },
    { "shard_import", NULL, NULL, NULL, NULL, itest_shard_import_cases },
    { "tamper", NULL, NULL, NULL, NULL, itest_tamper_cases },
    { "schedule", NULL, NULL, NULL, NULL, itest_schedule_cases },
    { "shard", NULL, NULL, NULL, NULL, itest_shard_cases },
    { "spool", NULL, NULL, NULL, NULL, itest_spool_cases },
    CU_SUITE_INFO_NULL,
  };
  /* every suite drops the databases it made when it ends, its failures included; the
   * suites that start a sharded group (shard, coupons) also their extra clusters */
  for (CU_SuiteInfo *s = suites; s->pName; s++)
    s->pCleanupFunc = strcmp(s->pName, "shard") == 0 || strcmp(s->pName, "coupons") == 0
                        ? itest_drop_databases_and_clusters : itest_drop_databases;
  return test_run_suites("integration", suites, argc, argv);
}
