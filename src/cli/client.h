/* The reel command-line client's side of the HTTP API: which server, with
 * which token, and one synchronous JSON request at a time (libsoup).
 *
 * Credentials live in $XDG_CONFIG_HOME/reel/client.ini ([client] server,
 * token; mode 0600), written by `reel login`. A --server or --token option
 * and the REEL_SERVER / REEL_TOKEN environment variables override it, in
 * that order. */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define REEL_CLIENT_DEFAULT_SERVER "http://127.0.0.1:8080"

typedef struct
{
  char *server; /* base URL without a trailing slash */
  char *token;  /* NULL when not logged in */
  SoupSession *session;
} ReelClient;

/* server/token: from the command line, or NULL to use the environment and
 * the saved credentials. */
ReelClient *reel_client_new (const char *server, const char *token);
void reel_client_free (ReelClient *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelClient, reel_client_free)

/* Saves server and token for later commands. */
gboolean reel_client_save (ReelClient *c, GError **error);

/* An absolute URL for a path on the server ("/api/v1/..."). */
char *reel_client_url (ReelClient *c, const char *path);

/* Adds the bearer token (when there is one) to a request. */
void reel_client_authorize (ReelClient *c, SoupMessage *msg);

/* Sends a request with an optional JSON body; returns the HTTP status (0
 * when the server could not be reached, with error set) and the parsed
 * JSON answer in *out (NULL when there is none). */
guint reel_client_json (ReelClient *c, const char *method, const char *path, JsonObject *body,
                        JsonNode **out, GError **error);

/* The JSON of an answer's body, or NULL when it has none (or not JSON). */
/* Sends msg (authorized) and parses the answer as reel_client_json does. */
guint reel_client_send (ReelClient *c, SoupMessage *msg, JsonNode **out, GError **error);

JsonNode *reel_client_parse_answer (GBytes *body);

/* The message of an API error answer ({"error":{"message":...}}), or a
 * generic text for the status. */
char *reel_client_error_message (guint status, JsonNode *answer);

G_END_DECLS
