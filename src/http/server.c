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
#include "http/command.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/connections.h"
#include "http/peer.h"
#include "http/playlist_cache.h"
#include "http/query.h"
#include "http/readers.h"
#include "http/throttle.h"
#include "app/social/comments.h"
#include "bus/userkeys.h"
#include "core/error.h"
#include "core/limits.h"
#include "core/metrics.h"
#include "http/early_answer.h"

#include "reel-config.h"

#include <errno.h>
#include <sodium.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define DATA_START "reel-start-us"
#define DATA_ROUTE "reel-route"
#define DATA_THREAD "reel-thread" /* a server's: its index (http.threads) */
#define DATA_BODY_SIZE "reel-body-size"
#define DATA_BODY_LIMIT "reel-body-limit"
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
  reel_command_watch_body (msg);
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
      if (wants_html (msg) && reel_router_not_found (http->router))
        {
          ReelHandler page_fn = (ReelHandler)reel_router_not_found (http->router);
          ReelRequest page = { http, msg, NULL, NULL };
          page_fn (&page);
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

/* The bodies reel_request_answer_read keeps: pages of the lists, at most
 * 100 videos (about 90 KB) each. */
#define READS_KEPT 256

ReelHttp *
reel_http_start (const ReelConfig *cfg, ReelStore *store, ReelBlobs *blobs, ReelUploads *uploads,
                 ReelBus *bus, ReelWatermark *applied, ReelRoutesFunc add_routes, GError **error)
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
  reel_metrics_declare (REEL_HTTP_CATCH_UP_METRIC, REEL_METRIC_COUNTER,
                        "Lookups that missed and asked NATS how far the event log is (another "
                        "node may have just written it), by outcome: current, caught_up, "
                        "timed_out, log_unreachable, skipped (answered at once after a "
                        "timed_out or log_unreachable)");
  reel_metrics_declare (REEL_HTTP_HASH_QUEUE_FULL_METRIC, REEL_METRIC_COUNTER,
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
  http->hash_pool = reel_command_hash_pool_new (http->hash_threads);
  add_routes (http->router, http->early_router);
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

void
reel_request_refuse (ReelRequest *req, const GError *error)
{
  reel_respond_error (req->msg, error);
  answer_early (req->http, req->msg);
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
