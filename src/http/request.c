/* See request.h. */
#include "http/request.h"
#include "app/roles.h"
#include "app/users/users.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "core/json.h"
#include "core/metrics.h"

const char *
reel_request_param (ReelRequest *req, const char *name)
{
  return req->params ? g_hash_table_lookup (req->params, name) : NULL;
}

JsonObject *
reel_request_json (ReelRequest *req, GError **error)
{
  SoupMessageBody *body = soup_server_message_get_request_body (req->msg);
  g_autoptr (GBytes) bytes = soup_message_body_flatten (body);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  if (!data || len == 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "request body is empty");
      return NULL;
    }
  return reel_json_parse_object (data, len, error);
}

const char *
reel_request_token (ReelRequest *req, GError **error)
{
  const char *auth = soup_message_headers_get_one (
      soup_server_message_get_request_headers (req->msg), "Authorization");
  if (!auth || g_ascii_strncasecmp (auth, "Bearer ", 7) != 0 || !auth[7] || strlen (auth + 7) > 256)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNAUTHORIZED,
                   "missing or malformed Authorization: Bearer header");
      return NULL;
    }
  return auth + 7;
}

/* A session token as reel_secret_new() makes them: 32 bytes of base64url
 * without padding. */
static gboolean
token_well_formed (const char *token)
{
  gsize n = 0;
  for (; token[n]; n++)
    if (!g_ascii_isalnum (token[n]) && token[n] != '-' && token[n] != '_')
      return FALSE;
  return n == 43;
}

/* How long a request waits for this node's projection to catch up, and
 * for NATS to say how far the log is. */
#define CATCH_UP_MS 1000
#define CATCH_UP_LOG_END_MS 300
/* After a catch-up that did not reach the end of the log (the projection
 * is stuck or far behind) or that NATS did not answer (it is away or hung:
 * each ask would hold its thread for CATCH_UP_LOG_END_MS), lookups that
 * miss are answered at once for this long: a flood of made-up ids or
 * tokens must not hold every request. */
#define CATCH_UP_BACKOFF_US (5 * G_USEC_PER_SEC)

static void
count_catch_up (const char *outcome)
{
  g_autoptr (GString) labels = g_string_new (NULL);
  reel_metrics_label (labels, "outcome", outcome);
  reel_metrics_add (REEL_HTTP_CATCH_UP_METRIC, labels->str, 1);
}

gboolean
reel_http_catch_up (ReelHttp *http)
{
  static gint64 backoff_until; /* __atomic */
  guint64 end = 0;
  if (!http->applied || !http->bus)
    return FALSE;
  if (g_get_monotonic_time () < __atomic_load_n (&backoff_until, __ATOMIC_RELAXED))
    {
      count_catch_up ("skipped");
      return FALSE;
    }
  if (!reel_bus_stream_last_seq_within (http->bus, REEL_STREAM_EVENTS, CATCH_UP_LOG_END_MS, &end,
                                        NULL))
    count_catch_up ("log_unreachable");
  else if (end <= reel_watermark_reached (http->applied))
    {
      count_catch_up ("current");
      return FALSE;
    }
  else if (reel_watermark_block (http->applied, end, CATCH_UP_MS))
    {
      count_catch_up ("caught_up");
      return TRUE;
    }
  else
    count_catch_up ("timed_out");
  __atomic_store_n (&backoff_until, g_get_monotonic_time () + CATCH_UP_BACKOFF_US,
                    __ATOMIC_RELAXED);
  return FALSE;
}

char *
reel_http_authenticate (ReelHttp *http, const char *token, gint64 *expires_at, GError **error)
{
  g_autoptr (GError) local = NULL;
  char *user = reel_users_authenticate (http->store, token, expires_at, &local);

  /* Another node may have issued it a moment ago (a load balancer sent
   * the login there and this request here): its session.created is in
   * the log, not yet in this node's read models. */
  if (!user && g_error_matches (local, REEL_ERROR, REEL_ERROR_UNAUTHORIZED)
      && token_well_formed (token) && reel_http_catch_up (http))
    {
      g_clear_error (&local);
      user = reel_users_authenticate (http->store, token, expires_at, &local);
    }
  if (local)
    g_propagate_error (error, g_steal_pointer (&local));
  return user;
}

char *
reel_request_user (ReelRequest *req, GError **error)
{
  const char *token = reel_request_token (req, error);
  return token ? reel_http_authenticate (req->http, token, NULL, error) : NULL;
}

char *
reel_request_viewer (ReelRequest *req, ReelViewer *viewer)
{
  char *user = reel_request_user (req, NULL);
  ReelUserRole role = REEL_USER_ROLE_USER;
  if (user)
    {
      g_autoptr (ReelTxn) txn = reel_store_begin (req->http->store, FALSE, NULL);
      if (!txn
          || !reel_roles_of (txn, user, (const char *const *)req->http->cfg->admins, &role, NULL))
        role = REEL_USER_ROLE_USER;
    }
  viewer->username = user;
  viewer->role = role;
  return user;
}

/* The record of the video {id}: the caller's own (reel_videos_get) or,
 * shared, the one other requests read too (reel_videos_get_shared). */
static ReelVideo *
find_video (ReelRequest *req, gboolean shared, GError **error)
{
  const char *id = reel_request_param (req, "id");
  g_autoptr (ReelTxn) txn = NULL;
  if (!shared)
    return reel_videos_get (req->http->store, id, error);
  txn = reel_store_begin (req->http->store, FALSE, error);
  return txn ? reel_videos_get_shared (txn, id, error) : NULL;
}

static ReelVideo *
request_video (ReelRequest *req, gboolean shared, GError **error)
{
  g_autoptr (GError) local = NULL;
  ReelVideo *video = find_video (req, shared, &local);
  /* Made through another node a moment ago? */
  if (!video && g_error_matches (local, REEL_ERROR, REEL_ERROR_NOT_FOUND)
      && reel_http_catch_up (req->http))
    {
      g_clear_error (&local);
      video = find_video (req, shared, &local);
    }
  if (local)
    g_propagate_error (error, g_steal_pointer (&local));
  return video;
}

static ReelVideo *
request_watchable_video (ReelRequest *req, gboolean shared, GError **error)
{
  g_autoptr (ReelVideo) video = request_video (req, shared, error);
  ReelViewer viewer;
  g_autofree char *user G_GNUC_UNUSED
      = reel_request_viewer (req, &viewer); /* owns viewer.username */
  if (video && reel_video_sight (video, &viewer) != REEL_SIGHT_WATCH)
    {
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no such video");
      return NULL;
    }
  return g_steal_pointer (&video);
}

ReelVideo *
reel_request_video (ReelRequest *req, GError **error)
{
  return request_video (req, FALSE, error);
}

ReelVideo *
reel_request_watchable_video (ReelRequest *req, GError **error)
{
  return request_watchable_video (req, FALSE, error);
}

ReelVideo *
reel_request_shared_video (ReelRequest *req, GError **error)
{
  return request_video (req, TRUE, error);
}

ReelVideo *
reel_request_watchable_shared_video (ReelRequest *req, GError **error)
{
  return request_watchable_video (req, TRUE, error);
}
