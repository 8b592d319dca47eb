/* See jobs.h. Each of the `concurrency` threads binds its own pull
 * subscription to the kind's shared durable consumer and fetches one job at
 * a time, so a slow job never holds back another. */
#include "bus/jobs.h"
#include "bus/bus-private.h"
#include "core/error.h"
#include "core/json.h"
#include "core/metrics.h"

#define FETCH_TIMEOUT_MS 500
#define RETRY_DELAY_US (500 * 1000)
/* A failed job waits this long before it is tried again (nats.c takes the
 * delay of natsMsg_NakWithDelay in milliseconds). */
#define NAK_DELAY_MS ((int64_t)2000)
/* A job that fails because NATS or the blob store is unavailable (a
 * server restarting, a stream leader being elected: seconds in a cluster)
 * is not at fault: it runs again on this worker every few seconds, for up
 * to a minute, before that counts as one of its attempts. Otherwise three
 * quick redeliveries during one election fail the video. */
#define UNAVAILABLE_PAUSE_S 2
#define UNAVAILABLE_RETRY_S 60

struct ReelJob
{
  natsMsg *msg;
  JsonObject *data;
  guint attempt;
  guint64 seq;
  ReelJobWorker *worker;
};

struct ReelJobWorker
{
  ReelBus *bus;
  ReelJobWorkerConfig cfg;
  char *kind;
  char *stream;
  char *durable;
  char *filter;
  GPtrArray *threads;
  gint stopping;
};

const char *
reel_job_subject (const ReelJob *job)
{
  return natsMsg_GetSubject (job->msg);
}

JsonObject *
reel_job_data (const ReelJob *job)
{
  return job->data;
}

guint
reel_job_attempt (const ReelJob *job)
{
  return job->attempt;
}

guint64
reel_job_sequence (const ReelJob *job)
{
  return job->seq;
}

void
reel_job_progress (const ReelJob *job)
{
  natsMsg_InProgress (job->msg, NULL);
}

/* Whether w takes no more jobs: it was asked to stop, or every worker on
 * its bus was. */
static gboolean
stopping (ReelJobWorker *w)
{
  return g_atomic_int_get (&w->stopping) || g_atomic_int_get (&w->bus->jobs_stopping);
}

gboolean
reel_job_stopping (const ReelJob *job)
{
  return stopping (job->worker);
}

gboolean
reel_job_cancelled (const ReelJob *job)
{
  natsMsg *stored = NULL;
  jsErrCode jerr = 0;
  natsStatus s;

  /* Only the work queue is cancelled; the event log is read, never purged. */
  if (!job->seq || g_strcmp0 (job->worker->stream, REEL_STREAM_JOBS) != 0)
    return FALSE;
  s = js_GetMsg (&stored, job->worker->bus->js, job->worker->stream, job->seq, NULL, &jerr);
  natsMsg_Destroy (stored);
  return s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr;
}

static natsSubscription *
bind_consumer (ReelJobWorker *w, GError **error)
{
  natsSubscription *sub = NULL;
  jsErrCode jerr = 0;
  jsSubOptions so;
  natsStatus s;

  jsSubOptions_Init (&so);
  so.Stream = w->stream;
  so.Config.Durable = w->durable;
  if (w->cfg.deliver_new)
    so.Config.DeliverPolicy = js_DeliverNew;
  so.Config.AckPolicy = js_AckExplicit;
  so.Config.AckWait = (int64_t)w->cfg.ack_wait_s * 1000000000;
  /* One delivery more than the attempts: the extra one only arrives when a
   * worker died during the last attempt, and gives the job up. */
  so.Config.MaxDeliver = w->cfg.max_attempts + 1;
  so.Config.FilterSubject = w->filter;
  so.Config.MaxAckPending = 10000;
  s = js_PullSubscribe (&sub, w->bus->js, w->filter, w->durable, NULL, &so, &jerr);
  if (s != NATS_OK)
    {
      reel_bus_set_error (error, s, jerr, "job consumer");
      return NULL;
    }
  return sub;
}

