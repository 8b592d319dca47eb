/* See reactor.h. */
#include "daemon/reactor.h"
#include "app/cdn.h"
#include "app/cleanup.h"
#include "app/users/users.h"
#include "app/video/chunks.h"
#include "app/video/videos.h"
#include "daemon/mail.h"
#include "bus/events.h"
#include "bus/jobs.h"
#include "core/error.h"
#include "core/id.h"
#include "core/metrics.h"

#define DURABLE "reel-reactor"
/* Effects run in parallel with each other (an email may wait on a slow
 * relay while a push copies files), but few at once: they are I/O. */
#define CONCURRENCY 2
/* An effect that needs the local projection waits this long for it. */
#define PROJECTION_WAIT_US (30 * G_USEC_PER_SEC)
#define PROJECTION_POLL_US (20 * 1000)

struct ReelReactor
{
  const ReelConfig *cfg;
  ReelBus *bus;
  ReelStore *store;
  ReelBlobs *blobs;
  ReelBlobs *cdn;
  ReelWatermark *applied; /* the local projection's */
  ReelJobWorker *worker;
};

/* Waits until the local projection has applied the job's event. */
static gboolean
wait_projected (ReelReactor *r, const ReelJob *job, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + PROJECTION_WAIT_US;
  while (reel_watermark_reached (r->applied) < reel_job_sequence (job))
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE,
                       "the local projection has not reached event %" G_GUINT64_FORMAT,
                       reel_job_sequence (job));
          return FALSE;
        }
      reel_job_progress (job);
      g_usleep (PROJECTION_POLL_US);
    }
  return TRUE;
}

static gboolean
welcome (ReelReactor *r, JsonObject *event_data, GError **error)
{
  /* Sealed since user.registered v2: a shredded key means no mail. */
  g_autoptr (JsonObject) data = reel_users_open_personal (event_data, error);
  const char *email;
  if (!data)
    return *error == NULL;
  email = json_object_get_string_member_with_default (data, "email", NULL);
  const char *username = json_object_get_string_member_with_default (event_data, "username", NULL);
  if (!r->cfg->smtp_url || !email || !username)
    return TRUE;
  if (!reel_mail_welcome (r->cfg, username,
                          json_object_get_string_member_with_default (data, "display_name", NULL),
                          email, error))
    return FALSE;
  reel_metrics_add ("reel_emails_sent_total", "kind=\"welcome\"", 1);
  return TRUE;
}

typedef char *(*IssueFunc) (ReelBus *bus, ReelStore *store, const char *username, gint64 ttl_s,
                            char **email, GError **error);
typedef gboolean (*MailFunc) (const ReelConfig *cfg, const char *username, const char *email,
                              const char *token, GError **error);

/* A single-use token to mail (app/users/users.h): made here once the local
 * projection knows the user, its hash logged, the token itself mailed. A
 * retry after a failed send makes a new one; the unmailed one is never
 * used and expires. Nothing to send (the user is gone, has no address, or
 * needs no more verification) is no failure. */
static gboolean
mail_token (ReelReactor *r, const ReelJob *job, JsonObject *data, IssueFunc issue, MailFunc mail,
            const char *metric_labels, GError **error)
{
  const char *username = json_object_get_string_member_with_default (data, "username", NULL);
  g_autofree char *email = NULL, *token = NULL;
  if (!r->cfg->smtp_url || !username)
    return TRUE;
  if (!wait_projected (r, job, error))
    return FALSE;
  token = issue (r->bus, r->store, username, r->cfg->reset_ttl_s, &email, error);
  if (!token)
    {
      if (!g_error_matches (*error, REEL_ERROR, REEL_ERROR_NOT_FOUND))
        return FALSE;
      g_clear_error (error);
      return TRUE;
    }
  if (!mail (r->cfg, username, email, token, error))
    return FALSE;
  reel_metrics_add ("reel_emails_sent_total", metric_labels, 1);
  return TRUE;
}

static gboolean
push_to_cdn (ReelReactor *r, const ReelJob *job, const char *id, GError **error)
{
  g_autoptr (JsonObject) data = NULL;
  g_autofree char *subject = NULL;
  guint segments;
  guint64 bytes;

  if (!r->cdn || !wait_projected (r, job, error))
    return r->cdn == NULL;
  if (!reel_cdn_wanted (r->cfg, r->store, id, error))
    return error == NULL || *error == NULL;
  if (!reel_cdn_push (r->store, r->blobs, r->cdn, id, &segments, &bytes, error))
    return FALSE;
  data = json_object_new ();
  json_object_set_string_member (data, "video_id", id);
  json_object_set_int_member (data, "segments", segments);
  json_object_set_int_member (data, "bytes", (gint64)bytes);
  subject = reel_event_subject ("video", id);
  if (!reel_events_publish (r->bus, subject, "video.cdn_pushed", 1, NULL, data, FALSE, NULL, error))
    return FALSE;
  reel_metrics_add ("reel_cdn_pushed_bytes_total", NULL, (double)bytes);
  return TRUE;
}

