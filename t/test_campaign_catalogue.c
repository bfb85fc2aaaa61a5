/* The campaign catalogue (issue 18): every field read as written, and each refusal's
 * exact message, naming file:line:key (or both campaigns of a contradictory stacking). */
#include <CUnit/CUnit.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "campaign.h"
#include "date.h"
#include "unit_suites.h"

static char *
write_temp(const char *text)
{
  char *path = NULL;
  int fd = g_file_open_tmp("bt-campaigns-XXXXXX.conf", &path, NULL);
  CU_ASSERT_FATAL(fd >= 0);
  close(fd);
  CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
  return path;
}

/* Expects TEXT refused with CODE and exactly the message "PATH" MESSAGE. */
static void
refused_as(const char *text, CampaignError code, const char *message)
{
  g_autofree char *path = write_temp(text);
  g_autoptr(GError) error = NULL;
  g_autoptr(CampaignSet) set = campaign_set_load(path, &error);
  g_unlink(path);
  CU_ASSERT_PTR_NULL(set);
  CU_ASSERT_PTR_NOT_NULL_FATAL(error);
  CU_ASSERT_EQUAL(error->domain, CAMPAIGN_ERROR);
  CU_ASSERT_EQUAL(error->code, (gint) code);
  g_autofree char *expect = g_strconcat(path, message, NULL);
  if (strcmp(error->message, expect) != 0)
    fprintf(stderr, "\n  expected \"%s\"\n  got      \"%s\"\n", expect, error->message);
  CU_ASSERT_STRING_EQUAL(error->message, expect);
}

static void
refused(const char *text, const char *message)
{
  refused_as(text, CAMPAIGN_ERROR_KEY, message);
}

static char *
date_text(const GDate *d)
{
  char out[DATE_TEXT_SIZE];
  date_format(d, out);
  return g_strdup(out);
}

/* A group and the first lines of a campaign A: append the rest. Lines 1-2 the group,
 * 3 the header, 4-10 the required keys. */
#define HEAD "[group G]\nmode=exclusive\n[campaign A]\nname=a\nkind=WAIVE_ALL\nfunder=PLATFORM\n" \
             "order_from=2026-01-01\norder_to=2026-12-31\nbudget=100.00\ngroup=G\n"

static const char full_text[] =
  "# a catalogue with every key\n"
  "[policy]\n"
  "max_order_discount=50\n"
  "[group NEWUSER]\n"
  "mode=exclusive\n"
  "[group STACK]\n"
  "mode=STACKABLE\n"
  "[campaign NU3FREE]\n"
  "name=新客三期免息\n"
  "kind=FREE_PERIODS\n"
  "free_periods=3\n"
  "funder=MERCHANT\n"
  "products=FPP12, FPP6\n"
  "terms=6,12\n"
  "amount_min=100.00\n"
  "amount_max=20000.5\n"
  "order_from=2026-01-01\n"
  "order_to=2026-12-31\n"
  "new_users_only=true\n"
  "statement_days=5,10\n"
  "segments=VIP,STUDENT\n"
  "merchants=M001,M002\n"
  "categories=DIGITAL\n"
  "coupon=required\n"
  "coupon_return_days=7\n"
  "per_user_limit=1\n"
  "usage_limit=10000\n"
  "budget=500000.00\n"
  "budget_overflow=none\n"
  "group=NEWUSER\n"
  "priority=10\n"
  "[campaign RATE1]\n"
  "name=rate\n"
  "kind=RATE\n"
  "rate_ppm=2500\n"
  "funder=PLATFORM\n"
  "order_from=2026-03-01\n"
  "order_to=2026-03-31\n"
  "budget=0\n"
  "group=NEWUSER\n"
  "[campaign PCT]\n"
  "name=pct\n"
  "kind=PERCENT\n"
  "percent=30.5\n"
  "funder=PLATFORM\n"
  "order_from=2026-01-01\n"
  "order_to=2026-01-31\n"
  "budget=1.23\n"
  "group=STACK\n"
  "[campaign OFF]\n"
  "name=off\n"
  "kind=AMOUNT_OFF\n"
  "amount_off=10.00\n"
  "funder=MERCHANT\n"
  "order_from=2026-01-01\n"
  "order_to=2026-01-31\n"
  "budget=99\n"
  "group=STACK\n"
  "priority=-2\n";