static void
handle (ReelJobWorker *w, natsMsg *msg)
{
  g_autoptr (GError) error = NULL;
  jsMsgMetaData *meta = NULL;
  ReelJob job = { msg, NULL, 1, 0, w };
  g_autoptr (GString) labels = g_string_new (NULL);
  gboolean ok;

  /* Fetched as the node began to stop: not started, handed back at once
   * (a fetch that was waiting when the stop came still gets its job). */
  if (stopping (w))
    {
      g_message ("job %s handed back unstarted: this node is stopping", natsMsg_GetSubject (msg));
      natsMsg_Nak (msg, NULL);
      return;
    }
  reel_metrics_label (labels, "kind", w->kind);
  if (natsMsg_GetMetaData (&meta, msg) == NATS_OK)
    {
      job.attempt = (guint)meta->NumDelivered;
      job.seq = meta->Sequence.Stream;
      jsMsgMetaData_Destroy (meta);
    }
  job.data
      = reel_json_parse_object (natsMsg_GetData (msg), (gsize)natsMsg_GetDataLength (msg), &error);
  if (!job.data)
    {
      g_warning ("job on %s is not JSON; dropped: %s", natsMsg_GetSubject (msg), error->message);
      natsMsg_Term (msg, NULL);
      return;
    }
  if (reel_job_cancelled (&job))
    {
      g_message ("job %s was cancelled before it ran; dropped", natsMsg_GetSubject (msg));
      natsMsg_Term (msg, NULL);
      reel_metrics_add ("reel_jobs_dropped_total", labels->str, 1);
      json_object_unref (job.data);
      return;
    }
  if (job.attempt > w->cfg.max_attempts)
    {
      g_set_error (&error, REEL_ERROR, REEL_ERROR_UNAVAILABLE,
                   "the worker processing it stopped responding %u times", w->cfg.max_attempts);
      ok = FALSE;
    }
  else
    {
      ok = w->cfg.run (&job, w->cfg.user_data, &error);
      for (guint waited = 0; !ok && waited < UNAVAILABLE_RETRY_S
                             && g_error_matches (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE)
                             && !stopping (w) && !reel_job_cancelled (&job);
           waited += UNAVAILABLE_PAUSE_S)
        {
          g_message ("job %s: %s; running it again in %d s", natsMsg_GetSubject (msg),
                     error->message, UNAVAILABLE_PAUSE_S);
          g_clear_error (&error);
          g_usleep (UNAVAILABLE_PAUSE_S * G_USEC_PER_SEC);
          /* Still ours: the ack deadline starts again. */
          natsMsg_InProgress (msg, NULL);
          ok = w->cfg.run (&job, w->cfg.user_data, &error);
        }
    }

  if (!ok && reel_job_cancelled (&job))
    {
      /* Its video failed or was deleted meanwhile: nothing to retry or
       * to report. */
      g_message ("job %s was cancelled while it ran; dropped: %s", natsMsg_GetSubject (msg),
                 error ? error->message : "?");
      natsMsg_Term (msg, NULL);
      reel_metrics_add ("reel_jobs_dropped_total", labels->str, 1);
    }
  else if (ok)
    {
      natsMsg_AckSync (msg, NULL, NULL);
      reel_metrics_add ("reel_jobs_done_total", labels->str, 1);
    }
  else if (stopping (w))
    {
      g_message ("job %s handed back: this node is stopping (%s)", natsMsg_GetSubject (msg),
                 error ? error->message : "?");
      natsMsg_Nak (msg, NULL);
    }
  else if (job.attempt >= w->cfg.max_attempts
           || g_error_matches (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED)
           || g_error_matches (error, REEL_ERROR, REEL_ERROR_INVALID))
    {
      /* Out of attempts, or a failure no retry can fix (bad input). */
      g_warning ("job %s given up after %u attempts: %s", natsMsg_GetSubject (msg), job.attempt,
                 error ? error->message : "?");
      if (w->cfg.give_up)
        w->cfg.give_up (&job, error, w->cfg.user_data);
      natsMsg_Term (msg, NULL);
      reel_metrics_add ("reel_jobs_given_up_total", labels->str, 1);
    }
  else
    {
      g_warning ("job %s failed (attempt %u of %u), retrying: %s", natsMsg_GetSubject (msg),
                 job.attempt, w->cfg.max_attempts, error ? error->message : "?");
      natsMsg_NakWithDelay (msg, NAK_DELAY_MS, NULL);
      reel_metrics_add ("reel_jobs_retried_total", labels->str, 1);
    }
  json_object_unref (job.data);
}

