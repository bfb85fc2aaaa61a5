/* Portfolio import: read and judge the import set in C (control totals, every schedule
 * recomputed by sched_build, the state of every installment), then COPY the accepted
 * rows into temporary staging tables and book them with a few set-based statements,
 * all in one transaction (docs/formats.md "Portfolio import", docs/operations.md
 * "Cut-over"). */
#include "import.h"

#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "db.h"
#include "eod.h"
#include "eod_run.h"
#include "eod_steps.h"
#include "fault.h"
#include "gl.h"
#include "intake.h"
#include "log.h"
#include "money.h"
#include "recon.h"
#include "schedule.h"

G_DEFINE_QUARK(import-error-quark, import_error)

/* ---- what was read ------------------------------------------------------------ */

typedef struct {
  char *file;
  gint64 line;
  char *field;
  char *user_id;
  char *order_id;
  char *reason;
} Refusal;

typedef struct {
  gint64 line;
  char *id;
  gint64 limit_fen;
  int statement_day;
  char *status;
  char *name;
  char *phone;
  gint64 credit_fen;
  gint64 used_fen;
  gboolean refused;
} ImpUser;

enum { V_PAID_P, V_PAID_F, V_PEN, V_PAID_PEN, V_FEE_WAIVED, V_PEN_WAIVED, V_WO_P, V_WO_F, V_WO_PEN,
       V_RECOVERED, V_N };
static const char *const v_names[V_N] = { "paid_principal", "paid_fee", "penalty_accrued", "paid_penalty",
                                          "fee_waived", "penalty_waived", "writeoff_principal",
                                          "writeoff_fee", "writeoff_penalty", "recovered" };

typedef struct {
  gint64 line;
  int no;
  GDate billing, due, paid;
  gint64 principal_fen, fee_fen;
  char *status;
  gint64 v[V_N];
} ImpInst;

typedef struct {
  gint64 line;
  char *order_id, *user_id, *product, *policy, *status;
  GDate orig, status_date, wo;
  gint64 principal_fen;
  SchedTerms terms;
  gint64 penalty_ppm, writeoff_dpd;
  int statement_day;
  GDate first_billing;
  GPtrArray *inst;   /* ImpInst*, by installment_no once checked */
  gboolean refused;
} ImpLoan;

typedef struct {
  gint64 rows;
  gint64 total_fen;
  gboolean listed;
  gint64 listed_rows;
  gint64 listed_total_fen;
  gint64 line;
} Control;

enum { F_USERS, F_LOANS, F_INST, F_CREDIT, F_N };
static const char *const file_names[F_N] = { IMPORT_USERS, IMPORT_LOANS, IMPORT_INSTALLMENTS, IMPORT_CREDIT };

typedef struct {
  const char *dir;
  GDate cutover;
  char cutover_str[11];
  char *manifest_sha;
  Control control[F_N];
  GHashTable *users;      /* id → ImpUser* (owned by user_list) */
  GPtrArray *user_list;
  GHashTable *loans;      /* order_id → ImpLoan* */
  GPtrArray *loan_list;
  GHashTable *products;   /* code → TRUE */
  GArray *refusals;       /* Refusal */
} Imp;

static void
imp_user_free(gpointer p)
{
  ImpUser *u = p;
  g_free(u->id);
  g_free(u->status);
  g_free(u->name);
  g_free(u->phone);
  g_free(u);
}

static void
imp_inst_free(gpointer p)
{
  ImpInst *i = p;
  g_free(i->status);
  g_free(i);
}

static void
imp_loan_free(gpointer p)
{
  ImpLoan *l = p;
  g_free(l->order_id);
  g_free(l->user_id);
  g_free(l->product);
  g_free(l->policy);
  g_free(l->status);
  g_ptr_array_unref(l->inst);
  g_free(l);
}

static void
refusal_clear(gpointer p)
{
  Refusal *r = p;
  g_free(r->file);
  g_free(r->field);
  g_free(r->user_id);
  g_free(r->order_id);
  g_free(r->reason);
}

static void
imp_clear(Imp *imp)
{
  g_free(imp->manifest_sha);
  g_clear_pointer(&imp->users, g_hash_table_unref);
  g_clear_pointer(&imp->user_list, g_ptr_array_unref);
  g_clear_pointer(&imp->loans, g_hash_table_unref);
  g_clear_pointer(&imp->loan_list, g_ptr_array_unref);
  g_clear_pointer(&imp->products, g_hash_table_unref);
  g_clear_pointer(&imp->refusals, g_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Imp, imp_clear)

static void G_GNUC_PRINTF(7, 8)
refuse(Imp *imp, const char *file, gint64 line, const char *field, const char *user_id, const char *order_id,
       const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  Refusal r = { g_strdup(file), line, g_strdup(field), g_strdup(user_id), g_strdup(order_id),
                g_strdup_vprintf(fmt, ap) };
  va_end(ap);
  g_array_append_val(imp->refusals, r);
}

/* ---- field parsers: each returns a reason (static text or NULL when fine) ------- */

static const char *
parse_fen(const char *s, gint64 *out)
{
  g_autoptr(GError) e = NULL;
  if (!money_parse_yuan(s, out, &e))
    return "not an amount in yuan with two decimals";
  return *out < 0 ? "negative amount" : NULL;
}

static const char *
parse_int(const char *s, gint64 lo, gint64 hi, gint64 *out)
{
  guint64 v;
  if (!g_ascii_string_to_unsigned(s, 10, 0, G_MAXINT64, &v, NULL) || (gint64) v < lo || (gint64) v > hi)
    return "not an integer in range";
  *out = (gint64) v;
  return NULL;
}

static const char *
parse_date(const char *s, GDate *out)
{
  return eod_parse_date(s, out) ? NULL : "not a valid YYYY-MM-DD date";
}

static const char *
parse_opt_date(const char *s, GDate *out)
{
  g_date_clear(out, 1);
  return *s ? parse_date(s, out) : NULL;
}

static const char *
parse_choice(const char *s, const char *const *choices)
{
  for (; *choices; choices++)
    if (strcmp(s, *choices) == 0)
      return NULL;
  return "not one of the allowed values";
}

/* ---- reading the files ---------------------------------------------------------- */

typedef gboolean (*RowFn)(Imp *imp, const CsvRecord *rec, GError **error);

static gboolean
read_file(Imp *imp, int which, const char *const *header, RowFn fn, GError **error)
{
  g_autofree char *path = g_build_filename(imp->dir, file_names[which], NULL);
  g_autoptr(CsvReader) r = csv_reader_open(path, error);
  if (!r || !csv_expect_header(r, header, error))
    return FALSE;
  guint n = g_strv_length((char **) header);
  CsvRecord rec;
  while (csv_reader_next(r, &rec, error)) {
    if (rec.n_fields < n) {
      g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_FILE, "%s:%" G_GINT64_FORMAT ": %u fields, %u expected",
                  file_names[which], rec.line_no, rec.n_fields, n);
      return FALSE;
    }
    imp->control[which].rows++;
    if (!fn(imp, &rec, error))
      return FALSE;
  }
  return error == NULL || *error == NULL;
}

static void
count_total(Imp *imp, int which, const char *amount)
{
  gint64 fen;
  if (parse_fen(amount, &fen) == NULL)
    imp->control[which].total_fen += fen;
}

static const char *const manifest_header[] = { "cutover_date", "file", "rows", "total", NULL };

