/* baitiao schedule — the installment schedule of one purchase, as customer service
 * or finance would check it; no database needed. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "money.h"
#include "product.h"
#include "schedule.h"

typedef struct {
  char *amount;
  char *method;
  char *date;
  char *product;
  char *products_file;
  char *format;
  int term;
  gint64 rate_ppm;
  int statement_day;
  int grace_days;
} ScheduleArgs;

static ScheduleArgs args = { .term = 1, .statement_day = 0, .grace_days = PRODUCT_DEFAULT_GRACE_DAYS };

static const GOptionEntry options[] = {
  { "amount", 'a', 0, G_OPTION_ARG_STRING, &args.amount, "Purchase amount in yuan, e.g. 1000.00", "YUAN" },
  { "method", 'm', 0, G_OPTION_ARG_STRING, &args.method,
    "INTEREST_FREE, FEE_PER_PERIOD, EQUAL_PRINCIPAL or ANNUITY", "METHOD" },
  { "term", 't', 0, G_OPTION_ARG_INT, &args.term, "Number of installments (default 1)", "N" },
  { "rate-ppm", 'r', 0, G_OPTION_ARG_INT64, &args.rate_ppm, "Monthly rate in ppm (5000 = 0.5 %)", "PPM" },
  { "grace-days", 'g', 0, G_OPTION_ARG_INT, &args.grace_days, "Days from billing to due date (default 9)", "DAYS" },
  { "product", 'p', 0, G_OPTION_ARG_STRING, &args.product, "Take the terms of this product (with --products)", "CODE" },
  { "products", 0, 0, G_OPTION_ARG_FILENAME, &args.products_file, "Product catalogue file", "FILE" },
  { "date", 'd', 0, G_OPTION_ARG_STRING, &args.date, "Purchase date", "YYYY-MM-DD" },
  { "statement-day", 's', 0, G_OPTION_ARG_INT, &args.statement_day, "The user's statement day, 1 to 28", "S" },
  { "format", 'f', 0, G_OPTION_ARG_STRING, &args.format, "text (default) or csv", "FORMAT" },
  G_OPTION_ENTRY_NULL,
};

/* Terms from --product (looked up in --products) or from --method/--term/--rate-ppm. */
static gboolean
resolve_terms(const ScheduleArgs *a, SchedTerms *t, GError **error)
{
  if (a->product) {
    if (!a->products_file) {
      cli_usage_error(error, "--product needs --products FILE");
      return FALSE;
    }
    g_autoptr(ProductSet) set = product_set_load(a->products_file, error);
    if (!set)
      return FALSE;
    const Product *p = product_set_find(set, a->product);
    if (!p) {
      cli_usage_error(error, "no product \"%s\" in %s", a->product, a->products_file);
      return FALSE;
    }
    *t = p->terms;
    return TRUE;
  }
  if (!a->method || !sched_method_from_string(a->method, &t->method, NULL)) {
    cli_usage_error(error,
                    "--method must be INTEREST_FREE, FEE_PER_PERIOD, EQUAL_PRINCIPAL or ANNUITY");
    return FALSE;
  }
  t->term = a->term;
  t->rate_ppm = a->rate_ppm;
  t->grace_days = a->grace_days;
  return TRUE;
}

/* One line per installment; LINE lays out period, billing date, due date, then the
 * amounts principal, fee, payment and remaining as MONEY formats them. */
static void
print_installments(const SchedTerms *t, const SchedInstallment *s, char *(*money)(gint64 fen),
                   const char *line)
{
  for (int k = 0; k < t->term; k++) {
    char billing[16], due[16];
    g_date_strftime(billing, sizeof billing, "%Y-%m-%d", &s[k].billing_date);
    g_date_strftime(due, sizeof due, "%Y-%m-%d", &s[k].due_date);
    g_autofree char *p = money(s[k].principal_fen);
    g_autofree char *f = money(s[k].fee_fen);
    g_autofree char *pay = money(s[k].principal_fen + s[k].fee_fen);
    g_autofree char *rem = money(s[k].remaining_principal_fen);
    printf(line, s[k].no, billing, due, p, f, pay, rem);
  }
}

