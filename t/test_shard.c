/* A sharded group's configuration ([shards], [shard NAME], --shard) and placement. */
#include <CUnit/CUnit.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "config.h"
#include "keyfile.h"
#include "shard.h"
#include "unit_suites.h"

static Config *
load_text(const char *text, GError **error)
{
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp("bt-shard-XXXXXX.conf", &path, error);
  CU_ASSERT_FATAL(fd >= 0);
  close(fd);
  CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, error));
  Config *c = config_load(path, error);
  g_unlink(path);
  return c;
}

#define GROUP3 "[database]\ndbname=coord\n[shards]\nnames = s3, s1 ,s2\n" \
               "[shard s1]\nhost=/tmp/a\nport=5433\n[shard s2]\ndbname=b\nweight=3\n[shard s3]\nopen=false\n"

static void
test_group_read(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Config) c = load_text(GROUP3, &error);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_TRUE(config_sharded(c));
  CU_ASSERT_EQUAL_FATAL(c->shards->len, 3);
  const ConfigShard *s1 = g_ptr_array_index(c->shards, 0), *s2 = g_ptr_array_index(c->shards, 1),
                    *s3 = g_ptr_array_index(c->shards, 2);
  CU_ASSERT_STRING_EQUAL(s1->name, "s1");   /* sorted by name, not as listed */
  CU_ASSERT_STRING_EQUAL(s2->name, "s2");
  CU_ASSERT_STRING_EQUAL(s3->name, "s3");
  CU_ASSERT_STRING_EQUAL(s1->host, "/tmp/a");
  CU_ASSERT_STRING_EQUAL(s1->port, "5433");
  CU_ASSERT_PTR_NULL(s1->dbname);
  CU_ASSERT_EQUAL(s1->weight, 1);
  CU_ASSERT_EQUAL(s2->weight, 3);
  CU_ASSERT_TRUE(s1->open);
  CU_ASSERT_FALSE(s3->open);
  CU_ASSERT_EQUAL(c->shard_placement, CONFIG_PLACEMENT_HASH);
  CU_ASSERT_PTR_EQUAL(config_find_shard(c, "s2"), s2);
  CU_ASSERT_PTR_NULL(config_find_shard(c, "s4"));
}

static void
check_refused(const char *text, int code, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Config) c = load_text(text, &error);
  CU_ASSERT_PTR_NULL(c);
  CU_ASSERT_PTR_NOT_NULL_FATAL(error);
  CU_ASSERT_TRUE(g_error_matches(error, KEYFILE_ERROR, code));
  if (!strstr(error->message, fragment))
    fprintf(stderr, "\n  expected \"%s\" in: %s\n", fragment, error->message);
  CU_ASSERT_PTR_NOT_NULL(strstr(error->message, fragment));
}

static void
test_group_errors(void)
{
  check_refused("[shards]\nnames=s1\n", KEYFILE_ERROR_VALUE, "no group [shard s1]");
  check_refused("[shards]\nnames=S1\n[shard S1]\n", KEYFILE_ERROR_VALUE, "a shard's name is 1 to 32");
  check_refused("[shards]\nnames=s1,s1\n[shard s1]\n", KEYFILE_ERROR_VALUE, "twice");
  check_refused("[shards]\nnames=s1\n[shard s1]\n[shard s2]\n", KEYFILE_ERROR_UNKNOWN, "[shard s2] is not a shard");
  check_refused("[shards]\nnames=s1\nplacement=random\n[shard s1]\n", KEYFILE_ERROR_VALUE, "hash or weights");
  check_refused("[shards]\nnames=s1\n[shard s1]\nopen=false\n", KEYFILE_ERROR_VALUE, "no shard open");
  check_refused("[shards]\nnames=s1\nplacement=weights\n[shard s1]\nweight=0\n", KEYFILE_ERROR_VALUE,
                "weight above 0");
  check_refused("[shards]\nnames=s1\n[shard s1]\nport=http\n", KEYFILE_ERROR_VALUE, "port number");
  check_refused("[shards]\nnames=s1\n[shard s1]\nweight=1001\n", KEYFILE_ERROR_VALUE, "weight");
  check_refused("[shards]\nplacement=hash\n", KEYFILE_ERROR_VALUE, "needs the names");
  check_refused("[shards]\nnames=s1\n[shard s1]\npassword=x\n", KEYFILE_ERROR_UNKNOWN, "password");
}

