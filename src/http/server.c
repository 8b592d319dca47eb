/* See server.h.
 *
 * Request life: request-started stamps the start time (and connections.c
 * watches the connection); the early handler refuses an oversize body from
 * its Content-Length (or stops accumulating a chunked one that grows past
 * the limit) before it is read; the handler routes, applies the route's
 * flood limits (throttle.h; for a route with an early handler, before the
 * body) and runs; request-finished records the metrics by route. */
#include "http/server.h"
#include "app/quotas.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/connections.h"
#include "http/peer.h"
#include "http/playlist_cache.h"
#include "http/query.h"
#include "http/readers.h"
#include "http/throttle.h"
#include "app/social/comments.h"
#include "app/roles.h"
#include "app/users/users.h"
#include "app/video/videos.h"
#include "bus/userkeys.h"
#include "core/error.h"
#include "core/idem.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/metrics.h"
#include "http/early_answer.h"

#include "reel-config.h"

#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* Defined in api_*.c: each adds its routes. */
void reel_api_users_register (ReelRouter *router);
void reel_api_admin_register (ReelRouter *router);
void reel_api_works_register (ReelRouter *router, ReelRouter *early);
void reel_api_health_register (ReelRouter *router);
void reel_api_videos_register (ReelRouter *router, ReelRouter *early);
void reel_api_playback_register (ReelRouter *router);
void reel_api_thumbnails_register (ReelRouter *router, ReelRouter *early);
void reel_api_web_register (ReelRouter *router);
/* The web UI's 404 page (api_web.c). */
void reel_web_not_found (ReelRequest *req);
void reel_api_channels_register (ReelRouter *router);
void reel_api_ratings_register (ReelRouter *router);
void reel_api_playlists_register (ReelRouter *router);
void reel_api_comments_register (ReelRouter *router);
void reel_api_notifications_register (ReelRouter *router);
void reel_api_search_register (ReelRouter *router);
void reel_api_events_register (ReelRouter *router);
void reel_api_analytics_register (ReelRouter *router);
void reel_api_live_register (ReelRouter *router);
void reel_api_embed_register (ReelRouter *router);
void reel_api_feeds_register (ReelRouter *router);
void reel_api_downloads_register (ReelRouter *router);
void reel_api_captions_register (ReelRouter *router);

#define DATA_START "reel-start-us"
#define DATA_ROUTE "reel-route"
#define DATA_THREAD "reel-thread" /* a server's: its index (http.threads) */
#define DATA_BODY_SIZE "reel-body-size"
#define DATA_BODY_LIMIT "reel-body-limit"
#define DATA_BODY_HASH "reel-body-hash"
#define IDEMPOTENCY_KEY "Idempotency-Key"
#define CATCH_UP_METRIC "reel_http_catch_up_total" /* reel_http_catch_up */
#define CLIENT_GONE_STATUS "499" /* a request the client left (on_request_aborted) */

static void
respond_too_large (SoupServerMessage *msg, guint64 limit)
{
  g_autofree char *m
      = g_strdup_printf ("request body is larger than %" G_GUINT64_FORMAT " bytes", limit);
  reel_respond_fail (msg, REEL_ERROR_TOO_LARGE, m);
}

static void answer_early (ReelHttp *http, SoupServerMessage *msg);

/* A body without Content-Length (chunked) is counted as it arrives and
 * refused as soon as it passes the limit. */
static void
count_chunk (SoupServerMessage *msg, GBytes *chunk, gpointer data)
{
  guint64 *limit = g_object_get_data (G_OBJECT (msg), DATA_BODY_LIMIT);
  gsize total = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (msg), DATA_BODY_SIZE));
  total += g_bytes_get_size (chunk);
  g_object_set_data (G_OBJECT (msg), DATA_BODY_SIZE, GSIZE_TO_POINTER (total));
  if (total > *limit
      && soup_server_message_get_status (msg) != SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE)
    {
      soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
      respond_too_large (msg, *limit);
      answer_early (data, msg);
    }
}

static void request_free (gpointer p);
static void hash_pool_run (gpointer data, gpointer unused);
static void on_request_finished (SoupServer *server, SoupServerMessage *msg, gpointer data);

