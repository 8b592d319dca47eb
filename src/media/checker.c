/* See checker.h. */
#include "media/checker.h"
#include "app/checks/checks.h"
#include "app/checks/works.h"
#include "app/video/videos.h"
#include "app/video/visibility.h"
#include "bus/events.h"
#include "bus/jobs.h"
#include "core/error.h"
#include "core/json.h"
#include "media/child.h"
#include "media/niceness.h"
#include "media/work_dir.h"
#include "store/blob_cache.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <sys/resource.h>

/* Prints cover at most the first hour: a longer one would not fit in one
 * event (NATS's message limit), and a copy is rarely only in the second
 * hour of an upload. */
#define PRINT_MAX_SECONDS 3600
/* Fingerprinting decodes the whole file once: like a probe it needs a
 * generous floor over the per-second allowance. */
#define FINGERPRINT_TIMEOUT_S 600
/* The adult check samples a frame every 2 s (the rate), of at
 * most the first PRINT_MAX_SECONDS. */
#define FRAME_INTERVAL_S 2
#define MAX_FRAMES (PRINT_MAX_SECONDS / FRAME_INTERVAL_S)
/* How long the backfill waits for its work to be projected. */
#define PROJECTION_WAIT_US (30 * G_USEC_PER_SEC)
#define PROJECTION_POLL_US (100 * 1000)

struct ReelChecker
{
  const ReelConfig *cfg;
  ReelBus *bus;
  ReelStore *store;
  ReelBlobs *blobs;
  ReelJobWorker *check;
  ReelJobWorker *work;
  ReelJobWorker *backfill;
  ReelJobWorker *adult;
};

gboolean
reel_checker_queue_video (ReelBus *bus, const char *video_id, const char *original, gboolean report,
                          gboolean adult, GError **error)
{
  g_autoptr (JsonObject) job = json_object_new ();
  json_object_set_boolean_member (job, "report", report);
  if (adult)
    json_object_set_boolean_member (job, "adult", TRUE);
  json_object_set_string_member (job, "video_id", video_id);
  json_object_set_string_member (job, "original", original);
  return reel_jobs_publish (bus, "check", video_id, video_id, job, error);
}

gboolean
reel_checker_queue_work (ReelBus *bus, const char *work_id, const char *original, GError **error)
{
  g_autoptr (JsonObject) job = json_object_new ();
  json_object_set_string_member (job, "work_id", work_id);
  json_object_set_string_member (job, "original", original);
  return reel_jobs_publish (bus, "work", work_id, work_id, job, error);
}

gboolean
reel_checker_queue_adult (ReelBus *bus, const char *video_id, const char *original, GError **error)
{
  g_autoptr (JsonObject) job = json_object_new ();
  json_object_set_string_member (job, "video_id", video_id);
  json_object_set_string_member (job, "original", original);
  return reel_jobs_publish (bus, "adult", video_id, video_id, job, error);
}

/* A fresh directory for a job's frames under DATA_DIR/checks; NULL with
 * error when it cannot be made. */
static char *
frames_dir (ReelChecker *c, const char *name, GError **error)
{
  g_autofree char *work = reel_config_data_path (c->cfg, "checks");
  char *dir = g_build_filename (work, name, NULL);
  reel_work_dir_remove (dir);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "cannot make %s", dir);
      g_free (dir);
      return NULL;
    }
  return dir;
}

/* The request members that sample the adult check's frames into dir. */
static void
request_frames (JsonObject *request, const char *dir)
{
  json_object_set_string_member (request, "dir", dir);
  json_object_set_int_member (request, "interval_s", FRAME_INTERVAL_S);
  json_object_set_int_member (request, "max_frames", MAX_FRAMES);
}

/* The prints of a blob, from reel-media; with frames_dir (may be NULL),
 * the same decode samples the adult check's frames into it. */
static JsonObject *
fingerprint (ReelChecker *c, const ReelJob *job, const char *original, const char *frames_dir,
             GError **error)
{
  g_autofree char *cache_dir = reel_config_data_path (c->cfg, "cache");
  g_autofree char *path = reel_blob_cache_file (c->blobs, cache_dir, original, 0, error);
  g_autoptr (JsonObject) request = json_object_new ();
  ReelMediaLimits limits;
  if (!path)
    return NULL;
  reel_media_limits_for (c->cfg, (guint64)PRINT_MAX_SECONDS * GST_SECOND, &limits);
  limits.timeout_s = MAX (limits.timeout_s, FINGERPRINT_TIMEOUT_S);
  json_object_set_string_member (request, "op", "fingerprint");
  json_object_set_string_member (request, "path", path);
  json_object_set_int_member (request, "max_seconds",
                              MIN (c->cfg->max_duration_s, PRINT_MAX_SECONDS));
  if (frames_dir)
    request_frames (request, frames_dir);
  return reel_media_child_run (request, &limits, "fingerprinting", job, error);
}