static void
test_every_field_read(void)
{
  g_autofree char *path = write_temp(full_text);
  g_autoptr(GError) error = NULL;
  g_autoptr(CampaignSet) set = campaign_set_load(path, &error);
  if (!set)
    fprintf(stderr, "\n  %s\n", error->message);
  CU_ASSERT_PTR_NOT_NULL_FATAL(set);
  g_autofree char *text = NULL;
  CU_ASSERT_TRUE(g_file_get_contents(path, &text, NULL, NULL));
  g_autofree char *sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256, full_text, -1);
  g_unlink(path);
  CU_ASSERT_STRING_EQUAL(set->path, path);
  CU_ASSERT_STRING_EQUAL(set->text, full_text);
  CU_ASSERT_STRING_EQUAL(set->sha256, sha);
  CU_ASSERT_EQUAL(set->max_order_discount_fen, 5000);
  CU_ASSERT_EQUAL_FATAL(set->campaigns->len, 4);
  const Campaign *c = set->campaigns->pdata[0];
  CU_ASSERT_STRING_EQUAL(c->id, "NU3FREE");
  CU_ASSERT_EQUAL(c->version, 0);
  CU_ASSERT_STRING_EQUAL(c->name, "新客三期免息");
  CU_ASSERT_EQUAL(c->line, 8);
  CU_ASSERT_EQUAL(c->kind, CAMPAIGN_FREE_PERIODS);
  CU_ASSERT_EQUAL(c->free_periods, 3);
  CU_ASSERT_EQUAL(c->rate_ppm, 0);
  CU_ASSERT_EQUAL(c->percent_ppm, 0);
  CU_ASSERT_EQUAL(c->amount_off_fen, 0);
  CU_ASSERT_EQUAL(c->funder, CAMPAIGN_FUNDER_MERCHANT);
  g_autofree char *products = g_strjoinv("|", c->products);
  CU_ASSERT_STRING_EQUAL(products, "FPP12|FPP6");
  CU_ASSERT_EQUAL_FATAL(c->n_terms, 2);
  CU_ASSERT_EQUAL(c->terms[0], 6);
  CU_ASSERT_EQUAL(c->terms[1], 12);
  CU_ASSERT_EQUAL(c->amount_min_fen, 10000);
  CU_ASSERT_EQUAL(c->amount_max_fen, 2000050);
  g_autofree char *from = date_text(&c->order_from), *to = date_text(&c->order_to);
  CU_ASSERT_STRING_EQUAL(from, "2026-01-01");
  CU_ASSERT_STRING_EQUAL(to, "2026-12-31");
  CU_ASSERT_TRUE(c->new_users_only);
  CU_ASSERT_EQUAL(c->statement_days, (1u << 5) | (1u << 10));
  g_autofree char *segments = g_strjoinv("|", c->segments);
  g_autofree char *merchants = g_strjoinv("|", c->merchants);
  g_autofree char *categories = g_strjoinv("|", c->categories);
  CU_ASSERT_STRING_EQUAL(segments, "VIP|STUDENT");
  CU_ASSERT_STRING_EQUAL(merchants, "M001|M002");
  CU_ASSERT_STRING_EQUAL(categories, "DIGITAL");
  CU_ASSERT_TRUE(c->coupon_required);
  CU_ASSERT_EQUAL(c->coupon_return_days, 7);
  CU_ASSERT_EQUAL(c->per_user_limit, 1);
  CU_ASSERT_EQUAL(c->usage_limit, 10000);
  CU_ASSERT_EQUAL(c->budget_fen, 50000000);
  CU_ASSERT_FALSE(c->budget_partial);
  CU_ASSERT_STRING_EQUAL(c->stack_group, "NEWUSER");
  CU_ASSERT_EQUAL(c->stack_mode, CAMPAIGN_STACK_EXCLUSIVE);
  CU_ASSERT_EQUAL(c->priority, 10);

  const Campaign *r = set->campaigns->pdata[1];
  CU_ASSERT_STRING_EQUAL(r->id, "RATE1");
  CU_ASSERT_EQUAL(r->line, 32);
  CU_ASSERT_EQUAL(r->kind, CAMPAIGN_RATE);
  CU_ASSERT_EQUAL(r->rate_ppm, 2500);
  CU_ASSERT_EQUAL(r->free_periods, 0);
  CU_ASSERT_EQUAL(r->funder, CAMPAIGN_FUNDER_PLATFORM);
  CU_ASSERT_PTR_NULL(r->products);
  CU_ASSERT_PTR_NULL(r->terms);
  CU_ASSERT_EQUAL(r->n_terms, 0);
  CU_ASSERT_PTR_NULL(r->segments);
  CU_ASSERT_PTR_NULL(r->merchants);
  CU_ASSERT_PTR_NULL(r->categories);
  CU_ASSERT_EQUAL(r->statement_days, 0);
  CU_ASSERT_FALSE(r->new_users_only);
  CU_ASSERT_FALSE(r->coupon_required);
  CU_ASSERT_EQUAL(r->coupon_return_days, 0);
  CU_ASSERT_EQUAL(r->per_user_limit, 0);
  CU_ASSERT_EQUAL(r->usage_limit, 0);
  CU_ASSERT_EQUAL(r->amount_min_fen, 0);
  CU_ASSERT_EQUAL(r->amount_max_fen, 0);
  CU_ASSERT_EQUAL(r->budget_fen, 0);
  CU_ASSERT_TRUE(r->budget_partial);
  CU_ASSERT_EQUAL(r->priority, 0);

  const Campaign *p = set->campaigns->pdata[2];
  CU_ASSERT_EQUAL(p->kind, CAMPAIGN_PERCENT);
  CU_ASSERT_EQUAL(p->percent_ppm, 305000);
  CU_ASSERT_EQUAL(p->budget_fen, 123);
  CU_ASSERT_EQUAL(p->stack_mode, CAMPAIGN_STACK_STACKABLE);
  const Campaign *o = set->campaigns->pdata[3];
  CU_ASSERT_EQUAL(o->kind, CAMPAIGN_AMOUNT_OFF);
  CU_ASSERT_EQUAL(o->amount_off_fen, 1000);
  CU_ASSERT_EQUAL(o->budget_fen, 9900);
  CU_ASSERT_EQUAL(o->priority, -2);
}