static void
print_text(gint64 principal, const SchedTerms *t, const GDate *purchase, int statement_day,
           const SchedInstallment *s, gint64 apr_bp)
{
  char bought[16];
  g_date_strftime(bought, sizeof bought, "%Y-%m-%d", purchase);
  g_autofree char *amount = money_format_fen_grouped(principal);
  printf("分期计划 installment schedule: %s yuan, %s, %d × %" G_GINT64_FORMAT ".%04" G_GINT64_FORMAT
         " %%/month\npurchase %s, statement day %d, grace %d days\n\n",
         amount, sched_method_to_string(t->method), t->term, t->rate_ppm / 10000, t->rate_ppm % 10000,
         bought, statement_day, t->grace_days);
  printf("%6s  %-10s  %-10s  %14s  %12s  %14s  %14s\n", "period", "billing", "due", "principal",
         "fee", "payment", "remaining");
  print_installments(t, s, money_format_fen_grouped, "%6d  %-10s  %-10s  %14s  %12s  %14s  %14s\n");
  gint64 total_principal = 0, total_fee = 0;
  for (int k = 0; k < t->term; k++) {
    total_principal += s[k].principal_fen;
    total_fee += s[k].fee_fen;
  }
  g_autofree char *tp = money_format_fen_grouped(total_principal);
  g_autofree char *tf = money_format_fen_grouped(total_fee);
  g_autofree char *tpay = money_format_fen_grouped(total_principal + total_fee);
  printf("%6s  %-10s  %-10s  %14s  %12s  %14s\n", "total", "", "", tp, tf, tpay);
  printf("\nAPR 年化利率: %" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT " %% (monthly IRR × 12, display only)\n",
         apr_bp / 100, apr_bp % 100);
}

static void
print_csv(const SchedTerms *t, const SchedInstallment *s)
{
  printf("period,billing_date,due_date,principal,fee,payment,remaining\n");
  print_installments(t, s, money_format_fen, "%d,%s,%s,%s,%s,%s,%s\n");
}

static gboolean
run_schedule(const ScheduleArgs *a, GError **error)
{
  gint64 principal;
  g_autoptr(GError) local = NULL;
  if (!a->amount || !money_parse_yuan_lenient(a->amount, &principal, &local)) {
    cli_usage_error(error, "--amount: %s", local ? local->message : "is required (yuan, e.g. 1000.00)");
    return FALSE;
  }
  GDate purchase;
  if (!a->date) {
    cli_usage_error(error, "--date is required: the purchase date YYYY-MM-DD");
    return FALSE;
  }
  if (!cli_parse_date("--date", a->date, &purchase, error))
    return FALSE;
  if (a->format && !g_str_equal(a->format, "text") && !g_str_equal(a->format, "csv")) {
    cli_usage_error(error, "--format must be text or csv");
    return FALSE;
  }
  SchedTerms t = { 0 };
  if (!resolve_terms(a, &t, error))
    return FALSE;
  g_autofree SchedInstallment *s = g_new0(SchedInstallment, MAX(t.term, 1));
  gint64 apr_bp = 0;
  if (!sched_build(principal, &t, &purchase, a->statement_day, s, &local)
      || !sched_apr_bp(principal, s, t.term, &apr_bp, &local)) {
    cli_usage_error(error, "%s", local->message);
    return FALSE;
  }
  if (a->format && g_str_equal(a->format, "csv"))
    print_csv(&t, s);
  else
    print_text(principal, &t, &purchase, a->statement_day, s, apr_bp);
  return TRUE;
}

static gboolean
body(CliRun *run, GError **error)
{
  (void) run;
  return run_schedule(&args, error);
}

const CliCommand cmd_schedule = {
  .name = "schedule",
  .summary = "print the installment schedule and APR of one purchase",
  .description = "Print the installment schedule and APR of one purchase.",
  .db = CLI_DB_NONE,
  .options = options,
  .body = body,
};