/* Sends the answer already set on msg before the body is read
 * (early_answer.h); the metrics are recorded here when libsoup will not
 * report the request as finished. */
static void
answer_early (ReelHttp *http, SoupServerMessage *msg)
{
  if (reel_http_answer_early (msg))
    on_request_finished (http->server, msg, http);
}

/* The route label of a request refused before routing. */
static void
label_route (ReelHttp *http, SoupServerMessage *msg, const char *path)
{
  gpointer fn = NULL;
  const char *pattern = NULL;
  GHashTable *params = NULL;
  if (reel_router_match (http->router, soup_server_message_get_method (msg), path, &fn, &pattern,
                         &params)
      == REEL_ROUTE_FOUND)
    g_object_set_data (G_OBJECT (msg), DATA_ROUTE, (gpointer)pattern);
  g_clear_pointer (&params, g_hash_table_unref);
}

/* The query string and the headers reel reads, against core/limits.h. */
static gboolean
check_limits (SoupServerMessage *msg, GError **error)
{
  SoupMessageHeadersIter iter;
  const char *name, *value;
  if (!reel_limits_check_query (g_uri_get_query (soup_server_message_get_uri (msg)), error))
    return FALSE;
  soup_message_headers_iter_init (&iter, soup_server_message_get_request_headers (msg));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    if (!reel_limits_check_header (name, value, error))
      return FALSE;
  return TRUE;
}

/* The body of a request with an Idempotency-Key is hashed as it arrives
 * (whoever consumes it): the same key with another body is another
 * request. */
static void
hash_chunk (SoupServerMessage *msg, GBytes *chunk, gpointer data)
{
  gsize len;
  const guchar *p = g_bytes_get_data (chunk, &len);
  g_checksum_update (data, p, (gssize)len);
}

/* Whether msg may run on any server thread: a shared route (readers.h),
 * without a body. */
static gboolean
runs_on_any_thread (ReelHttp *http, SoupServerMessage *msg, const char *path)
{
  const char *method = soup_server_message_get_method (msg);
  gpointer fn = NULL;
  const char *pattern = NULL;
  GHashTable *params = NULL;
  gboolean shared;
  if (reel_http_request_has_body (soup_server_message_get_request_headers (msg)))
    return FALSE;
  shared
      = reel_router_match (http->router, method, path, &fn, &pattern, &params) == REEL_ROUTE_FOUND
        && reel_readers_route_shared (method, pattern);
  g_clear_pointer (&params, g_hash_table_unref);
  return shared;
}

/* Runs once the headers are in, before the body: bad headers or query
 * strings are refused; routes with an early handler (streaming uploads)
 * authenticate and choose their own body limit or take the body over;
 * every other request gets the JSON limit. Every refusal here is answered
 * at once, without reading the body. */