static gboolean
read_manifest(Imp *imp, GError **error)
{
  g_autofree char *path = g_build_filename(imp->dir, IMPORT_MANIFEST, NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &text, &len, error))
    return FALSE;
  imp->manifest_sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) text, len);
  g_autoptr(CsvReader) r = csv_reader_new_from_data(text, len, IMPORT_MANIFEST);
  if (!csv_expect_header(r, manifest_header, error))
    return FALSE;
  CsvRecord rec;
  gboolean have_date = FALSE;
  while (csv_reader_next(r, &rec, error)) {
    const char *const *f = rec.fields;
    GDate d;
    int which = -1;
    for (int i = 0; i < F_N; i++)
      if (rec.n_fields >= 4 && strcmp(f[1], file_names[i]) == 0)
        which = i;
    Control *c = which >= 0 ? &imp->control[which] : NULL;
    const char *bad = rec.n_fields < 4 ? "4 fields expected"
                    : parse_date(f[0], &d) ? "cutover_date: not a valid YYYY-MM-DD date"
                    : which < 0 ? "file: not one of users.csv, loans.csv, installments.csv, credit_balances.csv"
                    : c->listed ? "file: listed twice"
                    : parse_int(f[2], 0, G_MAXINT64, &c->listed_rows) ? "rows: not a count"
                    : parse_fen(f[3], &c->listed_total_fen) ? "total: not an amount in yuan"
                    : have_date && g_date_compare(&d, &imp->cutover) != 0 ? "cutover_date: differs from line 2"
                    : NULL;
    if (bad) {
      g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_CONTROL, "%s:%" G_GINT64_FORMAT ": %s", IMPORT_MANIFEST,
                  rec.line_no, bad);
      return FALSE;
    }
    c->listed = TRUE;
    c->line = rec.line_no;
    imp->cutover = d;
    have_date = TRUE;
  }
  if (error && *error)
    return FALSE;
  for (int i = 0; i < F_N; i++)
    if (!imp->control[i].listed) {
      g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_CONTROL, "%s: no control line for %s", IMPORT_MANIFEST,
                  file_names[i]);
      return FALSE;
    }
  g_date_strftime(imp->cutover_str, sizeof imp->cutover_str, "%Y-%m-%d", &imp->cutover);
  return TRUE;
}

static gboolean
check_control(Imp *imp, int which, GError **error)
{
  Control *c = &imp->control[which];
  if (c->rows == c->listed_rows && c->total_fen == c->listed_total_fen)
    return TRUE;
  g_autofree char *got = money_format_fen(c->total_fen);
  g_autofree char *want = money_format_fen(c->listed_total_fen);
  g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_CONTROL,
              "%s: %" G_GINT64_FORMAT " rows totalling %s, but %s:%" G_GINT64_FORMAT " says %" G_GINT64_FORMAT
              " rows totalling %s: the whole import is refused, nothing was stored",
              file_names[which], c->rows, got, IMPORT_MANIFEST, c->line, c->listed_rows, want);
  return FALSE;
}

static const char *const users_header[] = { "user_id", "credit_limit", "statement_day", "status", "name", "phone",
                                            NULL };
static const char *const user_statuses[] = { "ACTIVE", "FROZEN", NULL };

static gboolean
user_row(Imp *imp, const CsvRecord *rec, GError **error)
{
  const char *const *f = rec->fields;
  count_total(imp, F_USERS, f[1]);
  if (!*f[0] || g_hash_table_contains(imp->users, f[0])) {
    g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_FILE, "%s:%" G_GINT64_FORMAT ":user_id: %s", IMPORT_USERS,
                rec->line_no, *f[0] ? "listed twice" : "empty");
    return FALSE;
  }
  ImpUser *u = g_new0(ImpUser, 1);
  u->line = rec->line_no;
  u->id = g_strdup(f[0]);
  gint64 sday = 0;
  const char *why;
  const char *field = (why = parse_fen(f[1], &u->limit_fen)) ? "credit_limit"
                    : (why = parse_int(f[2], 1, 28, &sday)) ? "statement_day"
                    : (why = parse_choice(f[3], user_statuses)) ? "status" : NULL;
  u->statement_day = (int) sday;
  u->status = g_strdup(f[3]);
  u->name = intake_mask_name(f[4]);
  u->phone = intake_mask_phone(f[5]);
  if (field) {
    u->refused = TRUE;
    refuse(imp, IMPORT_USERS, rec->line_no, field, u->id, NULL, "%s", why);
  }
  g_ptr_array_add(imp->user_list, u);
  g_hash_table_insert(imp->users, u->id, u);
  return TRUE;
}

static const char *const loans_header[] = {
  "order_id", "user_id", "product_code", "origination_date", "principal", "term", "method", "rate_ppm",
  "grace_days", "penalty_ppm", "writeoff_dpd", "prepay_fee_policy", "statement_day", "status", "status_date",
  "written_off_date", NULL };
static const char *const loan_statuses[] = { "ACTIVE", "PAID_OFF", "WRITTEN_OFF", NULL };
static const char *const policies[] = { "WAIVE_UNBILLED", "CHARGE_ALL", NULL };

static const char *
loan_fields(ImpLoan *l, const char *const *f, const char **why)
{
  gint64 term = 0, rate = 0, grace = 0, sday = 0;
  SchedMethod method = SCHED_INTEREST_FREE;
  const char *field = (*why = parse_date(f[3], &l->orig)) ? "origination_date"
                    : (*why = parse_fen(f[4], &l->principal_fen)) ? "principal"
                    : l->principal_fen == 0 ? (*why = "zero principal", "principal")
                    : (*why = parse_int(f[5], 1, SCHED_TERM_MAX, &term)) ? "term"
                    : !sched_method_from_string(f[6], &method, NULL) ? (*why = "unknown method", "method")
                    : (*why = parse_int(f[7], 0, SCHED_RATE_MAX_PPM, &rate)) ? "rate_ppm"
                    : (*why = parse_int(f[8], 0, SCHED_GRACE_DAYS_MAX, &grace)) ? "grace_days"
                    : (*why = parse_int(f[9], 0, 1000000, &l->penalty_ppm)) ? "penalty_ppm"
                    : (*why = parse_int(f[10], 1, 100000, &l->writeoff_dpd)) ? "writeoff_dpd"
                    : (*why = parse_choice(f[11], policies)) ? "prepay_fee_policy"
                    : (*why = parse_int(f[12], 1, 28, &sday)) ? "statement_day"
                    : (*why = parse_choice(f[13], loan_statuses)) ? "status"
                    : (*why = parse_date(f[14], &l->status_date)) ? "status_date"
                    : (*why = parse_opt_date(f[15], &l->wo)) ? "written_off_date" : NULL;
  l->terms = (SchedTerms) { method, (int) term, rate, (int) grace };
  l->statement_day = (int) sday;
  return field;
}

static gboolean
loan_row(Imp *imp, const CsvRecord *rec, GError **error)
{
  const char *const *f = rec->fields;
  count_total(imp, F_LOANS, f[4]);
  if (!*f[0] || !*f[1] || g_hash_table_contains(imp->loans, f[0])) {
    g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_FILE, "%s:%" G_GINT64_FORMAT ":%s: %s", IMPORT_LOANS,
                rec->line_no, !*f[1] && *f[0] ? "user_id" : "order_id",
                *f[0] && *f[1] ? "listed twice" : "empty");
    return FALSE;
  }
  ImpLoan *l = g_new0(ImpLoan, 1);
  l->line = rec->line_no;
  l->order_id = g_strdup(f[0]);
  l->user_id = g_strdup(f[1]);
  l->product = g_strdup(f[2]);
  l->policy = g_strdup(f[11]);
  l->status = g_strdup(f[13]);
  l->inst = g_ptr_array_new_with_free_func(imp_inst_free);
  const char *why = NULL;
  const char *field = loan_fields(l, f, &why);
  if (field) {
    l->refused = TRUE;
    refuse(imp, IMPORT_LOANS, rec->line_no, field, l->user_id, l->order_id, "%s", why);
  }
  g_ptr_array_add(imp->loan_list, l);
  g_hash_table_insert(imp->loans, l->order_id, l);
  return TRUE;
}

