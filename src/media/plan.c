/* See plan.h. */
#include "media/plan.h"
#include "core/error.h"
#include "core/json.h"
#include "core/text.h"

gboolean
reel_ladder_parse (const char *text, GArray **out, GError **error)
{
  g_auto (GStrv) items = g_strsplit (text, ",", -1);
  g_autoptr (GArray) rungs = g_array_new (FALSE, TRUE, sizeof (ReelRung));
  for (guint i = 0; items[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (g_strstrip (items[i]), ":", -1);
      ReelRung r = { 0 };
      guint64 h, kbps;
      if (g_strv_length (f) != 3 || !*f[0] || strlen (f[0]) >= sizeof r.name
          || !reel_text_to_uint (f[1], 16, 8640, &h)
          || !reel_text_to_uint (f[2], 50, 200000, &kbps))
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "\"%s\" is not NAME:HEIGHT:KBPS (height 16-8640, "
                       "50-200000 kbps)",
                       items[i]);
          return FALSE;
        }
      for (const char *p = f[0]; *p; p++)
        if (!g_ascii_isalnum (*p))
          {
            g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                         "rung name \"%s\" must be letters and digits", f[0]);
            return FALSE;
          }
      g_strlcpy (r.name, f[0], sizeof r.name);
      r.height = (guint)h;
      r.kbps = (guint)kbps;
      g_array_append_val (rungs, r);
    }
  if (rungs->len == 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "no rungs");
      return FALSE;
    }
  *out = g_steal_pointer (&rungs);
  return TRUE;
}

static guint
even (double v)
{
  guint n = (guint)(v + 0.5);
  return MAX (2, n & ~1u);
}

GArray *
reel_ladder_for_source (GArray *ladder, guint width, guint height)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (ReelRung));
  const ReelRung *smallest = NULL;
  for (guint i = 0; i < ladder->len; i++)
    {
      ReelRung r = g_array_index (ladder, ReelRung, i);
      if (!smallest || r.height < smallest->height)
        smallest = &g_array_index (ladder, ReelRung, i);
      if (r.height > height)
        continue; /* never above the source */
      r.width = even ((double)width * r.height / height);
      r.height = even (r.height);
      g_array_append_val (out, r);
    }
  if (out->len == 0 && smallest)
    {
      ReelRung r = *smallest;
      r.width = even (width);
      r.height = even (height);
      g_array_append_val (out, r);
    }
  return out;
}

/* A rung member of a plan or job within min..max (0 when absent and
 * optional); FALSE when it is not. */
static gboolean
rung_uint (JsonObject *o, const char *member, gboolean required, gint64 min, gint64 max, guint *out)
{
  JsonNode *n = json_object_get_member (o, member);
  gint64 v;
  if (!n)
    {
      *out = 0;
      return !required;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (n);
  if (v < min || v > max)
    return FALSE;
  *out = (guint)v;
  return TRUE;
}

gboolean
reel_ladder_from_json (JsonNode *node, GArray **out, GError **error)
{
  g_autoptr (GArray) rungs = g_array_new (FALSE, TRUE, sizeof (ReelRung));
  JsonArray *arr = node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  guint n = arr ? json_array_get_length (arr) : 0;
  if (n == 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "no rungs");
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (arr, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
      const char *name = o ? reel_json_get_string (o, "name", TRUE, NULL) : NULL;
      ReelRung r = { 0 };
      /* Sizes: even () makes them at least 2; a ladder's heights stop at
       * 8640 (reel_ladder_parse), widths follow the source's aspect. */
      if (!name || !*name || strlen (name) >= sizeof r.name
          || strspn (name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                 != strlen (name)
          || !rung_uint (o, "width", FALSE, 2, G_MAXUINT16, &r.width)
          || !rung_uint (o, "height", TRUE, 2, 8640, &r.height)
          || !rung_uint (o, "kbps", TRUE, 50, 200000, &r.kbps))
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "rung %u is not {name (letters and digits), width, height, kbps}", i);
          return FALSE;
        }
      g_strlcpy (r.name, name, sizeof r.name);
      g_array_append_val (rungs, r);
    }
  *out = g_steal_pointer (&rungs);
  return TRUE;
}

