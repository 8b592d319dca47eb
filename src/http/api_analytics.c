/* HTTP edge of what the viewer actions are turned into:
 *   GET /api/v1/videos/{id}/analytics   the creator's report, owner only
 *                                       (app/analytics/analytics.c)
 *   GET /api/v1/videos/{id}/related     "up next" (app/analytics/related.c)
 *   GET /api/v1/users/me/history        my watch history, newest first, paged
 *   GET /api/v1/users/me/history/{id}   where I left a video (resume)
 *   DELETE /api/v1/users/me/history     clear it
 *   PUT /api/v1/users/me/history/paused {paused}: stop or restart recording
 *                                       (app/analytics/history.h) */
#include "app/analytics/analytics.h"
#include "app/analytics/history.h"
#include "app/analytics/related.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "core/text.h"
#include "http/query.h"
#include "http/command.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"

#define RELATED_LIMIT_DEFAULT 20
#define RELATED_LIMIT_MAX 100

static void
get_analytics (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  g_autoptr (ReelVideo) video = NULL;
  g_autoptr (JsonObject) report = NULL;

  if (user)
    video = reel_request_video (req, &error);
  if (video && g_strcmp0 (video->owner, user) != 0)
    g_set_error (&error, REEL_ERROR, REEL_ERROR_FORBIDDEN,
                 "only the video's owner sees its analytics");
  if (video && !error)
    report = reel_analytics_report (req->http->store, video, &error);
  if (error)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  reel_respond_object (req->msg, SOUP_STATUS_OK, report);
}

/* ?limit=N (1..100, default 20). Related videos are ranked, not paged: the
 * ranking moves as people watch, so a cursor could not resume it. */
static gboolean
read_limit (ReelRequest *req, guint *limit, GError **error)
{
  const char *query = g_uri_get_query (soup_server_message_get_uri (req->msg));
  g_autoptr (GHashTable) params = NULL;
  const char *text;
  guint64 n;

  *limit = RELATED_LIMIT_DEFAULT;
  if (!query)
    return TRUE;
  params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
  if (!params)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "malformed query string");
      return FALSE;
    }
  if (g_hash_table_contains (params, "cursor"))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "related videos come in one page (next_cursor is always null)");
      return FALSE;
    }
  if ((text = g_hash_table_lookup (params, "limit"))
      && !reel_text_to_uint (text, 1, RELATED_LIMIT_MAX, &n))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "limit must be 1 to %d",
                   RELATED_LIMIT_MAX);
      return FALSE;
    }
  if (text)
    *limit = (guint)n;
  return TRUE;
}

static JsonObject *
read_related (ReelRequest *req, GError **error)
{
  JsonObject *out;
  JsonArray *items;
  guint limit;
  if (!read_limit (req, &limit, error)
      || !(items
           = reel_related_list (req->http->store, reel_request_param (req, "id"), limit, error)))
    return NULL;
  out = json_object_new ();
  json_object_set_array_member (out, "items", items);
  json_object_set_null_member (out, "next_cursor");
  return out;
}

static void
get_related (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  /* Related to a video one may not watch: as absent as the video. The
   * list itself is the same for everyone. */
  g_autoptr (ReelVideo) video = reel_request_watchable_shared_video (req, &error);
  if (!video)
    reel_respond_error (req->msg, error);
  else
    reel_request_answer_read (req, read_related);
}

static void
get_history (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  g_auto (ReelPage) page = { 0 };
  g_autoptr (JsonObject) out = NULL;
  if (user && reel_request_page (req, &page, &error))
    out = reel_history_list (req->http->store, user, (const char *const *)req->http->cfg->admins,
                             req->http->media_key, req->http->cfg->signed_url_ttl_s, &page, &error);
  reel_request_answer (req, out, error);
}

static void
get_history_entry (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  g_autoptr (JsonObject) out = NULL;
  if (user)
    out = reel_history_position (req->http->store, user, reel_request_param (req, "id"), &error);
  reel_request_answer (req, out, error);
}

typedef struct
{
  char *user;
  gboolean clear;
  gboolean paused;
} HistoryInput;

static void
history_input_free (gpointer p)
{
  HistoryInput *in = p;
  g_free (in->user);
  g_free (in);
}

static JsonNode *
history_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  HistoryInput *in = data;
  if (in->clear)
    reel_history_clear (http->bus, in->user, &reply->seq, error);
  else
    reel_history_pause (http->bus, in->user, in->paused, &reply->seq, error);
  return NULL;
}

static void
change_history (ReelRequest *req, gboolean clear)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  g_autoptr (JsonObject) body = user && !clear ? reel_request_json (req, &error) : NULL;
  HistoryInput *in;
  JsonNode *paused = body ? json_object_get_member (body, "paused") : NULL;
  if (body && (!paused || json_node_get_value_type (paused) != G_TYPE_BOOLEAN))
    g_set_error_literal (&error, REEL_ERROR, REEL_ERROR_INVALID, "paused must be true or false");
  if (error)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (HistoryInput, 1);
  in->user = g_steal_pointer (&user);
  in->clear = clear;
  in->paused = paused && json_node_get_boolean (paused);
  reel_request_run_command (req, SOUP_STATUS_NO_CONTENT, history_command, in, history_input_free);
}

static void
delete_history (ReelRequest *req)
{
  change_history (req, TRUE);
}

static void
put_history_paused (ReelRequest *req)
{
  change_history (req, FALSE);
}

void reel_api_analytics_register (ReelRouter *router);

void
reel_api_analytics_register (ReelRouter *router)
{
  reel_router_add (router, "GET", "/api/v1/videos/{id}/analytics", get_analytics);
  reel_router_add (router, "GET", "/api/v1/videos/{id}/related", get_related);
  reel_router_add (router, "GET", "/api/v1/users/me/history", get_history);
  reel_router_add (router, "GET", "/api/v1/users/me/history/{id}", get_history_entry);
  reel_router_add (router, "DELETE", "/api/v1/users/me/history", delete_history);
  reel_router_add (router, "PUT", "/api/v1/users/me/history/paused", put_history_paused);
}