static const char *const inst_header[] = {
  "order_id", "installment_no", "billing_date", "due_date", "principal", "fee", "status", "paid_principal",
  "paid_fee", "penalty_accrued", "paid_penalty", "fee_waived", "penalty_waived", "writeoff_principal",
  "writeoff_fee", "writeoff_penalty", "recovered", "paid_date", NULL };
static const char *const inst_statuses[] = { "UNBILLED", "BILLED", "PAID", "WRITTEN_OFF", NULL };

static gboolean
inst_row(Imp *imp, const CsvRecord *rec, GError **error)
{
  const char *const *f = rec->fields;
  count_total(imp, F_INST, f[4]);
  ImpLoan *l = g_hash_table_lookup(imp->loans, f[0]);
  if (!l) {
    g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_FILE, "%s:%" G_GINT64_FORMAT ":order_id: %s is not in %s",
                IMPORT_INSTALLMENTS, rec->line_no, f[0], IMPORT_LOANS);
    return FALSE;
  }
  ImpInst *i = g_new0(ImpInst, 1);
  i->line = rec->line_no;
  i->status = g_strdup(f[6]);
  g_ptr_array_add(l->inst, i);
  gint64 no = 0;
  const char *why = NULL;
  const char *field = (why = parse_int(f[1], 1, SCHED_TERM_MAX, &no)) ? "installment_no"
                    : (why = parse_date(f[2], &i->billing)) ? "billing_date"
                    : (why = parse_date(f[3], &i->due)) ? "due_date"
                    : (why = parse_fen(f[4], &i->principal_fen)) ? "principal"
                    : (why = parse_fen(f[5], &i->fee_fen)) ? "fee"
                    : (why = parse_choice(f[6], inst_statuses)) ? "status" : NULL;
  for (int k = 0; !field && k < V_N; k++)
    if ((why = parse_fen(f[7 + k], &i->v[k])))
      field = v_names[k];
  if (!field && (why = parse_opt_date(f[17], &i->paid)))
    field = "paid_date";
  i->no = (int) no;
  if (field && !l->refused) {
    l->refused = TRUE;
    refuse(imp, IMPORT_INSTALLMENTS, rec->line_no, field, l->user_id, l->order_id, "%s", why);
  }
  return TRUE;
}

static const char *const credit_header[] = { "user_id", "amount", NULL };

static gboolean
credit_row(Imp *imp, const CsvRecord *rec, GError **error)
{
  const char *const *f = rec->fields;
  count_total(imp, F_CREDIT, f[1]);
  ImpUser *u = g_hash_table_lookup(imp->users, f[0]);
  if (!u) {
    g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_FILE, "%s:%" G_GINT64_FORMAT ":user_id: %s is not in %s",
                IMPORT_CREDIT, rec->line_no, f[0], IMPORT_USERS);
    return FALSE;
  }
  const char *why = parse_fen(f[1], &u->credit_fen);
  if (!why && u->credit_fen == 0)
    why = "zero amount (leave the user out)";
  if (why && !u->refused) {
    u->refused = TRUE;
    refuse(imp, IMPORT_CREDIT, rec->line_no, "amount", u->id, NULL, "%s", why);
  }
  return TRUE;
}

/* ---- judging each loan ------------------------------------------------------- */

static gint64
unpaid_penalty(const ImpInst *i)
{
  return i->v[V_PEN] - i->v[V_PAID_PEN] - i->v[V_PEN_WAIVED] - i->v[V_WO_PEN];
}

/* The state of one installment against its loan and the cut-over date; NULL when
 * consistent, else the reason (and *FIELD). */
static const char *
judge_installment(const Imp *imp, const ImpLoan *l, const ImpInst *i, const char **field)
{
  gboolean billed_by_cutover = g_date_compare(&i->billing, &imp->cutover) <= 0;
  gboolean settled_p = i->v[V_PAID_P] + i->v[V_WO_P] == i->principal_fen;
  gboolean settled_f = i->v[V_PAID_F] + i->v[V_FEE_WAIVED] + i->v[V_WO_F] == i->fee_fen;
  gboolean wo = strcmp(i->status, "WRITTEN_OFF") == 0;
  *field = "status";
  if (i->v[V_PAID_P] + i->v[V_WO_P] > i->principal_fen)
    return (*field = "paid_principal", "principal paid and written off exceed the principal");
  if (i->v[V_PAID_F] + i->v[V_FEE_WAIVED] + i->v[V_WO_F] > i->fee_fen)
    return (*field = "paid_fee", "fee paid, waived and written off exceed the fee");
  if (unpaid_penalty(i) < 0)
    return (*field = "paid_penalty", "penalty paid, waived and written off exceed the penalty accrued");
  if (i->v[V_RECOVERED] > i->v[V_WO_P] + i->v[V_WO_F] + i->v[V_WO_PEN])
    return (*field = "recovered", "recovered exceeds what was written off");
  gboolean loan_wo = strcmp(l->status, "WRITTEN_OFF") == 0;
  if (wo && !loan_wo)
    return "WRITTEN_OFF, but its loan is not";
  if (loan_wo && !wo && strcmp(i->status, "PAID") != 0)
    return "the loan is WRITTEN_OFF: each installment is PAID or WRITTEN_OFF";
  if (!wo && (i->v[V_WO_P] || i->v[V_WO_F] || i->v[V_WO_PEN] || i->v[V_RECOVERED]))
    return (*field = "writeoff_principal", "write-off amounts on an installment not written off");
  if (strcmp(i->status, "UNBILLED") == 0) {
    if (billed_by_cutover)
      return "UNBILLED, but its billing date is on or before the cut-over date";
    if (i->v[V_PAID_P] || i->v[V_PAID_F] || i->v[V_PEN] || i->v[V_FEE_WAIVED] || i->v[V_PEN_WAIVED])
      return (*field = "paid_principal", "amounts settled on an UNBILLED installment");
    return NULL;
  }
  if (wo) {
    if (!settled_p || !settled_f || unpaid_penalty(i) != 0)
      return "WRITTEN_OFF, but principal, fee or penalty is not settled by payment, waiver or write-off";
    return NULL;
  }
  if (!billed_by_cutover)
    return "billed, but its billing date is after the cut-over date";
  gboolean all = settled_p && settled_f && unpaid_penalty(i) == 0;
  if (strcmp(i->status, "PAID") == 0) {
    if (!all)
      return "PAID, but something is still unpaid";
    if (!g_date_valid(&i->paid) || g_date_compare(&i->paid, &imp->cutover) > 0)
      return (*field = "paid_date", "a PAID installment needs a paid_date on or before the cut-over date");
    return NULL;
  }
  if (all)
    return "BILLED, but fully settled (PAID)";
  return NULL;
}

