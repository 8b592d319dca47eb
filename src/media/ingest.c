/* See ingest.h. */
#include "media/ingest.h"
#include "app/checks/checks.h"
#include "app/checks/works.h"
#include "app/video/lifecycle.h"
#include "app/video/record.h"
#include "app/video/videos.h"
#include "bus/events.h"
#include "bus/jobs.h"
#include "core/error.h"
#include "core/json.h"
#include "media/checker.h"
#include "media/child.h"
#include "store/blob_cache.h"
#include "media/plan.h"
#include "media/probe.h"
#include "media/storyboard.h"
#include "store/blob_keys.h"

#include <gst/gst.h>

/* Probing reads headers and a little data; 60 s covers slow disks and
 * files whose index sits at the end. The child probing gets 30 s more to
 * start and answer before it is stopped. */
#define PROBE_TIMEOUT_S 30
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
  ReelStore *store; /* NULL: no local projection */
  ReelMediaCaps caps;
  ReelJobWorker *worker;
};

const ReelRung *
reel_ingest_poster_rung (const GArray *rungs)
{
  /* The best rung no taller than 720 lines: sharp on a watch page, light
   * in a list of thumbnails. */
  for (guint i = 0; i < rungs->len; i++)
    if (g_array_index (rungs, ReelRung, i).height <= POSTER_MAX_HEIGHT)
      return &g_array_index (rungs, ReelRung, i);
  return &g_array_index (rungs, ReelRung, 0);
}

JsonObject *
reel_ingest_job (const char *kind, const char *id, const ReelVideoPlan *plan, const char *original,
                 guint chunk, GError **error)
{
  GArray *rungs = plan ? plan->rungs : NULL;
  ReelChunking c = { 0 };
  guint chunks = plan ? plan->chunks_total : 0;
  g_autoptr (JsonObject) job = json_object_new ();

  if (plan)
    {
      c.duration_ns = plan->duration_ns;
      c.chunk_ns = plan->chunk_ns;
      c.first_ns = plan->first_chunk_ns;
    }
  if (!rungs || rungs->len == 0 || !c.duration_ns || !c.chunk_ns || !chunks)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "the video has no media plan (yet)");
      return NULL;
    }
  json_object_set_string_member (job, "video_id", id);
  json_object_set_string_member (job, "original", original);
  json_object_set_int_member (job, "segment_ns", (gint64)plan->segment_ns);
  if (g_str_equal (kind, "chunk"))
    {
      guint64 start, len;
      if (chunk >= chunks)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "the video has chunks 0 to %u",
                       chunks - 1);
          return NULL;
        }
      reel_plan_chunk_range (&c, chunks, chunk, &start, &len);
      json_object_set_int_member (job, "chunk", chunk);
      json_object_set_int_member (job, "start_ns", (gint64)start);
      json_object_set_int_member (job, "duration_ns", (gint64)len);
      json_object_set_boolean_member (job, "last", chunk + 1 == chunks);
      /* The job carries the whole plan, so a worker needs nothing but the
       * job and the blob store (no read models on encode machines). */
      {
        g_autoptr (GArray) mine = reel_plan_chunk_rungs (rungs, chunk);
        json_object_set_array_member (job, "rungs", reel_ladder_to_json (mine));
        /* Its late rungs begin where chunk 0 does (media/plan.h). */
        if (chunk == 1)
          {
            guint64 first_start, first_len;
            reel_plan_chunk_range (&c, chunks, 0, &first_start, &first_len);
            json_object_set_int_member (job, "late_start_ns", (gint64)first_start);
          }
      }
    }
  else if (g_str_equal (kind, "poster"))
    {
      const ReelRung *size = reel_ingest_poster_rung (rungs);
      json_object_set_int_member (job, "at_ns", (gint64)MIN (c.duration_ns / 4, POSTER_AT_MAX_NS));
      json_object_set_int_member (job, "width", size->width);
      json_object_set_int_member (job, "height", size->height);
    }
  else if (g_str_equal (kind, "storyboard"))
    {
      /* The poster rung has the picture's aspect after rotation. */
      const ReelRung *size = reel_ingest_poster_rung (rungs);
      ReelStoryboard sb;
      reel_storyboard_plan (c.duration_ns, size->width, size->height, &sb);
      json_object_set_int_member (job, "duration_ns", (gint64)c.duration_ns);
      json_object_set_int_member (job, "interval_s", sb.interval_s);
      json_object_set_int_member (job, "tiles", sb.tiles);
      json_object_set_int_member (job, "columns", sb.columns);
      json_object_set_int_member (job, "width", sb.width);
      json_object_set_int_member (job, "height", sb.height);
    }
  else if (g_str_equal (kind, "audio"))
    {
      /* The media the job covers, which its deadline is scaled to. */
      json_object_set_int_member (job, "duration_ns", (gint64)c.duration_ns);
      /* The sound the first chunk needs to play, announced on its own
       * while the rest is encoded (media/worker.c). */
      if (chunks > 1)
        {
          guint64 first_start, first_len;
          reel_plan_chunk_range (&c, chunks, 0, &first_start, &first_len);
          json_object_set_int_member (job, "head_ns", (gint64)(first_start + first_len));
        }
    }
  else
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "no job kind \"%s\" (chunk, audio, poster, storyboard)", kind);
      return NULL;
    }
  return g_steal_pointer (&job);
}

