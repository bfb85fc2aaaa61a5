/* The campaign catalogue and user segments through the binary (issue 18): versions
 * that never rewrite history, a reload that does nothing, a budget that may not fall
 * below what was consumed, segments replaced per segment with unknown users rejected,
 * and a sharded group's budgets split by weight to the fen. */
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign.h"
#include "itest.h"

static int file_seq;

/* TEXT in a file of the test run's directory named NAME (unique per call). */
static char *
write_file(const char *name, const char *text)
{
  g_autofree char *base = g_strdup_printf("%d-%d-%s", (int) getpid(), ++file_seq, name);
  char *path = g_build_filename(itest_tmpdir(), base, NULL);
  CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
  return path;
}

/* A file of two campaigns; A's budget and B's percent vary. */
static char *
catalogue(const char *a_budget, const char *b_percent, const char *comment)
{
  g_autofree char *text = g_strdup_printf(
    "%s\n"
    "[policy]\nmax_order_discount=50.00\n"
    "[group NEW]\nmode=exclusive\n"
    "[group STACK]\nmode=stackable\n"
    "[campaign A]\nname=新客三期免息\nkind=FREE_PERIODS\nfree_periods=3\nfunder=MERCHANT\n"
    "products=FPP12,FPP6\nterms=6,12\namount_min=100\namount_max=20000.00\norder_from=2026-03-01\n"
    "order_to=2026-03-31\nnew_users_only=true\nstatement_days=5,12\nsegments=VIP\nmerchants=M001\n"
    "categories=DIGITAL\ncoupon=required\ncoupon_return_days=7\nper_user_limit=1\nusage_limit=10\n"
    "budget=%s\nbudget_overflow=none\ngroup=NEW\npriority=10\n"
    "[campaign B]\nname=七折\nkind=PERCENT\npercent=%s\nfunder=PLATFORM\norder_from=2026-03-10\n"
    "order_to=2026-04-30\nbudget=100.00\ngroup=STACK\n",
    comment, a_budget, b_percent);
  return write_file("campaigns.conf", text);
}

static ItestRun *
campaigns(const char *config, const char *action, const char *path)
{
  return itest_baitiao_config(config, (const char *[]) { "campaigns", action, path, NULL }, NULL);
}

static void
campaigns_ok(const char *config, const char *action, const char *path)
{
  g_autoptr(ItestRun) r = campaigns(config, action, path);
  if (r->status != 0)
    fprintf(stderr, "\n  campaigns %s %s: %d\n%s\n", action, path, r->status, r->err);
  CU_ASSERT_EQUAL_FATAL(r->status, 0);
}

#define VERSIONS \
  "SELECT string_agg(campaign_id || ':' || version || ':' || budget_fen, ' ' ORDER BY campaign_id, version)" \
  " FROM campaign_versions"
#define CURRENT \
  "SELECT string_agg(concat_ws(':', campaign_id, current_version, budget_fen, consumed_fen, uses), ' '" \
  " ORDER BY campaign_id) FROM campaigns"
#define LOADS "SELECT count(*) FROM load_files WHERE kind = 'campaigns'"
/* all of the three, and the policy's cap */
#define STATE \
  "SELECT concat_ws(' ', (" VERSIONS "), (" CURRENT "), (" LOADS "), (SELECT max_order_discount_fen FROM campaign_policy))"
/* every stored field of A's first version */
#define A_V1 \
  "SELECT concat_ws('|', name, kind, free_periods, rate_ppm, percent_ppm, amount_off_fen, funder, products," \
  " terms, amount_min_fen, amount_max_fen, order_from, order_to, new_users_only, statement_days, segments," \
  " merchants, categories, coupon_required, coupon_return_days, per_user_limit, usage_limit, budget_fen," \
  " budget_overflow, stack_group, stack_mode, priority, source_file_id IS NOT NULL, length(definition_sha256))" \
  " FROM campaign_versions WHERE campaign_id = 'A' AND version = 1"
#define LOANS_DIGEST \
  "SELECT md5(string_agg(l::text, '' ORDER BY loan_id)) FROM loans l"

