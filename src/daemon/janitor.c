/* See janitor.h. The timer runs on the main context; the sweeps run on the
 * job worker's thread (blobs, sessions) and on a thread of the GLib pool
 * (what lives on this node: uploads, the work directory), so a large store
 * never stalls the HTTP server. */
#include "daemon/janitor.h"
#include "app/cleanup.h"
#include "app/users/users.h"
#include "app/video/lifecycle.h"
#include "app/video/videos.h"
#include "bus/jobs.h"
#include "core/error.h"

struct ReelJanitor
{
  const ReelConfig *cfg;
  ReelBus *bus;
  ReelStore *store;
  ReelBlobs *blobs;
  ReelBlobs *cdn;
  ReelUploads *uploads;
  ReelWatermark *applied; /* the local read models' progress */
  ReelJobWorker *worker;
  char *work_dir;      /* this node's scratch space (DATA_DIR/work) */
  char *downloads_dir; /* downloads being remuxed (http/api_downloads.c) */
  guint timer;
  GMutex sweeping; /* held by the uploads sweep: one at a time */
  GMutex lock;     /* guards running only; never held across I/O */
  GCond idle;      /* signalled when running drops to 0 */
  guint running;   /* thread sweeps queued or running (under lock) */
};

static gboolean
expire_sessions (ReelJanitor *j, gint64 now, GError **error)
{
  guint expired;
  if (!reel_users_expire_sessions (j->bus, j->store, now, &expired, error))
    return FALSE;
  if (expired)
    g_message ("cleanup: %u expired sessions removed", expired);
  return TRUE;
}

/* Upload records without bytes, and uploads whose completion was cut
 * short between the blob store and the log, which are finished now. */
static gboolean
sweep_upload_records (ReelJanitor *j, gint64 now, ReelCleanupStats *stats, GError **error)
{
  g_autoptr (GPtrArray) stored = g_ptr_array_new_with_free_func (g_free);
  if (!reel_cleanup_empty_uploads (j->bus, j->store, j->uploads, j->blobs, now,
                                   j->cfg->cleanup_grace_s, stored, stats, error))
    return FALSE;
  for (guint i = 0; i < stored->len; i++)
    {
      const char *id = stored->pdata[i];
      g_autoptr (ReelVideo) video = reel_videos_get (j->store, id, NULL);
      if (!video)
        continue;
      g_message ("cleanup: finishing the upload of video %s, interrupted after its bytes were "
                 "stored",
                 id);
      if (!reel_lifecycle_accept_original (j->bus, id, video->owner, video->size, NULL, error))
        return FALSE;
    }
  return TRUE;
}

/* A sweep waits this long for the read models to catch up with the log,
 * then fails (and its job runs again later). */
#define CAUGHT_UP_WAIT_US (60 * G_USEC_PER_SEC)
#define CAUGHT_UP_POLL_US (50 * 1000)

/* Whether the local read models have applied the whole event log as it
 * is now. A blob is an orphan when no record names it; records missing
 * because the projection is behind (a rebuild after a store loss, a node
 * just restarted) would make every blob of those videos look like one:
 * found by the fault suite, which saw a poster deleted this way. */
static gboolean
caught_up (ReelJanitor *j, const ReelJob *job, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + CAUGHT_UP_WAIT_US;
  guint64 last;
  if (!reel_bus_stream_last_seq (j->bus, REEL_STREAM_EVENTS, &last, error))
    return FALSE;
  while (reel_watermark_reached (j->applied) < last)
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE,
                       "the blob clean-up waits for the read models (at event %" G_GUINT64_FORMAT
                       " of %" G_GUINT64_FORMAT ")",
                       reel_watermark_reached (j->applied), last);
          return FALSE;
        }
      reel_job_progress (job);
      g_usleep (CAUGHT_UP_POLL_US);
    }
  return TRUE;
}

static gboolean
sweep_blobs (const ReelJob *job, gpointer user_data, GError **error)
{
  ReelJanitor *j = user_data;
  ReelCleanupStats stats = { 0 };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  if (!caught_up (j, job, error))
    return FALSE;
  if (!reel_cleanup_blobs (j->store, j->blobs, "blobs", now, j->cfg->cleanup_grace_s, &stats, error)
      || (j->cdn
          && !reel_cleanup_blobs (j->store, j->cdn, "cdn", now, j->cfg->cleanup_grace_s, &stats,
                                  error)))
    return FALSE;
  if (stats.files)
    g_message ("cleanup: reclaimed %" G_GUINT64_FORMAT " blobs, %" G_GUINT64_FORMAT " bytes",
               stats.files, stats.bytes);
  /* Sessions are cluster-wide: one node per interval, like the blobs. */
  return expire_sessions (j, now, error);
}

/* What lives on this node: partial and temporary uploads, upload records
 * without bytes, and the work directory. */