static void
early_handler (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
               gpointer data)
{
  ReelHttp *http = data;
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  guint64 limit = http->cfg->http_max_body;
  gpointer fn = NULL;
  const char *pattern = NULL;
  GHashTable *params = NULL;
  g_autoptr (GError) error = NULL;

  /* A connection over a cap was answered 503 and shut when it opened; a
   * request already in its buffer must not run. */
  if (reel_connections_refused (msg))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
      return;
    }
  /* On another server thread than the first, only what may run on any
   * thread does (http/readers.h); the rest moves to the first. */
  if (server != http->server && !http->draining && !runs_on_any_thread (http, msg, path))
    {
      reel_readers_hand_over (http, server, msg);
      return;
    }
  if (!check_limits (msg, &error))
    {
      label_route (http, msg, path);
      reel_respond_error (msg, error);
      answer_early (http, msg);
      return;
    }
  if (soup_message_headers_get_one (h, IDEMPOTENCY_KEY))
    {
      GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
      g_object_set_data_full (G_OBJECT (msg), DATA_BODY_HASH, sum, (GDestroyNotify)g_checksum_free);
      g_signal_connect (msg, "got-chunk", G_CALLBACK (hash_chunk), sum);
    }
  if (!http->draining
      && reel_router_match (http->early_router, soup_server_message_get_method (msg), path, &fn,
                            &pattern, &params)
             == REEL_ROUTE_FOUND)
    {
      ReelRequest *req = g_new0 (ReelRequest, 1);
      req->http = http;
      req->msg = msg;
      req->route = pattern;
      req->params = params;
      g_object_set_data (G_OBJECT (msg), DATA_ROUTE, (gpointer)pattern);
      g_object_set_data_full (G_OBJECT (msg), "reel-early-request", req, request_free);
      /* Before the body: a throttled upload is not read. */
      if (!reel_throttle_request (http->throttle, req))
        {
          answer_early (http, msg);
          return;
        }
      limit = ((ReelEarlyHandler)fn) (req);
      if (soup_server_message_get_status (msg) != SOUP_STATUS_NONE)
        {
          answer_early (http, msg);
          return;
        }
      if (limit == 0)
        return;
    }
  if (soup_message_headers_get_encoding (h) == SOUP_ENCODING_CONTENT_LENGTH
      && (guint64)soup_message_headers_get_content_length (h) > limit)
    {
      label_route (http, msg, path);
      respond_too_large (msg, limit);
      answer_early (http, msg);
      return;
    }
  guint64 *stored = g_new (guint64, 1);
  *stored = limit;
  g_object_set_data_full (G_OBJECT (msg), DATA_BODY_LIMIT, stored, g_free);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (count_chunk), http);
}

static void
request_free (gpointer p)
{
  ReelRequest *req = p;
  g_clear_pointer (&req->params, g_hash_table_unref);
  g_free (req);
}

/* A browser navigating (GET with HTML first among what it accepts). */
static gboolean
wants_html (SoupServerMessage *msg)
{
  const char *accept
      = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Accept");
  const char *method = soup_server_message_get_method (msg);
  return (g_str_equal (method, "GET") || g_str_equal (method, "HEAD")) && accept
         && g_str_has_prefix (accept, "text/html");
}

static void
handler (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
         gpointer data)
{
  ReelHttp *http = data;
  gpointer fn = NULL;
  const char *pattern = NULL;
  GHashTable *params = NULL;
  ReelRequest *req;

  if (http->draining)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                    "close");
      reel_respond_fail (msg, REEL_ERROR_UNAVAILABLE, "the server is shutting down");
      return;
    }
  switch (reel_router_match (http->router, soup_server_message_get_method (msg), path, &fn,
                             &pattern, &params))
    {
    case REEL_ROUTE_NOT_FOUND:
      /* A person following a dead link sees the UI's page; a program, the
       * API's error. */
      if (wants_html (msg))
        {
          ReelRequest page = { http, msg, NULL, NULL };
          reel_web_not_found (&page);
        }
      else
        reel_respond_fail (msg, REEL_ERROR_NOT_FOUND, "no such resource");
      return;
    case REEL_ROUTE_BAD_METHOD:
      reel_respond_error_code (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
                               "method not allowed on this resource");
      return;
    case REEL_ROUTE_FOUND:
      break;
    }
  req = g_new0 (ReelRequest, 1);
  req->http = http;
  req->msg = msg;
  req->route = pattern;
  req->params = params;
  g_object_set_data (G_OBJECT (msg), DATA_ROUTE, (gpointer)pattern);
  /* The request lives as long as the message, so async handlers may keep it. */
  g_object_set_data_full (G_OBJECT (msg), "reel-request", req, request_free);
  if (reel_throttle_request (http->throttle, req))
    ((ReelHandler)fn) (req);
}

static void
on_request_started (SoupServer *server, SoupServerMessage *msg, gpointer data)
{
  gint64 *start = g_new (gint64, 1);
  *start = g_get_monotonic_time ();
  g_object_set_data_full (G_OBJECT (msg), DATA_START, start, g_free);
}

/* The method as a metrics label: any token is a valid HTTP method, and a
 * label per made-up method would let clients grow /metrics without bound. */
static const char *
method_label (const char *method)
{
  static const char *const known[]
      = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", NULL };
  for (guint i = 0; known[i]; i++)
    if (g_strcmp0 (method, known[i]) == 0)
      return known[i];
  return "other";
}