static gint
by_no(gconstpointer a, gconstpointer b)
{
  const ImpInst *x = *(ImpInst *const *) a, *y = *(ImpInst *const *) b;
  return (x->no > y->no) - (x->no < y->no);
}

static void
refuse_at(Imp *imp, ImpLoan *l, const char *file, gint64 line, const char *field, const char *fmt, ...)
  G_GNUC_PRINTF(6, 7);

static void
refuse_at(Imp *imp, ImpLoan *l, const char *file, gint64 line, const char *field, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *why = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  l->refused = TRUE;
  refuse(imp, file, line, field, l->user_id, l->order_id, "%s", why);
}

static void
fmt_date(const GDate *d, char out[11])
{
  g_date_strftime(out, 11, "%Y-%m-%d", d);
}

/* The file's schedule must be the engine's, installment by installment. */
static void
judge_schedule(Imp *imp, ImpLoan *l)
{
  g_ptr_array_sort(l->inst, by_no);
  if ((int) l->inst->len != l->terms.term) {
    refuse_at(imp, l, IMPORT_LOANS, l->line, "term", "term %d but %u installments in %s", l->terms.term,
              l->inst->len, IMPORT_INSTALLMENTS);
    return;
  }
  g_autofree SchedInstallment *s = g_new0(SchedInstallment, l->terms.term);
  g_autoptr(GError) e = NULL;
  if (!sched_build(l->principal_fen, &l->terms, &l->orig, l->statement_day, s, &e)) {
    refuse_at(imp, l, IMPORT_LOANS, l->line, "term", "the schedule engine refuses the terms: %s", e->message);
    return;
  }
  l->first_billing = s[0].billing_date;
  for (int k = 0; k < l->terms.term; k++) {
    const ImpInst *i = l->inst->pdata[k];
    char want[11], got[11];
    if (i->no != k + 1) {
      refuse_at(imp, l, IMPORT_INSTALLMENTS, i->line, "installment_no", "installment %d expected, %d found",
                k + 1, i->no);
      return;
    }
    if (g_date_compare(&i->billing, &s[k].billing_date) != 0 || g_date_compare(&i->due, &s[k].due_date) != 0) {
      gboolean b = g_date_compare(&i->billing, &s[k].billing_date) != 0;
      fmt_date(b ? &s[k].billing_date : &s[k].due_date, want);
      fmt_date(b ? &i->billing : &i->due, got);
      refuse_at(imp, l, IMPORT_INSTALLMENTS, i->line, b ? "billing_date" : "due_date",
                "schedule mismatch: the schedule engine gives %s, the file %s", want, got);
      return;
    }
    if (i->principal_fen != s[k].principal_fen || i->fee_fen != s[k].fee_fen) {
      gboolean p = i->principal_fen != s[k].principal_fen;
      g_autofree char *w = money_format_fen(p ? s[k].principal_fen : s[k].fee_fen);
      g_autofree char *g = money_format_fen(p ? i->principal_fen : i->fee_fen);
      refuse_at(imp, l, IMPORT_INSTALLMENTS, i->line, p ? "principal" : "fee",
                "schedule mismatch: the schedule engine gives %s, the file %s", w, g);
      return;
    }
  }
}

static void
judge_loan(Imp *imp, ImpLoan *l)
{
  ImpUser *u = g_hash_table_lookup(imp->users, l->user_id);
  if (!u)
    return refuse_at(imp, l, IMPORT_LOANS, l->line, "user_id", "user %s is not in %s", l->user_id, IMPORT_USERS);
  if (!g_hash_table_contains(imp->products, l->product))
    return refuse_at(imp, l, IMPORT_LOANS, l->line, "product_code", "unknown product (load the catalogue first)");
  if (g_date_compare(&l->orig, &imp->cutover) > 0)
    return refuse_at(imp, l, IMPORT_LOANS, l->line, "origination_date", "after the cut-over date");
  if (g_date_compare(&l->status_date, &l->orig) < 0 || g_date_compare(&l->status_date, &imp->cutover) > 0)
    return refuse_at(imp, l, IMPORT_LOANS, l->line, "status_date", "outside origination date .. cut-over date");
  gboolean wo = strcmp(l->status, "WRITTEN_OFF") == 0;
  if (wo != g_date_valid(&l->wo) || (wo && (g_date_compare(&l->wo, &l->orig) < 0
                                            || g_date_compare(&l->wo, &imp->cutover) > 0)))
    return refuse_at(imp, l, IMPORT_LOANS, l->line, "written_off_date",
                     "a WRITTEN_OFF loan needs a write-off date in origination date .. cut-over date, others none");
  judge_schedule(imp, l);
  if (l->refused)
    return;
  gboolean live = FALSE;
  for (guint k = 0; k < l->inst->len; k++) {
    ImpInst *i = l->inst->pdata[k];
    const char *field = NULL;
    const char *why = judge_installment(imp, l, i, &field);
    if (why)
      return refuse_at(imp, l, IMPORT_INSTALLMENTS, i->line, field, "%s", why);
    live |= strcmp(i->status, "UNBILLED") == 0 || strcmp(i->status, "BILLED") == 0;
  }
  if (live != (strcmp(l->status, "ACTIVE") == 0))
    return refuse_at(imp, l, IMPORT_LOANS, l->line, "status",
                     "ACTIVE exactly when an installment is UNBILLED or BILLED");
}

/* A refused loan refuses its user (the user's limit and balances would not tie), and a
 * refused user all of the user's loans. */
static void
judge_all(Imp *imp)
{
  for (guint k = 0; k < imp->loan_list->len; k++) {
    ImpLoan *l = imp->loan_list->pdata[k];
    if (!l->refused)
      judge_loan(imp, l);
    ImpUser *u = g_hash_table_lookup(imp->users, l->user_id);
    if (l->refused && u)
      u->refused = TRUE;
  }
  for (guint k = 0; k < imp->loan_list->len; k++) {
    ImpLoan *l = imp->loan_list->pdata[k];
    ImpUser *u = g_hash_table_lookup(imp->users, l->user_id);
    if (!l->refused && u && u->refused)
      refuse_at(imp, l, IMPORT_LOANS, l->line, "user_id", "refused with its user (see the user's other refusals)");
    if (l->refused || strcmp(l->status, "ACTIVE") != 0)
      continue;
    for (guint n = 0; n < l->inst->len; n++) {
      const ImpInst *i = l->inst->pdata[n];
      u->used_fen += i->principal_fen - i->v[V_PAID_P] - i->v[V_WO_P];
    }
  }
}

/* ---- booking ------------------------------------------------------------------ */

/* The staging tables live in local buffers: give the session room for them (allowed
 * only before its first temporary table). */
static const char sql_staging[] =
  "SET temp_buffers = '1GB';"
  "CREATE TEMP TABLE imp_users (user_id text, credit_limit_fen bigint, statement_day smallint, status text,"
  "  name_masked text, phone_masked text, used_limit_fen bigint, credit_balance_fen bigint) ON COMMIT DROP;"
  "CREATE TEMP TABLE imp_loans (order_id text, user_id text, product_code text, principal_fen bigint,"
  "  term integer, method text, rate_ppm integer, grace_days integer, penalty_ppm integer,"
  "  writeoff_dpd integer, prepay_fee_policy text, statement_day smallint, origination_date date,"
  "  first_billing_date date, status text, status_date date, written_off_date date) ON COMMIT DROP;"
  "CREATE TEMP TABLE imp_installments (order_id text, installment_no integer, billing_date date,"
  "  due_date date, principal_fen bigint, fee_fen bigint, status text, paid_principal_fen bigint,"
  "  paid_fee_fen bigint, penalty_accrued_fen bigint, paid_penalty_fen bigint, fee_waived_fen bigint,"
  "  penalty_waived_fen bigint, writeoff_principal_fen bigint, writeoff_fee_fen bigint,"
  "  writeoff_penalty_fen bigint, recovered_fen bigint, paid_date date) ON COMMIT DROP;"
  "CREATE TEMP TABLE imp_refusals (refusal_no integer, file_name text, line_no bigint, field text,"
  "  user_id text, order_id text, reason text) ON COMMIT DROP";

