/* Synthetic portfolios: deterministic partner files (the same CSV formats the intake
 * reads) for demos, tests and benchmarks — users, and per business day orders,
 * repayments, refunds and the channels' settlement files (T+1). */
#ifndef BAITIAO_GEN_H
#define BAITIAO_GEN_H

#include <glib.h>
#include <stdio.h>

#include "product.h"

#define GEN_ERROR (gen_error_quark())
GQuark gen_error_quark(void);

typedef struct {
  guint64 seed;
  int users;
  int days;
  GDate start;              /* first business date */
  const char *out_dir;
  const ProductSet *products;
  /* After a book (gen_book): the book's performing installments still to pay, paid by
   * the day files as the user's behaviour says, and each user's used limit at the start. */
  const GArray *book_dues;       /* GenDue, or NULL */
  const gint64 *book_used_fen;   /* per user, or NULL */
  /* gen --campaigns N: a catalogue of N campaigns, segments and coupons, and orders with
   * merchant_id, category and coupon_id (src/gen_campaigns.h); 0: none, and the files
   * are byte for byte those of a portfolio without campaigns. */
  int campaigns;
} GenOptions;

typedef struct {
  int user;                 /* 0-based */
  GDate due_date;
  gint64 principal_fen;
  gint64 fee_fen;
  gint64 penalty_ppm;
} GenDue;

typedef struct {
  guint64 seed;
  int users;
  GDate as_of;              /* the cut-over business date */
  const char *out_dir;      /* the import set is written here */
  const ProductSet *products;
  /* Users 1..ACTIVE (0: all) hold loans of every stage; the others only loans whose
   * every installment fell due before AS_OF (paid off, overdue or written off), so
   * nothing of theirs falls due after it: books of any size with the same activity
   * (the users 1..ACTIVE and their loans are the same for every USERS ≥ ACTIVE). */
  int active_users;
} GenBookOptions;

typedef struct {
  gint64 users;
  gint64 loans;
  gint64 installments;
  gint64 principal_fen;     /* original principal of every loan */
  gint64 active;
  gint64 paid_off;
  gint64 overdue;           /* ACTIVE loans with DPD > 0 on the cut-over date */
  gint64 written_off;
  gint64 credit_users;
  GArray *dues;             /* GenDue: for GenOptions.book_dues (caller frees) */
  gint64 *used_fen;         /* per user: for GenOptions.book_used_fen (caller frees) */
} GenBookSummary;

typedef struct {
  gint64 users;
  gint64 orders;
  gint64 order_fen;
  gint64 repayments;
  gint64 repayment_fen;
  gint64 refunds;
  gint64 settlement_lines;
  gint64 channel_only;      /* 长款 planted: on a channel file, never paid to us */
  gint64 system_only;       /* 短款 planted: paid to us, missing from the channel file */
  gint64 amount_mismatch;   /* planted: the channel's amount differs */
  gint64 campaigns;         /* with GenOptions.campaigns: campaigns.conf */
  gint64 coupons;           /* coupons.csv lines */
  gint64 segment_rows;      /* segments.csv lines */
  gint64 coupon_orders;     /* order lines that name a coupon */
} GenSummary;

/* Writes OUT_DIR/users.csv and OUT_DIR/YYYYMMDD/{orders,repayments,refunds,
 * settlement_CHANNEL}.csv for each day (and with campaigns OUT_DIR/campaigns.conf,
 * segments.csv, coupons.csv). A settlement file in the folder of day D
 * carries the channel's lines of day D−1 (files arrive a day late). */
gboolean gen_portfolio(const GenOptions *options, GenSummary *summary, GError **error);

/* The generators' files: DIR/NAME opened for writing with its HEADER line (GEN_ERROR
 * naming the path when it cannot be), closed checking every write; the date DAY days
 * from START (negative: before) as YYYY-MM-DD. */
FILE *gen_open_file(const char *dir, const char *name, const char *header, GError **error);
gboolean gen_close_file(FILE *f, const char *what, GError **error);
void gen_date_str(const GDate *start, int day, char out[11]);

/* Writes an import set (docs/formats.md "Portfolio import") of a book as of AS_OF to
 * OUT_DIR: manifest.csv, users.csv (the very users gen_portfolio writes for the same
 * seed and count), loans.csv, installments.csv, credit_balances.csv. Loans are of every
 * product and stage: paid off, current, overdue at various DPD, written off. */
gboolean gen_book(const GenBookOptions *options, GenBookSummary *summary, GError **error);

#endif