/* Records a request's metrics under status (its status code as text). */
static void
count_request (SoupServer *server, SoupServerMessage *msg, const char *status)
{
  gint64 *start = g_object_get_data (G_OBJECT (msg), DATA_START);
  const char *route = g_object_get_data (G_OBJECT (msg), DATA_ROUTE);
  g_autoptr (GString) labels = g_string_new (NULL);

  reel_metrics_label (labels, "route", route ? route : "unmatched");
  if (start)
    reel_metrics_observe ("reel_http_request_duration_seconds", labels->str,
                          (double)(g_get_monotonic_time () - *start) / G_USEC_PER_SEC);
  reel_metrics_label (labels, "method", method_label (soup_server_message_get_method (msg)));
  reel_metrics_label (labels, "status", status);
  reel_metrics_add ("reel_http_requests_total", labels->str, 1);
  {
    g_autoptr (GString) thread = g_string_new (NULL);
    g_autofree char *index = g_strdup_printf (
        "%u", GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (server), DATA_THREAD)));
    reel_metrics_label (thread, "thread", index);
    reel_metrics_add ("reel_http_thread_requests_total", thread->str, 1);
  }
}

static void
on_request_finished (SoupServer *server, SoupServerMessage *msg, gpointer data)
{
  g_autofree char *status = g_strdup_printf ("%u", soup_server_message_get_status (msg));
  count_request (server, msg, status);
}

/* The client went away before the answer was sent (or while its request
 * was read): libsoup leaves 500 on such a message, though reel answered
 * nothing of the kind, and alerts on 5xx must not count it. Counted as
 * 499, the status nginx logs for a client that closed the request. */
static void
on_request_aborted (SoupServer *server, SoupServerMessage *msg, gpointer data)
{
  count_request (server, msg, CLIENT_GONE_STATUS);
}

/* Connections the kernel queues until reeld accepts them. GLib's default
 * of 10 overflows in any burst (a flood, or many pages opening their
 * parallel requests at once), and a dropped SYN costs the client a full
 * second before it tries again, however idle reeld is; the kernel caps
 * this at net.core.somaxconn. */
#define LISTEN_BACKLOG 1024

/* What soup_server_listen makes, with a deeper accept queue. */
GSocket *
reel_http_listening_socket (GSocketAddress *sa, gboolean shared, GError **error)
{
  GSocketFamily family = g_socket_address_get_family (sa);
  g_autoptr (GSocket) socket
      = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
  if (!socket)
    return NULL;
  /* As soup_server_listen: an IPv6 address does not take IPv4 too. */
  if (family == G_SOCKET_FAMILY_IPV6
      && !g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, error))
    return NULL;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (shared)
    {
      /* g_socket_bind() clears SO_REUSEPORT on a TCP socket: bind here. */
      struct sockaddr_storage native;
      gsize len = g_socket_address_get_native_size (sa);
      int one = 1;
      if (!g_socket_address_to_native (sa, &native, sizeof native, error))
        return NULL;
      if (!g_socket_set_option (socket, SOL_SOCKET, SO_REUSEADDR, TRUE, error)
          || !g_socket_set_option (socket, SOL_SOCKET, SO_REUSEPORT, one, error))
        return NULL;
      if (bind (g_socket_get_fd (socket), (struct sockaddr *)&native, (socklen_t)len) != 0)
        {
          int errsv = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       "Error binding to address: %s", g_strerror (errsv));
          return NULL;
        }
    }
  else if (!g_socket_bind (socket, sa, TRUE, error))
    return NULL;
  if (!g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

/* Whether something already accepts connections on sa. Sockets with
 * SO_REUSEPORT share a port with any other process of the same user that
 * sets it too, so a second reeld started by mistake on a taken port would
 * bind and quietly take half the connections instead of failing. */
static gboolean
port_taken (GSocketAddress *sa)
{
  GInetAddress *host = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sa));
  guint16 port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (sa));
  g_autoptr (GInetAddress) target = NULL;
  g_autoptr (GSocketAddress) probe = NULL;
  g_autoptr (GSocket) socket = NULL;
  if (port == 0)
    return FALSE;
  target = g_inet_address_get_is_any (host)
               ? g_inet_address_new_loopback (g_inet_address_get_family (host))
               : g_object_ref (host);
  probe = g_inet_socket_address_new (target, port);
  socket = g_socket_new (g_inet_address_get_family (host), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_DEFAULT, NULL);
  if (!socket)
    return FALSE;
  g_socket_set_timeout (socket, 1);
  return g_socket_connect (socket, probe, NULL, NULL);
}

