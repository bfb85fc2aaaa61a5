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
#include "csv.h"

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

/* The four files a manifest controls, in the order they are read. */
typedef enum {
  IMPORT_FILE_USERS,
  IMPORT_FILE_LOANS,
  IMPORT_FILE_INSTALLMENTS,
  IMPORT_FILE_CREDIT,
  IMPORT_N_FILES,
} ImportFile;

/* What a control line says of a file, or what its rows give. */
typedef struct {
  gint64 rows;
  gint64 total_fen;
} ImportControl;

/* manifest.csv as read (the rules of read and of refusal are import_book's). */
typedef struct {
  char cutover[11];
  char *sha256;                        /* of manifest.csv's bytes: what a rerun is known by */
  ImportControl listed[IMPORT_N_FILES];
  gint64 line[IMPORT_N_FILES];         /* each file's control line */
} ImportManifest;

void import_manifest_clear(ImportManifest *m);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ImportManifest, import_manifest_clear)

/* The pieces of import_book a sharded group's import (shard_import.h) splits a set
 * with, so that the set is read and controlled by the very rules one database uses.
 * The control rule, defined here only: each data row counts 1 and adds its file's total
 * column (credit_limit, principal, principal, amount) when that is an amount. */
void import_control_add(ImportControl *c, ImportFile file, const CsvRecord *rec);
const char *import_file_name(ImportFile file);
/* The columns FILE must start with (NULL terminated). */
const char *const *import_file_header(ImportFile file);
gboolean import_read_manifest(const char *dir, ImportManifest *m, GError **error);
typedef gboolean (*ImportRowFn)(const CsvRecord *rec, gpointer data, GError **error);
/* DIR's FILE row by row into FN (header checked, every row as long as it, as the import
 * reads it); *COUNTED (zeroed by the caller) counts the rows by the control rule. */
gboolean import_scan_file(const char *dir, ImportFile file, ImportRowFn fn, gpointer data, ImportControl *counted,
                          GError **error);
/* COUNTED against M's control line of FILE: the import's own refusal when they differ. */
gboolean import_check_control(const ImportManifest *m, ImportFile file, const ImportControl *counted,
                              GError **error);
/* A manifest.csv with cut-over date CUTOVER and these control lines. */
char *import_manifest_text(const char *cutover, const ImportControl controls[IMPORT_N_FILES]);

/* Books the import set in DIR. Refused loans are listed in import_refusals (and, one
 * per line "file:line:field: reason", in *REFUSALS when not NULL). */
gboolean import_book(PGconn *conn, const Config *config, const char *dir, ImportSummary *summary,
                     GPtrArray **refusals, GError **error);

/* import_book in two halves, for a group whose shards commit their parts only once every
 * one has booked its own (shard_import.h): import_book_open does all but the commit and
 * leaves its transaction open, the night lock held — unless it failed or found the set
 * imported already (SUMMARY->already_done), when nothing is left open. Then
 * import_book_commit (the commit's fault points are import_book's) or
 * import_book_abandon (rollback). */
gboolean import_book_open(PGconn *conn, const Config *config, const char *dir, ImportSummary *summary,
                          GPtrArray **refusals, GError **error);
gboolean import_book_commit(PGconn *conn, GError **error);
void import_book_abandon(PGconn *conn);

#endif
