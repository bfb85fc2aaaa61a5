/* Portfolio import: read and judge the import set in C (control totals, every schedule
 * recomputed by sched_build, the state of every installment), then COPY the accepted
 * users, loans (ids reserved from the identity sequence) and installments straight into
 * their tables and derive the rest with a few set-based statements, all in one
 * transaction (docs/formats.md "Portfolio import", docs/operations.md
 * "Cut-over"). users.csv and loans.csv are held in memory; installments.csv is read
 * twice, a row at a time: pass 1 judges each row into its loan's state, pass 2 COPYs the
 * accepted loans' rows. Memory grows with users and loans, not installments. */
#include "import.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "date.h"
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
#include "stmt.h"

G_DEFINE_QUARK(import-error-quark, import_error)

/* ---- what was read ------------------------------------------------------------ */

/* users.csv and loans.csv are held in memory, compact: their strings interned in one
 * GStringChunk, the words of a closed list as their index in it. installments.csv is
 * not: pass 1 folds each row into its loan's judging state (ImpLoan, below) and forgets
 * it, pass 2 reads the file again and COPYs the rows of the accepted loans. */

typedef struct {
  char *file;
  gint64 line;
  char *field;
  char *user_id;
  char *order_id;
  char *reason;
} Refusal;

typedef struct {
  const char *id;              /* Imp.strings */
  const char *name, *phone;    /* masked (NULL when empty), Imp.strings */
  gint64 limit_fen;
  gint64 credit_fen;
  gint64 used_fen;
  guint8 statement_day;
  guint8 status;               /* in user_statuses */
  gboolean refused;
} ImpUser;

enum { V_PAID_P, V_PAID_F, V_PEN, V_PAID_PEN, V_FEE_WAIVED, V_PEN_WAIVED, V_WO_P, V_WO_F, V_WO_PEN,
       V_RECOVERED, V_N };
static const char *const v_names[V_N] = { "paid_principal", "paid_fee", "penalty_accrued", "paid_penalty",
                                          "fee_waived", "penalty_waived", "writeoff_principal",
                                          "writeoff_fee", "writeoff_penalty", "recovered" };

/* One installments.csv row, parsed: held only while its row is read (a numbering
 * fault's rows excepted, see read_numbered_rows). */
typedef struct {
  gint64 line;
  int no;
  guint8 status;               /* in inst_statuses */
  GDate billing, due, paid;
  gint64 principal_fen, fee_fen;
  gint64 v[V_N];
} ImpInst;

enum { INST_UNBILLED, INST_BILLED, INST_PAID, INST_WRITTEN_OFF };
static const char *const inst_statuses[] = { "UNBILLED", "BILLED", "PAID", "WRITTEN_OFF", NULL };
enum { LOAN_ACTIVE, LOAN_PAID_OFF, LOAN_WRITTEN_OFF };
static const char *const loan_statuses[] = { "ACTIVE", "PAID_OFF", "WRITTEN_OFF", NULL };
static const char *const policies[] = { "WAIVE_UNBILLED", "CHARGE_ALL", NULL };
static const char *const user_statuses[] = { "ACTIVE", "FROZEN", NULL };

/* A loan's installments are judged in the order judge_loan has always judged them: the
 * schedule (count, numbering, then each installment against the engine's, by
 * installment_no), then each installment's state by installment_no. Pass 1 sees them in
 * the file's order and keeps the fault that judging would meet first: the least
 * (phase, installment_no). */
enum { PHASE_SCHEDULE, PHASE_STATE };

typedef struct {
  int phase;
  int no;
  gint64 line;
  const char *field;
  char *reason;
} LoanFault;

typedef struct {
  const char *order_id, *user_id, *product;  /* Imp.strings */
  ImpUser *user;               /* NULL when user_id is not in users.csv */
  gint64 line;
  GDate orig, status_date, wo, first_billing;
  gint64 principal_fen;
  SchedTerms terms;
  gint32 penalty_ppm, writeoff_dpd;
  guint8 statement_day;
  guint8 policy;               /* in policies */
  guint8 status;               /* in loan_statuses */
  guint refused : 1;
  /* pass 1 over installments.csv */
  guint live : 1;              /* an installment UNBILLED or BILLED */
  guint sched_failed : 1;      /* sched_build refuses the terms */
  guint numbering_off : 1;     /* an installment_no seen twice or beyond the term */
  guint32 rows;                /* its installments (saturating) */
  gint64 used_fen;             /* Σ principal − paid − written off */
  union {
    guint64 word;              /* term ≤ 64 */
    guint64 *words;            /* longer terms */
  } seen;                      /* the installment numbers seen, a bit each */
  LoanFault *fault;            /* the first fault judging meets, NULL mostly */
  gint64 loan_id;              /* reserved when booked */
} ImpLoan;

typedef struct {
  gint64 rows;            /* counted by import_control_add */
  gint64 total_fen;
  gboolean listed;
  gint64 listed_rows;
  gint64 listed_total_fen;
  gint64 line;
} Control;

enum { F_USERS = IMPORT_FILE_USERS, F_LOANS = IMPORT_FILE_LOANS, F_INST = IMPORT_FILE_INSTALLMENTS,
       F_CREDIT = IMPORT_FILE_CREDIT, F_N = IMPORT_N_FILES };
static const char *const file_names[F_N] = { IMPORT_USERS, IMPORT_LOANS, IMPORT_INSTALLMENTS, IMPORT_CREDIT };
/* The column a file's control total adds up: credit_limit, principal, principal, amount. */
static const guint total_fields[F_N] = { 1, 4, 4, 1 };
static const char *const *header_of(int which);

