/* Metrics textfile, written to a temporary name and renamed so a scraper never
 * reads half a file. */
#include "metrics.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "log.h"

static void
append_step_metrics(GString *out, const EodReport *r)
{
  g_string_append(out, "# HELP baitiao_eod_step_duration_seconds Duration of each step in the last night run.\n"
                       "# TYPE baitiao_eod_step_duration_seconds gauge\n");
  for (guint i = 0; i < r->steps->len; i++) {
    const EodStepReport *s = &g_array_index(r->steps, EodStepReport, i);
    g_string_append_printf(out, "baitiao_eod_step_duration_seconds{step=\"%s\"} %.3f\n", s->name,
                           s->duration_us / 1e6);
  }
  g_string_append(out, "# HELP baitiao_eod_step_rows Rows processed by each step in the last night run.\n"
                       "# TYPE baitiao_eod_step_rows gauge\n");
  for (guint i = 0; i < r->steps->len; i++) {
    const EodStepReport *s = &g_array_index(r->steps, EodStepReport, i);
    g_string_append_printf(out, "baitiao_eod_step_rows{step=\"%s\"} %" G_GINT64_FORMAT "\n", s->name, s->rows);
  }
}

void
metrics_write_night(const Config *config, const EodReport *r, gboolean succeeded)
{
  if (!config->metrics_file)
    return;
  g_autoptr(GString) out = g_string_new(NULL);
  append_step_metrics(out, r);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  g_string_append_printf(out,
                         "# HELP baitiao_eod_last_run_success 1 if the last night run succeeded.\n"
                         "# TYPE baitiao_eod_last_run_success gauge\n"
                         "baitiao_eod_last_run_success %d\n"
                         "# HELP baitiao_eod_last_run_timestamp_seconds When the last night run ended.\n"
                         "# TYPE baitiao_eod_last_run_timestamp_seconds gauge\n"
                         "baitiao_eod_last_run_timestamp_seconds %" G_GINT64_FORMAT "\n",
                         succeeded ? 1 : 0, g_date_time_to_unix(now));
  if (succeeded) {
    GDate d;
    g_date_clear(&d, 1);
    g_date_set_parse(&d, r->date_str);
    if (g_date_valid(&d))
      g_string_append_printf(out,
                             "# HELP baitiao_eod_last_success_business_date Last business date closed, as YYYYMMDD.\n"
                             "# TYPE baitiao_eod_last_success_business_date gauge\n"
                             "baitiao_eod_last_success_business_date %d%02d%02d\n",
                             g_date_get_year(&d), g_date_get_month(&d), g_date_get_day(&d));
  }
  g_autofree char *tmp = g_strdup_printf("%s.tmp", config->metrics_file);
  g_autoptr(GError) error = NULL;
  if (!g_file_set_contents(tmp, out->str, (gssize) out->len, &error)) {
    log_warning("cannot write metrics: %s", error->message);
    return;
  }
  if (g_rename(tmp, config->metrics_file) != 0)
    log_warning("cannot write metrics %s: %s", config->metrics_file, g_strerror(errno));
}
