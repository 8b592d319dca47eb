/* HTTP edge of notifications (app/social/notifications.c):
 *   GET  /api/v1/notifications        mine, newest first, with unread_count
 *   POST /api/v1/notifications/read   {"ids": [...]} or {"all": true} */
#include "app/social/notifications.h"
#include "core/error.h"
#include "core/json.h"
#include "http/query.h"
#include "http/command.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"

static void
get_notifications (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_auto (ReelPage) page = { 0 };
  g_autoptr (JsonObject) out = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  if (user && reel_request_page (req, &page, &error))
    out = reel_notifications_list (req->http->store, user, &page, &error);
  reel_request_answer (req, out, error);
}

typedef struct
{
  char *user;
  GStrv ids;
  gboolean all;
} ReadInput;

static void
read_input_free (gpointer p)
{
  ReadInput *in = p;
  g_free (in->user);
  g_strfreev (in->ids);
  g_free (in);
}

static JsonNode *
read_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  ReadInput *in = data;
  reel_notifications_mark_read (http->bus, in->user, (const char *const *)in->ids, in->all,
                                &reply->seq, error);
  return NULL;
}

/* {"ids": [strings]} or {"all": true}, nothing else. */
static gboolean
parse_read (JsonObject *body, ReadInput *in, GError **error)
{
  JsonNode *all = json_object_get_member (body, "all");
  JsonNode *ids = json_object_get_member (body, "ids");
  JsonArray *list;
  guint n;
  if (all && JSON_NODE_HOLDS_VALUE (all) && json_node_get_value_type (all) == G_TYPE_BOOLEAN
      && json_node_get_boolean (all) && !ids)
    {
      in->all = TRUE;
      return TRUE;
    }
  if (all || !ids || !JSON_NODE_HOLDS_ARRAY (ids))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "give either \"ids\": [notification ids] or \"all\": true");
      return FALSE;
    }
  list = json_node_get_array (ids);
  n = json_array_get_length (list);
  if (n == 0 || n > REEL_NOTIFICATIONS_READ_MAX)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "\"ids\" must hold 1 to %d ids",
                   REEL_NOTIFICATIONS_READ_MAX);
      return FALSE;
    }
  in->ids = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (list, i);
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "\"ids\" must hold strings");
          return FALSE;
        }
      in->ids[i] = g_strdup (json_node_get_string (e));
    }
  return TRUE;
}

static void
post_read (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  g_autoptr (JsonObject) body = user ? reel_request_json (req, &error) : NULL;
  ReadInput *in = g_new0 (ReadInput, 1);
  if (!body || !parse_read (body, in, &error))
    {
      read_input_free (in);
      reel_respond_error (req->msg, error);
      return;
    }
  in->user = g_steal_pointer (&user);
  reel_request_run_command (req, SOUP_STATUS_NO_CONTENT, read_command, in, read_input_free);
}

void reel_api_notifications_register (ReelRouter *router);

void
reel_api_notifications_register (ReelRouter *router)
{
  reel_router_add (router, "GET", "/api/v1/notifications", get_notifications);
  reel_router_add (router, "POST", "/api/v1/notifications/read", post_read);
}
