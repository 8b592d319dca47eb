/* See job_line.h. */
#include "media/job_line.h"
#include "core/error.h"
#include "core/json.h"
#include "core/ladder.h"
#include "media/pipeline.h"
#include "media/plan.h"

#include <gst/gst.h>

static char *
num (guint64 v)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, v);
}

/* Whether a chunk job has late rungs (media/plan.h), and where they begin. */
static gboolean
chunk_late_start (JsonObject *job, guint64 *late_start)
{
  g_autoptr (GArray) rungs = NULL;
  if (!json_object_has_member (job, "late_start_ns")
      || !reel_ladder_from_json (json_object_get_member (job, "rungs"), &rungs, NULL))
    return FALSE;
  for (guint i = 0; i < rungs->len; i++)
    if (g_array_index (rungs, ReelRung, i).late)
      {
        *late_start = (guint64)MAX (0, reel_json_get_int (job, "late_start_ns", 0));
        return TRUE;
      }
  return FALSE;
}

guint64
reel_job_chunk_output_start (JsonObject *job)
{
  guint64 start = (guint64)MAX (0, reel_json_get_int (job, "start_ns", 0)), late;
  return chunk_late_start (job, &late) ? MIN (start, late) : start;
}

guint64
reel_job_chunk_from (const ReelConfig *cfg, JsonObject *job)
{
  guint64 start = (guint64)MAX (0, reel_json_get_int (job, "start_ns", 0));
  guint64 segment_ns = (guint64)MAX (0, reel_json_get_int (job, "segment_ns", 0));
  guint64 from = start - MIN (start, (guint64)cfg->warmup_segments * segment_ns);
  return MIN (from, reel_job_chunk_output_start (job));
}

char *
reel_job_line (const ReelConfig *cfg, const char *kind, JsonObject *job, const char *source,
               const char *out_dir, GError **error)
{
  g_autoptr (GHashTable) v = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  guint64 segment_ns = (guint64)reel_json_get_int (job, "segment_ns", 0);
  g_autofree char *tpl = reel_pipeline_load (kind, error);

  if (!tpl)
    return NULL;
  if (segment_ns < 100000000)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "job has no segment length");
      return NULL;
    }
  g_hash_table_insert (v, "source", g_strdup (source));
  g_hash_table_insert (v, "segment_ms", num (segment_ns / 1000000));
  if (g_str_equal (kind, "poster"))
    {
      guint64 at = (guint64)reel_json_get_int (job, "at_ns", 0);
      g_hash_table_insert (v, "at", num (at));
      g_hash_table_insert (v, "stop", num (at + GST_SECOND));
      g_hash_table_insert (v, "width", num ((guint64)reel_json_get_int (job, "width", 0)));
      g_hash_table_insert (v, "height", num ((guint64)reel_json_get_int (job, "height", 0)));
      g_hash_table_insert (v, "out", g_build_filename (out_dir, REEL_JOB_POSTER_FILES, NULL));
      return reel_pipeline_fill (tpl, v, NULL, error);
    }
  if (g_str_equal (kind, "storyboard"))
    {
      g_hash_table_insert (v, "interval", num ((guint64)reel_json_get_int (job, "interval_s", 0)));
      g_hash_table_insert (v, "width", num ((guint64)reel_json_get_int (job, "width", 0)));
      g_hash_table_insert (v, "height", num ((guint64)reel_json_get_int (job, "height", 0)));
      g_hash_table_insert (v, "out",
                           g_build_filename (out_dir, REEL_JOB_STORYBOARD_TILES_FILE, NULL));
      return reel_pipeline_fill (tpl, v, NULL, error);
    }
  if (g_str_equal (kind, "audio"))
    {
      g_hash_table_insert (v, "bitrate", num (REEL_AUDIO_BITRATE));
      g_hash_table_insert (v, "rate", num (REEL_AUDIO_RATE));
      g_hash_table_insert (v, "out", g_build_filename (out_dir, REEL_JOB_AUDIO_FILE, NULL));
      return reel_pipeline_fill (tpl, v, NULL, error);
    }

  g_autofree char *rung_tpl = reel_pipeline_load ("chunk-rung", error);
  g_autofree char *copy_tpl = reel_pipeline_load ("chunk-copy", error);
  g_autoptr (GArray) rungs = NULL;
  g_autoptr (GString) ladder = g_string_new (NULL);
  g_autoptr (GString) outputs = g_string_new (NULL);
  guint64 start = (guint64)reel_json_get_int (job, "start_ns", 0);
  guint64 len = (guint64)reel_json_get_int (job, "duration_ns", 0);
  const char *raw[] = { "outputs", "x264", NULL };

  guint encoded = 0;

  if (!rung_tpl || !copy_tpl)
    return NULL;
  if (len == 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "chunk job lacks a length");
      return NULL;
    }
  /* The rungs' names become output file names. */
  if (!reel_ladder_from_json (json_object_get_member (job, "rungs"), &rungs, error))
    {
      g_prefix_error (error, "chunk job: ");
      return NULL;
    }
  /* reelladder encodes every rung but a copied one; each of its outputs
   * gets a muxer, and a copied rung a branch of its own. */
  for (guint i = 0; i < rungs->len; i++)
    {
      const ReelRung *r = &g_array_index (rungs, ReelRung, i);
      g_autoptr (GHashTable) rv = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
      g_autofree char *file = g_strconcat (r->name, ".mp4", NULL);
      g_autofree char *output = NULL;
      g_hash_table_insert (rv, "fragment_ms", num (2 * segment_ns / 1000000));
      g_hash_table_insert (rv, "out", g_build_filename (out_dir, file, NULL));
      if (r->copy)
        {
          g_hash_table_insert (rv, "source", g_strdup (source));
          g_hash_table_insert (rv, "start", num (start));
          g_hash_table_insert (rv, "stop", num (start + len));
        }
      else
        {
          g_string_append_printf (ladder, "%s%s:%ux%u:%u", encoded ? "," : "", r->name, r->width,
                                  r->height, r->kbps);
          if (r->codec != REEL_CODEC_H264)
            g_string_append_printf (ladder, ":%s", reel_codec_name (r->codec));
          g_hash_table_insert (rv, "index", num (encoded++));
        }
      output = reel_pipeline_fill (r->copy ? copy_tpl : rung_tpl, rv, NULL, error);
      if (!output)
        return NULL;
      g_string_append_printf (outputs, "%s%s", i ? " " : "", output);
    }
  g_hash_table_insert (v, "start", num (reel_job_chunk_output_start (job)));
  g_hash_table_insert (v, "from", num (reel_job_chunk_from (cfg, job)));
  g_hash_table_insert (v, "stop", num (start + len));
  g_hash_table_insert (v, "segment", num (segment_ns));
  g_hash_table_insert (v, "rungs", g_strdup (ladder->str));
  g_hash_table_insert (v, "preset", g_strdup (cfg->x264_preset));
  g_hash_table_insert (v, "threads", num (cfg->x264_threads));
  /* The options are letters, digits and _.,:=+-/ (core/settings.c): nothing
   * to quote; an empty property would not parse, so none goes in. */
  g_hash_table_insert (v, "x264",
                       cfg->x264_options ? g_strconcat ("x264-options=", cfg->x264_options, NULL)
                                         : g_strdup (""));
  g_hash_table_insert (v, "peak", g_strdup (REEL_VBV_PEAK));
  g_hash_table_insert (v, "buffer", g_strdup (REEL_VBV_BUFFER));
  g_hash_table_insert (v, "outputs", g_strdup (outputs->str));
  return reel_pipeline_fill (tpl, v, raw, error);
}
