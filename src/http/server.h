/* The api role: reel's libsoup HTTP server.
 *
 * One SoupServer handler dispatches through the router (router.h) to the
 * handlers of http/api_*.c, whose table (http/routes.h) the daemon hands
 * to reel_http_start. Those translate HTTP to domain calls and back;
 * the domain code in src/app never sees libsoup. This file owns what every
 * request shares: body size limits (checked from the headers, before a body
 * is read), request metrics by route, the server threads. Beside it:
 * http/request.h (what a handler reads from a request: parameters, body,
 * who asks, the video), http/command.h (how a write runs), http/throttle.h
 * (request rates), http/connections.h (connections). */
#pragma once

#include "core/config.h"
#include "core/memo.h"
#include "core/urlsign.h"
#include "bus/bus.h"
#include "store/blobs.h"
#include "store/store.h"
#include "store/watermark.h"
#include "app/uploads.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct
{
  const ReelConfig *cfg;
  ReelStore *store;
  ReelBlobs *blobs;
  ReelUploads *uploads;
  ReelBus *bus;
  ReelWatermark *applied; /* the local projection's; NULL when this node runs no projector */
  /* live HLS (media/live/live_packager.h) */
  struct ReelLivePackager *live_packager;
  SoupServer *server;          /* the first server thread's: runs every route */
  GMainContext *context;       /* its main context */
  struct ReelReaders *readers; /* the other server threads (http/readers.h) */
  gint handoffs;               /* connections on their way from those to server */
  struct ReelRouter *router;
  struct ReelRouter *early_router; /* handlers that run before the body is read */
  char *base_url;
  guint inflight;    /* commands running or waiting (main context only) */
  gboolean draining; /* shutting down: refuse new requests */

  /* Floods. */
  GPtrArray *trusted_proxies;           /* GInetAddressMask (http.trusted_proxies) */
  struct ReelThrottle *throttle;        /* request rates (http/throttle.h) */
  struct ReelConnections *connections;  /* connection caps, timeouts */
  struct ReelCommentGate *comment_gate; /* app/social/comments.h */
  GThreadPool *hash_pool;               /* password commands */
  guint hash_threads;                   /* its size */
  guint hashing;                        /* password commands queued or running */
  /* Signs media URLs (core/urlsign.h); the same on every node. */
  guint8 media_key[REEL_URLSIGN_KEY_BYTES];
  struct ReelPlaylistCache *playlists; /* http/playlist_cache.h */
  struct ReelQuotaGate *quota_gate;    /* creations one at a time (app/quotas.h) */
  /* Accepted viewer actions, parsed, for this node's action projections
   * (app/analytics/action_cache.h); NULL when it runs none. */
  struct ReelActionCache *action_cache;
  /* The bodies of the reads the store answers alone, kept per request
   * target and store version (reel_request_answer_read, http/query.h). */
  ReelMemo *reads;
} ReelHttp;

typedef struct
{
  ReelHttp *http;
  SoupServerMessage *msg;
  const char *route;  /* the matched pattern */
  GHashTable *params; /* path parameters */
} ReelRequest;

typedef void (*ReelHandler) (ReelRequest *req);
/* Runs when the headers are in. Returns the body size limit to enforce, or
 * 0 when it consumes the body itself; may answer at once (e.g. 401). */
typedef guint64 (*ReelEarlyHandler) (ReelRequest *req);

/* Adds what a server answers to router, and the routes whose handlers run
 * before the body is read to early (reel's API: http/routes.h). */
typedef void (*ReelRoutesFunc) (struct ReelRouter *router, struct ReelRouter *early);

ReelHttp *reel_http_start (const ReelConfig *cfg, ReelStore *store, ReelBlobs *blobs,
                           ReelUploads *uploads, ReelBus *bus, ReelWatermark *applied,
                           ReelRoutesFunc add_routes, GError **error);
/* Stops accepting connections and serves the requests in flight until they
 * are done or timeout_us passes. */
void reel_http_drain (ReelHttp *http, gint64 timeout_us);
void reel_http_stop (ReelHttp *http);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelHttp, reel_http_stop)

/* For http/readers.c: a SoupServer running reel's routes from the
 * thread-default main context, as server thread index (0: the first), and
 * a listening socket on address (shared: with SO_REUSEPORT, for every
 * server thread). */
SoupServer *reel_http_new_server (ReelHttp *http, guint index);
GSocket *reel_http_listening_socket (GSocketAddress *address, gboolean shared, GError **error);

/* --- used by the handlers (http/api_*.c; what they read from a request is
 * in http/request.h, how a command runs in http/command.h) --- */

/* Answers error at once and ends the connection without reading the rest
 * of the request body (http/early_answer.h): for what is found wrong while
 * a body streams in. */
void reel_request_refuse (ReelRequest *req, const GError *error);

G_END_DECLS
