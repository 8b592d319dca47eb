/* See ingest.h. */
#include "media/ingest.h"
#include "app/videos.h"
#include "bus/events.h"
#include "bus/jobs.h"
#include "core/error.h"
#include "core/json.h"
#include "media/child.h"
#include "store/blob_cache.h"
#include "media/plan.h"
#include "media/probe.h"

#include <gst/gst.h>

/* Probing reads headers and a little data; 60 s covers slow disks and
 * files whose index sits at the end. The child probing gets 30 s more to
 * start and answer before it is stopped. */
#define PROBE_TIMEOUT_S 60
#define PROBE_CHILD_TIMEOUT_S (PROBE_TIMEOUT_S + 30)
/* The poster frame: a quarter into the video, at most 3 s in (past the
 * black first frames of most videos, before the first cut of most). */
#define POSTER_AT_MAX_NS (3 * GST_SECOND)
#define POSTER_MAX_HEIGHT 720

struct ReelIngest
{
  const ReelConfig *cfg;
  ReelBus *bus;
  ReelBlobs *blobs;
  GArray *ladder;
  ReelMediaCaps caps;
  ReelJobWorker *worker;
};

gboolean
reel_ingest_enqueue (ReelBus *bus, const char *video_id, const char *original_key, GError **error)
{
  g_autoptr (JsonObject) job = json_object_new ();
  json_object_set_string_member (job, "video_id", video_id);
  json_object_set_string_member (job, "original", original_key);
  return reel_jobs_publish (bus, "ingest", video_id, video_id, job, error);
}

gboolean
reel_ingest_accept_upload (ReelBus *bus, const char *video_id, const char *actor, guint64 size,
                           guint64 *seq, GError **error)
{
  g_autofree char *key = reel_videos_original_key (video_id);
  return reel_ingest_enqueue (bus, video_id, key, error)
         && reel_videos_mark_uploaded (bus, video_id, actor, key, size, seq, error);
}

gboolean
reel_ingest_fail_video (ReelBus *bus, const char *video_id, const char *reason, GError **error)
{
  g_autofree char *subject = reel_event_subject ("video", video_id);
  g_autoptr (JsonObject) data = json_object_new ();
  json_object_set_string_member (data, "video_id", video_id);
  json_object_set_string_member (data, "reason", reason);
  return reel_events_publish (bus, subject, "video.failed", 1, NULL, data, FALSE, NULL, error);
}

JsonObject *
reel_ingest_job (const char *kind, const char *id, JsonObject *plan, const char *original,
                 guint chunk, GError **error)
{
  JsonArray *rungs = json_object_get_array_member (plan, "rungs");
  ReelChunking c = { 0 };
  guint chunks = (guint)json_object_get_int_member_with_default (plan, "chunks_total", 0);
  g_autoptr (JsonObject) job = json_object_new ();

  c.duration_ns = (guint64)json_object_get_int_member_with_default (plan, "duration_ns", 0);
  c.chunk_ns = (guint64)json_object_get_int_member_with_default (plan, "chunk_ns", 0);
  /* Plans made before the short first chunk have equal chunks. */
  c.first_ns = (guint64)json_object_get_int_member_with_default (plan, "first_chunk_ns",
                                                                 (gint64)c.chunk_ns);
  if (!rungs || json_array_get_length (rungs) == 0 || !c.duration_ns || !c.chunk_ns || !chunks)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "the video has no media plan (yet)");
      return NULL;
    }
  json_object_set_string_member (job, "video_id", id);
  json_object_set_string_member (job, "original", original);
  json_object_set_int_member (job, "segment_ns",
                              json_object_get_int_member_with_default (plan, "segment_ns", 0));
  if (g_str_equal (kind, "chunk"))
    {
      guint64 start, len;
      if (chunk >= chunks)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "the video has chunks 0 to %u",
                       chunks - 1);
          return NULL;
        }
      reel_plan_chunk_range (&c, chunk, &start, &len);
      json_object_set_int_member (job, "chunk", chunk);
      json_object_set_int_member (job, "start_ns", (gint64)start);
      json_object_set_int_member (job, "duration_ns", (gint64)len);
      json_object_set_boolean_member (job, "last", chunk + 1 == chunks);
      /* The job carries the whole plan, so a worker needs nothing but the
       * job and the blob store (no read models on encode machines). */
      json_object_set_array_member (job, "rungs", json_array_ref (rungs));
    }
  else if (g_str_equal (kind, "poster"))
    {
      JsonObject *size = json_array_get_object_element (rungs, 0);
      /* The poster at the size of the best rung no taller than 720 lines:
       * sharp on a watch page, light in a list of thumbnails. */
      for (guint i = 0; i < json_array_get_length (rungs); i++)
        if (json_object_get_int_member (json_array_get_object_element (rungs, i), "height")
            <= POSTER_MAX_HEIGHT)
          {
            size = json_array_get_object_element (rungs, i);
            break;
          }
      json_object_set_int_member (job, "at_ns", (gint64)MIN (c.duration_ns / 4, POSTER_AT_MAX_NS));
      json_object_set_int_member (job, "width", json_object_get_int_member (size, "width"));
      json_object_set_int_member (job, "height", json_object_get_int_member (size, "height"));
    }
  else if (g_str_equal (kind, "audio"))
    /* The media the job covers, which its deadline is scaled to. */
    json_object_set_int_member (job, "duration_ns", (gint64)c.duration_ns);
  else
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "no job kind \"%s\" (chunk, audio, poster)", kind);
      return NULL;
    }
  return g_steal_pointer (&job);
}

