/* core/metrics: counters, gauges, histograms and the text format. */
#include "core/metrics.h"

static void
test_counters (void)
{
  reel_metrics_reset ();
  reel_metrics_declare ("t_total", REEL_METRIC_COUNTER, "A test counter");
  reel_metrics_add ("t_total", "a=\"1\"", 1);
  reel_metrics_add ("t_total", "a=\"1\"", 2);
  reel_metrics_add ("t_total", "a=\"2\"", 5);
  reel_metrics_set ("t_gauge", NULL, 7.5);
  g_assert_cmpfloat (reel_metrics_get ("t_total", "a=\"1\""), ==, 3);
  g_assert_cmpfloat (reel_metrics_get ("t_total", "a=\"2\""), ==, 5);
  g_assert_cmpfloat (reel_metrics_get ("t_gauge", NULL), ==, 7.5);
  g_autofree char *text = reel_metrics_render ();
  g_assert_nonnull (strstr (text, "# HELP t_total A test counter\n# TYPE t_total counter\n"
                                  "t_total{a=\"1\"} 3\nt_total{a=\"2\"} 5\n"));
  g_assert_nonnull (strstr (text, "# TYPE t_gauge gauge\nt_gauge 7.5\n"));
}

static void
test_histogram (void)
{
  reel_metrics_reset ();
  reel_metrics_declare ("t_seconds", REEL_METRIC_HISTOGRAM, "Latency");
  reel_metrics_observe ("t_seconds", "r=\"/x\"", 0.002);
  reel_metrics_observe ("t_seconds", "r=\"/x\"", 0.3);
  reel_metrics_observe ("t_seconds", "r=\"/x\"", 99);
  g_autofree char *text = reel_metrics_render ();
  /* Buckets are cumulative, +Inf equals the count. */
  g_assert_nonnull (strstr (text, "t_seconds_bucket{r=\"/x\",le=\"0.001\"} 0\n"));
  g_assert_nonnull (strstr (text, "t_seconds_bucket{r=\"/x\",le=\"0.0025\"} 1\n"));
  g_assert_nonnull (strstr (text, "t_seconds_bucket{r=\"/x\",le=\"0.5\"} 2\n"));
  g_assert_nonnull (strstr (text, "t_seconds_bucket{r=\"/x\",le=\"10\"} 2\n"));
  g_assert_nonnull (strstr (text, "t_seconds_bucket{r=\"/x\",le=\"+Inf\"} 3\n"));
  g_assert_nonnull (strstr (text, "t_seconds_count{r=\"/x\"} 3\n"));
  g_assert_nonnull (strstr (text, "t_seconds_sum{r=\"/x\"} 99.302\n"));
}

static void
test_label_escaping (void)
{
  g_autoptr (GString) s = g_string_new (NULL);
  reel_metrics_label (s, "route", "/a\"b\\c\nd");
  reel_metrics_label (s, "m", "GET");
  g_assert_cmpstr (s->str, ==, "route=\"/a\\\"b\\\\c\\nd\",m=\"GET\"");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/metrics/counters", test_counters);
  g_test_add_func ("/metrics/histogram", test_histogram);
  g_test_add_func ("/metrics/label-escaping", test_label_escaping);
  return g_test_run ();
}
