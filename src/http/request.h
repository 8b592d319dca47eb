/* What a handler reads from its request: the path parameters, the JSON
 * body, the bearer token and who it belongs to, and the video {id} as the
 * requester may see it. A lookup that finds nothing first catches up with
 * what another node may have written a moment ago (reel_http_catch_up). */
#pragma once

#include "app/video/visibility.h"
#include "http/server.h"

G_BEGIN_DECLS

#define REEL_HTTP_CATCH_UP_METRIC "reel_http_catch_up_total"

const char *reel_request_param (ReelRequest *req, const char *name);

/* The request body as one JSON object; REEL_ERROR_INVALID otherwise. */
JsonObject *reel_request_json (ReelRequest *req, GError **error);

/* The bearer token of the request, or NULL with REEL_ERROR_UNAUTHORIZED. */
const char *reel_request_token (ReelRequest *req, GError **error);
/* Read-your-writes across nodes: what a client wrote through another
 * node a moment ago may not be in this node's read models yet. A lookup
 * that found nothing calls this, and looks again when it returns TRUE: it
 * waits (bounded, blocking the caller) until the local projection has
 * applied the event log as far as it is now. FALSE when there was nothing
 * to wait for (not behind, no local projection, NATS away) or the wait
 * timed out; after a timed-out wait or an unanswered ask, FALSE at once
 * for a few seconds. Counted in REEL_HTTP_CATCH_UP_METRIC. Any thread. */
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

G_END_DECLS
