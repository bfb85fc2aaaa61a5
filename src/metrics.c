/* Metrics textfile, written to a temporary name and renamed so a scraper never
 * reads half a file. Each write replaces only the metric families it is about and
 * carries the others over from the file as it was: a failed night keeps the
 * last-success gauges of the night before, a waiting night keeps the last run's. */
#include "metrics.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "date.h"
#include "log.h"

/* Metric families by name, each its "# HELP/# TYPE" lines and samples, in file order. */
typedef struct {
  GPtrArray *names;
  GHashTable *text;   /* name → GString */
} Families;

static void
families_clear(Families *f)
{
  g_clear_pointer(&f->names, g_ptr_array_unref);
  g_clear_pointer(&f->text, g_hash_table_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Families, families_clear)

static void
string_free(gpointer s)
{
  g_string_free(s, TRUE);
}

static GString *
family(Families *f, const char *name)
{
  GString *s = g_hash_table_lookup(f->text, name);
  if (!s) {
    s = g_string_new(NULL);
    g_ptr_array_add(f->names, g_strdup(name));
    g_hash_table_insert(f->text, g_strdup(name), s);
  }
  return s;
}

/* The family a line belongs to: "# HELP NAME …", "# TYPE NAME …", "NAME{…} V", "NAME V". */
static char *
line_family(const char *line)
{
  if (g_str_has_prefix(line, "# HELP ") || g_str_has_prefix(line, "# TYPE "))
    line += 7;
  else if (line[0] == '#')
    return NULL;
  gsize n = strcspn(line, "{ ");
  return n ? g_strndup(line, n) : NULL;
}

static void
families_read(Families *f, const char *path)
{
  f->names = g_ptr_array_new_with_free_func(g_free);
  f->text = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, string_free);
  g_autofree char *old = NULL;
  if (!path || !g_file_get_contents(path, &old, NULL, NULL))
    return;
  g_auto(GStrv) lines = g_strsplit(old, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    g_autofree char *name = line_family(lines[i]);
    if (name)
      g_string_append_printf(family(f, name), "%s\n", lines[i]);
  }
}

/* Starts family NAME afresh with its HELP and TYPE lines; returns it for the samples. */
static GString *
gauge(Families *f, const char *name, const char *help)
{
  GString *s = family(f, name);
  g_string_printf(s, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
  return s;
}

static void
families_write(const Families *f, const char *path)
{
  g_autoptr(GString) out = g_string_new(NULL);
  for (guint i = 0; i < f->names->len; i++)
    g_string_append(out, ((GString *) g_hash_table_lookup(f->text, f->names->pdata[i]))->str);
  g_autofree char *tmp = g_strdup_printf("%s.tmp", path);
  g_autoptr(GError) error = NULL;
  if (!g_file_set_contents(tmp, out->str, (gssize) out->len, &error)) {
    log_warning("cannot write metrics: %s", error->message);
    return;
  }
  if (g_rename(tmp, path) != 0)
    log_warning("cannot write metrics %s: %s", path, g_strerror(errno));
}

static void
set_step_metrics(Families *f, const EodReport *r)
{
  GString *d = gauge(f, "baitiao_eod_step_duration_seconds", "Duration of each step in the last night run.");
  GString *rows = gauge(f, "baitiao_eod_step_rows", "Rows processed by each step in the last night run.");
  for (guint i = 0; i < r->steps->len; i++) {
    const EodStepReport *s = &g_array_index(r->steps, EodStepReport, i);
    g_string_append_printf(d, "baitiao_eod_step_duration_seconds{step=\"%s\"} %.3f\n", s->name, s->duration_us / 1e6);
    g_string_append_printf(rows, "baitiao_eod_step_rows{step=\"%s\"} %" G_GINT64_FORMAT "\n", s->name, s->rows);
  }
}

/* "2026-05-30" → 20260530, 0 when it is not a date. */
static int
date_number(const char *text)
{
  GDate d;
  return date_parse(text, &d, NULL) ? g_date_get_year(&d) * 10000 + g_date_get_month(&d) * 100 + g_date_get_day(&d) : 0;
}

static void
set_waiting(Families *f, const char *date, guint files, gboolean overdue)
{
  g_string_append_printf(gauge(f, "baitiao_intake_waiting_files",
                               "Expected partner files the next night is waiting for (0: none)."),
                         "baitiao_intake_waiting_files %u\n", files);
  g_string_append_printf(gauge(f, "baitiao_intake_waiting_overdue",
                               "1 if the night waits for files past [intake] wait_deadline."),
                         "baitiao_intake_waiting_overdue %d\n", overdue ? 1 : 0);
  g_string_append_printf(gauge(f, "baitiao_intake_waiting_business_date",
                               "Business date waiting for files, as YYYYMMDD (0: none)."),
                         "baitiao_intake_waiting_business_date %d\n", files ? date_number(date) : 0);
}

void
metrics_write_night(const Config *config, const EodReport *r, gboolean succeeded)
{
  if (!config->metrics_file || (succeeded && r->run_id == 0))
    return;   /* a night that did nothing (its date was closed already) changes no gauge */
  g_auto(Families) f = { 0 };
  families_read(&f, config->metrics_file);
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  set_step_metrics(&f, r);
  g_string_append_printf(gauge(&f, "baitiao_eod_last_run_success", "1 if the last night run succeeded."),
                         "baitiao_eod_last_run_success %d\n", succeeded ? 1 : 0);
  g_string_append_printf(gauge(&f, "baitiao_eod_last_run_timestamp_seconds", "When the last night run ended."),
                         "baitiao_eod_last_run_timestamp_seconds %" G_GINT64_FORMAT "\n", now);
  /* the night got past the expected-files gate: it is not waiting any more */
  set_waiting(&f, r->date_str, 0, FALSE);
  if (succeeded && !r->kept_open && date_number(r->date_str)) {
    g_string_append_printf(gauge(&f, "baitiao_eod_last_success_business_date",
                                 "Last business date closed, as YYYYMMDD."),
                           "baitiao_eod_last_success_business_date %d\n", date_number(r->date_str));
    g_string_append_printf(gauge(&f, "baitiao_eod_last_success_timestamp_seconds",
                                 "When the last successful night run ended."),
                           "baitiao_eod_last_success_timestamp_seconds %" G_GINT64_FORMAT "\n", now);
  }
  families_write(&f, config->metrics_file);
}

void
metrics_write_waiting(const Config *config, const char *date, guint files, gboolean overdue)
{
  if (!config->metrics_file)
    return;
  g_auto(Families) f = { 0 };
  families_read(&f, config->metrics_file);
  set_waiting(&f, date, files, overdue);
  families_write(&f, config->metrics_file);
}