SoupServer *
reel_http_new_server (ReelHttp *http, guint index)
{
  /* raw-paths: handlers get the path as sent and the router decodes each
   * segment once (router.h), refusing an encoded '/' or NUL with 404;
   * otherwise libsoup would decode the whole path first (and answer 400
   * with no body to "..%2F"). */
  SoupServer *server
      = soup_server_new ("server-header", "reel/" REEL_VERSION " ", "raw-paths", TRUE, NULL);
  g_object_set_data (G_OBJECT (server), DATA_THREAD, GUINT_TO_POINTER (index));
  soup_server_add_early_handler (server, NULL, early_handler, http, NULL);
  soup_server_add_handler (server, NULL, handler, http, NULL);
  g_signal_connect (server, "request-started", G_CALLBACK (on_request_started), http);
  g_signal_connect (server, "request-finished", G_CALLBACK (on_request_finished), http);
  g_signal_connect (server, "request-aborted", G_CALLBACK (on_request_aborted), http);
  return server;
}

void
reel_http_add_routes (ReelRouter *router, ReelRouter *early)
{
  reel_api_users_register (router);
  reel_api_admin_register (router);
  reel_api_works_register (router, early);
  reel_api_videos_register (router, early);
  reel_api_playback_register (router);
  reel_api_thumbnails_register (router, early);
  reel_api_health_register (router);
  reel_api_web_register (router);
  reel_api_channels_register (router);
  reel_api_ratings_register (router);
  reel_api_playlists_register (router);
  reel_api_comments_register (router);
  reel_api_notifications_register (router);
  reel_api_search_register (router);
  reel_api_events_register (router);
  reel_api_analytics_register (router);
  reel_api_live_register (router);
  reel_api_embed_register (router);
  reel_api_feeds_register (router);
  reel_api_downloads_register (router);
  reel_api_captions_register (router);
}

/* The bodies reel_request_answer_read keeps: pages of the lists, at most
 * 100 videos (about 90 KB) each. */
#define READS_KEPT 256

