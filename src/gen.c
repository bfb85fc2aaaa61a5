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

#include "gen_campaigns.h"
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
  GenCampaigns *campaigns;   /* gen --campaigns, or NULL */
} Gen;

void
gen_date_str(const GDate *start, int day, char out[11])
{
  GDate d = *start;
  if (day >= 0)
    g_date_add_days(&d, (guint) day);
  else
    g_date_subtract_days(&d, (guint) -day);
  g_date_strftime(out, 11, "%Y-%m-%d", &d);
}

FILE *
gen_open_file(const char *dir, const char *name, const char *header, GError **error)
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

gboolean
gen_close_file(FILE *f, const char *what, GError **error)
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
  FILE *f = gen_open_file(g->o->out_dir, "users.csv", "user_id,credit_limit,statement_day,status,name,phone", error);
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
  return gen_close_file(f, "users.csv", error);
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
  FILE *f = gen_open_file(dir, "orders.csv",
                     g->campaigns ? "order_id,user_id,order_date,amount,product_code" GEN_CAMPAIGN_ORDER_HEADER
                                  : "order_id,user_id,order_date,amount,product_code", error);
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
    fprintf(f, ",%s", p->code);
    if (g->campaigns)
      gen_campaigns_order_columns(g->campaigns, u, f);
    else
      fputc('\n', f);
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
  return gen_close_file(f, "orders.csv", error);
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
  FILE *f = gen_open_file(dir, "repayments.csv", "txn_id,user_id,pay_date,amount,channel,prepay_order_id", error);
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
  return gen_close_file(f, "repayments.csv", error);
}

static gboolean
write_refunds(Gen *g, int day, const char *dir, const char *date, GError **error)
{
  FILE *f = gen_open_file(dir, "refunds.csv", "refund_id,order_id,refund_date,amount", error);
  if (!f)
    return FALSE;
  for (guint i = 0; i < g->refunds[day]->len; i++) {
    g_auto(GStrv) parts = g_strsplit(g->refunds[day]->pdata[i], ",", 2);
    fprintf(f, "R%s,%s,%s,", parts[0] + 1, parts[0], date);
    write_money(f, g_ascii_strtoll(parts[1], NULL, 10));
    fputc('\n', f);
    g->s->refunds++;
  }
  return gen_close_file(f, "refunds.csv", error);
}

