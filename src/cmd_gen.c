/* baitiao gen — write a deterministic synthetic portfolio as partner files. */
#include <stdio.h>

#include "commands.h"
#include "date.h"
#include "gen.h"
#include "money.h"

typedef struct {
  int users;
  int days;
  int book;
  int active;
  int campaigns;
  char *as_of;
  gint64 seed;
  char *start;
  char *out;
  char *products;
  GDate start_date, as_of_date;   /* validated */
} GenArgs;

static GenArgs a = { .users = 1000, .days = -1, .seed = 1 };

static const GOptionEntry options[] = {
  { "users", 'u', 0, G_OPTION_ARG_INT, &a.users, "Number of users (default 1000)", "N" },
  { "days", 'd', 0, G_OPTION_ARG_INT, &a.days, "Number of business days (default 30)", "D" },
  { "seed", 's', 0, G_OPTION_ARG_INT64, &a.seed, "Random seed: the same seed gives the same files (default 1)", "S" },
  { "start", 0, 0, G_OPTION_ARG_STRING, &a.start, "First business date (default 2026-03-01)", "YYYY-MM-DD" },
  { "out", 'o', 0, G_OPTION_ARG_FILENAME, &a.out, "Output folder (default ./portfolio)", "DIR" },
  { "book", 0, 0, G_OPTION_ARG_INT, &a.book, "Write an opening book of N users to OUT/book for 'import book' (with --as-of; day files after it with --days)", "N" },
  { "active", 0, 0, G_OPTION_ARG_INT, &a.active,
    "With --book: users 1..N hold loans still to fall due and act in the day files, the rest only ended loans"
    " (default: all)", "N" },
  { "as-of", 0, 0, G_OPTION_ARG_STRING, &a.as_of, "The book's cut-over business date (with --book)", "YYYY-MM-DD" },
  { "products", 'p', 0, G_OPTION_ARG_FILENAME, &a.products, "Product catalogue (default etc/products.conf)", "FILE" },
  { "campaigns", 0, 0, G_OPTION_ARG_INT, &a.campaigns,
    "Also write OUT/campaigns.conf of N campaigns (the first 12 a realistic set; up to 1000), segments.csv,"
    " coupons.csv, and orders with merchant_id, category and coupon_id (default 0: none)", "N" },
  G_OPTION_ENTRY_NULL,
};

static void
print_summary(const GenOptions *o, const GenSummary *s)
{
  if (cli_quiet())
    return;
  g_autofree char *orders = money_format_fen_grouped(s->order_fen);
  g_autofree char *paid = money_format_fen_grouped(s->repayment_fen);
  printf("%s: %" G_GINT64_FORMAT " users, %d days from %04d-%02d-%02d\n"
         "  orders      %10" G_GINT64_FORMAT "  %s yuan\n"
         "  repayments  %10" G_GINT64_FORMAT "  %s yuan\n"
         "  refunds     %10" G_GINT64_FORMAT "\n"
         "  settlement  %10" G_GINT64_FORMAT " lines; planted: %" G_GINT64_FORMAT " 长款 (channel only), %"
         G_GINT64_FORMAT " 短款 (ours only), %" G_GINT64_FORMAT " amount mismatches\n",
         o->out_dir, s->users, o->days, g_date_get_year(&o->start), g_date_get_month(&o->start),
         g_date_get_day(&o->start), s->orders, orders, s->repayments, paid, s->refunds,
         s->settlement_lines, s->channel_only, s->system_only, s->amount_mismatch);
  if (o->campaigns > 0)
    printf("  campaigns   %10" G_GINT64_FORMAT " (campaigns.conf); %" G_GINT64_FORMAT " coupons, %" G_GINT64_FORMAT
           " segment rows, %" G_GINT64_FORMAT " orders naming a coupon\n",
           s->campaigns, s->coupons, s->segment_rows, s->coupon_orders);
}

