/* The group's reads (issue 16 §2, §5) in one cluster: a coordinator database and two
 * shard databases of the test cluster, read through postgres_fdw loopback servers
 * (sql/bootstrap/coordinator.sql, sql/0067, src/group.c). Each shard's books are
 * written by hand with known figures, so the consolidated trial balance and every
 * group check are asserted to the fen. The multi-cluster group (separate servers,
 * the night, the loads) is the shard suite's. */
#include <stdio.h>
#include <string.h>

#include "group.h"
#include "itest.h"

#define GROUP_ID "00000000-0000-0000-0000-0000000000aa"

/* Shard s1, two users; the GL of 03-13 and 03-14: D's activity 700.00 each side, its
 * closings 1 500.00 each side, the ALIPAY clearing account only here. */
static const char s1_book[] =
  "SELECT ensure_channel_account('ALIPAY');"
  "INSERT INTO business_calendar (business_date, status, opened_at, closed_at) VALUES ('2026-03-13', 'CLOSED', now(), now());"
  "INSERT INTO business_calendar (business_date, status, opened_at, closed_at) VALUES ('2026-03-14', 'CLOSED', now(), now());"
  "INSERT INTO gl_daily_balances (business_date, account_code, opening_fen, debit_fen, credit_fen, closing_fen) VALUES"
  " ('2026-03-13', '1122', 0, 100000, 0, 100000), ('2026-03-13', '2202', 0, 0, 100000, -100000),"
  " ('2026-03-14', '1122', 100000, 50000, 20000, 130000), ('2026-03-14', '2202', -100000, 0, 50000, -150000),"
  " ('2026-03-14', '1002.ALIPAY', 0, 20000, 0, 20000);"
  "INSERT INTO users (user_id, credit_limit_fen, statement_day) VALUES ('u1', 500000, 5), ('u2', 500000, 5);"
  "INSERT INTO recon_runs (business_date, status, ended_at) VALUES ('2026-03-14', 'SUCCEEDED', now());"
  "INSERT INTO shard_identity (shard, group_id) VALUES ('s1', '" GROUP_ID "')";
/* Shard s2, one user; D's activity 70.00 each side, closings 370.00 each side. */
static const char s2_book[] =
  "INSERT INTO business_calendar (business_date, status, opened_at, closed_at) VALUES ('2026-03-13', 'CLOSED', now(), now());"
  "INSERT INTO business_calendar (business_date, status, opened_at, closed_at) VALUES ('2026-03-14', 'CLOSED', now(), now());"
  "INSERT INTO gl_daily_balances (business_date, account_code, opening_fen, debit_fen, credit_fen, closing_fen) VALUES"
  " ('2026-03-13', '1122', 0, 30000, 0, 30000), ('2026-03-13', '2202', 0, 0, 30000, -30000),"
  " ('2026-03-14', '1122', 30000, 7000, 0, 37000), ('2026-03-14', '2202', -30000, 0, 7000, -37000);"
  "INSERT INTO users (user_id, credit_limit_fen, statement_day) VALUES ('u3', 500000, 5);"
  "INSERT INTO recon_runs (business_date, status, ended_at) VALUES ('2026-03-14', 'SUCCEEDED', now());"
  "INSERT INTO shard_identity (shard, group_id) VALUES ('s2', '" GROUP_ID "')";
/* The coordinator: the group, its members, one users file that placed u1, u2 on s1 and
 * u3 on s2, both dates closed by the group. */
static const char coord_book[] =
  "INSERT INTO group_identity (group_id) VALUES ('" GROUP_ID "');"
  "INSERT INTO shard_members (shard) VALUES ('s1'), ('s2');"
  "INSERT INTO group_loads (kind, file_name, sha256, state, done_at) VALUES ('users', 'users.csv', 'a1', 'done', now());"
  "INSERT INTO user_directory (user_id, shard, load_id) SELECT u, s, load_id FROM group_loads,"
  " (VALUES ('u1', 's1'), ('u2', 's1'), ('u3', 's2')) v (u, s);"
  "INSERT INTO group_closed_dates (business_date, shards) VALUES ('2026-03-13', 2), ('2026-03-14', 2)";