ReelHttp *
reel_http_start (const ReelConfig *cfg, ReelStore *store, ReelBlobs *blobs, ReelUploads *uploads,
                 ReelBus *bus, ReelWatermark *applied, GError **error)
{
  g_autoptr (ReelHttp) http = g_new0 (ReelHttp, 1);
  g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (cfg->listen_host);
  g_autoptr (GSocketAddress) sa = NULL, bound = NULL;
  g_autoptr (GSocket) listening = NULL;
  guint threads = cfg->http_threads ? cfg->http_threads : g_get_num_processors ();
  GSList *uris;

  reel_metrics_declare ("reel_http_requests_total", REEL_METRIC_COUNTER,
                        "HTTP requests answered, by route, method and status (499: the client "
                        "went away before the answer was sent)");
  reel_metrics_declare ("reel_http_request_duration_seconds", REEL_METRIC_HISTOGRAM,
                        "HTTP request latency by route");
  reel_metrics_declare ("reel_http_thread_requests_total", REEL_METRIC_COUNTER,
                        "HTTP requests answered, by server thread (0: the first)");
  reel_metrics_declare ("reel_http_connections_handed_over_total", REEL_METRIC_COUNTER,
                        "Connections moved from another server thread to the first");
  reel_metrics_declare (REEL_HTTP_READS_METRIC, REEL_METRIC_COUNTER,
                        "Pages of the lists, search, comments and related videos, and videos "
                        "whose media need no signature, answered, by answer: kept (the body of an "
                        "earlier read of the same store version) "
                        "or read (from the store)");
  reel_metrics_declare (CATCH_UP_METRIC, REEL_METRIC_COUNTER,
                        "Lookups that missed and asked NATS how far the event log is (another "
                        "node may have just written it), by outcome: current, caught_up, "
                        "timed_out, log_unreachable, skipped (answered at once after a "
                        "timed_out or log_unreachable)");
  reel_metrics_declare ("reel_http_hash_queue_full_total", REEL_METRIC_COUNTER,
                        "Logins and registrations refused because auth.hash_queue were waiting");
  if (!addr)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "reeld.listen: \"%s\" is not an IP address", cfg->listen_host);
      return NULL;
    }
  http->cfg = cfg;
  http->store = store;
  http->blobs = blobs;
  http->uploads = uploads;
  http->bus = bus;
  http->applied = applied ? reel_watermark_ref (applied) : NULL;
  http->router = reel_router_new ();
  http->early_router = reel_router_new ();
  http->trusted_proxies = reel_peer_networks_new (cfg->trusted_proxies);
  http->throttle = reel_throttle_new (cfg, http->trusted_proxies);
  http->comment_gate = reel_comment_gate_new ();
  http->playlists = reel_playlist_cache_new ();
  http->reads = reel_memo_new (READS_KEPT, (ReelMemoRef)g_bytes_ref, (GDestroyNotify)g_bytes_unref);
  http->quota_gate = reel_quota_gate_new (store, applied, cfg->quota_bytes, cfg->daily_quota_bytes);
  http->hash_threads = cfg->hash_threads ? cfg->hash_threads : g_get_num_processors ();
  /* Shares GLib's idle threads, but never runs more than hash_threads. */
  http->hash_pool = g_thread_pool_new (hash_pool_run, NULL, (gint)http->hash_threads, FALSE, NULL);
  reel_http_add_routes (http->router, http->early_router);
  /* Every API node signs with the same key (bus/userkeys.h), so a URL one
   * node gave out plays from any. */
  if (!reel_userkeys_server (bus, "media-urls", http->media_key, error))
    return NULL;

  http->context = g_main_context_ref_thread_default ();
  http->server = reel_http_new_server (http, 0);
  http->connections = reel_connections_new (http->server, cfg, http->trusted_proxies, NULL);

  sa = g_inet_socket_address_new (addr, cfg->listen_port);
  if (threads > 1 && port_taken (sa))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                   "cannot listen on %s:%u: another process accepts connections there",
                   cfg->listen_host, cfg->listen_port);
      return NULL;
    }
  if (!(listening = reel_http_listening_socket (sa, threads > 1, error))
      || !soup_server_listen_socket (http->server, listening, 0, error))
    {
      g_prefix_error (error, "cannot listen on %s:%u: ", cfg->listen_host, cfg->listen_port);
      return NULL;
    }
  /* The other threads on the port just bound (which port 0 chose). */
  if (threads > 1
      && (!(bound = g_socket_get_local_address (listening, error))
          || !(http->readers = reel_readers_start (http, bound, threads - 1, error))))
    {
      g_prefix_error (error, "cannot start %u HTTP threads on %s:%u: ", threads, cfg->listen_host,
                      cfg->listen_port);
      return NULL;
    }
  uris = soup_server_get_uris (http->server);
  if (uris)
    http->base_url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);
  return g_steal_pointer (&http);
}

void
reel_http_stop (ReelHttp *http)
{
  if (!http)
    return;
  /* The other server threads first: none hands a connection over after
   * this, and the ones on their way are taken (or closed) here. */
  reel_readers_stop (http->readers);
  while (g_atomic_int_get (&http->handoffs) > 0)
    g_main_context_iteration (http->context, TRUE);
  if (http->server)
    {
      soup_server_disconnect (http->server);
      reel_connections_free (http->connections);
      g_object_unref (http->server);
    }
  if (http->hash_pool)
    g_thread_pool_free (http->hash_pool, TRUE, TRUE);
  reel_throttle_free (http->throttle);
  reel_comment_gate_free (http->comment_gate);
  reel_playlist_cache_free (http->playlists);
  reel_memo_free (http->reads);
  reel_quota_gate_free (http->quota_gate);
  g_clear_pointer (&http->trusted_proxies, g_ptr_array_unref);
  g_clear_pointer (&http->applied, reel_watermark_unref);
  reel_router_free (http->router);
  reel_router_free (http->early_router);
  g_free (http->base_url);
  g_clear_pointer (&http->context, g_main_context_unref);
  sodium_memzero (http->media_key, sizeof http->media_key);
  g_free (http);
}

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