/* The prints members of a reel-media result, under id_member = id. */
static JsonObject *
prints_event (JsonObject *prints, const char *id_member, const char *id)
{
  JsonObject *data = json_object_new ();
  json_object_set_string_member (data, id_member, id);
  json_object_set_int_member (data, "duration_ns",
                              json_object_get_int_member_with_default (prints, "duration_ns", 0));
  for (const char *const *m = (const char *const[]){ "audio", "video", NULL }; *m; m++)
    if (json_object_has_member (prints, *m))
      json_object_set_string_member (data, *m, json_object_get_string_member (prints, *m));
  return data;
}

static JsonObject *
match_json (const ReelWorkMatch *m)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "work_id", m->work_id);
  json_object_set_string_member (o, "title", m->title);
  json_object_set_string_member (o, "kind", reel_track_kind_name (m->kind));
  json_object_set_double_member (o, "start_s", m->run.query_start);
  json_object_set_double_member (o, "end_s", m->run.query_end);
  json_object_set_double_member (o, "work_start_s", m->run.work_start);
  json_object_set_double_member (o, "work_end_s", m->run.work_end);
  return o;
}

/* The copyright check of a video from its prints: published, then
 * matched against the works and reported (unless the job says the check
 * was decided without it). */
static gboolean
check_copyright (ReelChecker *c, JsonObject *d, const char *id, JsonObject *prints, GError **error)
{
  g_autoptr (JsonObject) ev = prints_event (prints, "video_id", id);
  g_autofree char *subject = reel_event_subject ("video", id);
  g_autoptr (ReelWorkMatch) match = NULL;

  if (!reel_events_publish (c->bus, subject, "video.fingerprinted", 1, NULL, ev, FALSE, NULL,
                            error))
    return FALSE;
  if (!json_object_get_boolean_member_with_default (d, "report", TRUE))
    return TRUE;
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (c->store, FALSE, error);
    if (!txn)
      return FALSE;
    match = reel_works_match (txn, prints, c->cfg->copyright_min_seconds, error);
  }
  if (!match)
    return reel_checks_report (c->bus, id, REEL_CHECK_COPYRIGHT, REEL_CHECK_PASSED, NULL, NULL,
                               error);
  {
    g_autofree char *detail = reel_work_match_describe (match);
    g_autoptr (JsonObject) extra = json_object_new ();
    json_object_set_object_member (extra, "match", match_json (match));
    return reel_checks_report (c->bus, id, REEL_CHECK_COPYRIGHT, REEL_CHECK_BLOCKED, detail, extra,
                               error);
  }
}

static GArray *classify (ReelChecker *c, const char *dir, GError **error);
static gboolean report_adult (ReelChecker *c, const char *id, GArray *scores, GError **error);

/* The check job: the prints, and with "adult" the adult check's frames in
 * the same decode (decoding is most of either check's cost: a 30 s 1080p
 * upload took 11 CPU-s to decode, per check). When the frames cannot be
 * classified, the adult check falls back to a job of its own, with its
 * own attempts; the copyright check is not run again for it. */
static gboolean
run_check (const ReelJob *job, gpointer data, GError **error)
{
  ReelChecker *c = data;
  JsonObject *d = reel_job_data (job);
  const char *id = json_object_get_string_member_with_default (d, "video_id", NULL);
  const char *original = json_object_get_string_member_with_default (d, "original", NULL);
  gboolean adult = json_object_get_boolean_member_with_default (d, "adult", FALSE);
  g_autoptr (JsonObject) prints = NULL;
  g_autoptr (GArray) scores = NULL;
  g_autoptr (GError) unclassified = NULL;
  g_autofree char *dir = NULL;

  if (!id || !original)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "check job lacks video_id/original");
      return FALSE;
    }
  if (adult)
    {
      /* Not the adult job's <id>: a fallback may run beside a retry. */
      g_autofree char *name = g_strconcat (id, ".check", NULL);
      if (!(dir = frames_dir (c, name, error)))
        return FALSE;
    }
  prints = fingerprint (c, job, original, dir, error);
  if (prints && adult)
    scores = classify (c, dir, &unclassified);
  if (dir)
    reel_work_dir_remove (dir);
  if (!prints || !check_copyright (c, d, id, prints, error))
    return FALSE;
  if (!adult)
    return TRUE;
  if (scores)
    return report_adult (c, id, scores, error);
  g_warning ("video %s: the adult check runs as a job of its own: %s", id, unclassified->message);
  return reel_checker_queue_adult (c->bus, id, original, error);
}