static void
attach(const ItestDbGroup *g, const char *shard, const char *db)
{
  PGconn *c = itest_connect(g->coord, "baitiao_owner");
  g_autoptr(GError) error = NULL;
  gboolean ok = group_attach_shard(c, shard, g_getenv("PGHOST"), g_getenv("PGPORT"), db, &error);
  if (!ok)
    fprintf(stderr, "\n  attach %s: %s\n", shard, error->message);
  CU_ASSERT_TRUE_FATAL(ok);
  PQfinish(c);
}

/* Three databases of this cluster as a group of two shards, attached. EXTRA: more of
 * the configuration (a third shard). */
static void
group_new(ItestDbGroup *g, const char *extra)
{
  g->coord = itest_create_db("grp_coord", TRUE);
  g->s1 = itest_create_db("grp_s1", TRUE);
  g->s2 = itest_create_db("grp_s2", TRUE);
  itest_bootstrap_coordinator(g->coord);
  itest_db_exec(g->s1, "baitiao_owner", s1_book);
  itest_db_exec(g->s2, "baitiao_owner", s2_book);
  itest_db_exec(g->coord, "baitiao_owner", coord_book);
  attach(g, "s1", g->s1);
  attach(g, "s2", g->s2);
  g_autofree char *shards = g_strdup_printf("[shards]\nnames=s1,s2%s\n[shard s1]\ndbname=%s\n[shard s2]\ndbname=%s\n",
                                            extra ? ",s3" : "", g->s1, g->s2);
  g_autofree char *more = g_strconcat(shards, extra ? extra : "", NULL);
  g->config = itest_write_config(g->coord, more);
}

static ItestRun *
run_group(const ItestDbGroup *g, const char *const *args)
{
  return itest_baitiao_config(g->config, args, NULL);
}

