/* Helpers of the integration tests. They run against the throwaway cluster that
 * t/integration.sh starts ($PGHOST/$PGPORT), where database "baitiao" has every
 * migration applied by the real tool; tests clone it or start from an empty one. */
#ifndef BAITIAO_T_ITEST_H
#define BAITIAO_T_ITEST_H

#include <CUnit/CUnit.h>
#include <glib.h>
#include <libpq-fe.h>

#include "eod.h"
#include "recon.h"
#include <stdio.h>
#include <string.h>

/* Creates a fresh database owned by baitiao_owner: a clone of the migrated "baitiao"
 * database, or empty. Returns its name (unique per call). */
char *itest_create_db(const char *prefix, gboolean migrated);
/* Like itest_create_db, as a copy of database TEMPLATE_DB (which nobody may be
 * connected to): a state to start several tests from. */
char *itest_clone_db(const char *prefix, const char *template_db);
/* Drops every database itest_create_db and itest_clone_db made in this process: each
 * suite's cleanup (t/itest_main.c), so it runs also after a failed assertion; the
 * suites' fixtures (databases built once, cloned per test) live until then.
 * Returns 0, or 1 when one could not be dropped (the suite's cleanup fails). */
int itest_drop_databases(void);
/* itest_drop_databases, then itest_clusters_remove: the shard suite's cleanup. */
int itest_drop_databases_and_clusters(void);
/* Connects to DB as USER; a failure fails the test. */
PGconn *itest_connect(const char *db, const char *user);
/* Runs SQL, returns the first column of the first row (or "" for commands); NULL on error,
 * with the SQLSTATE copied into SQLSTATE_OUT (6 bytes) when given. */
char *itest_sql(PGconn *conn, const char *sql, char *sqlstate_out);
/* Like itest_sql, but a failure prints the statement and the server's message. */
char *itest_query(PGconn *conn, const char *sql);
/* Runs a statement whose result does not matter; a failure fails the test. */
void itest_exec(PGconn *conn, const char *sql);
/* One value of SQL in DB, read on a connection of its own as ROLE. */
char *itest_db_value(const char *db, const char *role, const char *sql);
/* SQL run in DB on a connection of its own as ROLE; a failure fails the test. */
void itest_db_exec(const char *db, const char *role, const char *sql);
/* Loads the shipped product catalogue (etc/products.conf) through CONN. */
void itest_load_products(PGconn *conn);
/* A migrated database (itest_create_db) with the shipped catalogue loaded; *CONFIG its
 * configuration, EXTRA appended (itest_write_config). */
char *itest_catalogue_db(const char *prefix, const char *extra, char **config);
/* A configuration file pointing at DB (EXTRA appended verbatim); path in the temp dir. */
char *itest_write_config(const char *db, const char *extra);

typedef struct {
  int status;     /* exit status, or 128+signal */
  char *out;
  char *err;
} ItestRun;
void itest_run_free(ItestRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ItestRun, itest_run_free)

/* Runs the baitiao binary with ARGS (NULL terminated); ENV entries "K=V" are added. */
ItestRun *itest_baitiao(const char *const *args, const char *const *env);

/* Runs one nightly step for business date DATE ("YYYY-MM-DD") the way the framework
 * does: inside its own transaction, committed when the step succeeds and rolled back
 * when it fails (the error is printed). A job_runs row is created for the run id.
 * *ROWS and *AMOUNT_FEN (when not NULL) receive what the step reported. */
gboolean itest_run_step(PGconn *conn, const char *date, EodStepFn step, gint64 *rows,
                        gint64 *amount_fen);

/* The recon pass (MODE) for DATE through the library, default configuration, as the
 * connection's role: FALSE, the error printed, when it failed; *S its summary. */
gboolean itest_recon(PGconn *conn, const char *date, ReconMode mode, ReconSummary *s);

/* The binary's argv: BAITIAO_BIN, ARGS, then "--config CONFIG"; NULL terminated
 * (the strings are borrowed), for the tests that start it in the background. */
GPtrArray *itest_baitiao_argv(const char *config, const char *const *args);
/* Starts baitiao with ARGS (--config CONFIG appended) and BAITIAO_FAULT=FAULT when
 * given (unset otherwise), stdout to /dev/null, stderr to ERR_PATH; the caller reaps it
 * with itest_wait_child. */