static gboolean
queue_job (ReelIngest *in, const char *kind, const char *id, const ReelVideoPlan *plan,
           const char *original, guint chunk, GError **error)
{
  g_autoptr (JsonObject) job = reel_ingest_job (kind, id, plan, original, chunk, error);
  g_autofree char *job_id
      = g_str_equal (kind, "chunk") ? g_strdup_printf ("%s-%u", id, chunk) : g_strdup (id);
  return job && reel_jobs_publish (in->bus, kind, id, job_id, job, error);
}

static gboolean
queue_media_jobs (ReelIngest *in, const char *id, const ReelVideoPlan *plan, const char *original,
                  GError **error)
{
  for (guint i = 0; i < plan->chunks_total; i++)
    if (!queue_job (in, "chunk", id, plan, original, i, error))
      return FALSE;
  if (!queue_job (in, "poster", id, plan, original, 0, error))
    return FALSE;
  /* From the original, beside the poster: it is in the workers' cache
   * already, and the previews are there as soon as the video plays
   * instead of after a second pass over the lowest rung. */
  if (!queue_job (in, "storyboard", id, plan, original, 0, error))
    return FALSE;
  return !plan->has_audio || queue_job (in, "audio", id, plan, original, 0, error);
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
  /* The heights a copied rung could have: only a source of one of them
   * is read through to see whether it can be copied (media/probe.h). */
  if (in->cfg->copy_source)
    {
      JsonArray *heights = json_array_new ();
      for (guint i = 0; i < in->cfg->ladder.rungs->len; i++)
        json_array_add_int_element (heights,
                                    g_array_index (in->cfg->ladder.rungs, ReelRung, i).height);
      json_object_set_array_member (request, "copy_heights", heights);
    }
  result = reel_media_child_run (request, &limits, "probing the upload", job, error);
  return result ? reel_probe_from_json (result, error) : NULL;
}

/* Asks for the checks (their job is queued by queue_checks). With no
 * protected work registered, the copyright check passes here and now,
 * before the plan (so before the video can be ready): nothing can match,
 * and publishing must not wait for a job. The job still records the
 * prints, for works registered later (the backfill). Only a node whose
 * projection is local can tell the library is empty: *report says whether
 * the job reports the copyright check. */
static gboolean
request_checks (ReelIngest *in, const char *id, gboolean *report, GError **error)
{
  gboolean library_empty = FALSE;
  if (in->store)
    {
      g_autoptr (ReelTxn) txn = reel_store_begin (in->store, FALSE, error);
      if (!txn)
        return FALSE;
      library_empty = !reel_works_any (txn);
    }
  gboolean classifier = in->cfg->classifier_command != NULL;
  const char *wanted[3] = { NULL };
  guint n = 0;
  *report = !library_empty;
  /* A check decided here is reported alone: the record gets it in one
   * step, so the video is never hidden for a check that cannot find
   * anything (copyright with no work) or cannot run (adult with no
   * classifier: skipped, with the reason). */
  if (!library_empty)
    wanted[n++] = REEL_CHECK_COPYRIGHT;
  if (classifier)
    wanted[n++] = REEL_CHECK_ADULT;
  return (n == 0 || reel_checks_request (in->bus, id, wanted, error))
         && (!library_empty
             || reel_checks_report (in->bus, id, REEL_CHECK_COPYRIGHT, REEL_CHECK_PASSED,
                                    "no protected work is registered", NULL, error))
         && (classifier
             || reel_checks_report (in->bus, id, REEL_CHECK_ADULT, REEL_CHECK_SKIPPED,
                                    "no classifier is configured (checks.classifier_command)", NULL,
                                    error));
}