static void
test_versions_keep_history(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = itest_example_db("camp_versions", (const char *const[]) { "users", "orders", NULL }, &config);
  itest_baitiao_ok(config, (const char *[]) { "eod", "--date", "2026-03-04", NULL });
  PGconn *owner = itest_connect(db, "baitiao_owner");
  g_autofree char *v1 = catalogue("500.00", "30.00", "# v1");
  campaigns_ok(config, "load", v1);
  g_autofree char *versions = itest_query(owner, VERSIONS);
  ITEST_ASSERT_STR_EQ(versions, "A:1:50000 B:1:10000");
  g_autofree char *current = itest_query(owner, CURRENT);
  ITEST_ASSERT_STR_EQ(current, "A:1:50000:0:0 B:1:10000:0:0");
  g_autofree char *a_v1 = itest_query(owner, A_V1);
  ITEST_ASSERT_STR_EQ(a_v1, "新客三期免息|FREE_PERIODS|3|MERCHANT|{FPP12,FPP6}|{6,12}|10000|2000000|2026-03-01|"
                            "2026-03-31|t|{5,12}|{VIP}|{M001}|{DIGITAL}|t|7|1|10|50000|NONE|NEW|EXCLUSIVE|10|t|64");
  g_autofree char *b_v1 = itest_query(owner, "SELECT concat_ws('|', kind, percent_ppm, funder, budget_overflow,"
                                             " stack_mode, priority, products IS NULL, per_user_limit IS NULL)"
                                             " FROM campaign_versions WHERE campaign_id = 'B'");
  ITEST_ASSERT_STR_EQ(b_v1, "PERCENT|300000|PLATFORM|PARTIAL|STACKABLE|0|t|t");
  g_autofree char *policy = itest_query(owner, "SELECT max_order_discount_fen FROM campaign_policy");
  ITEST_ASSERT_STR_EQ(policy, "5000");

  /* a loan matched by A's first version, as the night will record it */
  itest_exec(owner, "INSERT INTO loan_campaigns (loan_id, campaign_id, version, user_id, origination_date, funder,"
                    " discount_fen) SELECT loan_id, 'A', 1, user_id, '2026-03-04', 'MERCHANT', 1500 FROM loans"
                    " ORDER BY loan_id LIMIT 1");
  g_autofree char *loans_before = itest_query(owner, LOANS_DIGEST);
  g_autofree char *n_loans = itest_query(owner, "SELECT count(*) FROM loans");
  CU_ASSERT_TRUE(atoi(n_loans) > 0);

  /* the same file again: nothing */
  g_autoptr(ItestRun) again = campaigns(config, "load", v1);
  CU_ASSERT_EQUAL(again->status, 0);
  g_autofree char *loads = itest_query(owner, LOADS);
  ITEST_ASSERT_STR_EQ(loads, "1");
  g_autofree char *versions_again = itest_query(owner, VERSIONS);
  ITEST_ASSERT_STR_EQ(versions_again, "A:1:50000 B:1:10000");

  /* A's budget changed, B only rewritten (30 for 30.00, another comment): A gets v2 */
  g_autofree char *v2 = catalogue("800.00", "30", "# v2");
  g_autoptr(ItestRun) second = campaigns(config, "load", v2);
  CU_ASSERT_EQUAL(second->status, 0);
  ITEST_ASSERT_CONTAINS(second->err, "2 campaigns, 1 added or changed");
  g_autofree char *versions_v2 = itest_query(owner, VERSIONS);
  ITEST_ASSERT_STR_EQ(versions_v2, "A:1:50000 A:2:80000 B:1:10000");
  g_autofree char *current_v2 = itest_query(owner, CURRENT);
  ITEST_ASSERT_STR_EQ(current_v2, "A:2:80000:0:0 B:1:10000:0:0");
  g_autofree char *a_v1_after = itest_query(owner, A_V1);
  ITEST_ASSERT_STR_EQ(a_v1_after, a_v1);
  g_autofree char *matched = itest_query(owner, "SELECT string_agg(campaign_id || ':' || version, ' ') FROM loan_campaigns");
  ITEST_ASSERT_STR_EQ(matched, "A:1");
  g_autofree char *loans_after = itest_query(owner, LOANS_DIGEST);
  ITEST_ASSERT_STR_EQ(loans_after, loans_before);

  /* v1's definition in a new file: A points at version 1 again, no third version */
  g_autofree char *back = catalogue("500.00", "30.0", "# back to v1");
  campaigns_ok(config, "load", back);
  g_autofree char *versions_back = itest_query(owner, VERSIONS);
  ITEST_ASSERT_STR_EQ(versions_back, "A:1:50000 A:2:80000 B:1:10000");
  g_autofree char *current_back = itest_query(owner, CURRENT);
  ITEST_ASSERT_STR_EQ(current_back, "A:1:50000:0:0 B:1:10000:0:0");
  g_autofree char *loads_back = itest_query(owner, LOADS);
  ITEST_ASSERT_STR_EQ(loads_back, "3");
  PQfinish(owner);
}

