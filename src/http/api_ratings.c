/* HTTP edge of ratings (app/social/ratings.c):
 *   PUT /api/v1/videos/{id}/rating   {rating: like|dislike|none} -> {video_id, rating}
 *   GET /api/v1/videos/{id}/rating   {rating (the requester's), likes, dislikes}
 *   GET /api/v1/users/me/liked       the videos I liked, newest like first (paged)
 * Only a video the requester may watch can be rated or asked about: any
 * other is 404, as absent as the video (app/video/visibility.h). */
#include "app/query/liked.h"
#include "app/social/ratings.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "core/json.h"
#include "http/query.h"
#include "http/command.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"

typedef struct
{
  char *user;
  char *video;
  ReelRating rating;
} RatingInput;

static void
rating_input_free (gpointer p)
{
  RatingInput *in = p;
  g_free (in->user);
  g_free (in->video);
  g_free (in);
}

static JsonNode *
rate_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  RatingInput *in = data;
  JsonObject *out;
  if (!reel_ratings_set (http->bus, in->user, in->video, in->rating, &reply->seq, error))
    return NULL;
  out = json_object_new ();
  json_object_set_string_member (out, "video_id", in->video);
  json_object_set_string_member (out, "rating", reel_rating_name (in->rating));
  return json_node_init_object (json_node_alloc (), out);
}

static void
put_rating (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  g_autoptr (ReelVideo) video = user ? reel_request_watchable_video (req, &error) : NULL;
  g_autoptr (JsonObject) body = video ? reel_request_json (req, &error) : NULL;
  const char *name = body ? reel_json_get_string (body, "rating", TRUE, &error) : NULL;
  ReelRating rating;
  RatingInput *in;

  if (!name || !reel_rating_from_name (name, &rating, &error))
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (RatingInput, 1);
  in->user = g_steal_pointer (&user);
  in->video = g_strdup (video->id);
  in->rating = rating;
  reel_request_run_command (req, SOUP_STATUS_OK, rate_command, in, rating_input_free);
}

static void
get_rating (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelVideo) video = reel_request_watchable_video (req, &error);
  g_autoptr (JsonObject) out = NULL;
  if (video)
    {
      ReelViewer viewer;
      g_autofree char *user = reel_request_viewer (req, &viewer);
      g_autoptr (ReelTxn) txn = reel_store_begin (req->http->store, FALSE, &error);
      if (txn)
        {
          guint64 likes, dislikes;
          reel_ratings_count (txn, video->id, &likes, &dislikes);
          out = json_object_new ();
          json_object_set_string_member (
              out, "rating", reel_rating_name (reel_ratings_get (txn, user, video->id)));
          json_object_set_int_member (out, "likes", (gint64)likes);
          json_object_set_int_member (out, "dislikes", (gint64)dislikes);
        }
    }
  reel_request_answer (req, out, error);
}

static void
get_liked (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_auto (ReelPage) page = { 0 };
  g_autoptr (JsonObject) out = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  if (user && reel_request_page (req, &page, &error))
    out = reel_liked_videos (req->http->store, user, &page, &error);
  reel_request_answer (req, out, error);
}

void reel_api_ratings_register (ReelRouter *router);

void
reel_api_ratings_register (ReelRouter *router)
{
  reel_router_add (router, "PUT", "/api/v1/videos/{id}/rating", put_rating);
  reel_router_add (router, "GET", "/api/v1/videos/{id}/rating", get_rating);
  reel_router_add (router, "GET", "/api/v1/users/me/liked", get_liked);
}
