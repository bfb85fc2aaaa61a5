/* The synthetic portfolio generator. Everything random comes from one seeded
 * splitmix64 stream consumed in a fixed order, and no floating point is used, so
 * the same options give byte-identical files on every machine.
 *
 * Behaviour (per user, drawn once): most pay each due date in full a few days
 * early; some pay a few days late (with an estimate of the penalty); some pay half
 * on the due date and the rest later; a few never pay (they roll to write-off);
 * some prepay a loan. About 3 % of users buy on a day; about 3 % of orders are
 * refunded. Settlement files carry a few planted 长款 / 短款 / amount mismatches so
 * reconciliation has something to find. */
#include "gen.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "money.h"
#include "prng.h"
#include "schedule.h"

G_DEFINE_QUARK(gen-error-quark, gen_error)

/* 10^(i/100) × 10^6 for i = 0..100: log-normal amounts without floating point. */
static const gint64 pow10_table[101] = {
  1000000, 1023293, 1047129, 1071519, 1096478, 1122018, 1148154, 1174898, 1202264, 1230269, 1258925,
  1288250, 1318257, 1348963, 1380384, 1412538, 1445440, 1479108, 1513561, 1548817, 1584893, 1621810,
  1659587, 1698244, 1737801, 1778279, 1819701, 1862087, 1905461, 1949845, 1995262, 2041738, 2089296,
  2137962, 2187762, 2238721, 2290868, 2344229, 2398833, 2454709, 2511886, 2570396, 2630268, 2691535,
  2754229, 2818383, 2884032, 2951209, 3019952, 3090295, 3162278, 3235937, 3311311, 3388442, 3467369,
  3548134, 3630781, 3715352, 3801894, 3890451, 3981072, 4073803, 4168694, 4265795, 4365158, 4466836,
  4570882, 4677351, 4786301, 4897788, 5011872, 5128614, 5248075, 5370318, 5495409, 5623413, 5754399,
  5888437, 6025596, 6165950, 6309573, 6456542, 6606934, 6760830, 6918310, 7079458, 7244360, 7413102,
  7585776, 7762471, 7943282, 8128305, 8317638, 8511380, 8709636, 8912509, 9120108, 9332543, 9549926,
  9772372, 10000000,
};

/* 10^(x/100) yuan in fen, for x in hundredths of a decade. */
static gint64
yuan_from_log(gint64 x)
{
  gint64 fen = pow10_table[x % 100] / 10000;  /* 10^(frac) × 100 fen */
  for (gint64 d = x / 100; d > 0; d--)
    fen *= 10;
  return fen;
}

/* A log-normal-like amount: the log is a sum of three uniforms (bell-shaped),
 * from 1.00 to 50 000.00 yuan, median about 300 yuan. */
static gint64
draw_amount(guint64 *rng)
{
  gint64 x = prng_uniform(rng, 0, 156) + prng_uniform(rng, 0, 156) + prng_uniform(rng, 0, 157);
  gint64 fen = yuan_from_log(x);
  fen += prng_uniform(rng, 0, fen / 40);  /* fill in the lower digits: prices are not round */
  return CLAMP(fen, 100, 5000000);
}

typedef enum { PAY_ON_TIME, PAY_LATE, PAY_PARTIAL, PAY_NEVER, PAY_PREPAY } Behaviour;

typedef struct {
  int statement_day;
  Behaviour behaviour;
  const char *channel;
  gint64 limit_fen;
  gint64 used_fen;
} GenUser;

