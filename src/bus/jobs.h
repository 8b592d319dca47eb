/* Jobs: work handed out through the REEL_JOBS work-queue stream.
 *
 * A job is a JSON message on reel.job.<kind>.<key>, published with a
 * Nats-Msg-Id so publishing it twice queues it once. Every node running the
 * matching role binds to one shared durable pull consumer per kind, so each
 * job goes to exactly one worker at a time. A worker keeps a long job alive
 * with reel_job_progress() (an in-progress ack resets AckWait); a job that
 * fails is redelivered with a back-off; a job that fails max_attempts times
 * (or whose worker died on the last attempt) is given up: the give-up
 * callback records why (e.g. the video fails with that reason) and the job
 * is terminated instead of retried forever.
 *
 * Jobs can be cancelled: reel_jobs_cancel purges every queued job of a key
 * (a video that failed or was deleted needs none of them). A worker checks
 * that its job is still queued before running it, and a job that finds
 * itself cancelled (reel_job_cancelled) is dropped, whatever its outcome:
 * no retry, no give-up. */
#pragma once

#include "bus/bus.h"
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct ReelJob ReelJob;

const char *reel_job_subject (const ReelJob *job);
JsonObject *reel_job_data (const ReelJob *job); /* owned by the job */
guint reel_job_attempt (const ReelJob *job);    /* 1 on first delivery */
guint64 reel_job_sequence (const ReelJob *job); /* its stream sequence */
/* Tells the queue the job is still being worked on (thread-safe, cheap). */
void reel_job_progress (const ReelJob *job);
/* Whether the worker running the job is stopping (its node shuts down):
 * a long job gives up its work, and is handed back. */
gboolean reel_job_stopping (const ReelJob *job);
/* Whether a job of the work queue was cancelled (purged from the stream)
 * since it was delivered; FALSE when that cannot be told (NATS down). */
gboolean reel_job_cancelled (const ReelJob *job);

typedef gboolean (*ReelJobFunc) (const ReelJob *job, gpointer user_data, GError **error);
/* Called once when a job is given up, with the last error. */
typedef void (*ReelJobGiveUpFunc) (const ReelJob *job, const GError *error, gpointer user_data);

typedef struct
{
  const char *kind;   /* "ingest", "chunk", "audio": subject reel.job.<kind>.> */
  guint concurrency;  /* jobs at once on this node */
  guint ack_wait_s;   /* silence after which a job is handed to another worker */
  guint max_attempts; /* deliveries before giving up */
  ReelJobFunc run;
  ReelJobGiveUpFunc give_up;
  gpointer user_data;
  /* Consuming another stream the same way (e.g. the event log, for side
   * effects that must happen once per event across all nodes): the stream,
   * its filter subject and the shared durable's name. NULL: the work queue,
   * reel.job.<kind>.> and reel-jobs-<kind>. With deliver_new, a durable
   * created now starts at the next message instead of the first. */
  const char *stream;
  const char *filter;
  const char *durable;
  gboolean deliver_new;
} ReelJobWorkerConfig;

typedef struct ReelJobWorker ReelJobWorker;

ReelJobWorker *reel_job_worker_start (ReelBus *bus, const ReelJobWorkerConfig *cfg);
/* Fetches no more jobs; a running job that fails from now on is handed
 * back to the queue, never given up (this node's shutdown is not the
 * job's fault). Returns at once. */
void reel_job_worker_request_stop (ReelJobWorker *worker);
/* The same for every job worker on bus, those started later included: a
 * node that shuts down tells all its roles' workers at once, so the
 * fetches they wait in (up to half a second each) end together instead
 * of one after the other. Returns at once. */
void reel_jobs_request_stop (ReelBus *bus);
/* Lets running jobs finish (they are acked or handed back), then stops. */
void reel_job_worker_stop (ReelJobWorker *worker);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelJobWorker, reel_job_worker_stop)

/* Queues a job on reel.job.<kind>.<key>; id de-duplicates re-publishing. */
gboolean reel_jobs_publish (ReelBus *bus, const char *kind, const char *key, const char *id,
                            JsonObject *data, GError **error);
/* Removes the queued jobs of every kind for key, and for the keys under
 * it (key.anything) (idempotent). */
gboolean reel_jobs_cancel (ReelBus *bus, const char *key, GError **error);

G_END_DECLS