static gboolean
queue_job (ReelIngest *in, const char *kind, JsonObject *plan, const char *original, guint chunk,
           GError **error)
{
  const char *id = json_object_get_string_member (plan, "video_id");
  g_autoptr (JsonObject) job = reel_ingest_job (kind, id, plan, original, chunk, error);
  g_autofree char *job_id
      = g_str_equal (kind, "chunk") ? g_strdup_printf ("%s-%u", id, chunk) : g_strdup (id);
  return job && reel_jobs_publish (in->bus, kind, id, job_id, job, error);
}

static gboolean
queue_media_jobs (ReelIngest *in, JsonObject *plan, const char *original, GError **error)
{
  guint chunks = (guint)json_object_get_int_member (plan, "chunks_total");
  for (guint i = 0; i < chunks; i++)
    if (!queue_job (in, "chunk", plan, original, i, error))
      return FALSE;
  if (!queue_job (in, "poster", plan, original, 0, error))
    return FALSE;
  return !json_object_get_boolean_member (plan, "has_audio")
         || queue_job (in, "audio", plan, original, 0, error);
}

/* One frame's duration; for variable frame rates, that of 60 fps. */
static guint64
frame_ns (const ReelProbe *p)
{
  if (p->fps_n > 0 && p->fps_d > 0)
    return gst_util_uint64_scale (GST_SECOND, (guint64)p->fps_d, (guint64)p->fps_n);
  return GST_SECOND / 60;
}

/* Probes the original in reel-media (media/child.h). */
static ReelProbe *
probe (ReelIngest *in, const ReelJob *job, const char *path, GError **error)
{
  g_autoptr (JsonObject) request = json_object_new ();
  g_autoptr (JsonObject) result = NULL;
  ReelMediaLimits limits;

  reel_media_limits_for (in->cfg, 0, &limits);
  limits.timeout_s = MAX (limits.timeout_s, PROBE_CHILD_TIMEOUT_S);
  json_object_set_string_member (request, "op", "probe");
  json_object_set_string_member (request, "path", path);
  json_object_set_int_member (request, "timeout_s", PROBE_TIMEOUT_S);
  result = reel_media_child_run (request, &limits, "probing the upload", job, error);
  return result ? reel_probe_from_json (result, error) : NULL;
}