/* A check that cannot be run is not passed: the owner learns why and a
 * moderator decides. */
static void
give_up_check (const ReelJob *job, const GError *error, gpointer data)
{
  ReelChecker *c = data;
  g_autoptr (GError) local = NULL;
  g_autofree char *detail = NULL;
  JsonObject *d = reel_job_data (job);
  const char *id = json_object_get_string_member_with_default (d, "video_id", NULL);
  const char *original = json_object_get_string_member_with_default (d, "original", NULL);
  /* The adult check was to come from this job: it gets its own. */
  if (id && original && json_object_get_boolean_member_with_default (d, "adult", FALSE)
      && !reel_checker_queue_adult (c->bus, id, original, &local))
    {
      g_warning ("cannot queue the adult check of video %s: %s", id, local->message);
      g_clear_error (&local);
    }
  if (!id || !json_object_get_boolean_member_with_default (d, "report", TRUE))
    return;
  detail = g_strdup_printf ("the check could not run: %s", error ? error->message : "?");
  if (!reel_checks_give_up (c->bus, id, REEL_CHECK_COPYRIGHT, detail, &local))
    g_warning ("cannot record the failed check of video %s: %s", id, local->message);
}

static gboolean
run_work (const ReelJob *job, gpointer data, GError **error)
{
  ReelChecker *c = data;
  JsonObject *d = reel_job_data (job);
  const char *id = json_object_get_string_member_with_default (d, "work_id", NULL);
  const char *original = json_object_get_string_member_with_default (d, "original", NULL);
  g_autoptr (JsonObject) prints = NULL, ev = NULL, backfill = json_object_new ();
  g_autofree char *subject = NULL;

  if (!id || !original)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "work job lacks work_id/original");
      return FALSE;
    }
  if (!(prints = fingerprint (c, job, original, NULL, error)))
    return FALSE;
  ev = prints_event (prints, "work_id", id);
  subject = reel_event_subject ("work", id);
  json_object_set_string_member (backfill, "work_id", id);
  return reel_events_publish (c->bus, subject, "work.fingerprinted", 1, NULL, ev, FALSE, NULL,
                              error)
         && reel_jobs_publish (c->bus, "backfill", id, id, backfill, error);
}

static void
give_up_work (const ReelJob *job, const GError *error, gpointer data)
{
  g_warning ("a protected work could not be fingerprinted: %s", error ? error->message : "?");
}

typedef struct
{
  GPtrArray *ids;
} VideoIds;

static gboolean
collect_video (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
               gpointer data)
{
  g_ptr_array_add (data, g_strndup ((const char *)key, key_len));
  return TRUE;
}

/* The work once projected as indexed, or NULL after a while. */
static JsonObject *
wait_for_work (ReelChecker *c, const char *work_id, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + PROJECTION_WAIT_US;
  for (;;)
    {
      g_autoptr (ReelTxn) txn = reel_store_begin (c->store, FALSE, error);
      g_autoptr (JsonObject) work = txn ? reel_works_load (txn, work_id) : NULL;
      if (!txn)
        return NULL;
      if (work && json_object_has_member (work, "duration_ns"))
        return g_steal_pointer (&work);
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE, "work %s is not indexed here yet",
                       work_id);
          return NULL;
        }
      g_clear_pointer (&txn, reel_txn_abort);
      g_usleep (PROJECTION_POLL_US);
    }
}