typedef struct {
  const char *dir;
  GDate cutover;
  char cutover_str[11];
  char *manifest_sha;
  Control control[F_N];
  GStringChunk *strings;
  GArray *users;          /* ImpUser, in the file's order */
  GHashTable *user_at;    /* id → index in users + 1 */
  GArray *loans;          /* ImpLoan, in the file's order */
  GHashTable *loan_at;    /* order_id → index in loans + 1 */
  GHashTable *products;   /* code → its display APR in basis points (text) */
  GArray *refusals;       /* Refusal */
  GStatBuf inst_stat;     /* installments.csv as pass 1 found it */
  /* pass 1: the schedule of the loan of the last row */
  const ImpLoan *sched_loan;
  gboolean sched_ok;
  SchedInstallment *sched;
  gint64 sched_builds;
  GHashTable *numbered;   /* ImpLoan* → GArray of its ImpInst, for a numbering fault */
} Imp;

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
  for (guint k = 0; imp->loans && k < imp->loans->len; k++) {
    ImpLoan *l = &g_array_index(imp->loans, ImpLoan, k);
    if (l->terms.term > 64)
      g_free(l->seen.words);
    if (l->fault)
      g_free(l->fault->reason);
    g_free(l->fault);
  }
  g_clear_pointer(&imp->strings, g_string_chunk_free);
  g_clear_pointer(&imp->users, g_array_unref);
  g_clear_pointer(&imp->user_at, g_hash_table_unref);
  g_clear_pointer(&imp->loans, g_array_unref);
  g_clear_pointer(&imp->loan_at, g_hash_table_unref);
  g_clear_pointer(&imp->products, g_hash_table_unref);
  g_clear_pointer(&imp->refusals, g_array_unref);
  g_clear_pointer(&imp->sched, g_free);
  g_clear_pointer(&imp->numbered, g_hash_table_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Imp, imp_clear)

static ImpUser *
user_of(const Imp *imp, const char *id)
{
  guint at = GPOINTER_TO_UINT(g_hash_table_lookup(imp->user_at, id));
  return at ? &g_array_index(imp->users, ImpUser, at - 1) : NULL;
}

static ImpLoan *
loan_of(const Imp *imp, const char *order_id)
{
  guint at = GPOINTER_TO_UINT(g_hash_table_lookup(imp->loan_at, order_id));
  return at ? &g_array_index(imp->loans, ImpLoan, at - 1) : NULL;
}

static const char *
intern(Imp *imp, const char *s)
{
  return s ? g_string_chunk_insert(imp->strings, s) : NULL;
}

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
  return date_parse(s, out, NULL) ? NULL : "not a valid YYYY-MM-DD date";
}

static const char *
parse_opt_date(const char *s, GDate *out)
{
  g_date_clear(out, 1);
  return *s ? parse_date(s, out) : NULL;
}

/* *INDEX: the position of S in CHOICES. */
static const char *
parse_choice(const char *s, const char *const *choices, guint8 *index)
{
  for (guint8 k = 0; choices[k]; k++)
    if (strcmp(s, choices[k]) == 0) {
      *index = k;
      return NULL;
    }
  return "not one of the allowed values";
}

/* ---- reading the files ---------------------------------------------------------- */

typedef gboolean (*RowFn)(Imp *imp, const CsvRecord *rec, gpointer data, GError **error);

void
import_control_add(ImportControl *c, ImportFile file, const CsvRecord *rec)
{
  c->rows++;
  gint64 fen;
  if (rec->n_fields > total_fields[file] && parse_fen(rec->fields[total_fields[file]], &fen) == NULL)
    c->total_fen += fen;
}

/* Reads file WHICH of the set row by row (its header checked, every row as long as
 * it) into FN; *COUNTED takes each row as its control line counts it. */
static gboolean
scan_file(Imp *imp, int which, RowFn fn, gpointer data, ImportControl *counted, GError **error)
{
  const char *const *header = header_of(which);
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
    import_control_add(counted, which, &rec);
    if (!fn(imp, &rec, data, error))
      return FALSE;
  }
  return error == NULL || *error == NULL;
}

static gboolean
read_file(Imp *imp, int which, RowFn fn, GError **error)
{
  Control *c = &imp->control[which];
  ImportControl counted = { 0 };
  gboolean ok = scan_file(imp, which, fn, NULL, &counted, error);
  c->rows = counted.rows;
  c->total_fen = counted.total_fen;
  return ok;
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

static gboolean
user_row(Imp *imp, const CsvRecord *rec, gpointer data G_GNUC_UNUSED, GError **error)
{
  const char *const *f = rec->fields;
  if (!*f[0] || g_hash_table_contains(imp->user_at, f[0])) {
    g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_FILE, "%s:%" G_GINT64_FORMAT ":user_id: %s", IMPORT_USERS,
                rec->line_no, *f[0] ? "listed twice" : "empty");
    return FALSE;
  }
  ImpUser u = { .id = intern(imp, f[0]) };
  gint64 sday = 0;
  const char *why;
  const char *field = (why = parse_fen(f[1], &u.limit_fen)) ? "credit_limit"
                    : (why = parse_int(f[2], 1, 28, &sday)) ? "statement_day"
                    : (why = parse_choice(f[3], user_statuses, &u.status)) ? "status" : NULL;
  u.statement_day = (guint8) sday;
  g_autofree char *name = intake_mask_name(f[4]);
  g_autofree char *phone = intake_mask_phone(f[5]);
  u.name = intern(imp, name);
  u.phone = intern(imp, phone);
  if (field) {
    u.refused = TRUE;
    refuse(imp, IMPORT_USERS, rec->line_no, field, u.id, NULL, "%s", why);
  }
  g_array_append_val(imp->users, u);
  g_hash_table_insert(imp->user_at, (gpointer) u.id, GUINT_TO_POINTER(imp->users->len));
  return TRUE;
}

static const char *const loans_header[] = {
  "order_id", "user_id", "product_code", "origination_date", "principal", "term", "method", "rate_ppm",
  "grace_days", "penalty_ppm", "writeoff_dpd", "prepay_fee_policy", "statement_day", "status", "status_date",
  "written_off_date", NULL };

