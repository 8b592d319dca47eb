/* A process-wide Prometheus metrics registry.
 *
 * Families are declared once (name, type, help); series are addressed by a
 * label string already in Prometheus form (`route="/x",method="GET"`), built
 * with reel_metrics_label(). All calls are thread-safe: the HTTP server, the
 * projector thread and the NATS callbacks all record here. Rendering follows
 * the text exposition format 0.0.4, families and series in sorted order. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  REEL_METRIC_COUNTER,
  REEL_METRIC_GAUGE,
  REEL_METRIC_HISTOGRAM,
} ReelMetricType;

void reel_metrics_declare (const char *name, ReelMetricType type, const char *help);
void reel_metrics_add (const char *name, const char *labels, double delta);
void reel_metrics_set (const char *name, const char *labels, double value);
void reel_metrics_observe (const char *name, const char *labels, double value);
double reel_metrics_get (const char *name, const char *labels);

/* Appends `key="escaped value"` (with a leading comma when s is not empty). */
void reel_metrics_label (GString *s, const char *key, const char *value);

char *reel_metrics_render (void);

/* Forgets every series (tests only). */
void reel_metrics_reset (void);

G_END_DECLS
