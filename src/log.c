/* Diagnostics to stderr, in the manner of PostgreSQL's client programs:
 * "2026-03-05 02:10:11 baitiao[123] eod: error: message". Results go to stdout. */
#include "log.h"

#include <stdio.h>
#include <unistd.h>

static LogLevel max_level = LOG_LEVEL_INFO;
static char *log_context;
static char *log_shard;

void
log_set_level(LogLevel level)
{
  max_level = level;
}

void
log_set_context(const char *context)
{
  g_free(log_context);
  log_context = g_strdup(context);
}

void
log_set_shard(const char *shard)
{
  g_free(log_shard);
  log_shard = g_strdup(shard);
}

static const char *
level_label(LogLevel level)
{
  switch (level) {
  case LOG_LEVEL_ERROR: return "error: ";
  case LOG_LEVEL_WARNING: return "warning: ";
  case LOG_LEVEL_DEBUG: return "debug: ";
  case LOG_LEVEL_INFO: break;
  }
  return "";
}

static void
write_line(LogLevel level, const char *text)
{
  log_progress_done();
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");
  fprintf(stderr, "%s baitiao[%ld]%s%s%s%s: %s%s\n", stamp, (long) getpid(),
          log_context ? " " : "", log_context ? log_context : "", log_shard ? "@" : "", log_shard ? log_shard : "",
          level_label(level), text);
}

void
log_message(LogLevel level, const char *fmt, ...)
{
  if (level > max_level)
    return;
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  write_line(level, text);
}

static gboolean progress_shown;

void
log_progress(const char *fmt, ...)
{
  if (max_level < LOG_LEVEL_INFO || !isatty(STDERR_FILENO))
    return;
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  fprintf(stderr, "\r\033[K%s", text);
  fflush(stderr);
  progress_shown = TRUE;
}

void
log_progress_done(void)
{
  if (!progress_shown)
    return;
  fprintf(stderr, "\r\033[K");
  progress_shown = FALSE;
}

void
log_gerror(const GError *error)
{
  if (!error)
    return;
  g_auto(GStrv) lines = g_strsplit(error->message, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (*lines[i])
      write_line(i == 0 ? LOG_LEVEL_ERROR : LOG_LEVEL_INFO, lines[i]);
  fflush(stderr);
}