static void
test_shipped_example_loads(void)
{
  const char *top = g_getenv("top_srcdir");
  g_autofree char *path = g_build_filename(top ? top : "..", "etc", "campaigns.conf.example", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CampaignSet) set = campaign_set_load(path, &error);
  if (!set)
    fprintf(stderr, "\n  %s\n", error->message);
  CU_ASSERT_PTR_NOT_NULL_FATAL(set);
  /* every kind, both funders, both modes */
  guint kinds = 0, funders = 0, modes = 0;
  for (guint i = 0; i < set->campaigns->len; i++) {
    const Campaign *c = set->campaigns->pdata[i];
    kinds |= 1u << c->kind;
    funders |= 1u << c->funder;
    modes |= 1u << c->stack_mode;
  }
  CU_ASSERT_EQUAL(kinds, 0x1f);
  CU_ASSERT_EQUAL(funders, 0x3);
  CU_ASSERT_EQUAL(modes, 0x3);
}

static void
test_names_both_ways(void)
{
  for (int k = CAMPAIGN_FREE_PERIODS; k <= CAMPAIGN_AMOUNT_OFF; k++) {
    CampaignKind back;
    CU_ASSERT_TRUE(campaign_kind_from_string(campaign_kind_to_string((CampaignKind) k), &back));
    CU_ASSERT_EQUAL((int) back, k);
  }
  CampaignFunder f;
  CU_ASSERT_TRUE(campaign_funder_from_string("MERCHANT", &f));
  CU_ASSERT_EQUAL(f, CAMPAIGN_FUNDER_MERCHANT);
  CU_ASSERT_STRING_EQUAL(campaign_funder_to_string(CAMPAIGN_FUNDER_PLATFORM), "PLATFORM");
  CampaignStackMode m;
  CU_ASSERT_TRUE(campaign_stack_mode_from_string("stackable", &m));
  CU_ASSERT_EQUAL(m, CAMPAIGN_STACK_STACKABLE);
  CU_ASSERT_STRING_EQUAL(campaign_stack_mode_to_string(CAMPAIGN_STACK_EXCLUSIVE), "EXCLUSIVE");
  CU_ASSERT_FALSE(campaign_kind_from_string("FREE", NULL));
  CU_ASSERT_FALSE(campaign_funder_from_string(NULL, &f));
}