static gpointer
worker_thread (gpointer data)
{
  ReelJobWorker *w = data;
  natsSubscription *sub = NULL;

  while (!stopping (w))
    {
      g_autoptr (GError) error = NULL;
      natsMsgList list = { 0 };
      jsErrCode jerr = 0;
      natsStatus s;

      if (!sub && !(sub = bind_consumer (w, &error)))
        {
          g_warning ("%s worker: %s", w->kind, error->message);
          g_usleep (RETRY_DELAY_US);
          continue;
        }
      s = natsSubscription_Fetch (&list, sub, 1, FETCH_TIMEOUT_MS, &jerr);
      if (s == NATS_TIMEOUT)
        continue;
      if (s != NATS_OK)
        {
          natsSubscription_Destroy (sub);
          sub = NULL;
          g_usleep (RETRY_DELAY_US);
          continue;
        }
      for (int i = 0; i < list.Count; i++)
        handle (w, list.Msgs[i]);
      natsMsgList_Destroy (&list);
    }
  if (sub)
    natsSubscription_Destroy (sub);
  return NULL;
}

ReelJobWorker *
reel_job_worker_start (ReelBus *bus, const ReelJobWorkerConfig *cfg)
{
  ReelJobWorker *w = g_new0 (ReelJobWorker, 1);
  reel_metrics_declare ("reel_jobs_done_total", REEL_METRIC_COUNTER, "Jobs completed, by kind");
  reel_metrics_declare ("reel_jobs_retried_total", REEL_METRIC_COUNTER,
                        "Job attempts that failed and were handed back, by kind");
  reel_metrics_declare ("reel_jobs_given_up_total", REEL_METRIC_COUNTER,
                        "Jobs given up after their last attempt, by kind");
  reel_metrics_declare ("reel_jobs_dropped_total", REEL_METRIC_COUNTER,
                        "Jobs dropped because they were cancelled (their video failed or was "
                        "deleted), by kind");
  w->bus = bus;
  w->cfg = *cfg;
  w->kind = g_strdup (cfg->kind);
  w->cfg.kind = w->kind;
  w->stream = g_strdup (cfg->stream ? cfg->stream : REEL_STREAM_JOBS);
  w->durable = cfg->durable ? g_strdup (cfg->durable) : g_strdup_printf ("reel-jobs-%s", cfg->kind);
  w->filter = cfg->filter ? g_strdup (cfg->filter) : g_strdup_printf ("reel.job.%s.>", cfg->kind);
  w->threads = g_ptr_array_new ();
  for (guint i = 0; i < MAX (cfg->concurrency, 1); i++)
    g_ptr_array_add (w->threads, g_thread_new (w->durable, worker_thread, w));
  return w;
}

void
reel_job_worker_request_stop (ReelJobWorker *w)
{
  if (w)
    g_atomic_int_set (&w->stopping, 1);
}

void
reel_jobs_request_stop (ReelBus *bus)
{
  g_atomic_int_set (&bus->jobs_stopping, 1);
}

void
reel_job_worker_stop (ReelJobWorker *w)
{
  if (!w)
    return;
  g_atomic_int_set (&w->stopping, 1);
  for (guint i = 0; i < w->threads->len; i++)
    g_thread_join (w->threads->pdata[i]);
  g_ptr_array_unref (w->threads);
  g_free (w->kind);
  g_free (w->stream);
  g_free (w->durable);
  g_free (w->filter);
  g_free (w);
}

gboolean
reel_jobs_publish (ReelBus *bus, const char *kind, const char *key, const char *id,
                   JsonObject *data, GError **error)
{
  g_autofree char *subject = g_strdup_printf ("reel.job.%s.%s", kind, key);
  g_autofree char *text = reel_json_object_to_string (data);
  g_autofree char *msg_id = g_strdup_printf ("job-%s-%s", kind, id);
  return reel_bus_publish (bus, subject, msg_id, text, strlen (text), FALSE, NULL, error);
}

gboolean
reel_jobs_cancel (ReelBus *bus, const char *key, GError **error)
{
  /* The key's jobs, and those of the keys under it (a re-transcode's set:
   * media/retranscode.h). */
  g_autofree char *exact = g_strdup_printf ("reel.job.*.%s", key);
  g_autofree char *under = g_strdup_printf ("reel.job.*.%s.>", key);
  const char *subjects[] = { exact, under };

  for (guint i = 0; i < G_N_ELEMENTS (subjects); i++)
    {
      jsErrCode jerr = 0;
      jsOptions jo;
      natsStatus s;
      jsOptions_Init (&jo);
      jo.Stream.Purge.Subject = subjects[i];
      s = js_PurgeStream (bus->js, REEL_STREAM_JOBS, &jo, &jerr);
      if (s != NATS_OK)
        {
          reel_bus_set_error (error, s, jerr, "cancelling jobs");
          return FALSE;
        }
    }
  return TRUE;
}