static void
test_attach_makes_servers_mappings_and_views(void)
{
  g_auto(ItestDbGroup) g = { 0 };
  group_new(&g, NULL);
  attach(&g, "s1", g.s1);   /* again: idempotent */
  PGconn *owner = itest_connect(g.coord, "baitiao_owner");
  PGconn *su = itest_connect(g.coord, "postgres");   /* only a superuser sees every mapping's options */
  g_autofree char *servers = itest_query(owner,
    "SELECT string_agg(srvname || ' ' || array_to_string(srvoptions, ' '), '; ' ORDER BY srvname)"
    " FROM pg_foreign_server");
  g_autofree char *expect = g_strdup_printf(
    "shard_s1 host=%s port=%s dbname=%s async_capable=true fetch_size=50000 application_name=baitiao/group; "
    "shard_s2 host=%s port=%s dbname=%s async_capable=true fetch_size=50000 application_name=baitiao/group",
    g_getenv("PGHOST"), g_getenv("PGPORT"), g.s1, g_getenv("PGHOST"), g_getenv("PGPORT"), g.s2);
  ITEST_ASSERT_STR_EQ(servers, expect);
  /* every role's own mapping, as the same remote role, password-less only by the DBA's function */
  g_autofree char *maps = itest_query(su,
    "SELECT string_agg(srvname || ':' || usename || ':' || array_to_string(umoptions, ','), ' ' ORDER BY srvname, usename)"
    " FROM pg_user_mappings");
  PQfinish(su);
  ITEST_ASSERT_STR_EQ(maps,
    "shard_s1:baitiao_batch:user=baitiao_batch,password_required=false "
    "shard_s1:baitiao_owner:user=baitiao_owner,password_required=false "
    "shard_s1:baitiao_report:user=baitiao_report,password_required=false "
    "shard_s2:baitiao_batch:user=baitiao_batch,password_required=false "
    "shard_s2:baitiao_owner:user=baitiao_owner,password_required=false "
    "shard_s2:baitiao_report:user=baitiao_report,password_required=false");
  /* the owner may not turn a password-less mapping into another one (postgres_fdw) */
  char state[6] = "";
  g_autofree char *sneak = itest_sql(owner,
    "ALTER USER MAPPING FOR baitiao_report SERVER shard_s1 OPTIONS (SET user 'postgres')", state);
  CU_ASSERT_PTR_NULL(sneak);
  ITEST_ASSERT_STR_EQ(state, "42501");
  /* a shard not a member yet is refused, nothing made */
  g_autofree char *stray = itest_sql(owner, "SELECT group_attach_shard('s9', '/tmp', '5432', 'x')", state);
  CU_ASSERT_PTR_NULL(stray);
  ITEST_ASSERT_STR_EQ(state, "23503");
  g_autofree char *views = itest_query(owner,
    "SELECT count(*) || ' ' || string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_class c"
    " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'grp' AND c.relkind = 'v'");
  /* sql/0067's tables and those the group's reports read (sql/0068, sql/0071's campaigns) */
  ITEST_ASSERT_STR_EQ(views, "38 allocations,business_calendar,campaign_days,campaign_policy,campaign_versions,"
                             "campaigns,coupon_uses,coupons,eod_missing_overrides,fee_subsidies,gl_accounts,"
                             "gl_daily_balances,group_users_digest,inbox_orders,inbox_refunds,inbox_repayments,"
                             "installments,job_runs,journal_chain_heads,journal_entries,journal_lines,load_files,"
                             "loan_campaigns,loan_snapshots,loans,penalty_accruals,recon_breaks,recon_runs,"
                             "refund_applications,risk_aging,risk_roll,risk_vintage,settlement_lines,shard_identity,"
                             "statements,user_segments,users,writeoffs");
  PQfinish(owner);
  /* the report and batch roles read the shards through their own mappings */
  g_autofree char *users = itest_db_value(g.coord, "baitiao_report",
    "SELECT string_agg(shard || ':' || user_id, ' ' ORDER BY user_id) FROM grp.users");
  ITEST_ASSERT_STR_EQ(users, "s1:u1 s1:u2 s2:u3");
  g_autofree char *who = itest_db_value(g.coord, "baitiao_batch",
    "SELECT string_agg(shard || '=' || own_shard, ' ' ORDER BY shard) FROM grp.shard_identity");
  ITEST_ASSERT_STR_EQ(who, "s1=s1 s2=s2");
}

static void
test_trust_mappings_only_for_our_roles_over_a_socket(void)
{
  g_auto(ItestDbGroup) g = { 0 };
  group_new(&g, NULL);
  PGconn *owner = itest_connect(g.coord, "baitiao_owner");
  char state[6] = "";
  g_autofree char *other = itest_sql(owner, "SELECT baitiao_fdw.trust_user_mapping('shard_s1', 'postgres')", state);
  CU_ASSERT_PTR_NULL(other);
  ITEST_ASSERT_STR_EQ(state, "42501");
  itest_exec(owner, "CREATE SERVER shard_tcp FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'localhost')");
  g_autofree char *tcp = itest_sql(owner, "SELECT baitiao_fdw.trust_user_mapping('shard_tcp', 'baitiao_report')", state);
  CU_ASSERT_PTR_NULL(tcp);
  ITEST_ASSERT_STR_EQ(state, "42501");
  /* an existing mapping (a DBA's, with its password) is kept */
  g_autofree char *kept = itest_query(owner, "SELECT baitiao_fdw.trust_user_mapping('shard_s1', 'baitiao_report')");
  ITEST_ASSERT_STR_EQ(kept, "f");
  /* over TCP the attach makes mappings that wait for their password */
  itest_exec(owner, "DROP SERVER shard_tcp");
  itest_exec(owner, "SELECT group_shard_server('tcp', 'localhost', '1', 'x')");
  PQfinish(owner);
  g_autofree char *maps = itest_db_value(g.coord, "postgres",
    "SELECT string_agg(usename || ':' || array_to_string(umoptions, ','), ' ' ORDER BY usename)"
    " FROM pg_user_mappings WHERE srvname = 'shard_tcp'");
  ITEST_ASSERT_STR_EQ(maps, "baitiao_batch:user=baitiao_batch baitiao_owner:user=baitiao_owner "
                            "baitiao_report:user=baitiao_report");
}