static gboolean
run_ingest (const ReelJob *job, gpointer data, GError **error)
{
  ReelIngest *in = data;
  JsonObject *d = reel_job_data (job);
  const char *id = json_object_get_string_member_with_default (d, "video_id", NULL);
  const char *original = json_object_get_string_member_with_default (d, "original", NULL);
  g_autofree char *path = NULL, *subject = NULL, *cache_dir = NULL;
  g_autoptr (ReelProbe) p = NULL;
  g_autoptr (GArray) rungs = NULL;
  g_autoptr (JsonObject) ev = json_object_new ();
  guint64 segment_ns = (guint64)in->cfg->segment_s * G_GUINT64_CONSTANT (1000000000);
  ReelChunking c = { 0 };
  guint chunks;

  if (!id || !original)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "ingest job lacks video_id/original");
      return FALSE;
    }
  /* On S3 the discoverer reads a local copy (store/blob_cache.h). */
  cache_dir = reel_config_data_path (in->cfg, "cache");
  path = reel_blob_cache_file (in->blobs, cache_dir, original, 0, error);
  if (!path)
    return FALSE;
  p = probe (in, job, path, error);
  if (!p)
    return FALSE;
  c.duration_ns = p->duration_ns;
  c.first_ns = segment_ns * in->cfg->first_chunk_segments;
  c.chunk_ns = segment_ns * in->cfg->chunk_segments;
  c.min_tail_ns = frame_ns (p);
  /* Nothing beyond the operator's limits is planned: a header claiming ten
   * years fails here, before a single job is queued. */
  chunks = reel_plan_chunks (&c);
  if (!reel_plan_check (&in->caps, p, chunks, error))
    return FALSE;
  rungs = reel_ladder_for_source (in->ladder, p->width, p->height);

  json_object_set_string_member (ev, "video_id", id);
  json_object_set_int_member (ev, "duration_ns", (gint64)p->duration_ns);
  json_object_set_int_member (ev, "width", p->width);
  json_object_set_int_member (ev, "height", p->height);
  json_object_set_int_member (ev, "rotation", p->rotation);
  json_object_set_int_member (ev, "fps_n", p->fps_n);
  json_object_set_int_member (ev, "fps_d", p->fps_d);
  json_object_set_boolean_member (ev, "has_audio", p->has_audio);
  json_object_set_string_member (ev, "video_codec", p->video_codec);
  json_object_set_int_member (ev, "segment_ns", (gint64)segment_ns);
  json_object_set_int_member (ev, "first_chunk_ns", (gint64)c.first_ns);
  json_object_set_int_member (ev, "chunk_ns", (gint64)c.chunk_ns);
  json_object_set_int_member (ev, "chunks_total", chunks);
  json_object_set_array_member (ev, "rungs", reel_ladder_to_json (rungs));
  subject = reel_event_subject ("video", id);
  /* A video deleted while it was probed gets no plan and no jobs. */
  if (reel_job_cancelled (job))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND,
                   "the ingest was cancelled (the video was deleted)");
      return FALSE;
    }
  /* The plan is in the log before any job exists, so the assembler always
   * knows what it is assembling. */
  return reel_events_publish (in->bus, subject, "video.probed", 1, NULL, ev, FALSE, NULL, error)
         && queue_media_jobs (in, ev, original, error);
}

static void
give_up_ingest (const ReelJob *job, const GError *error, gpointer data)
{
  ReelIngest *in = data;
  g_autoptr (GError) local = NULL;
  const char *id
      = json_object_get_string_member_with_default (reel_job_data (job), "video_id", NULL);
  if (id
      && !reel_ingest_fail_video (in->bus, id, error ? error->message : "processing failed",
                                  &local))
    g_warning ("cannot record the failure of video %s: %s", id, local->message);
}

ReelIngest *
reel_ingest_start (const ReelConfig *cfg, ReelBus *bus, ReelBlobs *blobs)
{
  ReelIngest *in = g_new0 (ReelIngest, 1);
  ReelJobWorkerConfig wc = { 0 };
  in->cfg = cfg;
  in->bus = bus;
  in->blobs = blobs;
  /* The config parser validated the ladder already. */
  g_assert_true (reel_ladder_parse (cfg->ladder, &in->ladder, NULL));
  in->caps.max_duration_ns = (guint64)cfg->max_duration_s * GST_SECOND;
  in->caps.max_frames = cfg->max_frames;
  in->caps.max_width = cfg->max_width;
  in->caps.max_height = cfg->max_height;
  in->caps.max_chunks = cfg->max_chunks;
  wc.kind = "ingest";
  wc.concurrency = 1;
  wc.ack_wait_s = cfg->job_ack_wait_s;
  wc.max_attempts = cfg->job_attempts;
  wc.run = run_ingest;
  wc.give_up = give_up_ingest;
  wc.user_data = in;
  in->worker = reel_job_worker_start (bus, &wc);
  return in;
}

void
reel_ingest_stop (ReelIngest *in)
{
  if (!in)
    return;
  reel_job_worker_request_stop (in->worker);
  reel_job_worker_stop (in->worker);
  g_array_unref (in->ladder);
  g_free (in);
}
