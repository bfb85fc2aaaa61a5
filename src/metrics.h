/* Prometheus textfile metrics (node_exporter's textfile collector) for monitoring. */
#ifndef BAITIAO_METRICS_H
#define BAITIAO_METRICS_H

#include <glib.h>

#include "config.h"
#include "eod_run.h"

/* Writes [paths] metrics_file (when configured) atomically: step durations and rows,
 * whether the last run succeeded, the last business date closed (kept from the file
 * when this night failed), and the waiting gauges back at 0. A night that did nothing
 * (its date already closed) writes nothing. Failures to write are logged as warnings:
 * monitoring must never fail the night. */
void metrics_write_night(const Config *config, const EodReport *report, gboolean succeeded);

/* The night of DATE waits for FILES expected files (OVERDUE: past [intake]
 * wait_deadline); the other gauges are kept as they were. */
void metrics_write_waiting(const Config *config, const char *date, guint files, gboolean overdue);

#endif