static void
test_group_gl_is_the_sum_of_the_shards(void)
{
  g_auto(ItestDbGroup) g = { 0 };
  group_new(&g, NULL);
  /* 1122: 1 000.00 + 300.00 opening, 500.00 + 70.00 debit; 2202 its counterpart; ALIPAY s1's only */
  static const char expect[] =
    "account_code,name,opening_fen,debit_fen,credit_fen,closing_fen,shards\r\n"
    "1002.ALIPAY,渠道清算-ALIPAY,0,20000,0,20000,1\r\n"
    "1122,应收本金,130000,57000,20000,167000,2\r\n"
    "2202,应付商户款,-130000,0,57000,-187000,2\r\n"
    ",合计 total,0,77000,77000,0,2\r\n";
  g_autoptr(ItestRun) r = run_group(&g, (const char *[]) { "group", "gl", "--format", "csv", NULL });
  CU_ASSERT_EQUAL(r->status, 0);
  ITEST_ASSERT_STR_EQ(r->out, expect);   /* the default date: the group's last closed, 03-14 */
  g_autoptr(ItestRun) before = run_group(&g, (const char *[]) { "group", "gl", "--date", "2026-03-13", "--format",
                                                                "csv", NULL });
  CU_ASSERT_EQUAL(before->status, 0);
  ITEST_ASSERT_STR_EQ(before->out, "account_code,name,opening_fen,debit_fen,credit_fen,closing_fen,shards\r\n"
                                   "1122,应收本金,0,130000,0,130000,2\r\n"
                                   "2202,应付商户款,0,0,130000,-130000,2\r\n"
                                   ",合计 total,0,130000,130000,0,2\r\n");
  /* each shard's own trial balance, summed by hand, is the group's */
  g_autofree char *own = itest_db_value(g.s1, "baitiao_report",
    "SELECT sum(debit_fen) || ',' || sum(credit_fen) FROM gl_daily_balances WHERE business_date = '2026-03-14'");
  g_autofree char *own2 = itest_db_value(g.s2, "baitiao_report",
    "SELECT sum(debit_fen) || ',' || sum(credit_fen) FROM gl_daily_balances WHERE business_date = '2026-03-14'");
  ITEST_ASSERT_STR_EQ(own, "70000,70000");
  ITEST_ASSERT_STR_EQ(own2, "7000,7000");
}

static void
test_group_recon_of_a_consistent_group_is_clean(void)
{
  g_auto(ItestDbGroup) g = { 0 };
  group_new(&g, NULL);
  g_autoptr(ItestRun) r = run_group(&g, (const char *[]) { "group", "recon", NULL });
  if (r->status != 0)
    fprintf(stderr, "\n  %s%s\n", r->out, r->err);
  CU_ASSERT_EQUAL(r->status, 0);
  ITEST_ASSERT_CONTAINS(r->out, "group recon 2026-03-14\n");
  /* G1: 2 shards × (activity, closing) + the group's 2 + 3 accounts' openings; 770.00 of debits */
  ITEST_ASSERT_CONTAINS(r->out, "  G1                9                   770.00       0  ok");
  ITEST_ASSERT_CONTAINS(r->out, "  G2                4                     0.00       0  ok");
  ITEST_ASSERT_CONTAINS(r->out, "  G3                3                     0.00       0  ok");
  ITEST_ASSERT_CONTAINS(r->out, "  G6                2                     0.00       0  ok");
  ITEST_ASSERT_CONTAINS(r->out, "  G8                2                     0.00       0  ok");
  ITEST_ASSERT_CONTAINS(r->out, "\n0 break(s)\n");
  g_autoptr(ItestRun) j = run_group(&g, (const char *[]) { "group", "recon", "--format", "json", NULL });
  CU_ASSERT_EQUAL(j->status, 0);
  ITEST_ASSERT_STR_EQ(j->out, "[]\n");
}