static const char *
loan_fields(ImpLoan *l, const char *const *f, const char **why)
{
  gint64 term = 0, rate = 0, grace = 0, penalty = 0, dpd = 0, sday = 0;
  SchedMethod method = SCHED_INTEREST_FREE;
  const char *field = (*why = parse_date(f[3], &l->orig)) ? "origination_date"
                    : (*why = parse_fen(f[4], &l->principal_fen)) ? "principal"
                    : l->principal_fen == 0 ? (*why = "zero principal", "principal")
                    : (*why = parse_int(f[5], 1, SCHED_TERM_MAX, &term)) ? "term"
                    : !sched_method_from_string(f[6], &method, NULL) ? (*why = "unknown method", "method")
                    : (*why = parse_int(f[7], 0, SCHED_RATE_MAX_PPM, &rate)) ? "rate_ppm"
                    : (*why = parse_int(f[8], 0, SCHED_GRACE_DAYS_MAX, &grace)) ? "grace_days"
                    : (*why = parse_int(f[9], 0, 1000000, &penalty)) ? "penalty_ppm"
                    : (*why = parse_int(f[10], 1, 100000, &dpd)) ? "writeoff_dpd"
                    : (*why = parse_choice(f[11], policies, &l->policy)) ? "prepay_fee_policy"
                    : (*why = parse_int(f[12], 1, 28, &sday)) ? "statement_day"
                    : (*why = parse_choice(f[13], loan_statuses, &l->status)) ? "status"
                    : (*why = parse_date(f[14], &l->status_date)) ? "status_date"
                    : (*why = parse_opt_date(f[15], &l->wo)) ? "written_off_date" : NULL;
  l->terms = (SchedTerms) { method, (int) term, rate, (int) grace };
  l->penalty_ppm = (gint32) penalty;
  l->writeoff_dpd = (gint32) dpd;
  l->statement_day = (guint8) sday;
  return field;
}

static gboolean
loan_row(Imp *imp, const CsvRecord *rec, gpointer data G_GNUC_UNUSED, GError **error)
{
  const char *const *f = rec->fields;
  if (!*f[0] || !*f[1] || g_hash_table_contains(imp->loan_at, f[0])) {
    g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_FILE, "%s:%" G_GINT64_FORMAT ":%s: %s", IMPORT_LOANS,
                rec->line_no, !*f[1] && *f[0] ? "user_id" : "order_id",
                *f[0] && *f[1] ? "listed twice" : "empty");
    return FALSE;
  }
  ImpLoan l = { .line = rec->line_no, .order_id = intern(imp, f[0]), .user = user_of(imp, f[1]) };
  l.user_id = l.user ? l.user->id : intern(imp, f[1]);
  l.product = g_string_chunk_insert_const(imp->strings, f[2]);
  g_date_clear(&l.first_billing, 1);
  const char *why = NULL;
  const char *field = loan_fields(&l, f, &why);
  if (field) {
    l.refused = TRUE;
    refuse(imp, IMPORT_LOANS, rec->line_no, field, l.user_id, l.order_id, "%s", why);
  }
  g_array_append_val(imp->loans, l);
  g_hash_table_insert(imp->loan_at, (gpointer) l.order_id, GUINT_TO_POINTER(imp->loans->len));
  return TRUE;
}

static const char *const inst_header[] = {
  "order_id", "installment_no", "billing_date", "due_date", "principal", "fee", "status", "paid_principal",
  "paid_fee", "penalty_accrued", "paid_penalty", "fee_waived", "penalty_waived", "writeoff_principal",
  "writeoff_fee", "writeoff_penalty", "recovered", "paid_date", NULL };

/* The fields of an installments.csv row into *I: NULL, or the first bad field (and *WHY). */
static const char *
inst_fields(const char *const *f, ImpInst *i, const char **why)
{
  gint64 no = 0;
  const char *field = (*why = parse_int(f[1], 1, SCHED_TERM_MAX, &no)) ? "installment_no"
                    : (*why = parse_date(f[2], &i->billing)) ? "billing_date"
                    : (*why = parse_date(f[3], &i->due)) ? "due_date"
                    : (*why = parse_fen(f[4], &i->principal_fen)) ? "principal"
                    : (*why = parse_fen(f[5], &i->fee_fen)) ? "fee"
                    : (*why = parse_choice(f[6], inst_statuses, &i->status)) ? "status" : NULL;
  for (int k = 0; !field && k < V_N; k++)
    if ((*why = parse_fen(f[7 + k], &i->v[k])))
      field = v_names[k];
  if (!field && (*why = parse_opt_date(f[17], &i->paid)))
    field = "paid_date";
  i->no = (int) no;
  return field;
}