static void
test_select_shard(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Config) c = load_text(GROUP3 "[intake]\nexpected=orders\n", &error);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_TRUE_FATAL(config_select_shard(c, "s2", &error));
  CU_ASSERT_FALSE(config_sharded(c));   /* the process is now a one-database baitiao */
  CU_ASSERT_STRING_EQUAL(c->db_name, "b");
  CU_ASSERT_PTR_NULL(c->db_host);       /* not set for s2: the coordinator's (none) */
  CU_ASSERT_STRING_EQUAL(c->selected_shard, "s2");
  CU_ASSERT_PTR_NULL(c->intake_expected);   /* the group's gate is the coordinator's */
  g_autoptr(Config) d = load_text(GROUP3, &error);
  CU_ASSERT_FALSE(config_select_shard(d, "s9", &error));
  CU_ASSERT_TRUE(g_error_matches(error, KEYFILE_ERROR, KEYFILE_ERROR_VALUE));
}

/* The published FNV-1a 64 test vectors: placement is the same on every machine. */
static void
test_hash_vectors(void)
{
  CU_ASSERT_EQUAL(shard_hash(""), G_GUINT64_CONSTANT(0xcbf29ce484222325));
  CU_ASSERT_EQUAL(shard_hash("a"), G_GUINT64_CONSTANT(0xaf63dc4c8601ec8c));
  CU_ASSERT_EQUAL(shard_hash("foobar"), G_GUINT64_CONSTANT(0x85944171f73967e8));
}

/* Over 30 000 generated user ids: a closed shard gets none, the weights share the
 * rest as 1 : 3 within 3 %, and the order shards are listed in changes nothing. */
static void
test_placement_property(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Config) c = load_text(GROUP3 "", &error);
  g_autoptr(Config) w = load_text("[shards]\nnames=s2,s3,s1\nplacement=weights\n"
                                  "[shard s1]\n[shard s2]\nweight=3\n[shard s3]\nopen=false\n", &error);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_PTR_NOT_NULL_FATAL(w);
  guint hashed[3] = { 0 }, weighted[3] = { 0 };
  const guint n = 30000;
  for (guint i = 0; i < n; i++) {
    g_autofree char *user = g_strdup_printf("U%07u", i * 7919u);
    const ConfigShard *h = shard_place(c, user), *p = shard_place(w, user);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    /* the formula, recomputed: hash mod the open shards' total weight, in name order */
    guint64 slot = shard_hash(user) % 2;
    CU_ASSERT_STRING_EQUAL(h->name, slot == 0 ? "s1" : "s2");
    guint64 wslot = shard_hash(user) % 4;
    CU_ASSERT_STRING_EQUAL(p->name, wslot == 0 ? "s1" : "s2");
    hashed[h->name[1] - '1']++;
    weighted[p->name[1] - '1']++;
  }
  CU_ASSERT_EQUAL(hashed[2], 0);
  CU_ASSERT_EQUAL(weighted[2], 0);
  CU_ASSERT_TRUE(hashed[0] > n / 2 - n / 33 && hashed[0] < n / 2 + n / 33);
  CU_ASSERT_TRUE(weighted[0] > n / 4 - n / 33 && weighted[0] < n / 4 + n / 33);
}

CU_TestInfo test_shard_cases[] = {
  { "group read", test_group_read },
  { "group errors name file and key", test_group_errors },
  { "--shard selects a shard", test_select_shard },
  { "FNV-1a 64 vectors", test_hash_vectors },
  { "placement over 30 000 users", test_placement_property },
  CU_TEST_INFO_NULL,
};