/* One difference of each kind, planted on the shards and the coordinator. */
static const char s1_breaks[] =
  "INSERT INTO users (user_id, credit_limit_fen, statement_day) VALUES ('u9', 1, 5);"
  "INSERT INTO business_calendar (business_date, status, opened_at, closed_at) VALUES ('2026-03-15', 'CLOSED', now(), now());"
  "INSERT INTO business_calendar (business_date, status, opened_at, closed_at) VALUES ('2026-03-16', 'CLOSED', now(), now());"
  "INSERT INTO recon_breaks (recon_run_id, business_date, check_id, break_type, break_key, expected_fen, actual_fen, diff_fen)"
  " SELECT recon_run_id, '2026-03-14', 'R7', 'CHANNEL_ONLY', 'ALIPAY:X9', 0, 500, 500 FROM recon_runs";
static const char s2_breaks[] =
  "INSERT INTO users (user_id, credit_limit_fen, statement_day) VALUES ('u1', 1, 5);"
  "INSERT INTO gl_daily_balances (business_date, account_code, opening_fen, debit_fen, credit_fen, closing_fen)"
  " VALUES ('2026-03-14', '6011', 0, 0, 500, -500);"
  "UPDATE recon_runs SET status = 'FAILED'";
static const char s2_identity[] =
  "UPDATE baitiao.shard_identity SET group_id = '00000000-0000-0000-0000-0000000000bb'";
static const char coord_breaks[] =
  "INSERT INTO group_closed_dates (business_date, shards) VALUES ('2026-03-15', 2);"
  "INSERT INTO group_loads (kind, file_name, sha256, content, state) VALUES ('users', 'late.csv', 'b2', 'x', 'committed');"
  "INSERT INTO user_directory (user_id, shard, load_id) SELECT 'u8', 's2', load_id FROM group_loads WHERE sha256 = 'a1';"
  "INSERT INTO user_directory (user_id, shard, load_id) SELECT 'u7', 's2', load_id FROM group_loads WHERE sha256 = 'b2';"
  "INSERT INTO shard_members (shard, added_at) VALUES ('s3', now() + interval '1 hour');"
  "INSERT INTO load_files (kind, file_name, sha256, channel) VALUES ('settlement', 'st.csv', repeat('a', 64), 'ALIPAY');"
  "INSERT INTO settlement_lines (channel, channel_txn_id, pay_date, amount_fen, file_id, line_no)"
  " SELECT 'ALIPAY', t, p::date, a, file_id, n FROM load_files,"
  " (VALUES ('T1', '2026-03-10', 1234, 1), ('T2', '2026-03-10', 99, 2), ('T3', '2026-03-13', 55, 3)) v (t, p, a, n);"
  "INSERT INTO repayment_directory (channel, txn_id, shard, load_id)"
  " SELECT 'ALIPAY', 'T2', 's1', load_id FROM group_loads WHERE sha256 = 'a1'";

