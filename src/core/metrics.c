/* See metrics.h.
 *
 * Data: one hash table of families by name; each family holds a hash table of
 * series by label string. A histogram series stores cumulative-ready bucket
 * counts for a fixed set of bounds chosen for request latencies (1 ms..10 s),
 * plus sum and count. One mutex guards everything: recording is a few hash
 * look-ups, far cheaper than the request it measures. */
#include "core/metrics.h"

#include <math.h>

static const double bucket_bounds[]
    = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0 };
#define N_BUCKETS G_N_ELEMENTS (bucket_bounds)

typedef struct
{
  double value;               /* counter/gauge value, or histogram sum */
  guint64 count;              /* histogram observation count */
  guint64 buckets[N_BUCKETS]; /* histogram: observations <= bound (not cumulative) */
} Series;

typedef struct
{
  ReelMetricType type;
  char *help;
  GHashTable *series; /* label string -> Series */
} Family;

static GMutex lock;
static GHashTable *families; /* name -> Family */

static void
family_free (gpointer p)
{
  Family *f = p;
  g_free (f->help);
  g_hash_table_destroy (f->series);
  g_free (f);
}

static Family *
family_get (const char *name, ReelMetricType type, const char *help)
{
  Family *f;
  if (!families)
    families = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, family_free);
  f = g_hash_table_lookup (families, name);
  if (!f)
    {
      f = g_new0 (Family, 1);
      f->type = type;
      f->help = g_strdup (help ? help : name);
      f->series = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (families, g_strdup (name), f);
    }
  return f;
}

static Series *
series_get (Family *f, const char *labels)
{
  Series *s = g_hash_table_lookup (f->series, labels ? labels : "");
  if (!s)
    {
      s = g_new0 (Series, 1);
      g_hash_table_insert (f->series, g_strdup (labels ? labels : ""), s);
    }
  return s;
}

void
reel_metrics_declare (const char *name, ReelMetricType type, const char *help)
{
  g_mutex_lock (&lock);
  Family *f = family_get (name, type, help);
  f->type = type;
  g_free (f->help);
  f->help = g_strdup (help);
  g_mutex_unlock (&lock);
}

void
reel_metrics_add (const char *name, const char *labels, double delta)
{
  g_mutex_lock (&lock);
  series_get (family_get (name, REEL_METRIC_COUNTER, NULL), labels)->value += delta;
  g_mutex_unlock (&lock);
}

void
reel_metrics_set (const char *name, const char *labels, double value)
{
  g_mutex_lock (&lock);
  series_get (family_get (name, REEL_METRIC_GAUGE, NULL), labels)->value = value;
  g_mutex_unlock (&lock);
}

void
reel_metrics_observe (const char *name, const char *labels, double value)
{
  g_mutex_lock (&lock);
  Series *s = series_get (family_get (name, REEL_METRIC_HISTOGRAM, NULL), labels);
  s->value += value;
  s->count++;
  for (guint i = 0; i < N_BUCKETS; i++)
    if (value <= bucket_bounds[i])
      {
        s->buckets[i]++;
        break;
      }
  g_mutex_unlock (&lock);
}

double
reel_metrics_get (const char *name, const char *labels)
{
  double v = 0;
  g_mutex_lock (&lock);
  Family *f = families ? g_hash_table_lookup (families, name) : NULL;
  Series *s = f ? g_hash_table_lookup (f->series, labels ? labels : "") : NULL;
  if (s)
    v = f->type == REEL_METRIC_HISTOGRAM ? (double)s->count : s->value;
  g_mutex_unlock (&lock);
  return v;
}

void
reel_metrics_label (GString *s, const char *key, const char *value)
{
  if (s->len)
    g_string_append_c (s, ',');
  g_string_append_printf (s, "%s=\"", key);
  for (const char *p = value; *p; p++)
    {
      if (*p == '\\')
        g_string_append (s, "\\\\");
      else if (*p == '"')
        g_string_append (s, "\\\"");
      else if (*p == '\n')
        g_string_append (s, "\\n");
      else
        g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
}

static void
append_number (GString *out, double v)
{
  if (isinf (v))
    g_string_append (out, v > 0 ? "+Inf" : "-Inf");
  else if (v == floor (v) && fabs (v) < 1e15)
    g_string_append_printf (out, "%.0f", v);
  else
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.9g", v));
    }
}

static void
append_sample (GString *out, const char *name, const char *suffix, const char *labels,
               const char *extra, double v)
{
  g_string_append (out, name);
  g_string_append (out, suffix);
  if ((labels && *labels) || extra)
    {
      g_string_append_c (out, '{');
      if (labels && *labels)
        g_string_append (out, labels);
      if (extra)
        {
          if (labels && *labels)
            g_string_append_c (out, ',');
          g_string_append (out, extra);
        }
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ' ');
  append_number (out, v);
  g_string_append_c (out, '\n');
}

static const char *
type_name (ReelMetricType t)
{
  return t == REEL_METRIC_COUNTER ? "counter" : t == REEL_METRIC_GAUGE ? "gauge" : "histogram";
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *)a, *(const char *const *)b);
}

char *
reel_metrics_render (void)
{
  GString *out = g_string_new (NULL);
  g_mutex_lock (&lock);
  if (families)
    {
      guint n_names;
      g_autofree const char **names
          = (const char **)g_hash_table_get_keys_as_array (families, &n_names);
      qsort (names, n_names, sizeof *names, (int (*) (const void *, const void *))compare_strings);
      for (guint i = 0; i < n_names; i++)
        {
          Family *f = g_hash_table_lookup (families, names[i]);
          guint n_series;
          g_autofree const char **labels
              = (const char **)g_hash_table_get_keys_as_array (f->series, &n_series);
          qsort (labels, n_series, sizeof *labels,
                 (int (*) (const void *, const void *))compare_strings);
          g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", names[i], f->help, names[i],
                                  type_name (f->type));
          for (guint j = 0; j < n_series; j++)
            {
              Series *s = g_hash_table_lookup (f->series, labels[j]);
              if (f->type != REEL_METRIC_HISTOGRAM)
                {
                  append_sample (out, names[i], "", labels[j], NULL, s->value);
                  continue;
                }
              guint64 cumulative = 0;
              for (guint b = 0; b < N_BUCKETS; b++)
                {
                  char le[64], buf[G_ASCII_DTOSTR_BUF_SIZE];
                  cumulative += s->buckets[b];
                  g_snprintf (le, sizeof le, "le=\"%s\"",
                              g_ascii_formatd (buf, sizeof buf, "%g", bucket_bounds[b]));
                  append_sample (out, names[i], "_bucket", labels[j], le, (double)cumulative);
                }
              append_sample (out, names[i], "_bucket", labels[j], "le=\"+Inf\"", (double)s->count);
              append_sample (out, names[i], "_sum", labels[j], NULL, s->value);
              append_sample (out, names[i], "_count", labels[j], NULL, (double)s->count);
            }
        }
    }
  g_mutex_unlock (&lock);
  return g_string_free (out, FALSE);
}

void
reel_metrics_reset (void)
{
  g_mutex_lock (&lock);
  g_clear_pointer (&families, g_hash_table_destroy);
  g_mutex_unlock (&lock);
}