void
reel_request_refuse (ReelRequest *req, const GError *error)
{
  reel_respond_error (req->msg, error);
  answer_early (req->http, req->msg);
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
  reel_metrics_add (CATCH_UP_METRIC, labels->str, 1);
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

/* --- commands --- */

typedef struct
{
  ReelRequest *req;
  guint status;
  ReelCommandFunc func;
  gpointer data;
  GDestroyNotify data_free;
  ReelReply reply;
  JsonNode *body;
  gboolean gone;   /* the client disconnected while we worked */
  gboolean scoped; /* an idempotent retry may follow: run in seed's scope */
  guint8 seed[REEL_IDEM_SEED_LEN];
  /* Counted in http->hashing until its thread is done. */
  gboolean hashing;
} Command;

static void
command_gone (SoupServerMessage *msg, gpointer data)
{
  Command *cmd = data;
  cmd->gone = TRUE;
}

/* Answers (with the body, or error when set) unless the client has left,
 * and releases the command. */
static void
command_finish (Command *cmd, const GError *error)
{
  SoupServerMessage *msg = cmd->req->msg;
  if (!cmd->gone)
    {
      for (guint i = 0; !error && cmd->reply.headers && i + 1 < cmd->reply.headers->len; i += 2)
        soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                      cmd->reply.headers->pdata[i],
                                      cmd->reply.headers->pdata[i + 1]);
      if (error)
        reel_respond_error (msg, error);
      else if (cmd->body)
        reel_respond_json (msg, cmd->status, cmd->body);
      else
        reel_respond_empty (msg, cmd->status);
      soup_server_message_unpause (msg);
    }
  g_signal_handlers_disconnect_by_func (msg, command_gone, cmd);
  cmd->req->http->inflight--;
  if (cmd->data_free)
    cmd->data_free (cmd->data);
  g_clear_pointer (&cmd->body, json_node_unref);
  g_clear_pointer (&cmd->reply.headers, g_ptr_array_unref);
  g_object_unref (msg);
  g_free (cmd);
}

static void
command_applied (gboolean reached, gpointer data)
{
  Command *cmd = data;
  if (!reached)
    g_warning ("%s: event %" G_GUINT64_FORMAT " not yet applied locally after %u ms; answering "
               "anyway (the write is durable in the log)",
               cmd->req->route, cmd->reply.seq, cmd->req->http->cfg->write_wait_ms);
  command_finish (cmd, NULL);
}

static void
command_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
  Command *cmd = data;
  GError *error = NULL;
  if (cmd->scoped)
    reel_idem_begin (cmd->seed);
  cmd->body = cmd->func (cmd->req->http, cmd->data, &cmd->reply, &error);
  if (cmd->scoped)
    reel_idem_end ();
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
command_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Command *cmd = data;
  ReelHttp *http = cmd->req->http;
  g_autoptr (GError) error = NULL;

  if (cmd->hashing)
    http->hashing--;
  if (!g_task_propagate_boolean (G_TASK (res), &error))
    command_finish (cmd, error);
  else if (cmd->reply.seq && http->applied)
    reel_watermark_wait (http->applied, cmd->reply.seq, http->cfg->write_wait_ms, command_applied,
                         cmd);
  else
    command_finish (cmd, NULL);
}

void
reel_reply_header (ReelReply *reply, const char *name, const char *value)
{
  if (!reply->headers)
    reply->headers = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (reply->headers, g_strdup (name));
  g_ptr_array_add (reply->headers, g_strdup (value));
}

/* The idempotency seed of a request with an Idempotency-Key (core/idem.h):
 * who sent it (the user, or nobody), what it does (method and path with
 * the query), the key and the body. FALSE without a key. */