static void
test_group_recon_names_every_difference(void)
{
  g_auto(ItestDbGroup) g = { 0 };
  group_new(&g, "[shard s3]\ndbname=grp_nowhere\n");
  itest_db_exec(g.s1, "baitiao_owner", s1_breaks);
  itest_db_exec(g.s2, "baitiao_owner", s2_breaks);
  itest_db_exec(g.s2, "baitiao_owner", s2_identity);
  itest_db_exec(g.coord, "baitiao_owner", coord_breaks);
  static const char expect[] =
    "check_id,break_type,break_key,shard,expected_fen,actual_fen,diff_fen\r\n"
    "G1,MISMATCH,group:activity,,77000,77500,500\r\n"    /* s2's unbalanced credit of 5.00 */
    "G1,MISMATCH,group:closing,,187000,187500,500\r\n"
    "G1,MISMATCH,s2:activity,s2,7000,7500,500\r\n"
    "G1,MISMATCH,s2:closing,s2,37000,37500,500\r\n"
    "G2,AHEAD,s1:2026-03-16,s1,,,\r\n"                  /* closed by s1, not by the group */
    "G2,NOT_CLOSED,s2:2026-03-15,s2,,,\r\n"             /* closed by the group, not by s2 */
    "G3,NOT_IN_DIRECTORY,s1:u9,s1,,,\r\n"
    "G3,NOT_IN_DIRECTORY,s2:u1,s2,,,\r\n"
    "G3,NOT_ON_SHARD,s2:u8,s2,,,\r\n"                   /* u7's load is still being committed */
    "G4,TWO_SHARDS,u1,\"s1,s2\",,,\r\n"
    "G5,CHANNEL_ONLY,ALIPAY:T1,,0,1234,1234\r\n"        /* T2 matched on s1, T3 within the wait */
    "G6,WRONG_IDENTITY,s2,s2,,,\r\n"
    "G6,NOT_ATTACHED,s3,s3,,,\r\n"
    "G7,UNFINISHED,2:late.csv,,,,\r\n"
    "G8,OPEN_BREAKS,s1:2026-03-14,s1,0,500,500\r\n"   /* s1's own R7 break of D */
    "G8,NOT_RECONCILED,s2:2026-03-14,s2,,,\r\n";      /* s2's recon of D failed */
  g_autoptr(ItestRun) r = run_group(&g, (const char *[]) { "group", "recon", "--date", "2026-03-14", "--format",
                                                           "csv", NULL });
  CU_ASSERT_EQUAL(r->status, 3);
  ITEST_ASSERT_STR_EQ(r->out, expect);
  ITEST_ASSERT_CONTAINS(r->err, "the group's reconciliation of 2026-03-14 found 16 break(s)");
  g_autoptr(ItestRun) t = run_group(&g, (const char *[]) { "group", "recon", "--date", "2026-03-14", NULL });
  CU_ASSERT_EQUAL(t->status, 3);
  /* G5: two lines past the wait compared, 13.33 of them */
  ITEST_ASSERT_CONTAINS(t->out, "  G5                2                    13.33       1  BREAKS");
  ITEST_ASSERT_CONTAINS(t->out, "\n16 break(s)\n");
}

/* The same number of users on a shard, one of them another: the digests differ, so that
 * shard's ids are read and the two named; no user is on two shards. */
static void
test_a_user_swapped_for_another_is_found(void)
{
  g_auto(ItestDbGroup) g = { 0 };
  group_new(&g, NULL);
  itest_db_exec(g.s1, "baitiao_owner", "UPDATE users SET user_id = 'u5' WHERE user_id = 'u2'");
  g_autoptr(ItestRun) r = run_group(&g, (const char *[]) { "group", "recon", "--format", "csv", NULL });
  CU_ASSERT_EQUAL(r->status, 3);
  ITEST_ASSERT_STR_EQ(r->out, "check_id,break_type,break_key,shard,expected_fen,actual_fen,diff_fen\r\n"
                              "G3,NOT_ON_SHARD,s1:u2,s1,,,\r\n"
                              "G3,NOT_IN_DIRECTORY,s1:u5,s1,,,\r\n");
  g_autoptr(ItestRun) t = run_group(&g, (const char *[]) { "group", "recon", NULL });
  /* G3: s1's 3 ids compared one by one (u1, u2, u5), s2's 1 by its digest; G4 read all 3 */
  ITEST_ASSERT_CONTAINS(t->out, "  G3                4                     0.00       2  BREAKS");
  ITEST_ASSERT_CONTAINS(t->out, "  G4                3                     0.00       0  ok");
}