/* ---- judging an installment --------------------------------------------------- */

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
  gboolean wo = i->status == INST_WRITTEN_OFF;
  *field = "status";
  if (i->v[V_PAID_P] + i->v[V_WO_P] > i->principal_fen)
    return (*field = "paid_principal", "principal paid and written off exceed the principal");
  if (i->v[V_PAID_F] + i->v[V_FEE_WAIVED] + i->v[V_WO_F] > i->fee_fen)
    return (*field = "paid_fee", "fee paid, waived and written off exceed the fee");
  if (unpaid_penalty(i) < 0)
    return (*field = "paid_penalty", "penalty paid, waived and written off exceed the penalty accrued");
  if (i->v[V_RECOVERED] > i->v[V_WO_P] + i->v[V_WO_F] + i->v[V_WO_PEN])
    return (*field = "recovered", "recovered exceeds what was written off");
  gboolean loan_wo = l->status == LOAN_WRITTEN_OFF;
  if (wo && !loan_wo)
    return "WRITTEN_OFF, but its loan is not";
  if (loan_wo && !wo && i->status != INST_PAID)
    return "the loan is WRITTEN_OFF: each installment is PAID or WRITTEN_OFF";
  if (!wo && (i->v[V_WO_P] || i->v[V_WO_F] || i->v[V_WO_PEN] || i->v[V_RECOVERED]))
    return (*field = "writeoff_principal", "write-off amounts on an installment not written off");
  if (i->status == INST_UNBILLED) {
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
  if (i->status == INST_PAID) {
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

static void
fmt_date(const GDate *d, char out[11])
{
  g_date_strftime(out, 11, "%Y-%m-%d", d);
}

/* NULL when installment I is the engine's S, else why not (and *FIELD). */
static char *
schedule_mismatch(const SchedInstallment *s, const ImpInst *i, const char **field)
{
  char want[11], got[11];
  if (g_date_compare(&i->billing, &s->billing_date) != 0 || g_date_compare(&i->due, &s->due_date) != 0) {
    gboolean b = g_date_compare(&i->billing, &s->billing_date) != 0;
    fmt_date(b ? &s->billing_date : &s->due_date, want);
    fmt_date(b ? &i->billing : &i->due, got);
    *field = b ? "billing_date" : "due_date";
    return g_strdup_printf("schedule mismatch: the schedule engine gives %s, the file %s", want, got);
  }
  if (i->principal_fen != s->principal_fen || i->fee_fen != s->fee_fen) {
    gboolean p = i->principal_fen != s->principal_fen;
    g_autofree char *w = money_format_fen(p ? s->principal_fen : s->fee_fen);
    g_autofree char *g = money_format_fen(p ? i->principal_fen : i->fee_fen);
    *field = p ? "principal" : "fee";
    return g_strdup_printf("schedule mismatch: the schedule engine gives %s, the file %s", w, g);
  }
  return NULL;
}

static gboolean
schedule_differs(const SchedInstallment *s, const ImpInst *i)
{
  return g_date_compare(&i->billing, &s->billing_date) != 0 || g_date_compare(&i->due, &s->due_date) != 0
         || i->principal_fen != s->principal_fen || i->fee_fen != s->fee_fen;
}

/* ---- pass 1: installments.csv row by row --------------------------------------- */

/* The engine's schedule of L: computed once for a run of rows of one loan (the files
 * are grouped by loan as exports usually are; an ungrouped file only costs more
 * computing). NULL when the engine refuses the terms. */
static const SchedInstallment *
schedule_of(Imp *imp, ImpLoan *l)
{
  if (imp->sched_loan != l) {
    imp->sched_loan = l;
    imp->sched_builds++;
    imp->sched_ok = sched_build(l->principal_fen, &l->terms, &l->orig, l->statement_day, imp->sched, NULL);
    if (imp->sched_ok)
      l->first_billing = imp->sched[0].billing_date;
    else
      l->sched_failed = TRUE;
  }
  return imp->sched_ok ? imp->sched : NULL;
}

/* TRUE when installment number NO of L was seen before; marks it seen. */
static gboolean
seen_before(ImpLoan *l, int no)
{
  guint64 *words = &l->seen.word;
  if (l->terms.term > 64) {
    if (!l->seen.words)
      l->seen.words = g_new0(guint64, (l->terms.term + 63) / 64);
    words = l->seen.words;
  }
  guint64 bit = G_GUINT64_CONSTANT(1) << ((no - 1) % 64);
  gboolean seen = (words[(no - 1) / 64] & bit) != 0;
  words[(no - 1) / 64] |= bit;
  return seen;
}

static gboolean
fault_beats(const ImpLoan *l, int phase, int no)
{
  return !l->fault || phase < l->fault->phase || (phase == l->fault->phase && no < l->fault->no);
}

static void
keep_fault(ImpLoan *l, int phase, int no, gint64 line, const char *field, char *reason)
{
  if (!l->fault)
    l->fault = g_new0(LoanFault, 1);
  g_free(l->fault->reason);
  *l->fault = (LoanFault) { phase, no, line, field, reason };
}

/* One installment of L folded into its judging state. While the numbers are 1 .. term
 * each at most once, the installment judge_loan meets first is the one of the least
 * number: so the least (phase, number) fault is the one it reports. Once a number is
 * repeated or beyond the term, the loan's numbering is judged from its rows read again
 * (read_numbered_rows) and only its count is still needed. */
static void
fold_installment(Imp *imp, ImpLoan *l, const ImpInst *i)
{
  if (l->rows < G_MAXUINT32)
    l->rows++;
  l->used_fen += i->principal_fen - i->v[V_PAID_P] - i->v[V_WO_P];
  l->live |= i->status == INST_UNBILLED || i->status == INST_BILLED;
  if (l->numbering_off)
    return;
  if (i->no > l->terms.term || seen_before(l, i->no)) {
    l->numbering_off = TRUE;
    return;
  }
  const SchedInstallment *s = schedule_of(imp, l);
  const char *field = NULL;
  if (s && schedule_differs(&s[i->no - 1], i) && fault_beats(l, PHASE_SCHEDULE, i->no)) {
    char *why = schedule_mismatch(&s[i->no - 1], i, &field);
    keep_fault(l, PHASE_SCHEDULE, i->no, i->line, field, why);
  }
  const char *why = judge_installment(imp, l, i, &field);
  if (why && fault_beats(l, PHASE_STATE, i->no))
    keep_fault(l, PHASE_STATE, i->no, i->line, field, g_strdup(why));
}

static gboolean
inst_row(Imp *imp, const CsvRecord *rec, gpointer data G_GNUC_UNUSED, GError **error)
{
  const char *const *f = rec->fields;
  ImpLoan *l = loan_of(imp, f[0]);
  if (!l) {
    g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_FILE, "%s:%" G_GINT64_FORMAT ":order_id: %s is not in %s",
                IMPORT_INSTALLMENTS, rec->line_no, f[0], IMPORT_LOANS);
    return FALSE;
  }
  if (l->refused)
    return TRUE;
  ImpInst i = { .line = rec->line_no };
  const char *why = NULL;
  const char *field = inst_fields(f, &i, &why);
  if (field)
    refuse_at(imp, l, IMPORT_INSTALLMENTS, rec->line_no, field, "%s", why);
  else
    fold_installment(imp, l, &i);
  return TRUE;
}

static const char *const credit_header[] = { "user_id", "amount", NULL };

static const char *const *
header_of(int which)
{
  static const char *const *const headers[F_N] = { users_header, loans_header, inst_header, credit_header };
  return headers[which];
}

static gboolean
credit_row(Imp *imp, const CsvRecord *rec, gpointer data G_GNUC_UNUSED, GError **error)
{
  const char *const *f = rec->fields;
  ImpUser *u = user_of(imp, f[0]);
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

/* ---- installments.csv read again --------------------------------------------------- */

/* Pass 1 judged the file as it was then: the later passes take the same file or
 * nothing. */
static gboolean
same_file(const GStatBuf *a, const GStatBuf *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size
         && a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static gboolean
file_changed(GError **error, gint64 line)
{
  if (line > 0)
    g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_FILE,
                "%s:%" G_GINT64_FORMAT ": changed while the import read it: the whole import is refused,"
                " nothing was stored", IMPORT_INSTALLMENTS, line);
  else
    g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_FILE,
                "%s: changed while the import read it: the whole import is refused, nothing was stored",
                IMPORT_INSTALLMENTS);
  return FALSE;
}

/* The fields of a row read again, which pass 1 found good. */
static gboolean
inst_fields_again(const CsvRecord *rec, ImpInst *i, GError **error)
{
  const char *why = NULL;
  *i = (ImpInst) { .line = rec->line_no };
  return inst_fields(rec->fields, i, &why) == NULL || file_changed(error, rec->line_no);
}

/* installments.csv again, row by row into FN: the same rows as in pass 1, or an error. */
static gboolean
reread_installments(Imp *imp, RowFn fn, gpointer data, GError **error)
{
  ImportControl again = { 0 };
  if (!scan_file(imp, F_INST, fn, data, &again, error))
    return FALSE;
  g_autofree char *path = g_build_filename(imp->dir, IMPORT_INSTALLMENTS, NULL);
  GStatBuf st;
  if (again.rows != imp->control[F_INST].rows || again.total_fen != imp->control[F_INST].total_fen
      || g_stat(path, &st) != 0
      || !same_file(&st, &imp->inst_stat))
    return file_changed(error, 0);
  return TRUE;
}

static gboolean
numbered_row(Imp *imp, const CsvRecord *rec, gpointer data G_GNUC_UNUSED, GError **error)
{
  ImpLoan *l = loan_of(imp, rec->fields[0]);
  if (!l)
    return file_changed(error, rec->line_no);
  GArray *rows = g_hash_table_lookup(imp->numbered, l);
  ImpInst i;
  if (!rows)
    return TRUE;
  if (!inst_fields_again(rec, &i, error))
    return FALSE;
  g_array_append_val(rows, i);
  return TRUE;
}

/* The rows of the loans whose numbering judge_schedule will refuse (a number repeated,
 * or beyond the term, with as many rows as the term), for the message it has always
 * given: which installment it expected and which row it found. Faults are rare, and
 * holding every row's number and line for them would cost the memory this import saves:
 * the file is read once more, only when there is such a loan. */
static gboolean
read_numbered_rows(Imp *imp, GError **error)
{
  for (guint k = 0; k < imp->loans->len; k++) {
    ImpLoan *l = &g_array_index(imp->loans, ImpLoan, k);
    if (!l->refused && l->numbering_off && !l->sched_failed && (int) l->rows == l->terms.term)
      g_hash_table_insert(imp->numbered, l, g_array_new(FALSE, FALSE, sizeof(ImpInst)));
  }
  if (g_hash_table_size(imp->numbered) == 0)
    return TRUE;
  log_debug("%s: %u loans with a numbering fault, read again", IMPORT_INSTALLMENTS,
            g_hash_table_size(imp->numbered));
  return reread_installments(imp, numbered_row, NULL, error);
}

/* ---- judging each loan ------------------------------------------------------- */

static gint
by_no(gconstpointer a, gconstpointer b)
{
  const ImpInst *x = a, *y = b;
  return (x->no > y->no) - (x->no < y->no);
}

/* judge_schedule's loop over the rows of a loan whose numbering is off, as it has always
 * run: sorted by installment_no (g_array_sort is stable: rows of one number stay in the
 * file's order), the k-th must be number k + 1 and the engine's. */
static void
judge_numbering(Imp *imp, ImpLoan *l, const SchedInstallment *s)
{
  GArray *rows = g_hash_table_lookup(imp->numbered, l);
  g_assert(rows && rows->len == (guint) l->terms.term);
  g_array_sort(rows, by_no);
  for (int k = 0; k < l->terms.term; k++) {
    const ImpInst *i = &g_array_index(rows, ImpInst, k);
    const char *field = NULL;
    if (i->no != k + 1) {
      refuse_at(imp, l, IMPORT_INSTALLMENTS, i->line, "installment_no", "installment %d expected, %d found",
                k + 1, i->no);
      return;
    }
    g_autofree char *why = schedule_mismatch(&s[k], i, &field);
    if (why) {
      refuse_at(imp, l, IMPORT_INSTALLMENTS, i->line, field, "%s", why);
      return;
    }
  }
}

/* The file's schedule must be the engine's, installment by installment. */
static void
judge_schedule(Imp *imp, ImpLoan *l)
{
  if ((int) l->rows != l->terms.term) {
    refuse_at(imp, l, IMPORT_LOANS, l->line, "term", "term %d but %u installments in %s", l->terms.term,
              (guint) l->rows, IMPORT_INSTALLMENTS);
    return;
  }
  if (l->sched_failed || l->numbering_off) {
    g_autofree SchedInstallment *s = g_new0(SchedInstallment, l->terms.term);
    g_autoptr(GError) e = NULL;
    if (!sched_build(l->principal_fen, &l->terms, &l->orig, l->statement_day, s, &e))
      refuse_at(imp, l, IMPORT_LOANS, l->line, "term", "the schedule engine refuses the terms: %s", e->message);
    else if (l->numbering_off)
      judge_numbering(imp, l, s);
    return;
  }
  if (l->fault && l->fault->phase == PHASE_SCHEDULE)
    refuse_at(imp, l, IMPORT_INSTALLMENTS, l->fault->line, l->fault->field, "%s", l->fault->reason);
}

static void
judge_loan(Imp *imp, ImpLoan *l)
{
  if (!l->user)
    return refuse_at(imp, l, IMPORT_LOANS, l->line, "user_id", "user %s is not in %s", l->user_id, IMPORT_USERS);
  if (!g_hash_table_contains(imp->products, l->product))
    return refuse_at(imp, l, IMPORT_LOANS, l->line, "product_code", "unknown product (load the catalogue first)");
  if (g_date_compare(&l->orig, &imp->cutover) > 0)
    return refuse_at(imp, l, IMPORT_LOANS, l->line, "origination_date", "after the cut-over date");
  if (g_date_compare(&l->status_date, &l->orig) < 0 || g_date_compare(&l->status_date, &imp->cutover) > 0)
    return refuse_at(imp, l, IMPORT_LOANS, l->line, "status_date", "outside origination date .. cut-over date");
  gboolean wo = l->status == LOAN_WRITTEN_OFF;
  if (wo != g_date_valid(&l->wo) || (wo && (g_date_compare(&l->wo, &l->orig) < 0
                                            || g_date_compare(&l->wo, &imp->cutover) > 0)))
    return refuse_at(imp, l, IMPORT_LOANS, l->line, "written_off_date",
                     "a WRITTEN_OFF loan needs a write-off date in origination date .. cut-over date, others none");
  judge_schedule(imp, l);
  if (l->refused)
    return;
  if (l->fault)
    return refuse_at(imp, l, IMPORT_INSTALLMENTS, l->fault->line, l->fault->field, "%s", l->fault->reason);
  if (l->live != (l->status == LOAN_ACTIVE))
    return refuse_at(imp, l, IMPORT_LOANS, l->line, "status",
                     "ACTIVE exactly when an installment is UNBILLED or BILLED");
}

/* A refused loan refuses its user (the user's limit and balances would not tie), and a
 * refused user all of the user's loans. */
static void
judge_all(Imp *imp)
{
  for (guint k = 0; k < imp->loans->len; k++) {
    ImpLoan *l = &g_array_index(imp->loans, ImpLoan, k);
    if (!l->refused)
      judge_loan(imp, l);
    if (l->refused && l->user)
      l->user->refused = TRUE;
  }
  for (guint k = 0; k < imp->loans->len; k++) {
    ImpLoan *l = &g_array_index(imp->loans, ImpLoan, k);
    if (!l->refused && l->user && l->user->refused)
      refuse_at(imp, l, IMPORT_LOANS, l->line, "user_id", "refused with its user (see the user's other refusals)");
    if (l->refused || l->status != LOAN_ACTIVE)
      continue;
    l->user->used_fen += l->used_fen;
  }
}

/* ---- booking ------------------------------------------------------------------ */

/* The statements are the files of sql/queries/import (src/stmt.h). */
#define Q(name) "queries/import/" name

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
copy_users(PGconn *conn, Imp *imp, ImportSummary *s, GError **error)
{
  DbCopy *c = stmt_copy_start(conn, Q("31_copy_users"), error);
  if (!c)
    return FALSE;
  for (guint k = 0; k < imp->users->len; k++) {
    const ImpUser *u = &g_array_index(imp->users, ImpUser, k);
    if (u->refused) {
      s->users_refused++;
      continue;
    }
    db_copy_field(c, u->id, FALSE);
    db_copy_field_int(c, u->limit_fen, FALSE);
    db_copy_field_int(c, u->statement_day, FALSE);
    db_copy_field(c, user_statuses[u->status], FALSE);
    db_copy_field(c, u->name, FALSE);
    db_copy_field(c, u->phone, FALSE);
    db_copy_field_int(c, u->used_fen, FALSE);
    db_copy_field_int(c, u->credit_fen, FALSE);
    db_copy_field(c, imp->cutover_str, FALSE);
    db_copy_field(c, imp->cutover_str, TRUE);
    s->users++;
    if (!db_copy_flush_if_full(c, error)) {
      db_copy_abort(c);
      return FALSE;
    }
  }
  return db_copy_finish(c, NULL, error);
}

static void
copy_loan(DbCopy *c, const Imp *imp, const ImpLoan *l)
{
  db_copy_field_int(c, l->loan_id, FALSE);
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
  db_copy_field(c, policies[l->policy], FALSE);
  db_copy_field(c, g_hash_table_lookup(imp->products, l->product), FALSE);
  db_copy_field_int(c, l->statement_day, FALSE);
  copy_date(c, &l->orig, FALSE);
  copy_date(c, &l->first_billing, FALSE);
  db_copy_field(c, loan_statuses[l->status], FALSE);
  copy_date(c, &l->status_date, FALSE);
  copy_date(c, &l->wo, TRUE);
}

/* billed_date: the billing date of an installment billed by the cut-over (by the
 * write-off for a written-off loan: later ones were never billed). */
static void
copy_inst(DbCopy *c, const Imp *imp, const ImpLoan *l, const ImpInst *i)
{
  const GDate *billed_by = g_date_valid(&l->wo) ? &l->wo : &imp->cutover;
  gboolean billed = i->status != INST_UNBILLED && g_date_compare(&i->billing, billed_by) <= 0;
  GDate none;
  g_date_clear(&none, 1);
  db_copy_field_int(c, l->loan_id, FALSE);
  db_copy_field_int(c, i->no, FALSE);
  db_copy_field(c, l->user_id, FALSE);
  db_copy_field(c, l->order_id, FALSE);
  copy_date(c, &i->billing, FALSE);
  copy_date(c, &i->due, FALSE);
  db_copy_field_int(c, i->principal_fen, FALSE);
  db_copy_field_int(c, i->fee_fen, FALSE);
  /* the file's order: paid_principal, paid_fee, penalty_accrued, paid_penalty, fee_waived,
   * penalty_waived, writeoff_principal, writeoff_fee, writeoff_penalty, recovered */
  for (int k = 0; k < V_N; k++)
    db_copy_field_int(c, i->v[k], FALSE);
  db_copy_field(c, inst_statuses[i->status], FALSE);
  copy_date(c, billed ? &i->billing : &none, FALSE);
  copy_date(c, i->status == INST_PAID ? &i->paid : &none, FALSE);
  copy_date(c, i->status == INST_WRITTEN_OFF ? &l->wo : &none, TRUE);
}

/* By user, then origination date, then the file's order: the order of the loan ids. */
static gint
by_user_date(gconstpointer a, gconstpointer b)
{
  const ImpLoan *x = *(ImpLoan *const *) a, *y = *(ImpLoan *const *) b;
  int c = strcmp(x->user_id, y->user_id);
  if (c == 0)
    c = g_date_compare(&x->orig, &y->orig);
  return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

/* The accepted loans in id order, their ids reserved from loans' identity sequence. */
static GPtrArray *
reserve_loan_ids(PGconn *conn, Imp *imp, ImportSummary *s, GError **error)
{
  g_autoptr(GPtrArray) booked = g_ptr_array_new();
  for (guint k = 0; k < imp->loans->len; k++) {
    ImpLoan *l = &g_array_index(imp->loans, ImpLoan, k);
    if (l->refused)
      s->loans_refused++;
    else
      g_ptr_array_add(booked, l);
  }
  g_ptr_array_sort(booked, by_user_date);
  if (booked->len == 0)
    return g_steal_pointer(&booked);
  g_autofree char *n = g_strdup_printf("%u", booked->len);
  const char *p[] = { n };
  g_autoptr(PGresult) res = stmt_query_one(conn, Q("30_reserve_loan_ids"), 1, p, error);
  if (!res)
    return NULL;
  gint64 first = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
  gint64 last = g_ascii_strtoll(PQgetvalue(res, 0, 1), NULL, 10);
  if (last - first + 1 != (gint64) booked->len) {
    g_set_error(error, IMPORT_ERROR, IMPORT_ERROR_FILE,
                "the %u loan ids reserved (%" G_GINT64_FORMAT " .. %" G_GINT64_FORMAT ") are not contiguous:"
                " something else took loan ids meanwhile; nothing was stored, rerun the import", booked->len,
                first, last);
    return NULL;
  }
  for (guint k = 0; k < booked->len; k++)
    ((ImpLoan *) booked->pdata[k])->loan_id = first + k;
  return g_steal_pointer(&booked);
}

static gboolean
copy_loans(PGconn *conn, Imp *imp, const GPtrArray *booked, ImportSummary *s, GError **error)
{
  DbCopy *c = stmt_copy_start(conn, Q("32_copy_loans"), error);
  if (!c)
    return FALSE;
  for (guint k = 0; k < booked->len; k++) {
    copy_loan(c, imp, booked->pdata[k]);
    s->loans++;
    if (!db_copy_flush_if_full(c, error)) {
      db_copy_abort(c);
      return FALSE;
    }
  }
  return db_copy_finish(c, NULL, error);
}

typedef struct {
  DbCopy *copy;
  ImportSummary *summary;
} InstCopy;

static gboolean
copy_inst_row(Imp *imp, const CsvRecord *rec, gpointer data, GError **error)
{
  InstCopy *ic = data;
  const ImpLoan *l = loan_of(imp, rec->fields[0]);
  ImpInst i;
  if (!l)
    return file_changed(error, rec->line_no);
  if (l->refused)
    return TRUE;
  if (!inst_fields_again(rec, &i, error))
    return FALSE;
  copy_inst(ic->copy, imp, l, &i);
  ic->summary->installments++;
  return db_copy_flush_if_full(ic->copy, error);
}

/* Pass 2: installments.csv read again, each row of an accepted loan COPYed as it comes
 * (the file's order; the loans' ids are reserved). */
static gboolean
copy_installments(PGconn *conn, Imp *imp, ImportSummary *s, GError **error)
{
  InstCopy ic = { stmt_copy_start(conn, Q("33_copy_installments"), error), s };
  if (!ic.copy)
    return FALSE;
  if (!reread_installments(imp, copy_inst_row, &ic, error)) {
    db_copy_abort(ic.copy);
    return FALSE;
  }
  return db_copy_finish(ic.copy, NULL, error);
}

static gboolean
stage_refusals(PGconn *conn, Imp *imp, GError **error)
{
  if (!stmt_exec(conn, Q("34_refusals_table"), 0, NULL, error))
    return FALSE;
  DbCopy *c = stmt_copy_start(conn, Q("35_copy_refusals"), error);
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
  g_autoptr(PGresult) res = stmt_query(conn, Q("15_products"), 0, NULL, error);
  if (!res)
    return FALSE;
  for (int r = 0; r < PQntuples(res); r++)
    g_hash_table_insert(imp->products, g_strdup(PQgetvalue(res, r, 0)), g_strdup(PQgetvalue(res, r, 1)));
  return TRUE;
}

static gboolean
read_all(Imp *imp, GError **error)
{
  g_autofree char *inst_path = g_build_filename(imp->dir, IMPORT_INSTALLMENTS, NULL);
  if (!read_file(imp, F_USERS, user_row, error) || !check_control(imp, F_USERS, error)
      || !read_file(imp, F_LOANS, loan_row, error) || !check_control(imp, F_LOANS, error))
    return FALSE;
  if (g_stat(inst_path, &imp->inst_stat) != 0)
    memset(&imp->inst_stat, 0, sizeof imp->inst_stat);  /* csv_reader_open says why */
  if (!read_file(imp, F_INST, inst_row, error) || !check_control(imp, F_INST, error)
      || !read_file(imp, F_CREDIT, credit_row, error) || !check_control(imp, F_CREDIT, error)
      || !read_numbered_rows(imp, error))
    return FALSE;
  log_debug("%s: %" G_GINT64_FORMAT " rows, %" G_GINT64_FORMAT " schedules computed for %u loans",
            IMPORT_INSTALLMENTS, imp->control[F_INST].rows, imp->sched_builds, imp->loans->len);
  judge_all(imp);
  return TRUE;
}

static gboolean
exec1(PGconn *conn, const char *name, const char *date, GError **error)
{
  const char *p[] = { date };
  return stmt_exec(conn, name, date ? 1 : 0, date ? p : NULL, error);
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
  return stmt_exec(ctx->conn, Q("60_step_done"), 7, p, error);
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
  g_autoptr(PGresult) rec = stmt_query_one(conn, Q("61_record"), 9, ip, error);
  if (!rec)
    return FALSE;
  s->import_id = int_at(rec, 0, 0);
  const char *iid[] = { PQgetvalue(rec, 0, 0) };
  return stmt_exec(conn, Q("62_record_refusals"), 1, iid, error);
}

static gboolean
opening_sums(PGconn *conn, const char *d, ImportSummary *s, GError **error)
{
  g_autoptr(PGresult) sums = stmt_query(conn, Q("51_opening_sums"), 1, &d, error);
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

/* Runs NAME, a SELECT of one owner's function whose result is only logged. */
static gboolean
call_function(PGconn *conn, const char *name, GError **error)
{
  g_autoptr(PGresult) res = stmt_query_one(conn, name, 0, NULL, error);
  if (res)
    log_debug("%s: %s", name, PQgetvalue(res, 0, 0));
  return res != NULL;
}

/* The users, loans and installments COPYed straight into their tables (the loans with
 * ids reserved first), then the rows derived from them, set-based. */
static gboolean
book_rows(PGconn *conn, Imp *imp, ImportSummary *s, GError **error)
{
  const char *d = imp->cutover_str;
  if (!exec1(conn, Q("25_open_date"), d, error) || !call_function(conn, Q("28_suspend_checks"), error)
      || !copy_users(conn, imp, s, error))
    return FALSE;
  g_autoptr(GPtrArray) booked = reserve_loan_ids(conn, imp, s, error);
  return booked && copy_loans(conn, imp, booked, s, error) && copy_installments(conn, imp, s, error)
         && call_function(conn, Q("36_restore_checks"), error)
         && stage_refusals(conn, imp, error)
         && exec1(conn, Q("40_credit_balances"), d, error)
         && exec1(conn, Q("41_writeoffs"), d, error)
         && exec1(conn, Q("42_penalty_accruals"), d, error)
         && exec1(conn, Q("43_snapshots"), d, error)
         && call_function(conn, Q("70_statistics"), error);
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
  g_autoptr(PGresult) run = stmt_query_one(conn, Q("20_start_run"), 3, rp, error);
  if (!run)
    return FALSE;
  EodContext ctx = { .conn = conn, .config = config, .date = imp->cutover, .run_id = int_at(run, 0, 0) };
  g_strlcpy(ctx.date_str, imp->cutover_str, sizeof ctx.date_str);
  gint64 posted = 0;
  const char *opening = stmt_sql(Q("50_opening_lines"), error);
  if (!opening || !book_rows(conn, imp, s, error) || !record_import(conn, imp, &ctx, s, error)
      || !gl_post_query(&ctx, "OPENING", "import", "opening", "期初余额 / opening balances of the imported book",
                        opening, 0, NULL, &posted, error)
      || !eod_step_risk(&ctx, error) || !record_step(&ctx, "risk", host, pid, error)
      || !eod_step_gl_close(&ctx, error) || !record_step(&ctx, "gl_close", host, pid, error)
      || !reconcile_cutover(&ctx, error) || !record_step(&ctx, "recon", host, pid, error)
      || !opening_sums(conn, ctx.date_str, s, error))
    return FALSE;
  const char *run_id = PQgetvalue(run, 0, 0);
  const char *cp[] = { ctx.date_str, run_id };
  return stmt_exec(conn, Q("80_close_date"), 2, cp, error) && stmt_exec(conn, Q("81_end_run"), 1, &run_id, error);
}

/* TRUE when nothing is to be done (already imported), with *ERROR unset. */
static gboolean
check_state(PGconn *conn, Imp *imp, ImportSummary *s, gboolean *done, GError **error)
{
  const char *p[] = { imp->manifest_sha };
  g_autoptr(PGresult) res = stmt_query_one(conn, Q("10_state"), 1, p, error);
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

/* import_book's first half: everything but the commit (import.h). */
gboolean
import_book_open(PGconn *conn, const Config *config, const char *dir, ImportSummary *summary, GPtrArray **refusals,
                 GError **error)
{
  memset(summary, 0, sizeof *summary);
  if (refusals)
    *refusals = NULL;
  g_auto(Imp) imp = { .dir = dir };
  imp.strings = g_string_chunk_new(1 << 20);
  imp.users = g_array_new(FALSE, FALSE, sizeof(ImpUser));
  imp.user_at = g_hash_table_new(g_str_hash, g_str_equal);
  imp.loans = g_array_new(FALSE, FALSE, sizeof(ImpLoan));
  imp.loan_at = g_hash_table_new(g_str_hash, g_str_equal);
  imp.sched = g_new(SchedInstallment, SCHED_TERM_MAX);
  imp.numbered = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) g_array_unref);
  imp.products = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
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
    list_refusals(&imp, refusals);
    return TRUE;   /* the transaction and the night lock stay: import_book_commit */
  }
  import_book_abandon(conn);   /* already imported, or failed */
  return ok;
}

gboolean
import_book_commit(PGconn *conn, GError **error)
{
  fault_reached_in("before-commit");
  gboolean ok = db_commit(conn, error);
  if (ok)
    fault_reached_in("after-commit");
  db_unlock(conn, DB_LOCK_NIGHT);
  return ok;
}

void
import_book_abandon(PGconn *conn)
{
  db_rollback(conn);
  db_unlock(conn, DB_LOCK_NIGHT);
}

gboolean
import_book(PGconn *conn, const Config *config, const char *dir, ImportSummary *summary, GPtrArray **refusals,
            GError **error)
{
  if (!import_book_open(conn, config, dir, summary, refusals, error))
    return FALSE;
  if (summary->already_done || import_book_commit(conn, error))
    return TRUE;
  if (refusals)
    g_clear_pointer(refusals, g_ptr_array_unref);
  return FALSE;
}

/* ---- the control rule and the manifest, for the group's split (import.h) ------------ */

const char *
import_file_name(ImportFile file)
{
  return file_names[file];
}

const char *const *
import_file_header(ImportFile file)
{
  return header_of(file);
}

void
import_manifest_clear(ImportManifest *m)
{
  g_clear_pointer(&m->sha256, g_free);
}

gboolean
import_read_manifest(const char *dir, ImportManifest *m, GError **error)
{
  memset(m, 0, sizeof *m);
  g_auto(Imp) imp = { .dir = dir };
  if (!read_manifest(&imp, error))
    return FALSE;
  g_strlcpy(m->cutover, imp.cutover_str, sizeof m->cutover);
  m->sha256 = g_steal_pointer(&imp.manifest_sha);
  for (int i = 0; i < F_N; i++) {
    m->listed[i] = (ImportControl) { imp.control[i].listed_rows, imp.control[i].listed_total_fen };
    m->line[i] = imp.control[i].line;
  }
  return TRUE;
}

typedef struct {
  ImportRowFn fn;
  gpointer data;
} RowCall;

static gboolean
call_row(Imp *imp G_GNUC_UNUSED, const CsvRecord *rec, gpointer data, GError **error)
{
  const RowCall *call = data;
  return call->fn(rec, call->data, error);
}

gboolean
import_scan_file(const char *dir, ImportFile file, ImportRowFn fn, gpointer data, ImportControl *counted,
                 GError **error)
{
  Imp imp = { .dir = dir };
  RowCall call = { fn, data };
  return scan_file(&imp, file, call_row, &call, counted, error);
}

gboolean
import_check_control(const ImportManifest *m, ImportFile file, const ImportControl *counted, GError **error)
{
  Imp imp = { .dir = NULL };
  imp.control[file] = (Control) { .rows = counted->rows, .total_fen = counted->total_fen, .listed = TRUE,
                                  .listed_rows = m->listed[file].rows, .listed_total_fen = m->listed[file].total_fen,
                                  .line = m->line[file] };
  return check_control(&imp, file, error);
}

char *
import_manifest_text(const char *cutover, const ImportControl controls[IMPORT_N_FILES])
{
  GString *out = g_string_new("cutover_date,file,rows,total\n");
  for (int i = 0; i < F_N; i++) {
    g_autofree char *total = money_format_fen(controls[i].total_fen);
    g_string_append_printf(out, "%s,%s,%" G_GINT64_FORMAT ",%s\n", cutover, file_names[i], controls[i].rows, total);
  }
  return g_string_free(out, FALSE);
}
