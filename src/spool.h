/* File-arrival control (issue 12 §2): partners deliver files into a spool folder,
 * one folder per business day; `baitiao intake` loads what arrived (through the same
 * intake code as `baitiao load`), checks optional control totals, moves each file to
 * done/ or refused/ and records its arrival; the night for D waits (exit 4) until
 * every expected file of D has arrived, unless an operator overrides one. The spool
 * layout and the .ctl format are in docs/formats.md, the exit codes in
 * docs/operations.md. */
#ifndef BAITIAO_SPOOL_H
#define BAITIAO_SPOOL_H

#include <glib.h>
#include <libpq-fe.h>

#include "config.h"
#include "intake.h"

#define SPOOL_ERROR (spool_error_quark())
GQuark spool_error_quark(void);

typedef enum {
  SPOOL_ERROR_SPEC,      /* a KIND[:CHANNEL] that is not one (exit 2) */
  SPOOL_ERROR_WAITING,   /* expected files of the date have not arrived (exit 4) */
  SPOOL_ERROR_REFUSED,   /* intake refused some files (exit 1, the others were taken) */
  SPOOL_ERROR_BUSY,      /* another intake is working on the spool (exit 75) */
  SPOOL_ERROR_IO,        /* the spool cannot be read or a file cannot be moved (exit 1) */
} SpoolError;

/* Parses "KIND" or "KIND:CHANNEL" (kinds of docs/formats.md; a channel is 1 to 32
 * letters, digits or '_', upper-cased) into the canonical "KIND:CHANNEL" form, with
 * an empty channel for "KIND". A settlement file always needs its channel. */
char *spool_parse_file_spec(const char *text, GError **error);

typedef struct {
  guint taken;      /* files loaded (or already loaded before) and moved to done/ */
  guint refused;    /* files moved to refused/ */
  guint ignored;    /* names that are not partner files (.part, others): left alone */
  guint late;       /* files taken with rows dated on or before the intake cut (DATE_CLOSED) */
} SpoolIntakeSummary;

/* How a file taken from the spool is loaded: intake_load_file on one database, the
 * group's routed load at a sharded group's coordinator (shard_load.h). */
typedef gboolean (*SpoolLoadFn)(PGconn *conn, gpointer data, const char *kind, const char *channel,
                                const char *path, IntakeResult *result, GError **error);

/* Loads every file that arrived in DIR, oldest business day first, with LOAD (NULL:
 * intake_load_file), and moves each to done/ or refused/. Stops at the first failure
 * that is not the file's own (database, disk, a shard unreachable): the file stays
 * where it is for the next run. */
gboolean spool_intake(PGconn *conn, const char *dir, SpoolLoadFn load, gpointer load_data,
                      SpoolIntakeSummary *summary, GError **error);

/* The expected files of DATE ("YYYY-MM-DD") that have not arrived and were not
 * overridden by an earlier run: display strings "repayments WECHAT". */
GPtrArray *spool_missing(PGconn *conn, const Config *config, const char *date, GError **error);

/* Whether the night of DATE waiting now is past [intake] wait_deadline. */
gboolean spool_overdue(const Config *config, const char *date);

/* The night's gate, before the night for DATE starts its steps: fails with
 * SPOOL_ERROR_WAITING ("waiting for files: repayments WECHAT 2026-05-30") unless every
 * expected file arrived or is named by config->intake_allow_missing (eod
 * --allow-missing). Writes the waiting gauges of the metrics file. */
gboolean spool_night_gate(PGconn *conn, const Config *config, const char *date, GError **error);

/* Records on RUN_ID the expected files of DATE the run closes without (the ones
 * --allow-missing names that are still missing), and logs each. */
gboolean spool_record_overrides(PGconn *conn, const Config *config, const char *date, const char *run_id,
                                GError **error);

#endif