static const char *const channels[] = { "ALIPAY", "WECHAT", "UNIONPAY" };
static const char *const surnames[] = { "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                        "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高" };
static const char *const given[] = { "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋",
                                     "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平" };

/* Product mix: code and weight out of 100. */
static const struct { const char *code; int weight; } mix[] = {
  { "FREE1", 30 }, { "FPP3", 15 }, { "FPP6", 15 }, { "FPP12", 20 },
  { "FPP24", 5 }, { "EP12", 5 }, { "ANN12", 7 }, { "ANN24", 3 },
};

typedef struct {
  const GenOptions *o;
  GenSummary *s;
  guint64 rng;
  GenUser *users;
  /* scheduled payments per day: user + 1 → amount in fen */
  GHashTable **payments;
  /* prepayments: day → GPtrArray of "user,order,amount" */
  GPtrArray **prepayments;
  /* refunds: day → GPtrArray of "order,amount" */
  GPtrArray **refunds;
  gint64 order_seq;
  gint64 txn_seq;
} Gen;

static void
date_str(const GDate *start, int day, char out[11])
{
  GDate d = *start;
  if (day >= 0)
    g_date_add_days(&d, (guint) day);
  else
    g_date_subtract_days(&d, (guint) -day);
  g_date_strftime(out, 11, "%Y-%m-%d", &d);
}

static FILE *
open_out(const char *dir, const char *name, const char *header, GError **error)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  FILE *f = fopen(path, "w");
  if (!f) {
    g_set_error(error, GEN_ERROR, 0, "cannot write %s: %s", path, g_strerror(errno));
    return NULL;
  }
  fprintf(f, "%s\n", header);
  return f;
}

static gboolean
close_out(FILE *f, const char *what, GError **error)
{
  if (ferror(f) | fclose(f)) {
    g_set_error(error, GEN_ERROR, 0, "cannot write %s: %s", what, g_strerror(errno));
    return FALSE;
  }
  return TRUE;
}

static void
write_money(FILE *f, gint64 fen)
{
  g_autofree char *y = money_format_fen(fen);
  fputs(y, f);
}

static gboolean
write_users(Gen *g, GError **error)
{
  FILE *f = open_out(g->o->out_dir, "users.csv", "user_id,credit_limit,statement_day,status,name,phone", error);
  if (!f)
    return FALSE;
  for (int u = 0; u < g->o->users; u++) {
    GenUser *user = &g->users[u];
    user->statement_day = (int) prng_uniform(&g->rng, 1, 28);
    gint64 kind = prng_uniform(&g->rng, 0, 99);
    user->behaviour = kind < 80 ? PAY_ON_TIME : kind < 90 ? PAY_LATE : kind < 95 ? PAY_PARTIAL
                    : kind < 98 ? PAY_NEVER : PAY_PREPAY;
    gint64 c = prng_uniform(&g->rng, 0, 99);
    user->channel = channels[c < 50 ? 0 : c < 85 ? 1 : 2];
    user->limit_fen = (2000 + 1000 * prng_uniform(&g->rng, 0, 48)) * 100;
    gboolean frozen = prng_uniform(&g->rng, 0, 99) == 0;
    fprintf(f, "U%07d,", u + 1);
    write_money(f, user->limit_fen);
    fprintf(f, ",%d,%s,%s%s,1%02d%08d\n", user->statement_day, frozen ? "FROZEN" : "ACTIVE",
            surnames[prng_uniform(&g->rng, 0, G_N_ELEMENTS(surnames) - 1)],
            given[prng_uniform(&g->rng, 0, G_N_ELEMENTS(given) - 1)],
            (int) prng_uniform(&g->rng, 30, 99), (int) prng_uniform(&g->rng, 0, 99999999));
  }
  g->s->users = g->o->users;
  return close_out(f, "users.csv", error);
}

static const Product *
draw_product(Gen *g)
{
  gint64 x = prng_uniform(&g->rng, 0, 99);
  for (gsize i = 0; i < G_N_ELEMENTS(mix); i++) {
    if (x < mix[i].weight) {
      const Product *p = product_set_find(g->o->products, mix[i].code);
      if (p)
        return p;
      break;
    }
    x -= mix[i].weight;
  }
  return g->o->products->products->pdata[0];
}

static void
schedule_payment(Gen *g, int day, int user, gint64 fen)
{
  if (day < 0 || day >= g->o->days || fen <= 0)
    return;
  gpointer key = GINT_TO_POINTER(user + 1);
  gint64 *amount = g_hash_table_lookup(g->payments[day], key);
  if (!amount) {
    amount = g_new0(gint64, 1);
    g_hash_table_insert(g->payments[day], key, amount);
  }
  *amount += fen;
}

