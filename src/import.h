/* Portfolio import (opening book): a live book from a previous system, as the CSV set
 * of docs/formats.md "Portfolio import", booked once as of its cut-over business date
 * before any night runs here — users, loans, installments, credit balances, loan
 * snapshots, write-offs, the opening journal entry and the cut-over date CLOSED, all
 * in one transaction. */
#ifndef BAITIAO_IMPORT_H
#define BAITIAO_IMPORT_H

#include <glib.h>
#include <libpq-fe.h>

#include "config.h"

#define IMPORT_ERROR (import_error_quark())
GQuark import_error_quark(void);

typedef enum {
  IMPORT_ERROR_FILE,      /* a file is missing, unreadable, or a row cannot be tied to a loan */
  IMPORT_ERROR_CONTROL,   /* a file's rows or total differ from its manifest line: nothing stored */
  IMPORT_ERROR_HAS_DATES, /* the database already has business dates */
} ImportError;

/* The file names of an import set, in the order they are read. */
#define IMPORT_MANIFEST "manifest.csv"
#define IMPORT_USERS "users.csv"
#define IMPORT_LOANS "loans.csv"
#define IMPORT_INSTALLMENTS "installments.csv"
#define IMPORT_CREDIT "credit_balances.csv"

typedef struct {
  gboolean already_done;   /* this manifest was imported before: nothing done */
  char cutover[11];
  gint64 import_id;
  gint64 users;
  gint64 loans;
  gint64 installments;
  gint64 loans_refused;
  gint64 users_refused;
  gint64 principal_fen;    /* GL 1122 opening */
  gint64 fee_fen;          /* GL 1123 opening */
  gint64 penalty_fen;      /* GL 1124 opening */
  gint64 credit_fen;       /* GL 2241 opening */
} ImportSummary;

/* Books the import set in DIR. Refused loans are listed in import_refusals (and, one
 * per line "file:line:field: reason", in *REFUSALS when not NULL). */
gboolean import_book(PGconn *conn, const Config *config, const char *dir, ImportSummary *summary,
                     GPtrArray **refusals, GError **error);

#endif