static void
print_book_summary(const char *dir, const GenBookSummary *s)
{
  if (cli_quiet())
    return;
  g_autofree char *p = money_format_fen_grouped(s->principal_fen);
  printf("%s: an import set of %" G_GINT64_FORMAT " users\n"
         "  loans         %10" G_GINT64_FORMAT "  %s yuan (%" G_GINT64_FORMAT " active, %" G_GINT64_FORMAT
         " overdue, %" G_GINT64_FORMAT " paid off, %" G_GINT64_FORMAT " written off)\n"
         "  installments  %10" G_GINT64_FORMAT "\n"
         "  credit balances %8" G_GINT64_FORMAT " users\n",
         dir, s->users, s->loans, p, s->active, s->overdue, s->paid_off, s->written_off, s->installments,
         s->credit_users);
}

/* gen --book: the import set in OUT/book, then (with --days) the day files after the
 * cut-over in OUT, which pay the book's performing installments too. */
static gboolean
gen_with_book(const ProductSet *products, GError **error)
{
  const char *out = a.out ? a.out : "portfolio";
  g_autofree char *book_dir = g_build_filename(out, "book", NULL);
  GenBookOptions bo = { .seed = (guint64) a.seed, .users = a.book, .out_dir = book_dir, .products = products,
                        .as_of = a.as_of_date, .active_users = a.active };
  GenBookSummary bs;
  if (!gen_book(&bo, &bs, error))
    return FALSE;
  print_book_summary(book_dir, &bs);
  gboolean ok = TRUE;
  if (a.days > 0) {
    GenOptions o = { .seed = (guint64) a.seed, .users = a.active ? a.active : a.book, .days = a.days,
                     .out_dir = out,
                     .start = bo.as_of, .products = products, .book_dues = bs.dues, .book_used_fen = bs.used_fen,
                     .campaigns = a.campaigns };
    g_date_add_days(&o.start, 1);
    GenSummary s;
    ok = gen_portfolio(&o, &s, error);
    if (ok)
      print_summary(&o, &s);
  }
  g_array_unref(bs.dues);
  g_free(bs.used_fen);
  return ok;
}

static gboolean
validate(CliRun *run, GError **error)
{
  (void) run;
  if (a.days < 0)
    a.days = a.book > 0 ? 0 : 30;
  if (a.users < 1 || a.users > 10000000 || a.days < (a.book > 0 ? 0 : 1) || a.days > 3660 || a.book < 0
      || a.book > 10000000 || a.active < 0 || a.active > a.book || a.campaigns < 0 || a.campaigns > 1000) {
    cli_usage_error(error, "--users and --book must be 1 to 10 000 000, --days 1 to 3660, --active 0 to --book"
                           " and --campaigns 0 to 1000");
    return FALSE;
  }
  if (a.book > 0 && !a.as_of) {
    cli_usage_error(error, "--book needs --as-of, the cut-over date YYYY-MM-DD");
    return FALSE;
  }
  return cli_parse_date("--start", a.start ? a.start : "2026-03-01", &a.start_date, error)
         && (!a.as_of || cli_parse_date("--as-of", a.as_of, &a.as_of_date, error));
}

static gboolean
body(CliRun *run, GError **error)
{
  (void) run;
  g_autoptr(ProductSet) products = product_set_load(a.products ? a.products : "etc/products.conf", error);
  if (!products)
    return FALSE;
  if (a.book > 0)
    return gen_with_book(products, error);
  GenOptions o = { .seed = (guint64) a.seed, .users = a.users, .days = a.days,
                   .out_dir = a.out ? a.out : "portfolio", .start = a.start_date, .products = products,
                   .campaigns = a.campaigns };
  GenSummary s;
  if (!gen_portfolio(&o, &s, error))
    return FALSE;
  print_summary(&o, &s);
  return TRUE;
}

const CliCommand cmd_gen = {
  .name = "gen",
  .summary = "write a synthetic portfolio as partner files (demo, benchmarks)",
  .description =
    "Write a synthetic portfolio as the partner files the intake reads: users.csv, then\n"
    "per day YYYYMMDD/orders.csv, refunds.csv, repayments.csv and the channels'\n"
    "settlement_CHANNEL.csv of the day before. With --campaigns N also a campaign\n"
    "catalogue (campaigns.conf), segments.csv and coupons.csv, and orders.csv with the\n"
    "merchant_id, category and coupon_id columns.",
  .db = CLI_DB_NONE,
  .options = options,
  .validate = validate,
  .body = body,
};