static void
test_budget_below_consumed_refused(void)
{
  g_autofree char *db = itest_create_db("camp_budget", TRUE);
  g_autofree char *config = itest_write_config(db, NULL);
  g_autofree char *v1 = catalogue("500.00", "30.00", "# v1");
  campaigns_ok(config, "load", v1);
  PGconn *owner = itest_connect(db, "baitiao_owner");
  itest_exec(owner, "UPDATE campaigns SET consumed_fen = 30000, uses = 4 WHERE campaign_id = 'A'");
  g_autofree char *state = itest_query(owner, STATE);
  /* A's budget to 299.99, below the 300.00 consumed, and B changed too: nothing stored */
  g_autofree char *low = catalogue("299.99", "40.00", "# too low");
  g_autoptr(ItestRun) r = campaigns(config, "load", low);
  CU_ASSERT_EQUAL(r->status, 2);
  ITEST_ASSERT_CONTAINS(r->err, "campaign A: budget 299.99 is below the 300.00 it has already consumed; nothing stored");
  g_autofree char *after = itest_query(owner, STATE);
  ITEST_ASSERT_STR_EQ(after, state);
  ITEST_ASSERT_STR_EQ(after, "A:1:50000 B:1:10000 A:1:50000:30000:4 B:1:10000:0:0 1 5000");
  /* exactly what was consumed is allowed, the counters kept */
  g_autofree char *exact = catalogue("300.00", "40.00", "# exact");
  campaigns_ok(config, "load", exact);
  g_autofree char *current = itest_query(owner, CURRENT);
  ITEST_ASSERT_STR_EQ(current, "A:2:30000:30000:4 B:2:10000:0:0");
  PQfinish(owner);
}

static void
test_bad_catalogue_refused(void)
{
  g_autofree char *db = itest_create_db("camp_bad", TRUE);
  g_autofree char *config = itest_write_config(db, NULL);
  g_autofree char *bad = write_file("campaigns.conf", "[group G]\nmode=exclusive\n[campaign A]\nname=a\nkind=RATE\n"
                                                      "rate_ppm=-1\n");
  g_autoptr(ItestRun) r = campaigns(config, "load", bad);
  CU_ASSERT_EQUAL(r->status, 2);
  g_autofree char *expect = g_strdup_printf("%s:6: key \"rate_ppm\" in group [campaign A] must be a whole number from 0 "
                                            "to 1000000, not \"-1\"", bad);
  ITEST_ASSERT_CONTAINS(r->err, expect);
  g_autofree char *loads = itest_db_value(db, "baitiao_owner", "SELECT count(*) FROM load_files");
  ITEST_ASSERT_STR_EQ(loads, "0");
  /* check prints the table and the policy */
  g_autofree char *good = catalogue("500.00", "30.00", "");
  g_autoptr(ItestRun) check = campaigns(config, "check", good);
  CU_ASSERT_EQUAL(check->status, 0);
  ITEST_ASSERT_CONTAINS(check->out, "A                FREE_PERIODS 3 free         MERCHANT 2026-03-01..2026-03-31"
                                    "         500.00 NEW/EXCLUSIVE                10\n");
  ITEST_ASSERT_CONTAINS(check->out, "B                PERCENT      30.00 % off    PLATFORM 2026-03-10..2026-04-30"
                                    "         100.00 STACK/STACKABLE               0\n");
  ITEST_ASSERT_CONTAINS(check->out, "2 campaigns; policy: max_order_discount 50.00\n");
}

