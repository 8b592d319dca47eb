/* HTTP edge of captions (app/video/captions.h):
 *   GET    /api/v1/videos/{id}/captions         the tracks: {"captions": [{"lang", "url"}]}
 *   PUT    /api/v1/videos/{id}/captions/{lang}  the body is the WebVTT or SRT file (owner)
 *   DELETE /api/v1/videos/{id}/captions/{lang}  removes the track (owner)
 * A malformed file is 400 naming its line. The tracks are played from the
 * playlists (http/api_playback.c serves captions/<lang>.m3u8 and .vtt). */
#include "app/video/captions.h"
#include "app/video/videos.h"
#include "app/video/visibility.h"
#include "core/error.h"
#include "core/webvtt.h"
#include "http/command.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"

typedef struct
{
  char *user;
  char *id;
  char *lang;
  GBytes *body; /* NULL: delete */
} CaptionsInput;

static void
captions_input_free (gpointer p)
{
  CaptionsInput *in = p;
  g_free (in->user);
  g_free (in->id);
  g_free (in->lang);
  g_clear_pointer (&in->body, g_bytes_unref);
  g_free (in);
}

static JsonNode *
captions_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  CaptionsInput *in = data;
  if (in->body)
    {
      gsize len;
      const char *text = g_bytes_get_data (in->body, &len);
      reel_captions_put (http->bus, http->store, http->blobs, in->user, in->id, in->lang,
                         text ? text : "", len, &reply->seq, error);
    }
  else
    reel_captions_delete (http->bus, http->store, http->blobs, in->user, in->id, in->lang,
                          &reply->seq, error);
  return NULL;
}

static void
change_captions (ReelRequest *req, gboolean put)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  CaptionsInput *in;
  if (!user)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (CaptionsInput, 1);
  in->user = g_steal_pointer (&user);
  in->id = g_strdup (reel_request_param (req, "id"));
  in->lang = g_strdup (reel_request_param (req, "lang"));
  if (put)
    in->body = soup_message_body_flatten (soup_server_message_get_request_body (req->msg));
  reel_request_run_command (req, SOUP_STATUS_NO_CONTENT, captions_command, in, captions_input_free);
}

static void
put_captions (ReelRequest *req)
{
  change_captions (req, TRUE);
}

static void
delete_captions (ReelRequest *req)
{
  change_captions (req, FALSE);
}

static void
get_captions (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelVideo) video = reel_request_watchable_video (req, &error);
  g_autoptr (JsonObject) out = json_object_new ();
  g_autofree char *media_base = NULL;
  if (!video)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  media_base
      = reel_video_media_base (video, req->http->media_key, g_get_real_time () / G_USEC_PER_SEC,
                               req->http->cfg->signed_url_ttl_s);
  json_object_set_array_member (out, "captions", reel_videos_captions_json (video, media_base));
  reel_respond_object (req->msg, SOUP_STATUS_OK, out);
}

void reel_api_captions_register (ReelRouter *router);

void
reel_api_captions_register (ReelRouter *router)
{
  reel_router_add (router, "GET", "/api/v1/videos/{id}/captions", get_captions);
  reel_router_add (router, "PUT", "/api/v1/videos/{id}/captions/{lang}", put_captions);
  reel_router_add (router, "DELETE", "/api/v1/videos/{id}/captions/{lang}", delete_captions);
}