/* When and how much the user pays for one installment, by behaviour. */
static void
plan_installment(Gen *g, int user, int due_day, const SchedInstallment *inst, gint64 penalty_ppm)
{
  gint64 owed = inst->principal_fen + inst->fee_fen;
  switch (g->users[user].behaviour) {
  case PAY_ON_TIME:
  case PAY_PREPAY:
    schedule_payment(g, due_day - (int) prng_uniform(&g->rng, 0, 5), user, owed);
    break;
  case PAY_LATE: {
    int late = (int) prng_uniform(&g->rng, 1, 10);
    gint64 penalty = late * money_mul_ppm_round(owed, penalty_ppm);
    schedule_payment(g, due_day + late, user, owed + penalty);
    break;
  }
  case PAY_PARTIAL:
    schedule_payment(g, due_day, user, owed / 2);
    schedule_payment(g, due_day + 20, user, owed - owed / 2 + 5 * money_mul_ppm_round(owed, penalty_ppm));
    break;
  case PAY_NEVER:
    break;
  }
}

static void
add_event(GPtrArray **days, int day, int horizon, char *line)
{
  if (day < horizon)
    g_ptr_array_add(days[day], line);
  else
    g_free(line);
}

static gboolean
plan_order(Gen *g, int day, int user, const char *order_id, gint64 amount, const Product *p, GError **error)
{
  GDate purchase = g->o->start;
  g_date_add_days(&purchase, (guint) day);
  SchedInstallment inst[SCHED_TERM_MAX];
  if (!sched_build(amount, &p->terms, &purchase, g->users[user].statement_day, inst, error))
    return FALSE;
  gint64 outstanding = amount;
  for (int k = 0; k < p->terms.term; k++) {
    int due_day = (int) g_date_days_between(&g->o->start, &inst[k].due_date);
    if (due_day >= g->o->days)
      break;
    plan_installment(g, user, due_day, &inst[k], p->penalty_ppm);
    outstanding -= inst[k].principal_fen;
  }
  if (g->users[user].behaviour == PAY_PREPAY && p->terms.term > 1 && prng_uniform(&g->rng, 0, 2) == 0) {
    /* pays the loan off about a month in: the outstanding principal plus a margin
     * that covers a billed fee, or falls just short of the payoff now and then */
    int when = day + (int) prng_uniform(&g->rng, 20, 45);
    gint64 pay = outstanding + inst[0].fee_fen + prng_uniform(&g->rng, -100, 2000);
    add_event(g->prepayments, when, g->o->days,
              g_strdup_printf("%d,%s,%" G_GINT64_FORMAT, user, order_id, MAX(pay, 1)));
  }
  if (prng_uniform(&g->rng, 0, 99) < 3) {
    gboolean full = prng_uniform(&g->rng, 0, 1) == 0;
    gint64 r = full ? amount : MAX(1, amount * prng_uniform(&g->rng, 10, 90) / 100);
    add_event(g->refunds, day + (int) prng_uniform(&g->rng, 1, 20), g->o->days,
              g_strdup_printf("%s,%" G_GINT64_FORMAT, order_id, r));
  }
  return TRUE;
}

static gboolean
write_orders(Gen *g, int day, const char *dir, const char *date, GError **error)
{
  FILE *f = open_out(dir, "orders.csv", "order_id,user_id,order_date,amount,product_code", error);
  if (!f)
    return FALSE;
  for (int u = 0; u < g->o->users; u++) {
    if (prng_uniform(&g->rng, 0, 99) >= 3)
      continue;
    gint64 amount = draw_amount(&g->rng);
    const Product *p = draw_product(g);
    GenUser *user = &g->users[u];
    char order_id[32];
    g_snprintf(order_id, sizeof order_id, "O%08" G_GINT64_FORMAT, ++g->order_seq);
    fprintf(f, "%s,U%07d,%s,", order_id, u + 1, date);
    write_money(f, amount);
    fprintf(f, ",%s\n", p->code);
    g->s->orders++;
    g->s->order_fen += amount;
    /* the batch will reject what exceeds the limit; plan payments only for the rest */
    if (user->used_fen + amount > user->limit_fen)
      continue;
    user->used_fen += amount;
    if (!plan_order(g, day, u, order_id, amount, p, error)) {
      fclose(f);
      return FALSE;
    }
  }
  return close_out(f, "orders.csv", error);
}