static void
test_key_refusals(void)
{
  refused(HEAD "colour=red\n", ":11: unknown key \"colour\" in group [campaign A]");
  refused("[group G]\nmode=exclusive\n[campaign A]\nname=a\nkind=WAIVE_ALL\norder_from=2026-01-01\n"
          "order_to=2026-12-31\nbudget=1\ngroup=G\n",
          ":3: key \"funder\" in group [campaign A] is required (PLATFORM or MERCHANT)");
  refused("[group G]\nmode=exclusive\n[campaign A]\nname=a\nkind=WAIVE_ALL\nfunder=PLATFORM\n"
          "order_from=2026-01-01\norder_to=2026-12-31\ngroup=G\n",
          ":3: key \"budget\" in group [campaign A] is required (yuan)");
  refused(HEAD "amount_min=12.345\n",
          ":11: key \"amount_min\" in group [campaign A] must be an amount in yuan, up to two decimals, "
          "from 0.01 to 100000000.00, not \"12.345\"");
  refused(HEAD "amount_min=1e3\n",
          ":11: key \"amount_min\" in group [campaign A] must be an amount in yuan, up to two decimals, "
          "from 0.01 to 100000000.00, not \"1e3\"");
  refused(HEAD "amount_min=200\namount_max=100\n",
          ":12: key \"amount_max\" in group [campaign A] is below amount_min (200.00)");
  refused("[group G]\nmode=exclusive\n[campaign A]\nname=a\nkind=WAIVE_ALL\nfunder=PLATFORM\n"
          "order_from=2026-02-01\norder_to=2026-01-31\nbudget=1\ngroup=G\n",
          ":8: key \"order_to\" in group [campaign A] is before order_from (2026-02-01)");
  refused("[group G]\nmode=exclusive\n[campaign A]\nname=a\nkind=WAIVE_ALL\nfunder=PLATFORM\n"
          "order_from=2026-02-30\norder_to=2026-03-31\nbudget=1\ngroup=G\n",
          ":7: key \"order_from\" in group [campaign A] is refused: "
          "\"2026-02-30\" is not a date YYYY-MM-DD: February 2026 has 28 days");
  refused("[group G]\nmode=exclusive\n[campaign A]\nname=a\nkind=WAIVE_ALL\nfunder=PLATFORM\n"
          "order_from=2026-01-01\norder_to=2026-12-31\nbudget=1\ngroup=H\n",
          ":10: key \"group\" in group [campaign A] names \"H\", and the file has no [group H]");
  refused("[group G]\nmode=sometimes\n[campaign A]\nname=a\n",
          ":2: key \"mode\" in group [group G] must be exclusive or stackable, not \"sometimes\"");
  refused("[group G]\n[campaign A]\nname=a\n",
          ":1: key \"mode\" in group [group G] is required (exclusive or stackable)");
  refused(HEAD "segments=\n", ":11: key \"segments\" in group [campaign A] must be a ','-separated "
                              "list of segment names, not \"\"");
  refused(HEAD "terms=\n", ":11: key \"terms\" in group [campaign A] must be a ','-separated "
                           "list of whole numbers from 1 to 360, not \"\"");
  refused(HEAD "merchants=M 1\n", ":11: key \"merchants\" in group [campaign A] must be a ','-separated "
                                  "list of merchant ids, not \"M 1\"");
  refused(HEAD "free_periods=3\n", ":11: key \"free_periods\" in group [campaign A] is for kind FREE_PERIODS, "
                                   "and this campaign is kind WAIVE_ALL");
  refused("[group G]\nmode=exclusive\n[campaign A]\nname=a\nkind=RATE\nfunder=PLATFORM\n"
          "order_from=2026-01-01\norder_to=2026-12-31\nbudget=1\ngroup=G\n",
          ":3: key \"rate_ppm\" in group [campaign A] is required for kind RATE");
  refused("[group G]\nmode=exclusive\n[campaign A]\nname=a\nkind=PERCENT\npercent=100.01\nfunder=PLATFORM\n"
          "order_from=2026-01-01\norder_to=2026-12-31\nbudget=1\ngroup=G\n",
          ":6: key \"percent\" in group [campaign A] must be a percentage from 0.01 to 100.00, "
          "up to two decimals, not \"100.01\"");
  refused("[group G]\nmode=exclusive\n[campaign A]\nname=a\nkind=HALF\n",
          ":5: key \"kind\" in group [campaign A] must be FREE_PERIODS, RATE, PERCENT, WAIVE_ALL or AMOUNT_OFF, "
          "not \"HALF\"");
  refused(HEAD "statement_days=5,29\n", ":11: key \"statement_days\" in group [campaign A] must be a ','-separated "
                                        "list of whole numbers from 1 to 28, not \"5,29\"");
  refused(HEAD "products=FPP12,,FPP6\n", ":11: key \"products\" in group [campaign A] must be a ','-separated "
                                         "list of product codes, not \"FPP12,,FPP6\"");
  refused(HEAD "new_users_only=yes\n",
          ":11: key \"new_users_only\" in group [campaign A] must be true or false, not \"yes\"");
  refused(HEAD "coupon=maybe\n", ":11: key \"coupon\" in group [campaign A] must be required or none, not \"maybe\"");
  refused(HEAD "usage_limit=0\n",
          ":11: key \"usage_limit\" in group [campaign A] must be a whole number from 1 to 2147483647, not \"0\"");
  refused("[group G]\nmode=exclusive\n[campaign bad id!]\nname=a\n",
          ":3: campaign id \"bad id!\" must be 1 to 32 letters, digits, '_', '.' or '-'");
  refused("[group G]\nmode=exclusive\n[campaigns A]\nname=a\n",
          ":3: unknown group [campaigns A]; the catalogue has [policy], [group NAME] and [campaign ID]");
  refused("[policy]\nmax_discount=5\n" HEAD, ":2: unknown key \"max_discount\" in group [policy]");
  refused("[group G]\nmode=exclusive\n", ": no [campaign ID] group");
}