static const char sql_state[] =
  "SELECT (SELECT count(*) FROM business_calendar),"
  "       (SELECT cutover_date::text FROM import_runs WHERE manifest_sha256 = $1)";

static const char sql_products[] = "SELECT product_code FROM products";

static const char sql_start_run[] =
  "INSERT INTO job_runs (command, business_date, host, pid) VALUES ('import', $1::date, $2, $3::int)"
  " RETURNING run_id";
static const char sql_open_date[] = "INSERT INTO business_calendar (business_date, status) VALUES ($1::date, 'OPEN')";

static const char sql_book_users[] =
  "INSERT INTO users (user_id, credit_limit_fen, statement_day, status, name_masked, phone_masked,"
  "                   used_limit_fen, credit_balance_fen, created_date, last_change_date)"
  " SELECT user_id, credit_limit_fen, statement_day, status, name_masked, phone_masked, used_limit_fen,"
  "        credit_balance_fen, $1::date, $1::date FROM pg_temp.imp_users";

/* The display APR is the product's, as origination copies it. */
static const char sql_book_loans[] =
  "INSERT INTO loans (order_id, user_id, product_code, principal_fen, term, method, rate_ppm, grace_days,"
  "                   penalty_ppm, writeoff_dpd, prepay_fee_policy, apr_bp, statement_day, origination_date,"
  "                   first_billing_date, status, status_date, written_off_date)"
  " SELECT s.order_id, s.user_id, s.product_code, s.principal_fen, s.term, s.method, s.rate_ppm, s.grace_days,"
  "        s.penalty_ppm, s.writeoff_dpd, s.prepay_fee_policy, p.apr_bp, s.statement_day, s.origination_date,"
  "        s.first_billing_date, s.status, s.status_date, s.written_off_date"
  "   FROM pg_temp.imp_loans s JOIN products p USING (product_code)"
  "  ORDER BY s.user_id, s.origination_date";

/* billed_date: the billing date of every installment billed by the cut-over (or, for a
 * written-off loan, by its write-off: later ones were never billed). */
static const char sql_book_installments[] =
  "INSERT INTO installments (loan_id, installment_no, user_id, order_id, billing_date, due_date, principal_fen,"
  "    fee_fen, paid_principal_fen, paid_fee_fen, penalty_accrued_fen, paid_penalty_fen, fee_waived_fen,"
  "    penalty_waived_fen, writeoff_principal_fen, writeoff_fee_fen, writeoff_penalty_fen, recovered_fen,"
  "    status, billed_date, paid_date, written_off_date)"
  " SELECT l.loan_id, s.installment_no, l.user_id, l.order_id, s.billing_date, s.due_date, s.principal_fen,"
  "        s.fee_fen, s.paid_principal_fen, s.paid_fee_fen, s.penalty_accrued_fen, s.paid_penalty_fen,"
  "        s.fee_waived_fen, s.penalty_waived_fen, s.writeoff_principal_fen, s.writeoff_fee_fen,"
  "        s.writeoff_penalty_fen, s.recovered_fen, s.status,"
  "        CASE WHEN s.status <> 'UNBILLED' AND s.billing_date <= coalesce(l.written_off_date, $1::date)"
  "             THEN s.billing_date END,"
  "        CASE WHEN s.status = 'PAID' THEN s.paid_date END,"
  "        CASE WHEN s.status = 'WRITTEN_OFF' THEN l.written_off_date END"
  "   FROM pg_temp.imp_installments s JOIN loans l USING (order_id)"
  "  ORDER BY l.loan_id, s.installment_no";   /* the primary key and the foreign key, in order */

static const char sql_book_credit[] =
  "INSERT INTO credit_balance_movements (user_id, business_date, amount_fen, reason)"
  " SELECT user_id, $1::date, credit_balance_fen, 'OPENING' FROM pg_temp.imp_users WHERE credit_balance_fen > 0";

static const char sql_book_writeoffs[] =
  "INSERT INTO writeoffs (loan_id, user_id, writeoff_date, dpd_at_writeoff, principal_fen, fee_fen, penalty_fen,"
  "                       recovered_fen, last_recovery_date)"
  " SELECT l.loan_id, l.user_id, l.written_off_date,"
  "        greatest(l.written_off_date - min(i.due_date) FILTER (WHERE i.billed_date IS NOT NULL), 1),"
  "        sum(i.writeoff_principal_fen), sum(i.writeoff_fee_fen), sum(i.writeoff_penalty_fen),"
  "        sum(i.recovered_fen), CASE WHEN sum(i.recovered_fen) > 0 THEN $1::date END"
  "   FROM loans l JOIN installments i ON i.loan_id = l.loan_id"
  "  WHERE l.status = 'WRITTEN_OFF'"
  "  GROUP BY l.loan_id"
  " HAVING sum(i.writeoff_principal_fen + i.writeoff_fee_fen + i.writeoff_penalty_fen) > 0";

/* The cut-over night's penalty (already in penalty_accrued) as that night's accrual row:
 * the next night finds the loans cured on it from this set, as after any night. */
static const char sql_book_accruals[] =
  "INSERT INTO penalty_accruals (loan_id, installment_no, accrual_date, user_id, base_fen, penalty_ppm, amount_fen)"
  " SELECT i.loan_id, i.installment_no, $1::date, i.user_id, o.base_fen, l.penalty_ppm,"
  "        div(o.base_fen::numeric * l.penalty_ppm + 500000, 1000000)::bigint"
  "   FROM installments i JOIN loans l ON l.loan_id = i.loan_id"
  "  CROSS JOIN LATERAL (SELECT (i.principal_fen - i.paid_principal_fen) + (i.fee_fen - i.fee_waived_fen"
  "                             - i.paid_fee_fen) AS base_fen) o"
  "  WHERE i.status = 'BILLED' AND i.due_date < $1::date AND l.status = 'ACTIVE' AND o.base_fen > 0";