/* A chunk of a re-transcode's set (media/retranscode.h): when the video
 * serves that set now (this chunk, or one projected with it, completed
 * it) and the CDN still holds the old one, the new set is pushed as a
 * ready video's is. */
static gboolean
push_switched_set (ReelReactor *r, const ReelJob *job, const char *id, JsonObject *data,
                   GError **error)
{
  guint set = reel_chunk_set_named (data);
  if (!set || !r->cdn)
    return TRUE;
  if (!wait_projected (r, job, error))
    return FALSE;
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (r->store, FALSE, error);
    g_autoptr (ReelVideo) v = txn ? reel_videos_load (txn, id, NULL) : NULL;
    if (!txn)
      return FALSE;
    if (!v || v->rendition_set != set || v->cdn)
      return TRUE;
  }
  return push_to_cdn (r, job, id, error);
}

static gboolean
reclaim (ReelReactor *r, const char *id, GError **error)
{
  ReelCleanupStats stats = { 0 };
  return reel_cleanup_video (r->blobs, "blobs", id, &stats, error)
         && (!r->cdn || reel_cleanup_video (r->cdn, "cdn", id, &stats, error));
}

static gboolean
react (const ReelJob *job, gpointer user_data, GError **error)
{
  ReelReactor *r = user_data;
  JsonObject *env = reel_job_data (job);
  const char *type = json_object_get_string_member_with_default (env, "type", "");
  JsonNode *node = json_object_get_member (env, "data");
  JsonObject *data = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  const char *id
      = data ? json_object_get_string_member_with_default (data, "video_id", NULL) : NULL;

  if (!data)
    return TRUE; /* not an event: nothing to do */
  /* An account that must verify its address gets that link first, and no
   * welcome: it cannot log in yet. */
  if ((g_str_equal (type, "user.registered")
       && json_object_get_boolean_member_with_default (data, "verify_email", FALSE))
      || g_str_equal (type, "email_verification.requested"))
    return mail_token (r, job, data, reel_users_issue_verification, reel_mail_verify_email,
                       "kind=\"verify_email\"", error);
  if (g_str_equal (type, "user.registered"))
    return welcome (r, data, error);
  if (g_str_equal (type, "password_reset.requested"))
    return mail_token (r, job, data, reel_users_issue_reset, reel_mail_password_reset,
                       "kind=\"password_reset\"", error);
  if (!reel_id_valid (id))
    return TRUE;
  if (g_str_equal (type, "video.ready"))
    return push_to_cdn (r, job, id, error);
  if (g_str_equal (type, "chunk.transcoded"))
    return push_switched_set (r, job, id, data, error);
  /* A video that failed or was deleted needs none of its queued jobs. */
  if ((g_str_equal (type, "video.deleted") || g_str_equal (type, "video.failed"))
      && !reel_jobs_cancel (r->bus, id, error))
    return FALSE;
  if (g_str_equal (type, "video.deleted"))
    return reclaim (r, id, error);
  return TRUE;
}

static void
give_up (const ReelJob *job, const GError *error, gpointer user_data)
{
  g_warning ("side effect of event %" G_GUINT64_FORMAT " abandoned: %s", reel_job_sequence (job),
             error ? error->message : "?");
}

ReelReactor *
reel_reactor_start (const ReelConfig *cfg, ReelBus *bus, ReelStore *store, ReelBlobs *blobs,
                    ReelBlobs *cdn, ReelWatermark *applied)
{
  ReelReactor *r = g_new0 (ReelReactor, 1);
  ReelJobWorkerConfig wc = { 0 };

  reel_mail_init ();
  reel_cleanup_declare_metrics ();
  reel_metrics_declare ("reel_emails_sent_total", REEL_METRIC_COUNTER, "Emails sent, by kind");
  reel_metrics_declare ("reel_cdn_pushed_bytes_total", REEL_METRIC_COUNTER,
                        "Bytes of segments copied to the CDN origin");
  r->cfg = cfg;
  r->bus = bus;
  r->store = store;
  r->blobs = blobs;
  r->cdn = cdn;
  r->applied = applied;
  wc.kind = "reactor";
  wc.concurrency = CONCURRENCY;
  wc.ack_wait_s = cfg->job_ack_wait_s;
  wc.max_attempts = cfg->job_attempts;
  wc.run = react;
  wc.give_up = give_up;
  wc.user_data = r;
  wc.stream = REEL_STREAM_EVENTS;
  wc.filter = REEL_SUBJECT_EVENTS;
  wc.durable = DURABLE;
  wc.deliver_new = TRUE;
  r->worker = reel_job_worker_start (bus, &wc);
  return r;
}

void
reel_reactor_stop (ReelReactor *r)
{
  if (!r)
    return;
  reel_job_worker_stop (r->worker);
  g_free (r);
}
