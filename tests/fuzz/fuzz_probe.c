/* Fuzzes what reeld does with the probe the reel-media child sends back
 * after reading an upload (a process that read hostile bytes): the reply
 * line's parse (reel_json_parse_object, as media/child.c reads it), then
 * reel_probe_from_json, then the plan run_ingest makes of it (chunks, the
 * operator's caps, the rungs for the source) and every job and pipeline
 * made from that plan. Properties: a probe that passes the caps gives a
 * plan within them, rungs no larger than needed, and for every chunk a job
 * (reel_ingest_job) and a pipeline line (reel_job_line) that build:
 * nothing a probe says may make a planned video fail later or a worker
 * crash. */
#include "core/config.h"
#include "core/json.h"
#include "app/video/record.h"
#include "fuzz.h"
#include "media/ingest.h"
#include "media/plan.h"
#include "media/probe.h"
#include "media/job_line.h"

#include <gst/gst.h>

static const ReelConfig *cfg;
static GArray *ladder;
static ReelMediaCaps caps;

/* As run_ingest (media/ingest.c): one frame, or one at 60 fps. */
static guint64
frame_ns (const ReelProbe *p)
{
  if (p->fps_n > 0 && p->fps_d > 0)
    return gst_util_uint64_scale (GST_SECOND, (guint64)p->fps_d, (guint64)p->fps_n);
  return GST_SECOND / 60;
}

static void
check_job (JsonObject *plan_json, const char *kind, guint chunk)
{
  g_autoptr (GError) error = NULL;
  /* Read back as a worker's reeld reads video.probed. */
  g_autoptr (ReelVideoPlan) plan = reel_video_plan_from_json (plan_json, &error);
  g_autoptr (JsonObject) job
      = plan ? reel_ingest_job (kind, "AbCdEfGhIjK", plan, "originals/x", chunk, &error) : NULL;
  g_autofree char *line = NULL;
  if (!job)
    fprintf (stderr, "no %s job %u: %s\n", kind, chunk, error->message);
  REEL_FUZZ_CHECK (job != NULL);
  line = reel_job_line (cfg, kind, job, "/fuzz/source.mp4", "/fuzz/out", &error);
  if (!line)
    fprintf (stderr, "no %s pipeline %u: %s\n", kind, chunk, error->message);
  REEL_FUZZ_CHECK (line != NULL);
}

static void
run (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) obj = reel_json_parse_object ((const char *)data, size, &error);
  g_autoptr (ReelProbe) p = NULL;
  g_autoptr (GArray) rungs = NULL;
  g_autoptr (JsonObject) plan = json_object_new ();
  guint64 segment_ns;
  ReelChunking c;
  guint chunks;

  if (!cfg)
    {
      ReelConfig *defaults = reel_config_new ();
      REEL_FUZZ_CHECK (reel_ladder_parse (defaults->ladder.text, &ladder, NULL));
      caps.max_duration_ns = (guint64)defaults->max_duration_s * GST_SECOND;
      caps.max_frames = defaults->max_frames;
      caps.max_width = defaults->max_width;
      caps.max_height = defaults->max_height;
      caps.max_chunks = defaults->max_chunks;
      cfg = defaults; /* kept: a worker's defaults */
    }
  if (!obj)
    {
      reel_fuzz_check_error (error);
      return;
    }
  if (!(p = reel_probe_from_json (obj, &error)))
    {
      reel_fuzz_check_error (error);
      return;
    }
  segment_ns = (guint64)cfg->segment_s * GST_SECOND;
  c.duration_ns = p->duration_ns;
  c.first_ns = segment_ns * cfg->first_chunk_segments;
  c.chunk_ns = segment_ns * cfg->chunk_segments;
  c.min_tail_ns = frame_ns (p);
  chunks = reel_plan_chunks (&c);
  if (!reel_plan_check (&caps, p, chunks, &error))
    {
      reel_fuzz_check_error (error);
      return;
    }
  REEL_FUZZ_CHECK (chunks >= 1 && chunks <= caps.max_chunks);
  rungs
      = reel_ladder_for_source (ladder, p->width, p->height,
                                REEL_CODEC_BIT (REEL_CODEC_H264) | REEL_CODEC_BIT (REEL_CODEC_VP9));
  REEL_FUZZ_CHECK (rungs->len >= 2);
  /* At most one rung copied, an H.264 one of the source's size. */
  if (reel_plan_copy (rungs, p, segment_ns))
    {
      guint copied = 0;
      for (guint i = 0; i < rungs->len; i++)
        if (g_array_index (rungs, ReelRung, i).copy)
          {
            const ReelRung *r = &g_array_index (rungs, ReelRung, i);
            REEL_FUZZ_CHECK (r->codec == REEL_CODEC_H264 && r->width == p->width
                             && r->height == p->height);
            copied++;
          }
      REEL_FUZZ_CHECK (copied == 1);
    }

  /* The plan as run_ingest publishes it (video.probed). */
  json_object_set_int_member (plan, "duration_ns", (gint64)p->duration_ns);
  json_object_set_int_member (plan, "width", p->width);
  json_object_set_int_member (plan, "height", p->height);
  json_object_set_int_member (plan, "segment_ns", (gint64)segment_ns);
  json_object_set_int_member (plan, "first_chunk_ns", (gint64)c.first_ns);
  json_object_set_int_member (plan, "chunk_ns", (gint64)c.chunk_ns);
  json_object_set_int_member (plan, "chunks_total", chunks);
  json_object_set_array_member (plan, "rungs", reel_ladder_to_json (rungs));
  check_job (plan, "chunk", 0);
  check_job (plan, "chunk", chunks - 1);
  check_job (plan, "poster", 0);
  if (p->has_audio)
    check_job (plan, "audio", 0);
}

REEL_FUZZ_HARNESS (run)