/* Planted settlement differences, a few per ten thousand lines. */
static void
write_settlement_line(Gen *g, FILE *f, const char *txn, const char *date, gint64 fen)
{
  gint64 x = prng_uniform(&g->rng, 0, 9999);
  if (x < 10) {            /* 短款: paid to us, missing from the channel's file */
    g->s->system_only++;
    return;
  }
  if (x < 15) {            /* amount mismatch */
    fen += 100;
    g->s->amount_mismatch++;
  }
  fprintf(f, "%s,%s,", txn, date);
  write_money(f, fen);
  fputc('\n', f);
  g->s->settlement_lines++;
  if (x >= 15 && x < 20) { /* 长款: a line we never received */
    fprintf(f, "X%s,%s,", txn, date);
    write_money(f, fen);
    fputc('\n', f);
    g->s->channel_only++;
    g->s->settlement_lines++;
  }
}

typedef struct {
  const char *channel;
  char *txn;
  gint64 fen;
} Paid;

static void
paid_free(gpointer p)
{
  g_free(((Paid *) p)->txn);
  g_free(p);
}

static gint
by_int(gconstpointer a, gconstpointer b)
{
  int x = GPOINTER_TO_INT(*(gpointer const *) a), y = GPOINTER_TO_INT(*(gpointer const *) b);
  return (x > y) - (x < y);
}

static void
write_repayment(Gen *g, FILE *f, int user, const char *date, gint64 fen, const char *prepay_order,
                GPtrArray *paid)
{
  Paid *p = g_new0(Paid, 1);
  p->channel = g->users[user].channel;
  p->txn = g_strdup_printf("%.2s%010" G_GINT64_FORMAT, p->channel, ++g->txn_seq);
  p->fen = fen;
  fprintf(f, "%s,U%07d,%s,", p->txn, user + 1, date);
  write_money(f, fen);
  fprintf(f, ",%s,%s\n", p->channel, prepay_order ? prepay_order : "");
  g->s->repayments++;
  g->s->repayment_fen += fen;
  g_ptr_array_add(paid, p);
}

/* The day's repayments: planned installment payments (one per user) in user order,
 * then prepayments in the order they were planned. */
static gboolean
write_repayments(Gen *g, int day, const char *dir, const char *date, GPtrArray *paid, GError **error)
{
  FILE *f = open_out(dir, "repayments.csv", "txn_id,user_id,pay_date,amount,channel,prepay_order_id", error);
  if (!f)
    return FALSE;
  /* hash order is not stable across GLib versions: sort the users */
  g_autoptr(GPtrArray) users = g_ptr_array_new();
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, g->payments[day]);
  while (g_hash_table_iter_next(&it, &key, NULL))
    g_ptr_array_add(users, key);
  g_ptr_array_sort(users, by_int);
  for (guint i = 0; i < users->len; i++) {
    int user = GPOINTER_TO_INT(users->pdata[i]) - 1;
    gint64 *fen = g_hash_table_lookup(g->payments[day], users->pdata[i]);
    write_repayment(g, f, user, date, *fen, NULL, paid);
  }
  for (guint i = 0; i < g->prepayments[day]->len; i++) {
    g_auto(GStrv) parts = g_strsplit(g->prepayments[day]->pdata[i], ",", 3);
    write_repayment(g, f, atoi(parts[0]), date, g_ascii_strtoll(parts[2], NULL, 10), parts[1], paid);
  }
  return close_out(f, "repayments.csv", error);
}

static gboolean
write_refunds(Gen *g, int day, const char *dir, const char *date, GError **error)
{
  FILE *f = open_out(dir, "refunds.csv", "refund_id,order_id,refund_date,amount", error);
  if (!f)
    return FALSE;
  for (guint i = 0; i < g->refunds[day]->len; i++) {
    g_auto(GStrv) parts = g_strsplit(g->refunds[day]->pdata[i], ",", 2);
    fprintf(f, "R%s,%s,%s,", parts[0] + 1, parts[0], date);
    write_money(f, g_ascii_strtoll(parts[1], NULL, 10));
    fputc('\n', f);
    g->s->refunds++;
  }
  return close_out(f, "refunds.csv", error);
}