static void
sweep_local (ReelJanitor *j)
{
  ReelCleanupStats stats = { 0 };
  g_autoptr (GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_mutex_lock (&j->sweeping);
  if (j->uploads
      && (!reel_cleanup_uploads (j->bus, j->store, j->uploads, now, j->cfg->cleanup_grace_s, &stats,
                                 &error)
          || !sweep_upload_records (j, now, &stats, &error)))
    g_warning ("cleanup of uploads: %s", error->message);
  else if (!reel_cleanup_work_dir (j->work_dir, now, j->cfg->cleanup_grace_s, &stats, &error))
    g_warning ("cleanup of %s: %s", j->work_dir, error->message);
  /* A download's scratch directory outlives its request only when reeld
   * died during the remux. */
  else if (!reel_cleanup_work_dir (j->downloads_dir, now, j->cfg->cleanup_grace_s, &stats, &error))
    g_warning ("cleanup of %s: %s", j->downloads_dir, error->message);
  if (stats.files || stats.aborted)
    g_message ("cleanup: discarded %" G_GUINT64_FORMAT
               " abandoned uploads and work files (%" G_GUINT64_FORMAT
               " bytes), aborted %" G_GUINT64_FORMAT " upload records",
               stats.files, stats.bytes, stats.aborted);
  g_mutex_unlock (&j->sweeping);
}

/* What a crash left behind: the temporary files of writes it cut short,
 * reaped at start-up rather than at the next interval. */
static void
sweep_abandoned_writes (ReelJanitor *j)
{
  ReelCleanupStats stats = { 0 };
  g_autoptr (GError) error = NULL;
  if (!reel_cleanup_abandoned_writes (j->blobs, "blobs", &stats, &error)
      || (j->cdn && !reel_cleanup_abandoned_writes (j->cdn, "cdn", &stats, &error)))
    g_warning ("cleanup of interrupted writes: %s", error->message);
  else if (stats.files)
    g_message ("cleanup: removed %" G_GUINT64_FORMAT " files of interrupted writes", stats.files);
}

typedef struct
{
  ReelJanitor *j;
  void (*sweep) (ReelJanitor *j);
} ThreadSweep;

static void
thread_sweep (GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
  ThreadSweep *t = data;
  t->sweep (t->j);
  g_mutex_lock (&t->j->lock);
  if (--t->j->running == 0)
    g_cond_signal (&t->j->idle);
  g_mutex_unlock (&t->j->lock);
  g_task_return_boolean (task, TRUE);
}

/* Runs sweep on a thread of the GLib pool, counted in running (which
 * reel_janitor_stop waits for). */
static void
run_in_thread (ReelJanitor *j, void (*sweep) (ReelJanitor *j))
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, NULL, NULL);
  ThreadSweep *t = g_new (ThreadSweep, 1);
  t->j = j;
  t->sweep = sweep;
  g_mutex_lock (&j->lock);
  j->running++;
  g_mutex_unlock (&j->lock);
  g_task_set_task_data (task, t, g_free);
  g_task_run_in_thread (task, thread_sweep);
}

static void schedule (ReelJanitor *j);

static gboolean
tick (gpointer data)
{
  ReelJanitor *j = data;
  guint64 bucket = (guint64)(g_get_real_time () / G_USEC_PER_SEC) / j->cfg->cleanup_interval_s;
  g_autofree char *key = g_strdup_printf ("%" G_GUINT64_FORMAT, bucket);
  g_autoptr (JsonObject) job = json_object_new ();
  g_autoptr (GError) error = NULL;

  j->timer = 0;
  json_object_set_int_member (job, "interval", (gint64)bucket);
  if (!reel_jobs_publish (j->bus, "sweep", key, key, job, &error))
    g_warning ("cannot queue the blob clean-up: %s", error->message);
  run_in_thread (j, sweep_local);
  schedule (j);
  return G_SOURCE_REMOVE;
}

/* The next interval boundary of the wall clock (every node agrees on it). */
static void
schedule (ReelJanitor *j)
{
  gint64 interval_ms = (gint64)j->cfg->cleanup_interval_s * 1000;
  gint64 now_ms = g_get_real_time () / 1000;
  gint64 wait_ms = interval_ms - now_ms % interval_ms;
  j->timer = g_timeout_add ((guint)MIN (wait_ms, G_MAXUINT), tick, j);
}

ReelJanitor *
reel_janitor_start (const ReelConfig *cfg, ReelBus *bus, ReelStore *store, ReelBlobs *blobs,
                    ReelBlobs *cdn, ReelUploads *uploads, ReelWatermark *applied)
{
  ReelJanitor *j = g_new0 (ReelJanitor, 1);
  ReelJobWorkerConfig wc = { 0 };
  reel_cleanup_declare_metrics ();
  j->cfg = cfg;
  j->bus = bus;
  j->store = store;
  j->blobs = blobs;
  j->cdn = cdn;
  j->uploads = uploads;
  j->applied = reel_watermark_ref (applied);
  j->work_dir = reel_config_data_path (cfg, "work");
  j->downloads_dir = reel_config_data_path (cfg, "downloads");
  g_mutex_init (&j->sweeping);
  g_mutex_init (&j->lock);
  g_cond_init (&j->idle);
  wc.kind = "sweep";
  wc.concurrency = 1;
  wc.ack_wait_s = cfg->job_ack_wait_s;
  wc.max_attempts = cfg->job_attempts;
  wc.run = sweep_blobs;
  wc.user_data = j;
  j->worker = reel_job_worker_start (bus, &wc);
  run_in_thread (j, sweep_abandoned_writes);
  schedule (j);
  return j;
}

void
reel_janitor_stop (ReelJanitor *j)
{
  if (!j)
    return;
  g_clear_handle_id (&j->timer, g_source_remove);
  reel_job_worker_stop (j->worker);
  /* Wait for the uploads sweeps queued or in progress. */
  g_mutex_lock (&j->lock);
  while (j->running > 0)
    g_cond_wait (&j->idle, &j->lock);
  g_mutex_unlock (&j->lock);
  g_mutex_clear (&j->lock);
  g_mutex_clear (&j->sweeping);
  g_cond_clear (&j->idle);
  g_free (j->work_dir);
  g_free (j->downloads_dir);
  reel_watermark_unref (j->applied);
  g_free (j);
}