static gboolean
run_backfill (const ReelJob *job, gpointer data, GError **error)
{
  ReelChecker *c = data;
  const char *id
      = json_object_get_string_member_with_default (reel_job_data (job), "work_id", NULL);
  g_autoptr (JsonObject) work = NULL;
  g_autoptr (GPtrArray) videos = g_ptr_array_new_with_free_func (g_free);

  if (!id)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "backfill job lacks work_id");
      return FALSE;
    }
  if (!(work = wait_for_work (c, id, error)))
    return FALSE;
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (c->store, FALSE, error);
    if (!txn
        || !reel_txn_scan (txn, REEL_DB_VIDEO_PRINTS, NULL, 0, NULL, 0, FALSE, collect_video,
                           videos, error))
      return FALSE;
  }
  for (guint i = 0; i < videos->len; i++)
    {
      const char *video = videos->pdata[i];
      g_autoptr (ReelWorkMatch) match = NULL;
      g_autoptr (JsonObject) prints = NULL;
      g_autofree char *detail = NULL;
      g_autoptr (JsonObject) extra = json_object_new ();
      {
        g_autoptr (ReelTxn) txn = reel_store_begin (c->store, FALSE, error);
        g_autoptr (ReelVideo) v = NULL;
        if (!txn)
          return FALSE;
        v = reel_videos_load (txn, video, NULL);
        /* Only published videos: the others are checked, or hidden, already. */
        if (!v || v->state != REEL_VIDEO_READY || !reel_video_is_listed (v))
          continue;
        prints = reel_txn_get_json (txn, REEL_DB_VIDEO_PRINTS, video, strlen (video), NULL);
      }
      reel_job_progress (job);
      if (!prints || !(match = reel_works_match_one (work, prints, c->cfg->copyright_min_seconds)))
        continue;
      detail = reel_work_match_describe (match);
      json_object_set_object_member (extra, "match", match_json (match));
      if (!reel_checks_report (c->bus, video, REEL_CHECK_COPYRIGHT, REEL_CHECK_HELD, detail, extra,
                               error))
        return FALSE;
    }
  return TRUE;
}

static void
give_up_backfill (const ReelJob *job, const GError *error, gpointer data)
{
  g_warning ("the backfill of a protected work was abandoned: %s", error ? error->message : "?");
}

/* In the classifier's process, before it runs. */
static void
lower_priority (gpointer unused)
{
  setpriority (PRIO_PROCESS, 0, REEL_CHECKS_NICENESS);
}

/* The classifier's scores of the frames in dir, in frame order: it gets
 * their paths as its last arguments and prints a JSON array of numbers. */
static GArray *
classify (ReelChecker *c, const char *dir, GError **error)
{
  g_auto (GStrv) command = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) frames = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) d = g_dir_open (dir, 0, error);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonNode) root = NULL;
  GArray *scores;
  const char *name;
  JsonArray *a;
  int status;

  if (!d || !g_shell_parse_argv (c->cfg->classifier_command, NULL, &command, error))
    return NULL;
  while ((name = g_dir_read_name (d)))
    g_ptr_array_add (frames, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (frames, (GCompareFunc)g_strcmp0);
  for (char **a0 = command; *a0; a0++)
    g_ptr_array_add (argv, g_strdup (*a0));
  for (guint i = 0; i < frames->len; i++)
    g_ptr_array_add (argv, g_strdup (frames->pdata[i]));
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, lower_priority, NULL,
                     &out, &err, &status, error))
    return NULL;
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "the classifier failed: %s",
                   err ? g_strstrip (err) : "");
      return NULL;
    }
  root = json_from_string (out, NULL);
  a = root && JSON_NODE_HOLDS_ARRAY (root) ? json_node_get_array (root) : NULL;
  if (!a || json_array_get_length (a) != frames->len)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL,
                   "the classifier did not print one score per frame (%u frames)", frames->len);
      return NULL;
    }
  scores = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      double s = json_array_get_double_element (a, i);
      g_array_append_val (scores, s);
    }
  return scores;
}

/* The adult check's verdict from the frames' scores. */
static gboolean
report_adult (ReelChecker *c, const char *id, GArray *scores, GError **error)
{
  g_autoptr (JsonObject) extra = json_object_new ();
  g_autofree char *detail = NULL;
  JsonArray *list = json_array_new ();
  double top = 0;
  guint top_at = 0;

  json_object_set_array_member (extra, "scores", list);
  for (guint i = 0; i < scores->len; i++)
    {
      double s = g_array_index (scores, double, i);
      json_array_add_double_element (list, s);
      if (s > top)
        {
          top = s;
          top_at = i;
        }
    }
  detail = scores->len == 0
               ? g_strdup ("no picture to classify")
               : g_strdup_printf ("highest adult-content score %.2f, at %u:%02u (%u frames)", top,
                                  top_at * FRAME_INTERVAL_S / 60, top_at * FRAME_INTERVAL_S % 60,
                                  scores->len);
  return reel_checks_report (c->bus, id, REEL_CHECK_ADULT,
                             top >= c->cfg->adult_threshold && scores->len ? REEL_CHECK_HELD
                                                                           : REEL_CHECK_PASSED,
                             detail, extra, error);
}