/* Yesterday's repayments, one file per channel, in today's folder (T+1). */
static gboolean
write_settlements(Gen *g, const char *dir, const char *paid_date, GPtrArray *paid, GError **error)
{
  for (gsize c = 0; c < G_N_ELEMENTS(channels); c++) {
    g_autofree char *name = g_strdup_printf("settlement_%s.csv", channels[c]);
    FILE *f = open_out(dir, name, "channel_txn_id,pay_date,amount", error);
    if (!f)
      return FALSE;
    for (guint i = 0; i < paid->len; i++) {
      Paid *p = paid->pdata[i];
      if (p->channel == channels[c])
        write_settlement_line(g, f, p->txn, paid_date, p->fen);
    }
    if (!close_out(f, name, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
make_day_dir(const Gen *g, int day, char **dir, GError **error)
{
  GDate d = g->o->start;
  g_date_add_days(&d, (guint) day);
  char name[9];
  g_date_strftime(name, sizeof name, "%Y%m%d", &d);
  *dir = g_build_filename(g->o->out_dir, name, NULL);
  if (g_mkdir_with_parents(*dir, 0755) != 0) {
    g_set_error(error, GEN_ERROR, 0, "cannot create %s: %s", *dir, g_strerror(errno));
    return FALSE;
  }
  return TRUE;
}

static gboolean
write_day(Gen *g, int day, GPtrArray **paid_yesterday, GError **error)
{
  g_autofree char *dir = NULL;
  char date[11], yesterday[11];
  if (!make_day_dir(g, day, &dir, error))
    return FALSE;
  date_str(&g->o->start, day, date);
  date_str(&g->o->start, day - 1, yesterday);
  GPtrArray *paid = g_ptr_array_new_with_free_func(paid_free);
  gboolean ok = write_orders(g, day, dir, date, error)
                && write_refunds(g, day, dir, date, error)
                && write_repayments(g, day, dir, date, paid, error)
                && (!*paid_yesterday || write_settlements(g, dir, yesterday, *paid_yesterday, error));
  if (*paid_yesterday)
    g_ptr_array_unref(*paid_yesterday);
  *paid_yesterday = paid;
  return ok;
}

static void
gen_clear(Gen *g)
{
  for (int d = 0; d < g->o->days; d++) {
    g_hash_table_unref(g->payments[d]);
    g_ptr_array_unref(g->prepayments[d]);
    g_ptr_array_unref(g->refunds[d]);
  }
  g_free(g->payments);
  g_free(g->prepayments);
  g_free(g->refunds);
  g_free(g->users);
}

gboolean
gen_portfolio(const GenOptions *o, GenSummary *s, GError **error)
{
  memset(s, 0, sizeof *s);
  if (g_mkdir_with_parents(o->out_dir, 0755) != 0) {
    g_set_error(error, GEN_ERROR, 0, "cannot create %s: %s", o->out_dir, g_strerror(errno));
    return FALSE;
  }
  Gen g = { .o = o, .s = s, .rng = o->seed };
  g.users = g_new0(GenUser, o->users);
  g.payments = g_new0(GHashTable *, o->days);
  g.prepayments = g_new0(GPtrArray *, o->days);
  g.refunds = g_new0(GPtrArray *, o->days);
  for (int d = 0; d < o->days; d++) {
    g.payments[d] = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    g.prepayments[d] = g_ptr_array_new_with_free_func(g_free);
    g.refunds[d] = g_ptr_array_new_with_free_func(g_free);
  }
  GPtrArray *paid = NULL;
  gboolean ok = write_users(&g, error);
  for (int d = 0; ok && d < o->days; d++)
    ok = write_day(&g, d, &paid, error);
  /* the last day's settlement files arrive the day after */
  g_autofree char *dir = NULL;
  char last[11];
  date_str(&o->start, o->days - 1, last);
  if (ok && paid)
    ok = make_day_dir(&g, o->days, &dir, error) && write_settlements(&g, dir, last, paid, error);
  if (paid)
    g_ptr_array_unref(paid);
  gen_clear(&g);
  return ok;
}