/* Yesterday's repayments, one file per channel, in today's folder (T+1). */
static gboolean
write_settlements(Gen *g, const char *dir, const char *paid_date, GPtrArray *paid, GError **error)
{
  for (gsize c = 0; c < G_N_ELEMENTS(channels); c++) {
    g_autofree char *name = g_strdup_printf("settlement_%s.csv", channels[c]);
    FILE *f = gen_open_file(dir, name, "channel_txn_id,pay_date,amount", error);
    if (!f)
      return FALSE;
    for (guint i = 0; i < paid->len; i++) {
      Paid *p = paid->pdata[i];
      if (p->channel == channels[c])
        write_settlement_line(g, f, p->txn, paid_date, p->fen);
    }
    if (!gen_close_file(f, name, error))
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
  gen_date_str(&g->o->start, day, date);
  gen_date_str(&g->o->start, day - 1, yesterday);
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

/* The book's installments still to pay, planned like the day files' own. */
static void
plan_book(Gen *g)
{
  for (int u = 0; g->o->book_used_fen && u < g->o->users; u++)
    g->users[u].used_fen = g->o->book_used_fen[u];
  for (guint k = 0; g->o->book_dues && k < g->o->book_dues->len; k++) {
    const GenDue *d = &g_array_index(g->o->book_dues, GenDue, k);
    SchedInstallment inst = { .principal_fen = d->principal_fen, .fee_fen = d->fee_fen };
    int due_day = (int) g_date_days_between(&g->o->start, &d->due_date);
    plan_installment(g, d->user, due_day, &inst, d->penalty_ppm);
  }
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
  gen_campaigns_free(g->campaigns);
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
  if (ok && o->campaigns > 0) {
    g.campaigns = gen_campaigns_new(o->seed, o->campaigns, o->users, &o->start, o->days, o->products);
    ok = gen_campaigns_write(g.campaigns, o->out_dir, error);
  }
  if (ok)
    plan_book(&g);
  for (int d = 0; ok && d < o->days; d++)
    ok = write_day(&g, d, &paid, error);
  /* the last day's settlement files arrive the day after */
  g_autofree char *dir = NULL;
  char last[11];
  gen_date_str(&o->start, o->days - 1, last);
  if (ok && paid)
    ok = make_day_dir(&g, o->days, &dir, error) && write_settlements(&g, dir, last, paid, error);
  if (paid)
    g_ptr_array_unref(paid);
  if (g.campaigns)
    gen_campaigns_counts(g.campaigns, &s->campaigns, &s->coupons, &s->segment_rows, &s->coupon_orders);
  gen_clear(&g);
  return ok;
}

/* ---- the opening book (gen --book) --------------------------------------------- */

typedef struct {
  FILE *f;
  gint64 rows;
  gint64 total_fen;
} BookFile;

typedef struct {
  Gen *g;
  const GenBookOptions *bo;
  GenBookSummary *bs;
  BookFile loans, inst, credit;
  gint64 limit_total_fen;
  gboolean billed_unpaid;   /* the current user owes a billed item */
} Book;

static void
book_date(FILE *f, const GDate *d)
{
  char s[11];
  g_date_strftime(s, sizeof s, "%Y-%m-%d", d);
  fputs(s, f);
}

/* One installment's state on the cut-over date. DELINQUENT: unpaid from its due date
 * (penalty every night after it, to AS_OF or to the write-off night WO). */
typedef struct {
  const char *status;
  gint64 paid_p, paid_f, penalty, fee_waived, wo_p, wo_f, wo_pen;
  GDate paid;
} InstState;

static void
write_installment(Book *b, const char *order_id, const SchedInstallment *s, const InstState *st)
{
  FILE *f = b->inst.f;
  fprintf(f, "%s,%d,", order_id, s->no);
  book_date(f, &s->billing_date);
  fputc(',', f);
  book_date(f, &s->due_date);
  const gint64 amounts[] = { s->principal_fen, s->fee_fen };
  for (gsize k = 0; k < G_N_ELEMENTS(amounts); k++) {
    fputc(',', f);
    write_money(f, amounts[k]);
  }
  fprintf(f, ",%s", st->status);
  const gint64 v[] = { st->paid_p, st->paid_f, st->penalty, 0, st->fee_waived, 0, st->wo_p, st->wo_f, st->wo_pen, 0 };
  for (gsize k = 0; k < G_N_ELEMENTS(v); k++) {
    fputc(',', f);
    write_money(f, v[k]);
  }
  fputc(',', f);
  if (g_date_valid(&st->paid))
    book_date(f, &st->paid);
  fputc('\n', f);
  b->inst.rows++;
  b->inst.total_fen += s->principal_fen;
}

/* Nights of penalty an installment unpaid since DUE has accrued by END. */
static gint64
penalty_by(const SchedInstallment *s, const GDate *end, gint64 ppm)
{
  gint64 nights = g_date_days_between(&s->due_date, end);
  return nights > 0 ? nights * money_mul_ppm_round(s->principal_fen + s->fee_fen, ppm) : 0;
}

typedef struct {
  int first_unpaid;     /* index of the first installment left unpaid; term = none */
  gboolean written_off;
  GDate wo;             /* the write-off night */
  GDate last_paid;
} LoanPlan;

static InstState
installment_state(const Book *b, const Product *p, const SchedInstallment *s, int k, const LoanPlan *lp)
{
  InstState st = { .status = "UNBILLED" };
  g_date_clear(&st.paid, 1);
  const GDate *as_of = &b->bo->as_of;
  gboolean billed = g_date_compare(&s->billing_date, lp->written_off ? &lp->wo : as_of) <= 0;
  if (k < lp->first_unpaid && g_date_compare(&s->due_date, as_of) < 0) {
    st.status = "PAID";
    st.paid_p = s->principal_fen;
    st.paid_f = s->fee_fen;
    st.paid = s->due_date;
    g_date_subtract_days(&st.paid, (guint) ((s->no * 7) % 5));
    if (g_date_compare(&st.paid, &s->billing_date) < 0)
      st.paid = s->billing_date;
    return st;
  }
  if (lp->written_off) {
    st.status = "WRITTEN_OFF";
    st.wo_p = s->principal_fen;
    st.wo_f = billed ? s->fee_fen : 0;
    st.fee_waived = billed ? 0 : s->fee_fen;
    st.penalty = billed ? penalty_by(s, &lp->wo, p->penalty_ppm) : 0;
    st.wo_pen = st.penalty;
    return st;
  }
  if (billed) {
    st.status = "BILLED";
    st.penalty = penalty_by(s, as_of, p->penalty_ppm);
  }
  return st;
}

static void
write_loan_row(Book *b, const char *order_id, int user, gint64 amount, const Product *p, const GDate *orig,
               const char *status, const GDate *status_date, const LoanPlan *lp)
{
  FILE *f = b->loans.f;
  fprintf(f, "%s,U%07d,%s,", order_id, user + 1, p->code);
  book_date(f, orig);
  fputc(',', f);
  write_money(f, amount);
  fprintf(f, ",%d,%s,%" G_GINT64_FORMAT ",%d,%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%s,%d,%s,", p->terms.term,
          sched_method_to_string(p->terms.method), p->terms.rate_ppm, p->terms.grace_days, p->penalty_ppm,
          p->writeoff_dpd, product_prepay_policy_to_string(p->prepay_fee_policy),
          b->g->users[user].statement_day, status);
  book_date(f, status_date);
  fputc(',', f);
  if (lp->written_off)
    book_date(f, &lp->wo);
  fputc('\n', f);
  b->loans.rows++;
  b->loans.total_fen += amount;
}

/* Who stops paying, and from which installment: users who never pay from the first,
 * a share of the late and partial payers from a recent one (DPD up to about 90). */
static void
plan_loan(Book *b, int user, const Product *p, const SchedInstallment *s, LoanPlan *lp)
{
  Gen *g = b->g;
  const GDate *as_of = &b->bo->as_of;
  int due_before = 0;
  while (due_before < p->terms.term && g_date_compare(&s[due_before].due_date, as_of) < 0)
    due_before++;
  Behaviour bh = g->users[user].behaviour;
  lp->first_unpaid = p->terms.term;
  lp->written_off = FALSE;
  if (due_before > 0 && (bh == PAY_NEVER || ((bh == PAY_LATE || bh == PAY_PARTIAL)
                                             && prng_uniform(&g->rng, 0, 99) < 8))) {
    lp->first_unpaid = bh == PAY_NEVER ? 0 : due_before - 1 - (int) prng_uniform(&g->rng, 0, MIN(2, due_before - 1));
    lp->wo = s[lp->first_unpaid].due_date;
    g_date_add_days(&lp->wo, (guint) p->writeoff_dpd + 1);
    lp->written_off = g_date_compare(&lp->wo, as_of) <= 0;
  }
}

static gboolean
book_loan(Book *b, int user, gint64 amount, const Product *p, const GDate *orig, GError **error)
{
  Gen *g = b->g;
  SchedInstallment s[SCHED_TERM_MAX];
  if (!sched_build(amount, &p->terms, orig, g->users[user].statement_day, s, error))
    return FALSE;
  LoanPlan lp;
  plan_loan(b, user, p, s, &lp);
  char order_id[32];
  g_snprintf(order_id, sizeof order_id, "B%09" G_GINT64_FORMAT, ++g->order_seq);
  InstState st[SCHED_TERM_MAX];
  gboolean live = FALSE, overdue = FALSE;
  GDate status_date = *orig;
  for (int k = 0; k < p->terms.term; k++) {
    st[k] = installment_state(b, p, &s[k], k, &lp);
    live |= strcmp(st[k].status, "BILLED") == 0 || strcmp(st[k].status, "UNBILLED") == 0;
    overdue |= strcmp(st[k].status, "BILLED") == 0 && g_date_compare(&s[k].due_date, &b->bo->as_of) < 0;
    b->billed_unpaid |= strcmp(st[k].status, "BILLED") == 0;
    if (g_date_valid(&st[k].paid) && g_date_compare(&st[k].paid, &status_date) > 0)
      status_date = st[k].paid;
  }
  const char *status = lp.written_off ? "WRITTEN_OFF" : live ? "ACTIVE" : "PAID_OFF";
  if (lp.written_off)
    status_date = lp.wo;
  else if (live)
    status_date = *orig;
  write_loan_row(b, order_id, user, amount, p, orig, status, &status_date, &lp);
  for (int k = 0; k < p->terms.term; k++) {
    write_installment(b, order_id, &s[k], &st[k]);
    if (!lp.written_off && live && !overdue && strcmp(st[k].status, "PAID") != 0) {
      GenDue d = { user, s[k].due_date, s[k].principal_fen, s[k].fee_fen, p->penalty_ppm };
      g_array_append_val(b->bs->dues, d);
    }
    if (strcmp(status, "ACTIVE") == 0)
      b->bs->used_fen[user] += s[k].principal_fen - st[k].paid_p;
  }
  b->bs->loans++;
  b->bs->installments += p->terms.term;
  b->bs->principal_fen += amount;
  b->bs->active += live && !lp.written_off;
  b->bs->paid_off += !live && !lp.written_off;
  b->bs->overdue += overdue;
  b->bs->written_off += lp.written_off;
  return TRUE;
}

/* 0–4 loans per user, most originated in the 5 months before the cut-over, some up to 18
 * months before (a dormant user's long enough before it that all fell due), within the
 * limit; a small credit balance for some users who owe nothing billed. */
static gboolean
book_user(Book *b, int user, GError **error)
{
  Gen *g = b->g;
  gint64 n = prng_uniform(&g->rng, 0, 99);
  int loans = n < 10 ? 0 : n < 35 ? 1 : n < 65 ? 2 : n < 85 ? 3 : 4;
  gint64 used = 0;
  b->billed_unpaid = FALSE;
  gboolean owes = FALSE;
  gboolean dormant = b->bo->active_users > 0 && user >= b->bo->active_users;
  for (int k = 0; k < loans; k++) {
    gint64 amount = draw_amount(&g->rng);
    const Product *p = draw_product(g);
    GDate orig = b->bo->as_of;
    /* a dormant user's loans ended: the last due date a month or more before AS_OF */
    gint64 back = dormant ? 31 * (p->terms.term + 2) + prng_uniform(&g->rng, 0, 365)
                : prng_uniform(&g->rng, 0, 99) < 85 ? prng_uniform(&g->rng, 0, 150) : prng_uniform(&g->rng, 150, 540);
    g_date_subtract_days(&orig, (guint) back);
    if (used + amount > g->users[user].limit_fen)
      continue;
    used += amount;
    gint64 overdue_before = b->bs->overdue + b->bs->written_off;
    if (!book_loan(b, user, amount, p, &orig, error))
      return FALSE;
    owes |= b->bs->overdue + b->bs->written_off > overdue_before;
  }
  if (!owes && !b->billed_unpaid && prng_uniform(&g->rng, 0, 99) < 3) {
    gint64 fen = prng_uniform(&g->rng, 1, 50000);
    fprintf(b->credit.f, "U%07d,", user + 1);
    write_money(b->credit.f, fen);
    fputc('\n', b->credit.f);
    b->credit.rows++;
    b->credit.total_fen += fen;
    b->bs->credit_users++;
  }
  return TRUE;
}

static gboolean
write_manifest(Book *b, GError **error)
{
  FILE *f = gen_open_file(b->bo->out_dir, "manifest.csv", "cutover_date,file,rows,total", error);
  if (!f)
    return FALSE;
  const struct { const char *name; gint64 rows, total; } lines[] = {
    { "users.csv", b->bs->users, b->limit_total_fen },
    { "loans.csv", b->loans.rows, b->loans.total_fen },
    { "installments.csv", b->inst.rows, b->inst.total_fen },
    { "credit_balances.csv", b->credit.rows, b->credit.total_fen },
  };
  for (gsize k = 0; k < G_N_ELEMENTS(lines); k++) {
    book_date(f, &b->bo->as_of);
    fprintf(f, ",%s,%" G_GINT64_FORMAT ",", lines[k].name, lines[k].rows);
    write_money(f, lines[k].total);
    fputc('\n', f);
  }
  return gen_close_file(f, "manifest.csv", error);
}

gboolean
gen_book(const GenBookOptions *o, GenBookSummary *s, GError **error)
{
  memset(s, 0, sizeof *s);
  if (g_mkdir_with_parents(o->out_dir, 0755) != 0) {
    g_set_error(error, GEN_ERROR, 0, "cannot create %s: %s", o->out_dir, g_strerror(errno));
    return FALSE;
  }
  /* the users are gen_portfolio's own: same seed, same draws, same users.csv */
  GenSummary gs = { 0 };
  GenOptions go = { .seed = o->seed, .users = o->users, .days = 0, .out_dir = o->out_dir,
                    .products = o->products };
  Gen g = { .o = &go, .s = &gs, .rng = o->seed };
  g.users = g_new0(GenUser, o->users);
  s->dues = g_array_new(FALSE, FALSE, sizeof(GenDue));
  s->used_fen = g_new0(gint64, o->users);
  Book b = { .g = &g, .bo = o, .bs = s };
  gboolean ok = write_users(&g, error);
  /* the loans' own stream, from the seed alone: user u's loans do not depend on USERS */
  g.rng = o->seed ^ G_GUINT64_CONSTANT(0xB00C0B00C);
  s->users = gs.users;
  for (int u = 0; u < o->users; u++)
    b.limit_total_fen += g.users[u].limit_fen;
  ok = ok && (b.loans.f = gen_open_file(o->out_dir, "loans.csv",
                                   "order_id,user_id,product_code,origination_date,principal,term,method,rate_ppm,"
                                   "grace_days,penalty_ppm,writeoff_dpd,prepay_fee_policy,statement_day,status,"
                                   "status_date,written_off_date", error));
  ok = ok && (b.inst.f = gen_open_file(o->out_dir, "installments.csv",
                                  "order_id,installment_no,billing_date,due_date,principal,fee,status,"
                                  "paid_principal,paid_fee,penalty_accrued,paid_penalty,fee_waived,penalty_waived,"
                                  "writeoff_principal,writeoff_fee,writeoff_penalty,recovered,paid_date", error));
  ok = ok && (b.credit.f = gen_open_file(o->out_dir, "credit_balances.csv", "user_id,amount", error));
  for (int u = 0; ok && u < o->users; u++)
    ok = book_user(&b, u, error);
  BookFile *files[] = { &b.loans, &b.inst, &b.credit };
  for (gsize k = 0; k < G_N_ELEMENTS(files); k++)
    if (files[k]->f && !gen_close_file(files[k]->f, "the book", ok ? error : NULL))
      ok = FALSE;
  ok = ok && write_manifest(&b, error);
  g_free(g.users);
  if (!ok) {
    g_array_unref(s->dues);
    g_free(s->used_fen);
    s->dues = NULL;
    s->used_fen = NULL;
  }
  return ok;
}