/* The adult check as a job of its own (see run_check): the frames in a
 * decode of their own. */
static gboolean
run_adult (const ReelJob *job, gpointer data, GError **error)
{
  ReelChecker *c = data;
  JsonObject *d = reel_job_data (job);
  const char *id = json_object_get_string_member_with_default (d, "video_id", NULL);
  const char *original = json_object_get_string_member_with_default (d, "original", NULL);
  g_autofree char *cache_dir = reel_config_data_path (c->cfg, "cache");
  g_autofree char *dir = NULL, *path = NULL;
  g_autoptr (JsonObject) request = json_object_new (), result = NULL;
  g_autoptr (GArray) scores = NULL;
  ReelMediaLimits limits;

  if (!id || !original)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "adult job lacks video_id/original");
      return FALSE;
    }
  if (!(path = reel_blob_cache_file (c->blobs, cache_dir, original, 0, error)))
    return FALSE;
  if (!(dir = frames_dir (c, id, error)))
    return FALSE;
  reel_media_limits_for (c->cfg, (guint64)PRINT_MAX_SECONDS * GST_SECOND, &limits);
  limits.timeout_s = MAX (limits.timeout_s, FINGERPRINT_TIMEOUT_S);
  json_object_set_string_member (request, "op", "frames");
  json_object_set_string_member (request, "path", path);
  request_frames (request, dir);
  result = reel_media_child_run (request, &limits, "sampling frames", job, error);
  scores = result ? classify (c, dir, error) : NULL;
  reel_work_dir_remove (dir);
  return scores && report_adult (c, id, scores, error);
}

static void
give_up_adult (const ReelJob *job, const GError *error, gpointer data)
{
  ReelChecker *c = data;
  g_autoptr (GError) local = NULL;
  g_autofree char *detail = NULL;
  const char *id
      = json_object_get_string_member_with_default (reel_job_data (job), "video_id", NULL);
  if (!id)
    return;
  detail = g_strdup_printf ("the classifier could not run: %s", error ? error->message : "?");
  if (!reel_checks_give_up (c->bus, id, REEL_CHECK_ADULT, detail, &local))
    g_warning ("cannot record the failed check of video %s: %s", id, local->message);
}

static ReelJobWorker *
start_kind (ReelChecker *c, const char *kind, ReelJobFunc run, ReelJobGiveUpFunc give_up)
{
  ReelJobWorkerConfig wc = { 0 };
  wc.kind = kind;
  wc.concurrency = 1;
  wc.ack_wait_s = c->cfg->job_ack_wait_s;
  wc.max_attempts = c->cfg->job_attempts;
  wc.run = run;
  wc.give_up = give_up;
  wc.user_data = c;
  return reel_job_worker_start (c->bus, &wc);
}

ReelChecker *
reel_checker_start (const ReelConfig *cfg, ReelBus *bus, ReelStore *store, ReelBlobs *blobs)
{
  ReelChecker *c = g_new0 (ReelChecker, 1);
  c->cfg = cfg;
  c->bus = bus;
  c->store = store;
  c->blobs = blobs;
  c->check = start_kind (c, "check", run_check, give_up_check);
  c->work = start_kind (c, "work", run_work, give_up_work);
  c->backfill = start_kind (c, "backfill", run_backfill, give_up_backfill);
  c->adult = start_kind (c, "adult", run_adult, give_up_adult);
  return c;
}

void
reel_checker_stop (ReelChecker *c)
{
  if (!c)
    return;
  reel_job_worker_request_stop (c->check);
  reel_job_worker_request_stop (c->work);
  reel_job_worker_request_stop (c->backfill);
  reel_job_worker_request_stop (c->adult);
  reel_job_worker_stop (c->check);
  reel_job_worker_stop (c->work);
  reel_job_worker_stop (c->backfill);
  reel_job_worker_stop (c->adult);
  g_free (c);
}