static void
test_an_unreachable_shard_is_75_naming_it(void)
{
  g_auto(ItestDbGroup) g = { 0 };
  group_new(&g, NULL);
  itest_db_exec(g.coord, "baitiao_owner", "ALTER SERVER shard_s2 OPTIONS (SET dbname 'grp_no_such_db')");
  g_autoptr(ItestRun) r = run_group(&g, (const char *[]) { "group", "recon", NULL });
  CU_ASSERT_EQUAL(r->status, 75);
  ITEST_ASSERT_CONTAINS(r->err, "shard s2: could not connect to server \"shard_s2\"");
  CU_ASSERT_PTR_NULL(strstr(r->err, "shard s1:"));
  CU_ASSERT_PTR_NULL(strstr(r->out, "G1"));   /* nothing checked */
  g_autoptr(ItestRun) gl = run_group(&g, (const char *[]) { "group", "gl", NULL });
  CU_ASSERT_EQUAL(gl->status, 75);
  ITEST_ASSERT_CONTAINS(gl->err, "shard s2: could not connect to server \"shard_s2\"");
}

static void
test_group_needs_the_coordinator_of_a_group(void)
{
  g_auto(ItestDbGroup) g = { 0 };
  group_new(&g, NULL);
  g_autoptr(ItestRun) on_shard = run_group(&g, (const char *[]) { "group", "recon", "--shard", "s1", NULL });
  CU_ASSERT_EQUAL(on_shard->status, 2);
  ITEST_ASSERT_CONTAINS(on_shard->err, "leave out --shard");
  g_autofree char *one = itest_write_config(g.coord, NULL);
  g_autoptr(ItestRun) single = itest_baitiao_config(one, (const char *[]) { "group", "gl", NULL }, NULL);
  CU_ASSERT_EQUAL(single->status, 2);
  ITEST_ASSERT_CONTAINS(single->err, "names no shards");
  g_autoptr(ItestRun) word = run_group(&g, (const char *[]) { "group", "audit", NULL });
  CU_ASSERT_EQUAL(word->status, 2);
  ITEST_ASSERT_CONTAINS(word->err, "unknown action \"audit\": recon or gl");
}

/* The example book's files, in the order a book needs them, and its nights to 03-20. */
static void
example_book(const char *config)
{
  g_autofree char *products = itest_top_file("etc", "products.conf");
  itest_baitiao_ok(config, (const char *[]) { "products", "load", products, NULL });
  for (const char *const *k = ITEST_EXAMPLE_KINDS; *k; k++) {
    g_autofree char *name = g_strdup_printf("%s.csv", *k);
    g_autofree char *path = itest_top_file("t/data", name);
    itest_baitiao_ok(config, (const char *[]) { "load", *k, path, NULL });
  }
  itest_load_example_settlements(config);
  itest_baitiao_ok(config, (const char *[]) { "eod", "--date", "2026-03-04", "--catch-up", "--until", "2026-03-20", NULL });
}

/* Every GL day of a book, one line per date and account: the single database's own rows,
 * or at the coordinator the group's sums over its shards. */
#define GL_DAYS(rel, sum) \
  "SELECT string_agg(concat_ws(',', business_date, account_code, o, d, c, z), ' ' ORDER BY business_date, account_code)" \
  " FROM (SELECT business_date, account_code, " sum "(opening_fen) o, " sum "(debit_fen) d, " sum "(credit_fen) c, " \
  sum "(closing_fen) z FROM " rel " GROUP BY business_date, account_code) x"

