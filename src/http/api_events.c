/* HTTP edge of viewer actions (app/analytics/actions.c):
 *   POST /api/v1/events   a batch of player actions: {"events": [...], "token"?}
 * Made for a watch page: the body may be application/json or text/plain,
 * which is what navigator.sendBeacon sends for a string without a CORS
 * preflight, and since sendBeacon cannot set Authorization either, a
 * logged-in page may put its token in the body. Anonymous viewers send no
 * token. The answer is 202 {"accepted": n, "rejected": [{"index", "code",
 * "message"}]}: the good events of a batch are kept whatever is wrong with
 * the others. The projections follow asynchronously (no read-your-writes:
 * a view count is allowed to lag by a moment). */
#include "app/analytics/actions.h"
#include "app/users/users.h"
#include "core/error.h"
#include "http/command.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"

typedef struct
{
  GBytes *body;
  char *token; /* from the Authorization header */
} EventsInput;

static void
events_input_free (gpointer p)
{
  EventsInput *in = p;
  g_bytes_unref (in->body);
  g_free (in->token);
  g_free (in);
}

static JsonNode *
events_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  EventsInput *in = data;
  gsize len;
  const char *text = g_bytes_get_data (in->body, &len);
  g_autoptr (JsonObject) batch = NULL;
  g_autofree char *viewer = NULL;
  const char *token = in->token;
  JsonObject *out;

  if (!text || len == 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "request body is empty");
      return NULL;
    }
  if (!(batch = reel_actions_parse_batch (text, len, http->cfg->actions_batch_max, error)))
    return NULL;
  if (!token)
    token = json_object_get_string_member_with_default (batch, "token", NULL);
  if (token && !(viewer = reel_http_authenticate (http, token, NULL, error)))
    return NULL;
  if (!(out
        = reel_actions_ingest (http->bus, http->store, http->action_cache, batch, viewer, error)))
    return NULL;
  return json_node_init_object (json_node_alloc (), out);
}

/* JSON, or the text/plain of sendBeacon; UTF-8 either way. */
static gboolean
acceptable_type (SoupServerMessage *msg)
{
  g_autoptr (GHashTable) params = NULL;
  const char *type = soup_message_headers_get_content_type (
      soup_server_message_get_request_headers (msg), &params);
  const char *charset = params ? g_hash_table_lookup (params, "charset") : NULL;
  if (!type)
    return TRUE;
  return (g_ascii_strcasecmp (type, "application/json") == 0
          || g_ascii_strcasecmp (type, "text/plain") == 0)
         && (!charset || g_ascii_strcasecmp (charset, "utf-8") == 0);
}

static void
post_events (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  SoupMessageHeaders *h = soup_server_message_get_request_headers (req->msg);
  const char *token = NULL;
  EventsInput *in;

  if (!acceptable_type (req->msg))
    {
      reel_respond_fail (req->msg, REEL_ERROR_UNSUPPORTED,
                         "send the batch as application/json or text/plain (UTF-8)");
      return;
    }
  if (soup_message_headers_get_one (h, "Authorization")
      && !(token = reel_request_token (req, &error)))
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (EventsInput, 1);
  in->body = soup_message_body_flatten (soup_server_message_get_request_body (req->msg));
  in->token = g_strdup (token);
  reel_request_run_command (req, SOUP_STATUS_ACCEPTED, events_command, in, events_input_free);
}

void reel_api_events_register (ReelRouter *router);

void
reel_api_events_register (ReelRouter *router)
{
  reel_router_add (router, "POST", "/api/v1/events", post_events);
}