GPid itest_spawn_baitiao(const char *config, const char *const *args, const char *fault, const char *err_path);
/* Waits for PID to end (or, with STOPPED, to stop): -1 when stopped, else the exit
 * status (128 + signal when killed), as ItestRun has it. */
int itest_wait_child(GPid pid, gboolean stopped);
/* DIR/NAME under the source tree (top_srcdir); NAME may be NULL. */
char *itest_top_file(const char *dir, const char *name);
/* How many entries DIR holds (0 when it cannot be read). */
guint itest_dir_entries(const char *dir);

/* A migrated database with the shipped catalogue and the example partner files
 * t/data/KIND.csv of each of KINDS (NULL terminated, loaded in that order) loaded by the
 * binary; *CONFIG its configuration. */
char *itest_example_db(const char *prefix, const char *const *kinds, char **config);
/* The example kinds, in the order a book needs them. */
#define ITEST_EXAMPLE_KINDS ((const char *const[]) { "users", "orders", "refunds", "repayments", NULL })
/* Both channels' settlement files of 2026-03-14 (ALIPAY from t/data, WECHAT's one line),
 * so the example book's R7 is clean. */
void itest_load_example_settlements(const char *config);

/* Runs baitiao with ARGS and CONFIG; a failure prints what it said and fails the test. */
void itest_baitiao_ok(const char *config, const char *const *args);
/* The coordinator's superuser bootstrap (sql/bootstrap/coordinator.sql: postgres_fdw)
 * on database DB of the main cluster. */
void itest_bootstrap_coordinator(const char *db);

/* Breaks of two types in a gen PORTFOLIO's ALIPAY file of 2026-04-10 (the payments of
 * 04-09): its first amount raised by 1.00 (an amount mismatch) and a line no repayment
 * matches (长款, 12.34) with transaction id CHANNEL_ONLY_TXN. */
void itest_plant_settlement_breaks(const char *portfolio, const char *channel_only_txn);
/* A journal entry of type TYPE on closed DATE through CONN (the owner): Dr DEBIT / Cr
 * CREDIT, FEN each, posting key "test:KEY", with the GL's daily balances moved as the
 * night's GL close would have (the day's debits and credits, and the opening and closing
 * of DATE and every later closed date): for figures planted after the nights ran. */
void itest_post_entry(PGconn *conn, const char *date, const char *type, const char *key, const char *debit,
                      const char *credit, gint64 fen);

/* itest_baitiao with "--config CONFIG" appended to ARGS. */
ItestRun *itest_baitiao_config(const char *config, const char *const *args, const char *const *env);

/* R4 of product-rules §9 on DATE, computed here from the current sub-ledgers:
 * "d1122,d1123,d1124,d2241", the differences GL closing − sub-ledger, so a tied
 * book reads "0,0,0,0". Only meaningful for the last closed date. */
char *itest_books_diff(PGconn *conn, const char *date);

/* One line per business table of DB ("table=rows:md5") over every business column of
 * every row: surrogate ids are compared as the natural keys they stand for (a line by
 * its entry's date and posting key, an installment by its loan's order id …); only
 * run bookkeeping and clock times are left out. A night that crashed and was rerun
 * must give the same text as a clean one. */
char *itest_business_digest(const char *db);

/* The shipped catalogue (etc/products.conf) with writeoff_dpd=WRITEOFF_DPD on every
 * EVERY-th product (1: all), so the write-off step has work within a short portfolio;
 * path in the temp dir, NAME in it. */
char *itest_write_products(const char *name, int writeoff_dpd, guint every);
/* baitiao gen: USERS users over DAYS days from START (YYYY-MM-DD), catalogue PRODUCTS,
 * into a directory NAME-PID of the temp dir (returned). */
char *itest_gen_portfolio(const char *name, guint users, guint days, guint64 seed, const char *start,
                          const char *products);
/* The same with gen --campaigns CAMPAIGNS (a catalogue, segments, coupons, orders naming
 * merchants, categories and coupons); itest_load_portfolio loads them. */
char *itest_gen_portfolio_campaigns(const char *name, guint users, guint days, guint64 seed, const char *start,
                                    const char *products, guint campaigns);