static void
test_duplicate_group_refused(void)
{
  refused(HEAD "[campaign A]\nbudget=200\n",
          ":11: group [campaign A] is written again (first at line 3): write it once");
  /* GKeyFile would take the last of two budgets */
  refused(HEAD "budget=200.00\n",
          ":11: key \"budget\" in group [campaign A] is written again (first at line 9): write it once");
}

static void
test_unreadable_and_malformed(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CampaignSet) set = campaign_set_load("/nonexistent/campaigns.conf", &error);
  CU_ASSERT_PTR_NULL(set);
  CU_ASSERT_PTR_NOT_NULL_FATAL(error);
  CU_ASSERT_EQUAL(error->code, CAMPAIGN_ERROR_FILE);
  refused_as("[group G]\nmode exclusive\n", CAMPAIGN_ERROR_FILE, ":2: malformed file: Key file contains line "
                                                                 "“mode exclusive” which is not a key-value pair, "
                                                                 "group, or comment");
}

#define CAMPAIGN(id, kind_lines, from, to, group) \
  "[campaign " id "]\nname=" id "\n" kind_lines "funder=PLATFORM\norder_from=" from "\norder_to=" to \
  "\nbudget=1\ngroup=" group "\n"

static void
test_contradictory_stacking(void)
{
  /* two RATE campaigns overlapping, in different groups: lines 5 and 14 */
  refused_as("[group G]\nmode=exclusive\n[group H]\nmode=exclusive\n"
             CAMPAIGN("R1", "kind=RATE\nrate_ppm=1000\n", "2026-01-01", "2026-01-31", "G")
             CAMPAIGN("R2", "kind=RATE\nrate_ppm=2000\n", "2026-01-31", "2026-02-28", "H"),
             CAMPAIGN_ERROR_STACKING,
             ":14: campaigns R1 (line 5) and R2 (line 14) are both RATE with overlapping order windows and not "
             "in one exclusive group: two rates cannot both apply to one order");
  /* the same, in one stackable group */
  refused_as("[group S]\nmode=stackable\n"
             CAMPAIGN("R1", "kind=RATE\nrate_ppm=1000\n", "2026-01-01", "2026-01-31", "S")
             CAMPAIGN("R2", "kind=RATE\nrate_ppm=2000\n", "2026-01-15", "2026-01-20", "S"),
             CAMPAIGN_ERROR_STACKING,
             ":12: campaigns R1 (line 3) and R2 (line 12) are both RATE with overlapping order windows and not "
             "in one exclusive group: two rates cannot both apply to one order");
  /* WAIVE_ALL with another campaign in a stackable group, windows overlapping */
  refused_as("[group S]\nmode=stackable\n"
             CAMPAIGN("P1", "kind=PERCENT\npercent=10\n", "2026-01-01", "2026-01-31", "S")
             CAMPAIGN("W", "kind=WAIVE_ALL\n", "2026-01-31", "2026-03-31", "S"),
             CAMPAIGN_ERROR_STACKING,
             ":12: campaigns P1 (line 3) and W (line 12) overlap in the stackable group, and one of them is "
             "WAIVE_ALL: nothing can stack on every fee waived");
  /* allowed: the rates in one exclusive group, or not overlapping; WAIVE_ALL stackable apart in time */
  const char *fine[] = {
    "[group G]\nmode=exclusive\n"
    CAMPAIGN("R1", "kind=RATE\nrate_ppm=1000\n", "2026-01-01", "2026-01-31", "G")
    CAMPAIGN("R2", "kind=RATE\nrate_ppm=2000\n", "2026-01-15", "2026-02-28", "G"),
    "[group G]\nmode=exclusive\n[group H]\nmode=stackable\n"
    CAMPAIGN("R1", "kind=RATE\nrate_ppm=1000\n", "2026-01-01", "2026-01-31", "G")
    CAMPAIGN("R2", "kind=RATE\nrate_ppm=2000\n", "2026-02-01", "2026-02-28", "H"),
    "[group S]\nmode=stackable\n"
    CAMPAIGN("P1", "kind=PERCENT\npercent=10\n", "2026-01-01", "2026-01-31", "S")
    CAMPAIGN("W", "kind=WAIVE_ALL\n", "2026-02-01", "2026-03-31", "S"),
    "[group S]\nmode=stackable\n[group X]\nmode=exclusive\n"
    CAMPAIGN("P1", "kind=PERCENT\npercent=10\n", "2026-01-01", "2026-01-31", "S")
    CAMPAIGN("W", "kind=WAIVE_ALL\n", "2026-01-01", "2026-03-31", "X"),
  };
  for (gsize i = 0; i < G_N_ELEMENTS(fine); i++) {
    g_autofree char *path = write_temp(fine[i]);
    g_autoptr(GError) error = NULL;
    g_autoptr(CampaignSet) set = campaign_set_load(path, &error);
    g_unlink(path);
    if (!set)
      fprintf(stderr, "\n  fine[%zu]: %s\n", i, error->message);
    CU_ASSERT_PTR_NOT_NULL(set);
  }
}