/* One row per live loan as of the cut-over, as aging writes at a month end. */
static const char sql_book_snapshots[] =
  "WITH st AS ("
  "  SELECT l.loan_id, l.user_id, l.status,"
  "         CASE l.status"
  "           WHEN 'ACTIVE' THEN coalesce($1::date - min(i.due_date) FILTER (WHERE i.status = 'BILLED'"
  "                 AND i.due_date < $1::date AND i.principal_fen - i.paid_principal_fen + i.fee_fen"
  "                     - i.fee_waived_fen - i.paid_fee_fen > 0), 0)"
  "           ELSE coalesce($1::date - min(i.due_date) FILTER (WHERE i.due_date < $1::date"
  "                 AND i.writeoff_principal_fen + i.writeoff_fee_fen > 0"
  "                 AND i.recovered_fen < i.writeoff_principal_fen + i.writeoff_fee_fen + i.writeoff_penalty_fen),"
  "                 0) END AS dpd,"
  "         sum(i.principal_fen - i.principal_reduced_fen - i.paid_principal_fen - i.writeoff_principal_fen)"
  "           AS principal_fen,"
  "         coalesce(sum(i.fee_fen - i.fee_waived_fen - i.paid_fee_fen - i.writeoff_fee_fen)"
  "                  FILTER (WHERE i.status = 'BILLED'), 0) AS fee_fen,"
  "         sum(installment_penalty_out_fen(i, $1::date)) AS penalty_fen,"
  "         coalesce(sum(i.principal_fen - i.paid_principal_fen) FILTER (WHERE l.status = 'ACTIVE'"
  "                  AND i.status = 'BILLED' AND i.due_date < $1::date), 0) AS overdue_fen,"
  "         CASE WHEN l.status = 'WRITTEN_OFF' THEN sum(i.writeoff_principal_fen + i.writeoff_fee_fen"
  "              + i.writeoff_penalty_fen - i.recovered_fen) ELSE 0 END AS offbalance_fen"
  "    FROM loans l JOIN installments i ON i.loan_id = l.loan_id"
  "   WHERE l.status IN ('ACTIVE', 'WRITTEN_OFF')"
  "   GROUP BY l.loan_id)"
  " INSERT INTO loan_snapshots (loan_id, snapshot_date, user_id, status, dpd, bucket, class,"
  "     outstanding_principal_fen, outstanding_fee_fen, outstanding_penalty_fen, overdue_principal_fen,"
  "     offbalance_fen, is_month_end)"
  " SELECT loan_id, $1::date, user_id, status, dpd,"
  "        CASE WHEN dpd = 0 THEN 'C' WHEN dpd <= 30 THEN 'M1' WHEN dpd <= 60 THEN 'M2'"
  "             WHEN dpd <= 90 THEN 'M3' WHEN dpd <= 120 THEN 'M4' WHEN dpd <= 150 THEN 'M5'"
  "             WHEN dpd <= 180 THEN 'M6' ELSE 'M7+' END,"
  "        CASE WHEN status = 'WRITTEN_OFF' OR dpd > 360 THEN 'LOSS' WHEN dpd > 270 THEN 'DOUBTFUL'"
  "             WHEN dpd > 90 THEN 'SUBSTANDARD' WHEN dpd >= 1 THEN 'SPECIAL_MENTION' ELSE 'NORMAL' END,"
  "        principal_fen, fee_fen, penalty_fen, overdue_fen, offbalance_fen,"
  "        extract(day FROM $1::date + 1) = 1"
  "   FROM st WHERE status = 'ACTIVE' OR offbalance_fen > 0";

/* The opening entry: the receivables and credit balances of the booked sub-ledgers,
 * the difference against the cut-over clearing account 2999 (sql migration
 * opening_entries). Off-balance (written-off) amounts stay off the balance sheet. */
static const char sql_opening_lines[] =
  "WITH s AS (SELECT coalesce(sum(principal_fen - principal_reduced_fen - paid_principal_fen"
  "                               - writeoff_principal_fen), 0)::bigint AS p,"
  "                  coalesce(sum(fee_fen - fee_waived_fen - paid_fee_fen - writeoff_fee_fen)"
  "                           FILTER (WHERE status <> 'UNBILLED'), 0)::bigint AS f,"
  "                  coalesce(sum(penalty_accrued_fen - penalty_waived_fen - paid_penalty_fen"
  "                               - writeoff_penalty_fen), 0)::bigint AS pen FROM installments),"
  "     c AS (SELECT coalesce(sum(credit_balance_fen), 0)::bigint AS c FROM users)"
  " SELECT '1122'::text AS account_code, s.p AS debit_fen, 0::bigint AS credit_fen FROM s"
  " UNION ALL SELECT '1123', s.f, 0 FROM s"
  " UNION ALL SELECT '1124', s.pen, 0 FROM s"
  " UNION ALL SELECT '2241', 0, c.c FROM c"
  " UNION ALL SELECT '2999', greatest(c.c - s.p - s.f - s.pen, 0), greatest(s.p + s.f + s.pen - c.c, 0)"
  "   FROM s, c";

static const char sql_opening_sums[] =
  "SELECT account_code, debit_fen - credit_fen FROM journal_lines WHERE business_date = $1::date"
  "   AND account_code IN ('1122', '1123', '1124', '2241')";

/* The import did the cut-over date's gl_close and recon: recorded as that date's steps,
 * so recon and the nights see a closed GL there. */
static const char sql_step_done[] =
  "INSERT INTO job_step_runs (run_id, step_name, business_date, status, ended_at, rows_processed, amount_fen,"
  "                           host, pid)"
  " VALUES ($1::bigint, $2, $3::date, 'SUCCEEDED', clock_timestamp(), $4::bigint, $5::bigint, $6, $7::int)";

static const char sql_statistics[] = "SELECT import_refresh_statistics()";

static const char sql_close_date[] =
  "UPDATE business_calendar SET status = 'CLOSED', closed_at = clock_timestamp(), closed_by_run_id = $2::bigint"
  " WHERE business_date = $1::date";
static const char sql_end_run[] =
  "UPDATE job_runs SET status = 'SUCCEEDED', ended_at = clock_timestamp(), exit_code = 0 WHERE run_id = $1::bigint";

static const char sql_record[] =
  "INSERT INTO import_runs (manifest_sha256, source_dir, cutover_date, job_run_id, users_booked, loans_booked,"
  "                         installments_booked, loans_refused, users_refused)"
  " VALUES ($1, $2, $3::date, $4::bigint, $5::bigint, $6::bigint, $7::bigint, $8::bigint, $9::bigint)"
  " RETURNING import_id";
static const char sql_record_refusals[] =
  "INSERT INTO import_refusals (import_id, refusal_no, file_name, line_no, field, user_id, order_id, reason)"
  " SELECT $1::bigint, refusal_no, file_name, line_no, field, user_id, order_id, reason FROM pg_temp.imp_refusals";

static void
copy_date(DbCopy *c, const GDate *d, gboolean last)
{
  char s[11];
  if (!g_date_valid(d))
    return db_copy_field(c, NULL, last);
  fmt_date(d, s);
  db_copy_field(c, s, last);
}

static gboolean
stage_users(PGconn *conn, Imp *imp, ImportSummary *s, GError **error)
{
  DbCopy *c = db_copy_start(conn, "import_copy_users", "COPY pg_temp.imp_users FROM STDIN", error);
  if (!c)
    return FALSE;
  for (guint k = 0; k < imp->user_list->len; k++) {
    ImpUser *u = imp->user_list->pdata[k];
    if (u->refused) {
      s->users_refused++;
      continue;
    }
    db_copy_field(c, u->id, FALSE);
    db_copy_field_int(c, u->limit_fen, FALSE);
    db_copy_field_int(c, u->statement_day, FALSE);
    db_copy_field(c, u->status, FALSE);
    db_copy_field(c, u->name, FALSE);
    db_copy_field(c, u->phone, FALSE);
    db_copy_field_int(c, u->used_fen, FALSE);
    db_copy_field_int(c, u->credit_fen, TRUE);
    s->users++;
    if (!db_copy_flush_if_full(c, error)) {
      db_copy_abort(c);
      return FALSE;
    }
  }
  return db_copy_finish(c, NULL, error);
}

