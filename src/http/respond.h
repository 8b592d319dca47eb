/* The one way reel answers HTTP: JSON bodies, and errors as
 * {"error":{"code":"...","message":"..."}} with the status that fits the
 * REEL_ERROR code (DESIGN.md "HTTP API"); and files (segments, posters, the
 * web UI) with validators for caches. */
#pragma once

#include "core/error.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

void reel_respond_json (SoupServerMessage *msg, guint status, JsonNode *body);
/* The same with body already written out as JSON text (kept by the
 * caller, who may give it to other answers: http/query.h). */
void reel_respond_json_text (SoupServerMessage *msg, guint status, GBytes *text);
void reel_respond_object (SoupServerMessage *msg, guint status, JsonObject *body);
void reel_respond_error (SoupServerMessage *msg, const GError *error);
/* A REEL_ERROR code's status and name with message, as it is (also 5xx). */
void reel_respond_fail (SoupServerMessage *msg, ReelErrorCode code, const char *message);
/* For what has no REEL_ERROR code (method_not_allowed, tus versions). */
void reel_respond_error_code (SoupServerMessage *msg, guint status, const char *code,
                              const char *message);
void reel_respond_empty (SoupServerMessage *msg, guint status);
/* 200 with text (taken) of type, and its Cache-Control. */
void reel_respond_text (SoupServerMessage *msg, const char *type, char *text,
                        const char *cache_control);

/* Lets a player on any page fetch the answer (CORS): media is public. */
void reel_respond_allow_any_origin (SoupServerMessage *msg);
/* Cache-Control of what never changes once written (media segments). */
#define REEL_CACHE_IMMUTABLE "public, max-age=31536000, immutable"
/* Cache-Control of the media of a video not everyone may see (private,
 * held or blocked: app/video/visibility.h): no shared cache may keep it,
 * and a change of privacy must reach the next request. */
#define REEL_CACHE_RESTRICTED "private, no-cache"

/* Answers the file at path (mapped, not read) with its type and
 * Cache-Control, an ETag from its size and mtime, and 304 when the client
 * already has it (If-None-Match); libsoup answers Range requests from the
 * body. 404 in the JSON error format when there is no such file. Only for
 * files whose path the caller built from validated parts. */
void reel_respond_file (SoupServerMessage *msg, const char *path, const char *type,
                        const char *cache_control);

/* Whether an If-None-Match header value (NULL: absent) matches etag: a
 * comma-separated list of entity tags compared weakly (RFC 9110 13.1.2,
 * "W/" ignored), or "*". Thread-safe. */
gboolean reel_etag_matches (const char *if_none_match, const char *etag);

/* Sets ETag and Cache-Control and answers 304 when the request's
 * If-None-Match matches etag: TRUE when it did (nothing more to send). */
gboolean reel_respond_not_modified (SoupServerMessage *msg, const char *etag,
                                    const char *cache_control);

/* The status for a GError (REEL_ERROR codes; anything else is 500). */
guint reel_respond_status_for (const GError *error);

G_END_DECLS