static void
test_shares_sum_to_the_whole(void)
{
  const gint64 w[] = { 1, 2, 4 };
  /* 100.00 over 1:2:4 → floor(10000·2/7)=2857, floor(10000·4/7)=5714, the first the rest 1429 */
  CU_ASSERT_EQUAL(campaign_share(10000, w, 3, 1), 2857);
  CU_ASSERT_EQUAL(campaign_share(10000, w, 3, 2), 5714);
  CU_ASSERT_EQUAL(campaign_share(10000, w, 3, 0), 1429);
  CU_ASSERT_EQUAL(campaign_share(10000, NULL, 0, 0), 10000);
  for (gint64 whole = 0; whole < 500; whole += 7) {
    gint64 sum = 0;
    for (guint i = 0; i < 3; i++) {
      gint64 part = campaign_share(whole, w, 3, i);
      CU_ASSERT_TRUE(part >= 0);
      sum += part;
    }
    CU_ASSERT_EQUAL(sum, whole);
  }
  /* a usage limit some shard would get none of is refused */
  g_autofree char *path = write_temp(HEAD "usage_limit=2\n");
  g_autoptr(CampaignSet) set = campaign_set_load(path, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(set);
  g_autoptr(GError) error = NULL;
  CU_ASSERT_FALSE(campaign_set_check_shares(set, w, 3, &error));
  CU_ASSERT_PTR_NOT_NULL_FATAL(error);
  CU_ASSERT_EQUAL(error->code, CAMPAIGN_ERROR_STORE);
  g_autofree char *expect = g_strconcat(path, ":3: campaign A: usage_limit 2 cannot be shared over the group's "
                                        "shards (one shard's share would be no use at all); raise it", NULL);
  CU_ASSERT_STRING_EQUAL(error->message, expect);
  const gint64 even[] = { 1, 1 };
  CU_ASSERT_TRUE(campaign_set_check_shares(set, even, 2, NULL));
  g_unlink(path);
}

CU_TestInfo test_campaign_catalogue_cases[] = {
  { "every field read", test_every_field_read },
  { "shipped example loads", test_shipped_example_loads },
  { "kind, funder and mode names", test_names_both_ways },
  { "key refusals name file, line and key", test_key_refusals },
  { "duplicate group refused", test_duplicate_group_refused },
  { "unreadable and malformed files", test_unreadable_and_malformed },
  { "contradictory stacking names both campaigns", test_contradictory_stacking },
  { "budget shares sum to the whole", test_shares_sum_to_the_whole },
  CU_TEST_INFO_NULL,
};