static gboolean
idempotency_seed (ReelRequest *req, guint8 seed[REEL_IDEM_SEED_LEN])
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (req->msg);
  const char *key = soup_message_headers_get_one (h, IDEMPOTENCY_KEY);
  GChecksum *sum = g_object_get_data (G_OBJECT (req->msg), DATA_BODY_HASH);
  GUri *uri = soup_server_message_get_uri (req->msg);
  g_autofree char *user = NULL;
  const char *token;
  if (!key || !sum)
    return FALSE;
  token = soup_message_headers_get_one (h, "Authorization") ? reel_request_token (req, NULL) : NULL;
  user = token ? reel_http_authenticate (req->http, token, NULL, NULL) : NULL;
  reel_idem_seed (seed, user ? user : "", soup_server_message_get_method (req->msg),
                  g_uri_get_path (uri), g_uri_get_query (uri) ? g_uri_get_query (uri) : "", key,
                  g_checksum_get_string (sum), NULL);
  return TRUE;
}

/* A command for func, its message paused until the answer, as a task whose
 * completion answers. */
static GTask *
command_task (ReelRequest *req, guint status, ReelCommandFunc func, gpointer data,
              GDestroyNotify data_free)
{
  Command *cmd = g_new0 (Command, 1);
  GTask *task;
  cmd->scoped = idempotency_seed (req, cmd->seed);
  cmd->req = req;
  cmd->status = status;
  cmd->func = func;
  cmd->data = data;
  cmd->data_free = data_free;
  g_object_ref (req->msg);
  g_signal_connect (req->msg, "disconnected", G_CALLBACK (command_gone), cmd);
  soup_server_message_pause (req->msg);
  req->http->inflight++;
  task = g_task_new (NULL, NULL, command_done, cmd);
  g_task_set_task_data (task, cmd, NULL);
  return task;
}

void
reel_request_run_command (ReelRequest *req, guint status, ReelCommandFunc func, gpointer data,
                          GDestroyNotify data_free)
{
  g_autoptr (GTask) task = command_task (req, status, func, data, data_free);
  g_task_run_in_thread (task, command_thread);
}

/* A thread of the hash pool: runs one password command. */
static void
hash_pool_run (gpointer data, gpointer unused)
{
  g_autoptr (GTask) task = data;
  command_thread (task, NULL, g_task_get_task_data (task), NULL);
}

/* argon2id at libsodium's interactive limits takes about 0.1 s of one core:
 * the basis of the Retry-After of a full queue. */
#define HASH_SECONDS_ESTIMATE 0.1

void
reel_request_run_password_command (ReelRequest *req, guint status, ReelCommandFunc func,
                                   gpointer data, GDestroyNotify data_free)
{
  ReelHttp *http = req->http;
  GTask *task;
  Command *cmd;

  if (http->hashing >= http->hash_threads + http->cfg->hash_queue)
    {
      guint waiting = http->hashing - http->hash_threads;
      guint retry = (guint)MAX (1.0, ceil (waiting * HASH_SECONDS_ESTIMATE / http->hash_threads));
      g_autofree char *seconds = g_strdup_printf ("%u", retry);
      g_autofree char *message = g_strdup_printf (
          "%u logins and registrations are waiting already; try again in %u s", waiting, retry);
      if (data_free)
        data_free (data);
      reel_metrics_add ("reel_http_hash_queue_full_total", NULL, 1);
      soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                    "Retry-After", seconds);
      reel_respond_fail (req->msg, REEL_ERROR_UNAVAILABLE, message);
      return;
    }
  task = command_task (req, status, func, data, data_free);
  cmd = g_task_get_task_data (task);
  cmd->hashing = TRUE;
  http->hashing++;
  g_thread_pool_push (http->hash_pool, task, NULL);
}

void
reel_http_drain (ReelHttp *http, gint64 timeout_us)
{
  gint64 deadline = g_get_monotonic_time () + timeout_us;
  /* New requests are refused with 503 from now on (soup_server_disconnect
   * would also cut the connections of the requests in flight). */
  http->draining = TRUE;
  while (http->inflight > 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (http->inflight > 0)
    g_warning ("%u requests still in flight at shutdown", http->inflight);
}
