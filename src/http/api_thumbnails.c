/* Custom thumbnails (media/thumbnail.h), the owner's choice of poster:
 *   PUT  /api/v1/videos/{id}/thumbnail   an image (image/jpeg, image/png or
 *                                        image/webp, at most
 *                                        uploads.thumbnail_max_bytes)
 * (a frame at a chosen time is PATCH /api/v1/videos/{id} with
 * thumbnail_time, in api_videos.c). The image is decoded and encoded again
 * before the request is answered, so a file that is not the image it
 * claims is refused with the reason (400). */
#include "app/video/videos.h"
#include "core/error.h"
#include "http/command.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"
#include "media/thumbnail.h"

typedef struct
{
  char *user;
  char *id;
  char *type;
  GBytes *image;
} ImageInput;

static void
image_input_free (gpointer p)
{
  ImageInput *in = p;
  g_free (in->user);
  g_free (in->id);
  g_free (in->type);
  g_clear_pointer (&in->image, g_bytes_unref);
  g_free (in);
}

/* Refuses anonymous requests before their body is read, and bounds it. */
static guint64
put_thumbnail_early (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  if (user)
    return req->http->cfg->thumbnail_max;
  reel_respond_error (req->msg, error);
  return 0;
}

static JsonNode *
image_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  ImageInput *in = data;
  g_autoptr (ReelVideo) video = reel_videos_owned (http->store, in->user, in->id, error);
  if (video)
    reel_thumbnail_from_image (http->cfg, http->bus, http->blobs, video, in->type, in->image,
                               &reply->seq, error);
  return NULL;
}

static void
put_thumbnail (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  SoupMessageHeaders *h = soup_server_message_get_request_headers (req->msg);
  SoupMessageBody *body = soup_server_message_get_request_body (req->msg);
  ImageInput *in;

  if (!user)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (ImageInput, 1);
  in->user = g_steal_pointer (&user);
  in->id = g_strdup (reel_request_param (req, "id"));
  in->type = g_strdup (soup_message_headers_get_content_type (h, NULL));
  in->image = soup_message_body_flatten (body);
  if (g_bytes_get_size (in->image) == 0)
    {
      image_input_free (in);
      reel_respond_fail (req->msg, REEL_ERROR_INVALID, "the request body holds no image");
      return;
    }
  reel_request_run_command (req, SOUP_STATUS_NO_CONTENT, image_command, in, image_input_free);
}

void reel_api_thumbnails_register (ReelRouter *router, ReelRouter *early);

void
reel_api_thumbnails_register (ReelRouter *router, ReelRouter *early)
{
  reel_router_add (early, "PUT", "/api/v1/videos/{id}/thumbnail", put_thumbnail_early);
  reel_router_add (router, "PUT", "/api/v1/videos/{id}/thumbnail", put_thumbnail);
}