static void
copy_loan(DbCopy *c, const ImpLoan *l)
{
  db_copy_field(c, l->order_id, FALSE);
  db_copy_field(c, l->user_id, FALSE);
  db_copy_field(c, l->product, FALSE);
  db_copy_field_int(c, l->principal_fen, FALSE);
  db_copy_field_int(c, l->terms.term, FALSE);
  db_copy_field(c, sched_method_to_string(l->terms.method), FALSE);
  db_copy_field_int(c, l->terms.rate_ppm, FALSE);
  db_copy_field_int(c, l->terms.grace_days, FALSE);
  db_copy_field_int(c, l->penalty_ppm, FALSE);
  db_copy_field_int(c, l->writeoff_dpd, FALSE);
  db_copy_field(c, l->policy, FALSE);
  db_copy_field_int(c, l->statement_day, FALSE);
  copy_date(c, &l->orig, FALSE);
  copy_date(c, &l->first_billing, FALSE);
  db_copy_field(c, l->status, FALSE);
  copy_date(c, &l->status_date, FALSE);
  copy_date(c, &l->wo, TRUE);
}

static void
copy_inst(DbCopy *c, const ImpLoan *l, const ImpInst *i)
{
  db_copy_field(c, l->order_id, FALSE);
  db_copy_field_int(c, i->no, FALSE);
  copy_date(c, &i->billing, FALSE);
  copy_date(c, &i->due, FALSE);
  db_copy_field_int(c, i->principal_fen, FALSE);
  db_copy_field_int(c, i->fee_fen, FALSE);
  db_copy_field(c, i->status, FALSE);
  for (int k = 0; k < V_N; k++)
    db_copy_field_int(c, i->v[k], FALSE);
  copy_date(c, &i->paid, TRUE);
}

static gboolean
stage_loans(PGconn *conn, Imp *imp, ImportSummary *s, GError **error)
{
  DbCopy *c = db_copy_start(conn, "import_copy_loans", "COPY pg_temp.imp_loans FROM STDIN", error);
  if (!c)
    return FALSE;
  for (guint k = 0; k < imp->loan_list->len; k++) {
    const ImpLoan *l = imp->loan_list->pdata[k];
    if (l->refused) {
      s->loans_refused++;
      continue;
    }
    copy_loan(c, l);
    s->loans++;
    if (!db_copy_flush_if_full(c, error)) {
      db_copy_abort(c);
      return FALSE;
    }
  }
  if (!db_copy_finish(c, NULL, error))
    return FALSE;
  c = db_copy_start(conn, "import_copy_installments", "COPY pg_temp.imp_installments FROM STDIN", error);
  if (!c)
    return FALSE;
  for (guint k = 0; k < imp->loan_list->len; k++) {
    const ImpLoan *l = imp->loan_list->pdata[k];
    for (guint n = 0; !l->refused && n < l->inst->len; n++) {
      copy_inst(c, l, l->inst->pdata[n]);
      s->installments++;
      if (!db_copy_flush_if_full(c, error)) {
        db_copy_abort(c);
        return FALSE;
      }
    }
  }
  return db_copy_finish(c, NULL, error);
}

static gboolean
stage_refusals(PGconn *conn, Imp *imp, GError **error)
{
  DbCopy *c = db_copy_start(conn, "import_copy_refusals", "COPY pg_temp.imp_refusals FROM STDIN", error);
  if (!c)
    return FALSE;
  for (guint k = 0; k < imp->refusals->len; k++) {
    const Refusal *r = &g_array_index(imp->refusals, Refusal, k);
    db_copy_field_int(c, k + 1, FALSE);
    db_copy_field(c, r->file, FALSE);
    db_copy_field_int(c, r->line, FALSE);
    db_copy_field(c, r->field, FALSE);
    db_copy_field(c, r->user_id, FALSE);
    db_copy_field(c, r->order_id, FALSE);
    db_copy_field(c, r->reason, TRUE);
  }
  return db_copy_finish(c, NULL, error);
}

static gboolean
read_products(PGconn *conn, Imp *imp, GError **error)
{
  g_autoptr(PGresult) res = db_query(conn, "import_products", sql_products, 0, NULL, error);
  if (!res)
    return FALSE;
  for (int r = 0; r < PQntuples(res); r++)
    g_hash_table_add(imp->products, g_strdup(PQgetvalue(res, r, 0)));
  return TRUE;
}

static gboolean
read_all(Imp *imp, GError **error)
{
  if (!read_file(imp, F_USERS, users_header, user_row, error) || !check_control(imp, F_USERS, error)
      || !read_file(imp, F_LOANS, loans_header, loan_row, error) || !check_control(imp, F_LOANS, error)
      || !read_file(imp, F_INST, inst_header, inst_row, error) || !check_control(imp, F_INST, error)
      || !read_file(imp, F_CREDIT, credit_header, credit_row, error) || !check_control(imp, F_CREDIT, error))
    return FALSE;
  judge_all(imp);
  return TRUE;
}

static gboolean
exec1(PGconn *conn, const char *name, const char *sql, const char *date, GError **error)
{
  const char *p[] = { date };
  fault_statement(name);
  return db_exec(conn, name, sql, date ? 1 : 0, date ? p : NULL, error);
}

static gint64
int_at(PGresult *res, int row, int col)
{
  return g_ascii_strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static gboolean
record_step(EodContext *ctx, const char *step, const char *host, const char *pid, GError **error)
{
  g_autofree char *run = g_strdup_printf("%" G_GINT64_FORMAT, ctx->run_id);
  g_autofree char *rows = g_strdup_printf("%" G_GINT64_FORMAT, ctx->rows);
  g_autofree char *fen = g_strdup_printf("%" G_GINT64_FORMAT, ctx->amount_fen);
  const char *p[] = { run, step, ctx->date_str, rows, fen, host, pid };
  return db_exec(ctx->conn, "import_step_done", sql_step_done, 7, p, error);
}

/* The import commits only a book that reconciles: the nightly checks of the cut-over
 * date, in this transaction, must find nothing. */
static gboolean
reconcile_cutover(EodContext *ctx, GError **error)
{
  ReconSummary rs;
  if (!recon_run_in_transaction(ctx->conn, ctx->config, &ctx->date, ctx->run_id, &rs, error))
    return FALSE;
  ctx->rows = rs.breaks;
  ctx->amount_fen = rs.diff_fen;
  if (rs.breaks == 0)
    return TRUE;
  GString *which = g_string_new(NULL);
  for (int k = 0; k < RECON_N_CHECKS; k++)
    if (rs.checks[k].breaks > 0)
      g_string_append_printf(which, "%s%s %" G_GINT64_FORMAT, which->len ? ", " : "", rs.checks[k].check_id,
                             rs.checks[k].breaks);
  g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_FILE,
              "the imported book does not reconcile on %s (%s): nothing was stored", ctx->date_str, which->str);
  g_string_free(which, TRUE);
  return FALSE;
}

/* The import's own record, before its recon (which knows the cut-over date by it). */
static gboolean
record_import(PGconn *conn, const Imp *imp, const EodContext *ctx, ImportSummary *s, GError **error)
{
  g_autofree char *run_id = g_strdup_printf("%" G_GINT64_FORMAT, ctx->run_id);
  const gint64 v[] = { s->users, s->loans, s->installments, s->loans_refused, s->users_refused };
  char n[G_N_ELEMENTS(v)][24];
  for (gsize k = 0; k < G_N_ELEMENTS(v); k++)
    g_snprintf(n[k], sizeof n[k], "%" G_GINT64_FORMAT, v[k]);
  const char *ip[] = { imp->manifest_sha, imp->dir, ctx->date_str, run_id, n[0], n[1], n[2], n[3], n[4] };
  g_autoptr(PGresult) rec = db_query_one(conn, "import_record", sql_record, 9, ip, error);
  if (!rec)
    return FALSE;
  s->import_id = int_at(rec, 0, 0);
  const char *iid[] = { PQgetvalue(rec, 0, 0) };
  return db_exec(conn, "import_record_refusals", sql_record_refusals, 1, iid, error);
}

