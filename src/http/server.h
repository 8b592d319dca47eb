/* The api role: reel's libsoup HTTP server.
 *
 * One SoupServer handler dispatches through the router (router.h) to the
 * handlers of http/api_*.c. Those translate HTTP to domain calls and back;
 * the domain code in src/app never sees libsoup. This file also owns what
 * every request shares: body size limits (checked from the headers, before a
 * body is read), request metrics by route, authentication, and the way a
 * command runs: off the main loop, then waiting for the local projection so
 * the client can read its own write; password hashing runs on a pool of its
 * own (reel_request_run_password_command). Flood limits live beside it:
 * http/throttle.h (request rates), http/connections.h (connections). */
#pragma once

#include "core/config.h"
#include "core/memo.h"
#include "bus/bus.h"
#include "store/blobs.h"
#include "store/store.h"
#include "store/watermark.h"
#include "app/uploads.h"
#include "app/video/visibility.h"

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

ReelHttp *reel_http_start (const ReelConfig *cfg, ReelStore *store, ReelBlobs *blobs,
                           ReelUploads *uploads, ReelBus *bus, ReelWatermark *applied,
                           GError **error);
/* Adds every route of the API to router, and the routes whose handlers run
 * before the body is read to early: the table reel_http_start serves, also
 * built on its own by the router fuzzer (tests/fuzz/fuzz_router.c). */
void reel_http_add_routes (struct ReelRouter *router, struct ReelRouter *early);
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

/* --- used by the handlers (http/api_*.c) --- */

const char *reel_request_param (ReelRequest *req, const char *name);

/* The request body as one JSON object; REEL_ERROR_INVALID otherwise. */
JsonObject *reel_request_json (ReelRequest *req, GError **error);

/* Answers error at once and ends the connection without reading the rest
 * of the request body (http/early_answer.h): for what is found wrong while
 * a body streams in. */
void reel_request_refuse (ReelRequest *req, const GError *error);

/* The bearer token of the request, or NULL with REEL_ERROR_UNAUTHORIZED. */
const char *reel_request_token (ReelRequest *req, GError **error);
/* Read-your-writes across nodes: what a client wrote through another
 * node a moment ago may not be in this node's read models yet. A lookup
 * that found nothing calls this, and looks again when it returns TRUE: it
 * waits (bounded, blocking the caller) until the local projection has
 * applied the event log as far as it is now. FALSE when there was nothing
 * to wait for (not behind, no local projection, NATS away) or the wait
 * timed out; after a timed-out wait or an unanswered ask, FALSE at once
 * for a few seconds. Counted in reel_http_catch_up_total. Any thread. */
gboolean reel_http_catch_up (ReelHttp *http);
/* The user behind a session token, or NULL with REEL_ERROR_UNAUTHORIZED;
 * every request's authentication goes through it. An unknown token may be
 * one another node has just issued: it catches up and looks again. */
char *reel_http_authenticate (ReelHttp *http, const char *token, gint64 *expires_at,
                              GError **error);
/* The authenticated username, or NULL with REEL_ERROR_UNAUTHORIZED. */
char *reel_request_user (ReelRequest *req, GError **error);
/* Who asks, for what they may see (app/video/visibility.h): the session's
 * user and role, or anonymous when the request has no valid session (a
 * <video> element or a CDN sends none; a stale token sees what anyone
 * sees). Fills viewer; returns the username it points to (free it after
 * viewer), or NULL. */
char *reel_request_viewer (ReelRequest *req, ReelViewer *viewer);
/* The record of the video {id}, whoever asks; REEL_ERROR_NOT_FOUND when
 * there is none, also after catching up (reel_http_catch_up()). */
ReelVideo *reel_request_video (ReelRequest *req, GError **error);
/* The video {id} when the requester may watch it; else NULL with
 * REEL_ERROR_NOT_FOUND, the same for a video one may not see as for one
 * that does not exist (its comments, related list and media alike). */
ReelVideo *reel_request_watchable_video (ReelRequest *req, GError **error);
/* The same two, for the paths that only read the record (playback): the
 * record shared with other requests (reel_videos_get_shared), which the
 * caller must not change, without the counts. */
ReelVideo *reel_request_shared_video (ReelRequest *req, GError **error);
ReelVideo *reel_request_watchable_shared_video (ReelRequest *req, GError **error);

/* What a command adds to its answer besides the body: the sequence of the
 * event it published (to wait for) and response headers. */
typedef struct
{
  guint64 seq;
  GPtrArray *headers; /* name, value, name, value, ... (owned) */
} ReelReply;

void reel_reply_header (ReelReply *reply, const char *name, const char *value);

/* Runs on a worker thread: may block (hashing, publishing, disk), must not
 * touch req->msg. Returns the response body (or NULL for none) and fills
 * reply. */
typedef JsonNode *(*ReelCommandFunc) (ReelHttp *http, gpointer data, ReelReply *reply,
                                      GError **error);

/* Runs func off the main loop, waits until the projector has applied *seq,
 * then answers with status and func's body (or the error). */
void reel_request_run_command (ReelRequest *req, guint status, ReelCommandFunc func, gpointer data,
                               GDestroyNotify data_free);

/* The same for commands that hash a password (argon2id: ~0.1 s of CPU and
 * 64 MiB each). They run on a pool of about one thread per core
 * (auth.hash_threads), so a flood of logins waits there instead of taking
 * the threads and memory every other command shares; when auth.hash_queue
 * are already waiting, answers 503 with Retry-After at once (and frees
 * data). */
void reel_request_run_password_command (ReelRequest *req, guint status, ReelCommandFunc func,
                                        gpointer data, GDestroyNotify data_free);

G_END_DECLS