/* Loads the catalogue PRODUCTS and every file of a gen PORTFOLIO (users, its campaign
 * catalogue, segments and coupons when it has them, each kind's days as one file, each
 * channel's settlements) through the binary. */
void itest_load_portfolio(const char *config, const char *portfolio, const char *products);

/* ---- reports read back ---- */
/* `report ARGS… --date DATE --out DIR --specs reports --quiet` through CONFIG into a
 * fresh directory NAME of the temp dir (returned); a failure fails the test. */
char *itest_render(const char *config, const char *name, const char *date, const char *const *args);
/* The text of DIR/NAME; a file that cannot be read fails the test. */
char *itest_read_text(const char *dir, const char *name);
/* strcmp of two char * in a GPtrArray, for g_ptr_array_sort. */
gint itest_compare_names(gconstpointer a, gconstpointer b);
/* The files of DIR whose names end in SUFFIX, sorted by name (base names). */
GPtrArray *itest_files_of(const char *dir, const char *suffix);
/* What t/SCRIPT (check_xlsx.py or foot_check.py: Debian's python3 with openpyxl, a
 * reader independent of ours) says about FILES of DIR (NULL terminated base names;
 * NULL: every .xlsx of DIR, in name order), one fact a line; a script that fails
 * prints its error and fails the test. */
char *itest_xlsx_facts(const char *script, const char *dir, const char *const *files);
/* FACTS has the whole line FMT… (a fact is looked for as "\nFACT\n"). */
void itest_fact(const char *facts, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Every "difference" fact of foot_check.py's FACTS reads 0 and none is flagged (red);
 * returns how many difference cells there were. */
guint itest_differences_zero(const char *facts);

/* A copy of the project's sql directory in the temp dir, to tamper with. */
char *itest_copy_sql_dir(void);
/* A directory for this test run's files. */
const char *itest_tmpdir(void);
/* TEXT in the file PREFIX-PID-NAME of the test run's directory (its path); a failure
 * fails the test. */
char *itest_data_file(const char *prefix, const char *name, const char *text);

/* Connects to DB at HOST/PORT as USER (HOST NULL: the main test cluster); a failure
 * fails the test. */
PGconn *itest_connect_at(const char *host, const char *port, const char *db, const char *user);
/* itest_business_digest of DB at HOST/PORT (NULL: the main test cluster). */
char *itest_business_digest_at(const char *host, const char *port, const char *db);
/* Every row of TABLE as itest_business_digest sees it (surrogate ids as their natural
 * keys, run bookkeeping left out), one per line in order: rows that live on several
 * shards compared with one database's. */
char *itest_table_rows(PGconn *conn, const char *table);
/* A configuration pointing at DB at HOST/PORT (EXTRA appended to [database]). */
char *itest_write_config_at(const char *host, const char *port, const char *db, const char *extra);

/* A coordinator and shards s1, s2 as databases of the main test cluster (their names),
 * and the configuration naming them: the suites that set their group up by hand. */
typedef struct {
  char *coord, *s1, *s2;
  char *config;
} ItestDbGroup;
void itest_db_group_clear(ItestDbGroup *g);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ItestDbGroup, itest_db_group_clear)

/* The shard placement=hash gives KEY over shards s1 … sN, all open ("sK"): FNV-1a 64 of
 * KEY's bytes modulo N, computed here from the rule (shard-spec "Placement"). */
char *itest_hash_shard(const char *key, guint n);

/* ---- extra clusters and sharded groups (issue 16) ----
 * Extra throwaway clusters next to the main one: scripts/pgcluster init --fast under
 * the test run's directory, a port of their own, the roles, a database "baitiao" with
 * every migration applied by the binary as the owner. Started when first asked for
 * and kept for the suite; itest_clusters_remove (the shard suite's cleanup, so also
 * after a failed assertion) stops and deletes them. */