static gboolean
opening_sums(PGconn *conn, const char *d, ImportSummary *s, GError **error)
{
  g_autoptr(PGresult) sums = db_query(conn, "import_opening_sums", sql_opening_sums, 1, &d, error);
  if (!sums)
    return FALSE;
  for (int r = 0; r < PQntuples(sums); r++) {
    const char *acct = PQgetvalue(sums, r, 0);
    gint64 v = int_at(sums, r, 1);
    if (strcmp(acct, "1122") == 0)
      s->principal_fen = v;
    else if (strcmp(acct, "1123") == 0)
      s->fee_fen = v;
    else if (strcmp(acct, "1124") == 0)
      s->penalty_fen = v;
    else
      s->credit_fen = -v;
  }
  return TRUE;
}

static gboolean
refresh_statistics(PGconn *conn, GError **error)
{
  g_autoptr(PGresult) res = db_query_one(conn, "import_refresh_statistics", sql_statistics, 0, NULL, error);
  return res != NULL;
}

static gboolean
book_rows(PGconn *conn, Imp *imp, ImportSummary *s, GError **error)
{
  const char *d = imp->cutover_str;
  return db_exec_script(conn, "import_staging", sql_staging, NULL, error)
         && stage_users(conn, imp, s, error) && stage_loans(conn, imp, s, error)
         && stage_refusals(conn, imp, error)
         && exec1(conn, "import_open_date", sql_open_date, d, error)
         && exec1(conn, "import_users", sql_book_users, d, error)
         && exec1(conn, "import_loans", sql_book_loans, NULL, error)
         && exec1(conn, "import_installments", sql_book_installments, d, error)
         && exec1(conn, "import_credit_balances", sql_book_credit, d, error)
         && exec1(conn, "import_writeoffs", sql_book_writeoffs, d, error)
         && exec1(conn, "import_penalty_accruals", sql_book_accruals, d, error)
         && exec1(conn, "import_snapshots", sql_book_snapshots, d, error)
         && refresh_statistics(conn, error);
}

/* Books the judged rows, then closes the cut-over date as a night would: the opening
 * entry, the risk aggregates, gl_close, a clean recon, the date CLOSED. */
static gboolean
book(PGconn *conn, const Config *config, Imp *imp, ImportSummary *s, GError **error)
{
  char pid[16];
  g_snprintf(pid, sizeof pid, "%d", (int) getpid());
  const char *host = g_get_host_name();
  const char *rp[] = { imp->cutover_str, host, pid };
  g_autoptr(PGresult) run = db_query_one(conn, "import_start_run", sql_start_run, 3, rp, error);
  if (!run)
    return FALSE;
  EodContext ctx = { .conn = conn, .config = config, .date = imp->cutover, .run_id = int_at(run, 0, 0) };
  g_strlcpy(ctx.date_str, imp->cutover_str, sizeof ctx.date_str);
  gint64 posted = 0;
  if (!book_rows(conn, imp, s, error) || !record_import(conn, imp, &ctx, s, error)
      || !gl_post_query(&ctx, "OPENING", "import", "opening", "期初余额 / opening balances of the imported book",
                        sql_opening_lines, 0, NULL, &posted, error)
      || !eod_step_risk(&ctx, error) || !record_step(&ctx, "risk", host, pid, error)
      || !eod_step_gl_close(&ctx, error) || !record_step(&ctx, "gl_close", host, pid, error)
      || !reconcile_cutover(&ctx, error) || !record_step(&ctx, "recon", host, pid, error)
      || !opening_sums(conn, ctx.date_str, s, error))
    return FALSE;
  const char *run_id = PQgetvalue(run, 0, 0);
  const char *cp[] = { ctx.date_str, run_id };
  return db_exec(conn, "import_close_date", sql_close_date, 2, cp, error)
         && db_exec(conn, "import_end_run", sql_end_run, 1, &run_id, error);
}

/* TRUE when nothing is to be done (already imported), with *ERROR unset. */
static gboolean
check_state(PGconn *conn, Imp *imp, ImportSummary *s, gboolean *done, GError **error)
{
  const char *p[] = { imp->manifest_sha };
  g_autoptr(PGresult) res = db_query_one(conn, "import_state", sql_state, 1, p, error);
  if (!res)
    return FALSE;
  *done = !PQgetisnull(res, 0, 1);
  if (*done) {
    s->already_done = TRUE;
    g_strlcpy(s->cutover, PQgetvalue(res, 0, 1), sizeof s->cutover);
    return TRUE;
  }
  if (int_at(res, 0, 0) > 0) {
    g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_HAS_DATES,
                "this database already has %s business date(s): a portfolio import books an opening book,"
                " before any night; nothing was stored", PQgetvalue(res, 0, 0));
    return FALSE;
  }
  return TRUE;
}

static void
list_refusals(const Imp *imp, GPtrArray **out)
{
  if (!out)
    return;
  *out = g_ptr_array_new_with_free_func(g_free);
  for (guint k = 0; k < imp->refusals->len; k++) {
    const Refusal *r = &g_array_index(imp->refusals, Refusal, k);
    g_ptr_array_add(*out, g_strdup_printf("%s:%" G_GINT64_FORMAT ":%s: %s%s%s: %s", r->file, r->line, r->field,
                                          r->order_id ? "loan " : "user ", r->order_id ? r->order_id : r->user_id,
                                          " refused", r->reason));
  }
}

gboolean
import_book(PGconn *conn, const Config *config, const char *dir, ImportSummary *summary, GPtrArray **refusals,
            GError **error)
{
  memset(summary, 0, sizeof *summary);
  if (refusals)
    *refusals = NULL;
  g_auto(Imp) imp = { .dir = dir };
  imp.users = g_hash_table_new(g_str_hash, g_str_equal);
  imp.user_list = g_ptr_array_new_with_free_func(imp_user_free);
  imp.loans = g_hash_table_new(g_str_hash, g_str_equal);
  imp.loan_list = g_ptr_array_new_with_free_func(imp_loan_free);
  imp.products = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  imp.refusals = g_array_new(FALSE, TRUE, sizeof(Refusal));
  g_array_set_clear_func(imp.refusals, refusal_clear);
  fault_set_scope("import");
  if (!read_manifest(&imp, error))
    return FALSE;
  gboolean done = FALSE;
  if (!db_lock_or_fail(conn, DB_LOCK_NIGHT, "import", error))
    return FALSE;
  gboolean ok = db_begin(conn, error);
  if (ok)
    ok = check_state(conn, &imp, summary, &done, error);
  if (ok && !done)
    ok = read_products(conn, &imp, error) && read_all(&imp, error) && book(conn, config, &imp, summary, error);
  if (ok && !done) {
    g_strlcpy(summary->cutover, imp.cutover_str, sizeof summary->cutover);
    fault_reached_in("before-commit");
    ok = db_commit(conn, error);
    if (ok)
      fault_reached_in("after-commit");
  } else {
    db_rollback(conn);
  }
  db_unlock(conn, DB_LOCK_NIGHT);
  if (ok)
    list_refusals(&imp, refusals);
  return ok;
}
