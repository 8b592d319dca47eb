/* HTTP edge of playlists (app/playlists/playlists.c):
 *   POST   /api/v1/playlists                       {title, privacy?} -> 201 playlist
 *   GET    /api/v1/playlists/{id}                  playlist with a page of items
 *   PATCH  /api/v1/playlists/{id}                  {title?, privacy?}
 *   DELETE /api/v1/playlists/{id}
 *   POST   /api/v1/playlists/{id}/items            {video_id}: appended
 *   DELETE /api/v1/playlists/{id}/items/{video}
 *   PATCH  /api/v1/playlists/{id}/items/{video}    {position}: moved there
 *   GET    /api/v1/users/me/playlists              mine, Watch later included
 *   POST   /api/v1/users/me/watch-later            {video_id}: saved for later
 * A private playlist of someone else's is 404, the same as a missing one;
 * changing one that is visible but another's is 403. */
#include "app/playlists/playlists.h"
#include "core/error.h"
#include "core/json.h"
#include "http/query.h"
#include "http/command.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"

/* What a command needs, copied out of the request (the command runs on a
 * worker thread and must not touch it). */
typedef struct
{
  char *user, *id, *video, *title, *privacy;
  gint64 position;
} PlaylistInput;

static void
input_free (gpointer p)
{
  PlaylistInput *in = p;
  g_free (in->user);
  g_free (in->id);
  g_free (in->video);
  g_free (in->title);
  g_free (in->privacy);
  g_free (in);
}

static JsonNode *
id_answer (const char *key, const char *value)
{
  JsonObject *out = json_object_new ();
  json_object_set_string_member (out, key, value);
  return json_node_init_object (json_node_alloc (), out);
}

static JsonNode *
create_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  PlaylistInput *in = data;
  g_autofree char *id
      = reel_playlists_create (http->bus, in->user, in->title, in->privacy, &reply->seq, error);
  return id ? id_answer ("id", id) : NULL;
}

static JsonNode *
update_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  PlaylistInput *in = data;
  return reel_playlists_update (http->bus, http->store, in->user, in->id, in->title, in->privacy,
                                &reply->seq, error)
             ? id_answer ("id", in->id)
             : NULL;
}

static JsonNode *
delete_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  PlaylistInput *in = data;
  reel_playlists_delete (http->bus, http->store, in->user, in->id, &reply->seq, error);
  return NULL;
}

static JsonNode *
add_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  PlaylistInput *in = data;
  g_autofree char *wl = in->id ? NULL : reel_playlists_watch_later_id (in->user);
  if (!reel_playlists_add (http->bus, http->store, in->user, in->id, in->video, &reply->seq, error))
    return NULL;
  return id_answer ("id", in->id ? in->id : wl);
}

static JsonNode *
remove_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  PlaylistInput *in = data;
  reel_playlists_remove (http->bus, http->store, in->user, in->id, in->video, &reply->seq, error);
  return NULL;
}

static JsonNode *
move_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  PlaylistInput *in = data;
  return reel_playlists_move (http->bus, http->store, in->user, in->id, in->video, in->position,
                              &reply->seq, error)
             ? id_answer ("id", in->id)
             : NULL;
}

/* The input every command starts from: the user, {id}, {video} and the
 * JSON body when want_body; NULL after answering the error. */
static PlaylistInput *
input_new (ReelRequest *req, gboolean want_body, JsonObject **body)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  PlaylistInput *in;
  if (user && want_body)
    *body = reel_request_json (req, &error);
  if (error)
    {
      reel_respond_error (req->msg, error);
      return NULL;
    }
  in = g_new0 (PlaylistInput, 1);
  in->user = g_steal_pointer (&user);
  in->id = g_strdup (reel_request_param (req, "id"));
  in->video = g_strdup (reel_request_param (req, "video"));
  return in;
}

/* Copies the optional string member name of body into *out; FALSE (the
 * error answered, in freed) when it is there but not a string. */
static gboolean
optional_string (ReelRequest *req, JsonObject *body, const char *name, char **out,
                 PlaylistInput *in)
{
  g_autoptr (GError) error = NULL;
  const char *value = reel_json_get_string (body, name, FALSE, &error);
  if (error)
    {
      reel_respond_error (req->msg, error);
      input_free (in);
      return FALSE;
    }
  *out = g_strdup (value);
  return TRUE;
}

