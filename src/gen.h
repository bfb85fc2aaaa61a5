/* Synthetic portfolios: deterministic partner files (the same CSV formats the intake
 * reads) for demos, tests and benchmarks — users, and per business day orders,
 * repayments, refunds and the channels' settlement files (T+1). */
#ifndef BAITIAO_GEN_H
#define BAITIAO_GEN_H

#include <glib.h>

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
} GenOptions;

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
} GenSummary;

/* Writes OUT_DIR/users.csv and OUT_DIR/YYYYMMDD/{orders,repayments,refunds,
 * settlement_CHANNEL}.csv for each day. A settlement file in the folder of day D
 * carries the channel's lines of day D−1 (files arrive a day late). */
gboolean gen_portfolio(const GenOptions *options, GenSummary *summary, GError **error);

#endif