static void
test_live_read(void)
{
  g_autofree char *db = itest_create_db("camp_live", TRUE);
  g_autofree char *config = itest_write_config(db, NULL);
  g_autofree char *v1 = catalogue("500.00", "30.00", "");
  PGconn *batch = itest_connect(db, "baitiao_batch");
  g_autoptr(GError) error = NULL;
  {
    g_autoptr(CampaignLive) none = campaign_live_read(batch, "2026-03-15", &error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(none);
    CU_ASSERT_EQUAL(none->campaigns->len, 0);
    CU_ASSERT_EQUAL(none->max_order_discount_fen, 0);
  }
  campaigns_ok(config, "load", v1);
  PGconn *owner = itest_connect(db, "baitiao_owner");
  itest_exec(owner, "UPDATE campaigns SET consumed_fen = 12345, uses = 3 WHERE campaign_id = 'A'");
  g_autoptr(CampaignLive) live = campaign_live_read(batch, "2026-03-15", &error);
  if (!live)
    fprintf(stderr, "\n  %s\n", error->message);
  CU_ASSERT_PTR_NOT_NULL_FATAL(live);
  CU_ASSERT_EQUAL_FATAL(live->campaigns->len, 2);
  CU_ASSERT_EQUAL(live->max_order_discount_fen, 5000);
  const Campaign *a = live->campaigns->pdata[0];
  const Campaign *b = live->campaigns->pdata[1];
  CU_ASSERT_STRING_EQUAL(a->id, "A");
  CU_ASSERT_STRING_EQUAL(b->id, "B");
  CU_ASSERT_EQUAL(a->version, 1);
  CU_ASSERT_STRING_EQUAL(a->name, "新客三期免息");
  CU_ASSERT_EQUAL(a->kind, CAMPAIGN_FREE_PERIODS);
  CU_ASSERT_EQUAL(a->free_periods, 3);
  CU_ASSERT_EQUAL(a->funder, CAMPAIGN_FUNDER_MERCHANT);
  g_autofree char *products = g_strjoinv("|", a->products);
  CU_ASSERT_STRING_EQUAL(products, "FPP12|FPP6");
  CU_ASSERT_EQUAL_FATAL(a->n_terms, 2);
  CU_ASSERT_EQUAL(a->terms[0] * 100 + a->terms[1], 612);
  CU_ASSERT_EQUAL(a->amount_min_fen, 10000);
  CU_ASSERT_EQUAL(a->amount_max_fen, 2000000);
  CU_ASSERT_TRUE(a->new_users_only);
  CU_ASSERT_EQUAL(a->statement_days, (1u << 5) | (1u << 12));
  CU_ASSERT_STRING_EQUAL(a->segments[0], "VIP");
  CU_ASSERT_STRING_EQUAL(a->merchants[0], "M001");
  CU_ASSERT_STRING_EQUAL(a->categories[0], "DIGITAL");
  CU_ASSERT_TRUE(a->coupon_required);
  CU_ASSERT_EQUAL(a->coupon_return_days, 7);
  CU_ASSERT_EQUAL(a->per_user_limit, 1);
  CU_ASSERT_EQUAL(a->usage_limit, 10);
  CU_ASSERT_EQUAL(a->budget_fen, 50000);
  CU_ASSERT_FALSE(a->budget_partial);
  CU_ASSERT_STRING_EQUAL(a->stack_group, "NEW");
  CU_ASSERT_EQUAL(a->stack_mode, CAMPAIGN_STACK_EXCLUSIVE);
  CU_ASSERT_EQUAL(a->priority, 10);
  CU_ASSERT_EQUAL(g_array_index(live->budget_left_fen, gint64, 0), 50000 - 12345);
  CU_ASSERT_EQUAL(g_array_index(live->uses_left, gint64, 0), 7);
  CU_ASSERT_EQUAL(b->kind, CAMPAIGN_PERCENT);
  CU_ASSERT_EQUAL(b->percent_ppm, 300000);
  CU_ASSERT_PTR_NULL(b->products);
  CU_ASSERT_PTR_NULL(b->terms);
  CU_ASSERT_TRUE(b->budget_partial);
  CU_ASSERT_EQUAL(g_array_index(live->budget_left_fen, gint64, 1), 10000);
  CU_ASSERT_EQUAL(g_array_index(live->uses_left, gint64, 1), -1);
  /* the windows: only B on 04-01, only A on 03-05, none on 05-01 */
  const char *dates[] = { "2026-04-01", "2026-03-05", "2026-05-01" };
  const char *expect[] = { "B", "A", "" };
  for (gsize i = 0; i < G_N_ELEMENTS(dates); i++) {
    g_autoptr(CampaignLive) l = campaign_live_read(batch, dates[i], NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    g_autoptr(GString) ids = g_string_new(NULL);
    for (guint j = 0; j < l->campaigns->len; j++)
      g_string_append(ids, ((const Campaign *) l->campaigns->pdata[j])->id);
    ITEST_ASSERT_STR_EQ(ids->str, expect[i]);
  }
  PQfinish(owner);
  PQfinish(batch);
}

/* The shipped example through the database and back: the kinds the other tests do not
 * store (RATE, AMOUNT_OFF, WAIVE_ALL) keep their values. */
static void
test_example_round_trips(void)
{
  g_autofree char *db = itest_create_db("camp_example", TRUE);
  g_autofree char *config = itest_write_config(db, NULL);
  g_autofree char *example = itest_top_file("etc", "campaigns.conf.example");
  campaigns_ok(config, "load", example);
  PGconn *batch = itest_connect(db, "baitiao_batch");
  g_autoptr(GError) error = NULL;
  g_autoptr(CampaignLive) live = campaign_live_read(batch, "2026-06-15", &error);
  CU_ASSERT_PTR_NOT_NULL_FATAL(live);
  g_autoptr(GString) ids = g_string_new(NULL);
  for (guint i = 0; i < live->campaigns->len; i++)
    g_string_append_printf(ids, "%s%s", i ? " " : "", ((const Campaign *) live->campaigns->pdata[i])->id);
  ITEST_ASSERT_STR_EQ(ids->str, "NU3FREE NUWAIVE OFF10 PCT30 RATE618");
  CU_ASSERT_EQUAL(live->max_order_discount_fen, 5000);
  CU_ASSERT_EQUAL_FATAL(live->campaigns->len, 5);
  const Campaign *waive = live->campaigns->pdata[1];
  const Campaign *off = live->campaigns->pdata[2];
  const Campaign *rate = live->campaigns->pdata[4];
  CU_ASSERT_EQUAL(waive->kind, CAMPAIGN_WAIVE_ALL);
  CU_ASSERT_EQUAL(waive->per_user_limit, 1);
  CU_ASSERT_EQUAL(waive->usage_limit, 10000);
  CU_ASSERT_FALSE(waive->budget_partial);
  CU_ASSERT_EQUAL(g_array_index(live->uses_left, gint64, 1), 10000);
  CU_ASSERT_EQUAL(off->kind, CAMPAIGN_AMOUNT_OFF);
  CU_ASSERT_EQUAL(off->amount_off_fen, 1000);
  CU_ASSERT_EQUAL(off->amount_min_fen, 50000);
  CU_ASSERT_EQUAL(off->funder, CAMPAIGN_FUNDER_PLATFORM);
  CU_ASSERT_EQUAL(off->stack_mode, CAMPAIGN_STACK_STACKABLE);
  CU_ASSERT_EQUAL(g_array_index(live->budget_left_fen, gint64, 2), 50000000);
  CU_ASSERT_EQUAL(rate->kind, CAMPAIGN_RATE);
  CU_ASSERT_EQUAL(rate->rate_ppm, 2500);
  CU_ASSERT_EQUAL(rate->statement_days, (1u << 5) | (1u << 10) | (1u << 15) | (1u << 20) | (1u << 25));
  g_autofree char *products = g_strjoinv("|", rate->products);
  CU_ASSERT_STRING_EQUAL(products, "FPP12|FPP24");
  CU_ASSERT_EQUAL(rate->version, 1);
  PQfinish(batch);
}

#define MEMBERS \
  "SELECT coalesce(string_agg(segment || ':' || user_id, ' ' ORDER BY segment, user_id), '') FROM user_segments"
#define SEG_REJECTS \
  "SELECT coalesce(string_agg(concat_ws(':', line_no, reason_code, field, user_id, detail), ' ' ORDER BY line_no), '')" \
  " FROM rejects WHERE source_kind = 'segments'"
#define SEG_LOADS \
  "SELECT string_agg(concat_ws(':', rows_read, rows_accepted, rows_rejected), ' ' ORDER BY file_id) FROM load_files" \
  " WHERE kind = 'segments'"

static void
test_segments_replaced(void)
{
  g_autofree char *config = NULL;
  g_autofree char *db = itest_example_db("camp_segments", (const char *const[]) { "users", NULL }, &config);
  PGconn *owner = itest_connect(db, "baitiao_owner");
  g_autofree char *first = write_file("segments.csv", "user_id,segment\nU1001,VIP\nU1002,VIP\nU9999,VIP\nU1001,STUDENT\n");
  campaigns_ok(config, "segments", first);
  g_autofree char *members = itest_query(owner, MEMBERS);
  ITEST_ASSERT_STR_EQ(members, "STUDENT:U1001 VIP:U1001 VIP:U1002");
  g_autofree char *rejects = itest_query(owner, SEG_REJECTS);
  ITEST_ASSERT_STR_EQ(rejects, "4:UNKNOWN_USER:user_id:U9999:segment VIP");
  g_autofree char *loads = itest_query(owner, SEG_LOADS);
  ITEST_ASSERT_STR_EQ(loads, "4:3:1");
  /* the same file again: nothing */
  campaigns_ok(config, "segments", first);
  g_autofree char *loads_again = itest_query(owner, SEG_LOADS);
  ITEST_ASSERT_STR_EQ(loads_again, "4:3:1");
  /* VIP replaced; STUDENT, not named, kept */
  g_autofree char *second = write_file("segments.csv", "user_id,segment\nU1003,VIP\n");
  campaigns_ok(config, "segments", second);
  g_autofree char *replaced = itest_query(owner, MEMBERS);
  ITEST_ASSERT_STR_EQ(replaced, "STUDENT:U1001 VIP:U1003");
  /* a bad line refuses the file, naming file:line:field; nothing stored */
  g_autofree char *bad = write_file("segments.csv", "user_id,segment\nU1001,GOLD\nU1002,bad segment!\n");
  g_autoptr(ItestRun) r = campaigns(config, "segments", bad);
  CU_ASSERT_EQUAL(r->status, 2);
  g_autofree char *expect = g_strdup_printf("%s:3:segment: must be 1 to 32 letters, digits, '_', '.' or '-'", bad);
  ITEST_ASSERT_CONTAINS(r->err, expect);
  g_autofree char *empty_user = write_file("segments.csv", "user_id,segment\n,GOLD\n");
  g_autoptr(ItestRun) r2 = campaigns(config, "segments", empty_user);
  CU_ASSERT_EQUAL(r2->status, 2);
  g_autofree char *expect2 = g_strdup_printf("%s:2:user_id: must be 1 to 64 characters", empty_user);
  ITEST_ASSERT_CONTAINS(r2->err, expect2);
  g_autofree char *header = write_file("segments.csv", "user,segment\nU1001,GOLD\n");
  g_autoptr(ItestRun) r3 = campaigns(config, "segments", header);
  CU_ASSERT_EQUAL(r3->status, 2);
  ITEST_ASSERT_CONTAINS(r3->err, "user_id");
  g_autofree char *after = itest_query(owner, MEMBERS);
  ITEST_ASSERT_STR_EQ(after, "STUDENT:U1001 VIP:U1003");
  g_autofree char *loads_after = itest_query(owner, SEG_LOADS);
  ITEST_ASSERT_STR_EQ(loads_after, "4:3:1 1:1:0");
  PQfinish(owner);
}

/* ---- a sharded group in this cluster: a coordinator and two shards, weights 1 and 2 ---- */

static void
group_new(ItestDbGroup *g, const char *placement)
{
  g->coord = itest_create_db("camp_coord", TRUE);
  g->s1 = itest_create_db("camp_s1", TRUE);
  g->s2 = itest_create_db("camp_s2", TRUE);
  g_autofree char *shards = g_strdup_printf("[shards]\nnames=s1,s2\nplacement=%s\n[shard s1]\ndbname=%s\nweight=1\n"
                                            "[shard s2]\ndbname=%s\nweight=2\n", placement, g->s1, g->s2);
  g->config = itest_write_config(g->coord, shards);
}

#define BUDGETS \
  "SELECT string_agg(concat_ws(':', c.campaign_id, c.budget_fen, v.usage_limit), ' ' ORDER BY c.campaign_id)" \
  " FROM campaigns c JOIN campaign_versions v ON (v.campaign_id, v.version) = (c.campaign_id, c.current_version)"

/* G with PLACEMENT, the catalogue with A's budget 1000.01 loaded; the file's path. */
static char *
group_loaded(ItestDbGroup *g, const char *placement)
{
  group_new(g, placement);
  char *path = catalogue("1000.01", "30.00", "");
  campaigns_ok(g->config, "load", path);
  return path;
}

/* Each of G's databases holds the two versions of one campaigns load. */
static void
loaded_once_everywhere(const ItestDbGroup *g)
{
  const char *dbs[] = { g->coord, g->s1, g->s2 };
  for (gsize i = 0; i < G_N_ELEMENTS(dbs); i++) {
    g_autofree char *n = itest_db_value(dbs[i], "baitiao_owner",
                                        "SELECT count(*) || ':' || (" LOADS ") FROM campaign_versions");
    ITEST_ASSERT_STR_EQ(n, "2:1");
  }
}

static void
test_group_budgets_split_by_weight(void)
{
  g_auto(ItestDbGroup) g = { 0 };
  /* A 1000.01 yuan over 1:2: s2 floor(100001·2/3) = 66667, s1 the rest 33334; 10 uses: 6 and 4 */
  g_autofree char *path = group_loaded(&g, "weights");
  g_autofree char *coord = itest_db_value(g.coord, "baitiao_owner", BUDGETS);
  g_autofree char *s1 = itest_db_value(g.s1, "baitiao_owner", BUDGETS);
  g_autofree char *s2 = itest_db_value(g.s2, "baitiao_owner", BUDGETS);
  ITEST_ASSERT_STR_EQ(coord, "A:100001:10 B:10000");
  ITEST_ASSERT_STR_EQ(s1, "A:33334:4 B:3334");
  ITEST_ASSERT_STR_EQ(s2, "A:66667:6 B:6666");
  /* again: nothing anywhere */
  campaigns_ok(g.config, "load", path);
  loaded_once_everywhere(&g);
  /* a budget below what s2 consumed: refused on s2, nothing stored anywhere */
  itest_db_exec(g.s2, "baitiao_owner", "UPDATE campaigns SET consumed_fen = 60000 WHERE campaign_id = 'A'");
  g_autofree char *low = catalogue("800.00", "30.00", "# lower");
  g_autoptr(ItestRun) r = campaigns(g.config, "load", low);
  CU_ASSERT_EQUAL(r->status, 2);
  ITEST_ASSERT_CONTAINS(r->err, "shard s2: campaign A: budget 533.33 is below the 600.00 it has already consumed");
  loaded_once_everywhere(&g);
  /* a usage limit that a shard would get none of */
  g_autofree char *few = write_file("campaigns.conf", "[group G]\nmode=exclusive\n[campaign C]\nname=c\nkind=WAIVE_ALL\n"
                                                      "funder=PLATFORM\norder_from=2026-01-01\norder_to=2026-01-31\n"
                                                      "usage_limit=1\nbudget=10\ngroup=G\n");
  g_autoptr(ItestRun) r2 = campaigns(g.config, "load", few);
  CU_ASSERT_EQUAL(r2->status, 2);
  ITEST_ASSERT_CONTAINS(r2->err, ":3: campaign C: usage_limit 1 cannot be shared over the group's shards");
}

static void
test_group_hash_placement_splits_evenly(void)
{
  g_auto(ItestDbGroup) g = { 0 };
  g_free(group_loaded(&g, "hash"));
  g_autofree char *s1 = itest_db_value(g.s1, "baitiao_owner", BUDGETS);
  g_autofree char *s2 = itest_db_value(g.s2, "baitiao_owner", BUDGETS);
  ITEST_ASSERT_STR_EQ(s1, "A:50001:5 B:5000");
  ITEST_ASSERT_STR_EQ(s2, "A:50000:5 B:5000");
}

/* Segments on a group: each shard its users' rows (by the coordinator's directory);
 * a user no shard has is rejected at the coordinator. */
static void
test_group_segments_by_directory(void)
{
  g_auto(ItestDbGroup) g = { 0 };
  group_new(&g, "weights");
  itest_db_exec(g.s1, "baitiao_owner",
                "INSERT INTO users (user_id, credit_limit_fen, statement_day) VALUES ('u1', 500000, 5), ('u2', 500000, 5)");
  itest_db_exec(g.s2, "baitiao_owner",
                "INSERT INTO users (user_id, credit_limit_fen, statement_day) VALUES ('u3', 500000, 5)");
  itest_db_exec(g.coord, "baitiao_owner",
                "INSERT INTO shard_members (shard) VALUES ('s1'), ('s2');"
                "INSERT INTO group_loads (kind, file_name, sha256, state, done_at) VALUES ('users', 'users.csv', 'a1',"
                " 'done', now());"
                "INSERT INTO user_directory (user_id, shard, load_id) SELECT u, s, load_id FROM group_loads,"
                " (VALUES ('u1', 's1'), ('u2', 's1'), ('u3', 's2')) v (u, s)");
  itest_db_exec(g.s1, "baitiao_owner", "INSERT INTO user_segments (segment, user_id) VALUES ('VIP', 'u2')");
  g_autofree char *path = write_file("segments.csv", "user_id,segment\nu1,VIP\nu3,VIP\nu9,VIP\nu3,STUDENT\n");
  campaigns_ok(g.config, "segments", path);
  g_autofree char *s1 = itest_db_value(g.s1, "baitiao_owner", MEMBERS);
  g_autofree char *s2 = itest_db_value(g.s2, "baitiao_owner", MEMBERS);
  g_autofree char *coord = itest_db_value(g.coord, "baitiao_owner", MEMBERS);
  ITEST_ASSERT_STR_EQ(s1, "VIP:u1");
  ITEST_ASSERT_STR_EQ(s2, "STUDENT:u3 VIP:u3");
  ITEST_ASSERT_STR_EQ(coord, "");
  g_autofree char *rejects = itest_db_value(g.coord, "baitiao_owner", SEG_REJECTS);
  ITEST_ASSERT_STR_EQ(rejects, "4:UNKNOWN_USER:user_id:u9:segment VIP");
  g_autofree char *shard_rejects = itest_db_value(g.s1, "baitiao_owner", SEG_REJECTS);
  ITEST_ASSERT_STR_EQ(shard_rejects, "");
  g_autofree char *loads = itest_db_value(g.s2, "baitiao_owner", SEG_LOADS);
  ITEST_ASSERT_STR_EQ(loads, "2:2:0");
}

CU_TestInfo itest_campaigns_cases[] = {
  { "versions keep history, a reload does nothing", test_versions_keep_history },
  { "budget below consumed refused, nothing stored", test_budget_below_consumed_refused },
  { "bad catalogue refused; check prints the table", test_bad_catalogue_refused },
  { "live campaigns read back", test_live_read },
  { "the shipped example round-trips", test_example_round_trips },
  { "segments replaced, unknown users rejected, bad line named", test_segments_replaced },
  { "group: budgets split by weight to the fen", test_group_budgets_split_by_weight },
  { "group: hash placement splits evenly", test_group_hash_placement_splits_evenly },
  { "group: segments by the directory", test_group_segments_by_directory },
  CU_TEST_INFO_NULL,
};