static void
post_playlist (ReelRequest *req)
{
  g_autoptr (JsonObject) body = NULL;
  PlaylistInput *in = input_new (req, TRUE, &body);
  if (!in || !optional_string (req, body, "title", &in->title, in)
      || !optional_string (req, body, "privacy", &in->privacy, in))
    return;
  if (!in->privacy)
    in->privacy
        = g_strdup (reel_privacy_name (REEL_PRIVACY_PRIVATE)); /* nothing is shared by default */
  reel_request_run_command (req, SOUP_STATUS_CREATED, create_command, in, input_free);
}

static void
patch_playlist (ReelRequest *req)
{
  g_autoptr (JsonObject) body = NULL;
  PlaylistInput *in = input_new (req, TRUE, &body);
  if (!in || !optional_string (req, body, "title", &in->title, in)
      || !optional_string (req, body, "privacy", &in->privacy, in))
    return;
  reel_request_run_command (req, SOUP_STATUS_OK, update_command, in, input_free);
}

static void
delete_playlist (ReelRequest *req)
{
  PlaylistInput *in = input_new (req, FALSE, NULL);
  if (in)
    reel_request_run_command (req, SOUP_STATUS_NO_CONTENT, delete_command, in, input_free);
}

static void
post_item (ReelRequest *req)
{
  g_autoptr (JsonObject) body = NULL;
  PlaylistInput *in = input_new (req, TRUE, &body);
  if (!in || !optional_string (req, body, "video_id", &in->video, in))
    return;
  if (!in->video)
    {
      reel_respond_fail (req->msg, REEL_ERROR_INVALID, "video_id is required");
      input_free (in);
      return;
    }
  reel_request_run_command (req, SOUP_STATUS_OK, add_command, in, input_free);
}

static void
delete_item (ReelRequest *req)
{
  PlaylistInput *in = input_new (req, FALSE, NULL);
  if (in)
    reel_request_run_command (req, SOUP_STATUS_NO_CONTENT, remove_command, in, input_free);
}

static void
patch_item (ReelRequest *req)
{
  g_autoptr (JsonObject) body = NULL;
  PlaylistInput *in = input_new (req, TRUE, &body);
  JsonNode *pos;
  if (!in)
    return;
  pos = json_object_get_member (body, "position");
  if (!pos || json_node_get_value_type (pos) != G_TYPE_INT64)
    {
      reel_respond_fail (req->msg, REEL_ERROR_INVALID, "position must be an integer");
      input_free (in);
      return;
    }
  in->position = json_node_get_int (pos);
  reel_request_run_command (req, SOUP_STATUS_OK, move_command, in, input_free);
}

static void
get_playlist (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_auto (ReelPage) page = { 0 };
  g_autoptr (JsonObject) out = NULL;
  ReelViewer viewer;
  g_autofree char *user G_GNUC_UNUSED
      = reel_request_viewer (req, &viewer); /* owns viewer.username */
  if (reel_request_page (req, &page, &error))
    out = reel_playlists_get (req->http->store, reel_request_param (req, "id"), &viewer, &page,
                              &error);
  reel_request_answer (req, out, error);
}

static void
get_mine (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_auto (ReelPage) page = { 0 };
  g_autoptr (JsonObject) out = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  if (user && reel_request_page (req, &page, &error))
    out = reel_playlists_mine (req->http->store, user, &page, &error);
  reel_request_answer (req, out, error);
}

void reel_api_playlists_register (ReelRouter *router);

void
reel_api_playlists_register (ReelRouter *router)
{
  reel_router_add (router, "POST", "/api/v1/playlists", post_playlist);
  reel_router_add (router, "GET", "/api/v1/playlists/{id}", get_playlist);
  reel_router_add (router, "PATCH", "/api/v1/playlists/{id}", patch_playlist);
  reel_router_add (router, "DELETE", "/api/v1/playlists/{id}", delete_playlist);
  reel_router_add (router, "POST", "/api/v1/playlists/{id}/items", post_item);
  reel_router_add (router, "DELETE", "/api/v1/playlists/{id}/items/{video}", delete_item);
  reel_router_add (router, "PATCH", "/api/v1/playlists/{id}/items/{video}", patch_item);
  reel_router_add (router, "GET", "/api/v1/users/me/playlists", get_mine);
  reel_router_add (router, "POST", "/api/v1/users/me/watch-later", post_item);
}