/* The csv of group gl as "account,opening,debit,credit,closing" lines (name and shards left out). */
static char *
tb_figures(const char *csv)
{
  g_auto(GStrv) lines = g_strsplit(csv, "\r\n", -1);
  g_autoptr(GString) out = g_string_new(NULL);
  for (int i = 1; lines[i] && *lines[i]; i++) {
    g_auto(GStrv) f = g_strsplit(lines[i], ",", -1);
    CU_ASSERT_EQUAL_FATAL(g_strv_length(f), 7);
    g_string_append_printf(out, "%s%s,%s,%s,%s,%s", out->len ? " " : "", f[0], f[2], f[3], f[4], f[5]);
  }
  return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
test_the_groups_books_are_the_one_databases(void)
{
  /* the example book on one database */
  g_autofree char *one = itest_create_db("grp_one", TRUE);
  g_autofree char *one_config = itest_write_config(one, NULL);
  example_book(one_config);
  /* the same files loaded into a group of two shards, routed by the binary */
  g_auto(ItestDbGroup) g = { 0 };
  g.coord = itest_create_db("grp_coord", TRUE);
  g.s1 = itest_create_db("grp_s1", TRUE);
  g.s2 = itest_create_db("grp_s2", TRUE);
  itest_bootstrap_coordinator(g.coord);
  g_autofree char *shards = g_strdup_printf("[shards]\nnames=s1,s2\n[shard s1]\ndbname=%s\n[shard s2]\ndbname=%s\n",
                                            g.s1, g.s2);
  g.config = itest_write_config(g.coord, shards);
  itest_baitiao_ok(g.config, (const char *[]) { "shard", "add", "s1", NULL });
  itest_baitiao_ok(g.config, (const char *[]) { "shard", "add", "s2", NULL });
  attach(&g, "s1", g.s1);
  attach(&g, "s2", g.s2);
  example_book(g.config);
  /* both shards hold users, so the sums are sums */
  g_autofree char *spread = itest_db_value(g.coord, "baitiao_report",
    "SELECT string_agg(DISTINCT shard, ',' ORDER BY shard) FROM grp.users");
  ITEST_ASSERT_STR_EQ(spread, "s1,s2");
  /* every GL day of the group = the one database's, to the fen */
  g_autofree char *days_one = itest_db_value(one, "baitiao_report", GL_DAYS("gl_daily_balances", ""));
  g_autofree char *days_group = itest_db_value(g.coord, "baitiao_report", GL_DAYS("grp.gl_daily_balances", "sum"));
  CU_ASSERT_TRUE(days_one && strlen(days_one) > 100);
  ITEST_ASSERT_STR_EQ(days_group, days_one);
  /* and group gl prints the last date's: the one database's rows plus the totals */
  g_autoptr(ItestRun) gl = run_group(&g, (const char *[]) { "group", "gl", "--format", "csv", NULL });
  CU_ASSERT_EQUAL(gl->status, 0);
  g_autofree char *figures = tb_figures(gl->out);
  g_autofree char *expect = itest_db_value(one, "baitiao_report",
    "SELECT string_agg(concat_ws(',', account_code, opening_fen, debit_fen, credit_fen, closing_fen), ' '"
    " ORDER BY account_code) || ' ,' || concat_ws(',', sum(opening_fen), sum(debit_fen), sum(credit_fen), sum(closing_fen))"
    " FROM gl_daily_balances WHERE business_date = '2026-03-20'");
  ITEST_ASSERT_STR_EQ(figures, expect);
  /* a group whose every night and load went through: no break of the group's */
  g_autoptr(ItestRun) recon = run_group(&g, (const char *[]) { "group", "recon", NULL });
  if (recon->status != 0)
    fprintf(stderr, "\n  %s%s\n", recon->out, recon->err);
  CU_ASSERT_EQUAL(recon->status, 0);
  ITEST_ASSERT_CONTAINS(recon->out, "group recon 2026-03-20\n");
  ITEST_ASSERT_CONTAINS(recon->out, "  G2               34");   /* 17 dates × 2 shards */
  ITEST_ASSERT_CONTAINS(recon->out, "\n0 break(s)\n");
}

CU_TestInfo itest_group_cases[] = {
  { "attach makes servers, mappings and views", test_attach_makes_servers_mappings_and_views },
  { "trust mappings only for our roles over a socket", test_trust_mappings_only_for_our_roles_over_a_socket },
  { "group gl is the sum of the shards", test_group_gl_is_the_sum_of_the_shards },
  { "group recon of a consistent group is clean", test_group_recon_of_a_consistent_group_is_clean },
  { "group recon names every difference", test_group_recon_names_every_difference },
  { "a user swapped for another is found", test_a_user_swapped_for_another_is_found },
  { "an unreachable shard is 75 naming it", test_an_unreachable_shard_is_75_naming_it },
  { "group needs the coordinator of a group", test_group_needs_the_coordinator_of_a_group },
  { "the group's books are the one database's", test_the_groups_books_are_the_one_databases },
  CU_TEST_INFO_NULL,
};
