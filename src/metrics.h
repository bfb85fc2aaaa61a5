/* Prometheus textfile metrics (node_exporter's textfile collector) for monitoring. */
#ifndef BAITIAO_METRICS_H
#define BAITIAO_METRICS_H

#include <glib.h>

#include "config.h"
#include "eod_run.h"

/* Writes [paths] metrics_file (when configured) atomically: step durations and rows,
 * whether the last run succeeded, the last business date closed. Failures to write
 * are logged as warnings: monitoring must never fail the night. */
void metrics_write_night(const Config *config, const EodReport *report, gboolean succeeded);

#endif