guint
reel_plan_chunks (const ReelChunking *c)
{
  guint64 rest, whole, tail;
  if (c->duration_ns <= c->first_ns || c->duration_ns - c->first_ns < c->min_tail_ns)
    return 1;
  rest = c->duration_ns - c->first_ns;
  whole = rest / c->chunk_ns;
  tail = rest % c->chunk_ns;
  /* Saturated: a duration from a hostile header may need more than fit. */
  return (guint)MIN (1 + whole + (tail > 0 && tail >= c->min_tail_ns ? 1 : 0), (guint64)G_MAXUINT);
}

void
reel_plan_chunk_range (const ReelChunking *c, guint i, guint64 *start_ns, guint64 *length_ns)
{
  *start_ns = i == 0 ? 0 : c->first_ns + (guint64)(i - 1) * c->chunk_ns;
  *length_ns
      = MIN (i == 0 ? c->first_ns : c->chunk_ns, c->duration_ns - MIN (c->duration_ns, *start_ns));
}

JsonArray *
reel_ladder_to_json (GArray *rungs)
{
  JsonArray *arr = json_array_new ();
  for (guint i = 0; i < rungs->len; i++)
    {
      ReelRung *r = &g_array_index (rungs, ReelRung, i);
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "name", r->name);
      /* A configured ladder knows heights only; a source's rungs both. */
      if (r->width)
        json_object_set_int_member (o, "width", r->width);
      json_object_set_int_member (o, "height", r->height);
      json_object_set_int_member (o, "kbps", r->kbps);
      json_array_add_object_element (arr, o);
    }
  return arr;
}

/* "12 h", "3 min 20 s", "45 s": a length for a sentence. */
static char *
human_duration (guint64 ns)
{
  guint64 s = ns / G_GUINT64_CONSTANT (1000000000);
  if (s >= 3600)
    return s % 3600 / 60 ? g_strdup_printf ("%" G_GUINT64_FORMAT " h %" G_GUINT64_FORMAT " min",
                                            s / 3600, s % 3600 / 60)
                         : g_strdup_printf ("%" G_GUINT64_FORMAT " h", s / 3600);
  if (s >= 60)
    return s % 60 ? g_strdup_printf ("%" G_GUINT64_FORMAT " min %" G_GUINT64_FORMAT " s", s / 60,
                                     s % 60)
                  : g_strdup_printf ("%" G_GUINT64_FORMAT " min", s / 60);
  if (s >= 10)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " s", s);
  return g_strdup_printf ("%.1f s", ns / 1e9);
}

gboolean
reel_plan_check (const ReelMediaCaps *caps, const ReelProbe *p, guint chunks, GError **error)
{
  guint longer = MAX (p->coded_width, p->coded_height);
  guint shorter = MIN (p->coded_width, p->coded_height);

  if (p->duration_ns > caps->max_duration_ns)
    {
      g_autofree char *is = human_duration (p->duration_ns);
      g_autofree char *max = human_duration (caps->max_duration_ns);
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED,
                   "the file says the video lasts %s; the longest accepted is %s", is, max);
      return FALSE;
    }
  if (longer > caps->max_width || shorter > caps->max_height)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED,
                   "the picture is %ux%u; the largest accepted is %ux%u", p->coded_width,
                   p->coded_height, caps->max_width, caps->max_height);
      return FALSE;
    }
  /* In floating point: the product of two claims from the file may not
   * fit 64 bits, and a cap needs no exact count. */
  if (p->fps_n > 0 && p->fps_d > 0)
    {
      double frames = (double)p->duration_ns / 1e9 * p->fps_n / p->fps_d;
      if (frames > (double)caps->max_frames)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED,
                       "the file says the video has %.0f frames (%d/%d frames a second); the most "
                       "accepted is %" G_GUINT64_FORMAT,
                       frames, p->fps_n, p->fps_d, caps->max_frames);
          return FALSE;
        }
    }
  if (p->ends_early)
    {
      g_autofree char *is = human_duration (p->duration_ns);
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED,
                   "the file says the video lasts %s, but it holds no media near that end (is it "
                   "cut short or damaged?)",
                   is);
      return FALSE;
    }
  if (chunks > caps->max_chunks)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED,
                   "the video would need %u transcode chunks; the most accepted is %u", chunks,
                   caps->max_chunks);
      return FALSE;
    }
  return TRUE;
}
