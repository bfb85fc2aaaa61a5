/* Diagnostics to stderr: one helper, one line per message, timestamped. */
#ifndef BAITIAO_LOG_H
#define BAITIAO_LOG_H

#include <glib.h>

typedef enum {
  LOG_LEVEL_ERROR,
  LOG_LEVEL_WARNING,
  LOG_LEVEL_INFO,
  LOG_LEVEL_DEBUG,
} LogLevel;

void log_set_level(LogLevel max_level);
/* The step or command name printed in front of every message. */
void log_set_context(const char *context);
/* The shard this process runs on (--shard), printed after the context ("eod@s2"): a
 * sharded group's night interleaves its shards' lines. */
void log_set_shard(const char *shard);

void log_message(LogLevel level, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
#define log_error(...) log_message(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_message(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...) log_message(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_message(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* A transient progress line ("\r…") on a terminal only; nothing when stderr is a
 * file or pipe (cron logs stay one line per event). log_progress_done clears it. */
void log_progress(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void log_progress_done(void);

/* Reports a GError: its first line as the primary message, further lines as detail. */
void log_gerror(const GError *error);

#endif
