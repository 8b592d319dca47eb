/* See plan.h. */
#include "media/plan.h"
#include "core/error.h"
#include "core/json.h"
#include "core/text.h"

static guint
even (double v)
{
  guint n = (guint)(v + 0.5);
  return MAX (2, n & ~1u);
}

GArray *
reel_ladder_for_source (const GArray *ladder, guint width, guint height, guint codecs)
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
  if (codecs & REEL_CODEC_BIT (REEL_CODEC_VP9))
    for (guint i = 0, n = out->len; i < n; i++)
      {
        ReelRung r = g_array_index (out, ReelRung, i);
        reel_rung_add_suffix (&r, "vp9");
        r.kbps = MAX (1u, r.kbps * REEL_VP9_KBPS_N / REEL_VP9_KBPS_D);
        r.codec = REEL_CODEC_VP9;
        g_array_append_val (out, r);
      }
  return out;
}

gboolean
reel_plan_copy (GArray *rungs, const ReelProbe *p, guint64 segment_ns)
{
  if (!p->copy_gop_ns || p->copy_gop_ns != segment_ns || p->rotation || rungs->len < 2)
    return FALSE;
  for (guint i = 0; i < rungs->len; i++)
    {
      ReelRung *r = &g_array_index (rungs, ReelRung, i);
      /* The peak a rung's VBV allows (REEL_VBV_PEAK). */
      if (r->codec == REEL_CODEC_H264 && r->width == p->width && r->height == p->height
          && (guint64)p->copy_kbps * 2 <= (guint64)r->kbps * 3)
        {
          r->copy = TRUE;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
reel_plan_late (GArray *rungs, guint max_height, guint chunks)
{
  gboolean any = FALSE, early = FALSE;
  gint lowest = -1;

  for (guint i = 0; i < rungs->len; i++)
    {
      ReelRung *r = &g_array_index (rungs, ReelRung, i);
      r->late = max_height && chunks > 1 && !r->copy && r->height > max_height;
      early = early || !r->late;
      if (r->codec == REEL_CODEC_H264
          && (lowest < 0 || r->height <= g_array_index (rungs, ReelRung, lowest).height))
        lowest = (gint)i;
    }
  if (!early && lowest >= 0)
    g_array_index (rungs, ReelRung, lowest).late = FALSE;
  for (guint i = 0; i < rungs->len; i++)
    any = any || g_array_index (rungs, ReelRung, i).late;
  return any;
}

GArray *
reel_plan_chunk_rungs (const GArray *rungs, guint i)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (ReelRung));
  for (guint k = 0; k < rungs->len; k++)
    {
      ReelRung r = g_array_index (rungs, ReelRung, k);
      if (i == 0 && r.late)
        continue;
      r.late = r.late && i == 1;
      g_array_append_val (out, r);
    }
  return out;
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
  /* Under a frame: nothing to encode. Under half a chunk after a whole
   * one: that chunk's. */
  if (tail < c->min_tail_ns || (whole > 0 && tail < c->chunk_ns / 2))
    tail = 0;
  /* Saturated: a duration from a hostile header may need more than fit. */
  return (guint)MIN (1 + whole + (tail > 0 ? 1 : 0), (guint64)G_MAXUINT);
}

void
reel_plan_chunk_range (const ReelChunking *c, guint chunks, guint i, guint64 *start_ns,
                       guint64 *length_ns)
{
  guint64 left;
  *start_ns = i == 0 ? 0 : c->first_ns + (guint64)(i - 1) * c->chunk_ns;
  left = c->duration_ns - MIN (c->duration_ns, *start_ns);
  /* The last chunk after the first takes whatever tail it was given. */
  *length_ns = i > 0 && i + 1 == chunks ? left : MIN (i == 0 ? c->first_ns : c->chunk_ns, left);
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