/* Queues the checks' job, after the media jobs: a worker takes the
 * video's first chunk before it (media/niceness.h). One job decodes the
 * video once for both checks (media/checker.h). */
static gboolean
queue_checks (ReelIngest *in, const char *id, const char *original, gboolean report, GError **error)
{
  return reel_checker_queue_video (in->bus, id, original, report,
                                   in->cfg->classifier_command != NULL, error);
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
  g_autoptr (ReelVideoPlan) plan = g_new0 (ReelVideoPlan, 1);
  g_autoptr (JsonObject) ev = NULL;
  guint64 segment_ns = (guint64)in->cfg->segment_s * G_GUINT64_CONSTANT (1000000000);
  ReelChunking c = { 0 };
  gboolean report = FALSE;
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
  plan->rungs
      = reel_ladder_for_source (in->cfg->ladder.rungs, p->width, p->height, in->cfg->codecs);
  if (in->cfg->copy_source)
    reel_plan_copy (plan->rungs, p, segment_ns);
  reel_plan_late (plan->rungs, in->cfg->first_chunk_height, chunks);
  plan->duration_ns = p->duration_ns;
  plan->width = p->width;
  plan->height = p->height;
  plan->rotation = p->rotation;
  plan->fps_n = p->fps_n;
  plan->fps_d = p->fps_d;
  plan->has_audio = p->has_audio;
  plan->video_codec = g_strdup (p->video_codec);
  plan->segment_ns = segment_ns;
  plan->first_chunk_ns = c.first_ns;
  plan->chunk_ns = c.chunk_ns;
  plan->chunks_total = chunks;
  ev = reel_video_plan_to_event (plan, id);
  subject = reel_event_subject ("video", id);
  /* A video deleted while it was probed gets no plan and no jobs. */
  if (reel_job_cancelled (job))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND,
                   "the ingest was cancelled (the video was deleted)");
      return FALSE;
    }
  /* The checks are asked for before the plan, so the record lists them
   * (pending) long before the video can be ready; they run beside the
   * transcode (app/checks/checks.h). */
  if (in->cfg->checks_enabled && !request_checks (in, id, &report, error))
    return FALSE;
  /* The plan is in the log before any job exists, so the lifecycle always
   * knows what it is assembling. */
  reel_media_expect_first_chunk ();
  return reel_events_publish (in->bus, subject, "video.probed", 1, NULL, ev, FALSE, NULL, error)
         && queue_media_jobs (in, id, plan, original, error)
         && (!in->cfg->checks_enabled || queue_checks (in, id, original, report, error));
}

static void
give_up_ingest (const ReelJob *job, const GError *error, gpointer data)
{
  ReelIngest *in = data;
  g_autoptr (GError) local = NULL;
  const char *id
      = json_object_get_string_member_with_default (reel_job_data (job), "video_id", NULL);
  if (id
      && !reel_lifecycle_fail (in->bus, id, error ? error->message : "processing failed", &local))
    g_warning ("cannot record the failure of video %s: %s", id, local->message);
}

ReelIngest *
reel_ingest_start (const ReelConfig *cfg, ReelBus *bus, ReelBlobs *blobs, ReelStore *store)
{
  ReelIngest *in = g_new0 (ReelIngest, 1);
  in->store = store;
  ReelJobWorkerConfig wc = { 0 };
  in->cfg = cfg;
  in->bus = bus;
  in->blobs = blobs;
  in->caps.max_duration_ns = (guint64)cfg->max_duration_s * GST_SECOND;
  in->caps.max_frames = cfg->max_frames;
  in->caps.max_width = cfg->max_width;
  in->caps.max_height = cfg->max_height;
  in->caps.max_chunks = cfg->max_chunks;
  wc.kind = "ingest";
  wc.concurrency = cfg->ingest_concurrency;
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
  g_free (in);
}