#define ITEST_CLUSTERS_MAX 8
#define ITEST_CLUSTER_BASE_PORT 5440
typedef struct {
  guint index;       /* 1 … ITEST_CLUSTERS_MAX */
  char *dir;         /* scripts/pgcluster's DIR */
  char *host;        /* its socket directory */
  char *port;
  gboolean ready;    /* set up (migrated) */
  gboolean running;
} ItestCluster;
/* Extra cluster INDEX, set up on first use, started if a test stopped it. */
const ItestCluster *itest_cluster(guint index);
/* Stops (fast shutdown) or starts extra cluster C again: a shard unreachable. */
void itest_cluster_stop(const ItestCluster *c);
void itest_cluster_start(const ItestCluster *c);
/* Stops and deletes every extra cluster: 0, or 1 when one could not be. */
int itest_clusters_remove(void);
PGconn *itest_cluster_connect(const ItestCluster *c, const char *db, const char *user);
/* A fresh clone of C's migrated "baitiao", owned by baitiao_owner; its name. */
char *itest_cluster_create_db(const ItestCluster *c, const char *prefix);

/* A sharded group: a coordinator database on the main cluster and shard sN in a
 * database of its own on extra cluster N, each a complete baitiao database with the
 * catalogue loaded. Its configuration is written by itest_group_write_config. */
typedef struct {
  char *name;        /* s1, s2, … */
  const ItestCluster *cluster;
  char *db;
  int weight;        /* written as weight= (placement=weights) */
  gboolean open;
} ItestShard;
typedef struct {
  char *prefix;
  char *coordinator;
  char *placement;   /* hash (default) or weights */
  GPtrArray *shards; /* ItestShard *, s1 first */
  const char *config;   /* the configuration last written */
  GPtrArray *configs;   /* every one written, kept as long as the group */
} ItestGroup;
/* A coordinator (migrated, its superuser bootstrap run)
 * and N_SHARDS shards with catalogue PRODUCTS (NULL: etc/products.conf) loaded.
 * The shards are not added yet (baitiao shard add). */
ItestGroup *itest_group_new(const char *prefix, guint n_shards, const char *products);
/* The next shard, on the next extra cluster. */
ItestShard *itest_group_add_shard(ItestGroup *g, const char *products);
/* Writes a new group configuration ([database] = the coordinator, [shards] names =
 * the first N_NAMED shards (0: all), a [shard sN] group each; EXTRA appended) and
 * returns its path (also G->config, valid as long as G). */
const char *itest_group_write_config(ItestGroup *g, guint n_named, const char *extra);
void itest_group_free(ItestGroup *g);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ItestGroup, itest_group_free)
ItestShard *itest_group_shard(const ItestGroup *g, const char *name);
PGconn *itest_shard_connect(const ItestShard *s, const char *user);
/* One value of SQL on shard S, on a connection of its own as USER. */
char *itest_shard_value(const ItestShard *s, const char *user, const char *sql);

/* A case that needs the test hooks (BAITIAO_FAULT, BAITIAO_REPORT_SHEET_ROWS: configure
 * --enable-fault-injection): registered only in a build that has them, so a build
 * without them runs none of these rather than passing them silently (t/integration.sh
 * says so). In that build the test functions go unreferenced: no warning for it there. */
#ifdef BAITIAO_FAULT_INJECTION
#define ITEST_FAULT_CASE(name, fn) { name, fn },
#else
#define ITEST_FAULT_CASE(name, fn)
#pragma GCC diagnostic ignored "-Wunused-function"
#endif

#define ITEST_ASSERT_CONTAINS(haystack, needle)                                      \
  do {                                                                               \
    const char *h_ = (haystack);                                                     \
    gboolean ok_ = h_ && strstr(h_, (needle));                                       \
    if (!ok_)                                                                        \
      fprintf(stderr, "\n  expected to find \"%s\" in:\n%s\n", (needle), h_ ? h_ : "(null)"); \
    CU_ASSERT_TRUE(ok_);                                                             \
  } while (0)

/* Like CU_ASSERT_STRING_EQUAL, but a NULL (a failed query) fails instead of crashing. */
#define ITEST_ASSERT_STR_EQ(actual, expected)                                        \
  do {                                                                               \
    const char *a_ = (actual), *e_ = (expected);                                     \
    gboolean ok_ = a_ && e_ && strcmp(a_, e_) == 0;                                  \
    if (!ok_)                                                                        \
      fprintf(stderr, "\n  expected \"%s\", got \"%s\"\n", e_ ? e_ : "(null)", a_ ? a_ : "(null)"); \
    CU_ASSERT_TRUE(ok_);                                                             \
  } while (0)

#endif
