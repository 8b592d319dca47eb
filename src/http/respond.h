/* The one way reel answers HTTP: JSON bodies, and errors as
 * {"error":{"code":"...","message":"..."}} with the status that fits the
 * REEL_ERROR code (DESIGN.md "HTTP API"). */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

void reel_respond_json (SoupServerMessage *msg, guint status, JsonNode *body);
void reel_respond_object (SoupServerMessage *msg, guint status, JsonObject *body);
void reel_respond_error (SoupServerMessage *msg, const GError *error);
void reel_respond_error_code (SoupServerMessage *msg, guint status, const char *code,
                              const char *message);
void reel_respond_empty (SoupServerMessage *msg, guint status);

/* The status for a GError (REEL_ERROR codes; anything else is 500). */
guint reel_respond_status_for (const GError *error);

G_END_DECLS
