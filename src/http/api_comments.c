/* HTTP edge of comments (app/social/comments.c):
 *   GET    /api/v1/videos/{id}/comments         ?order=oldest|newest&limit=&cursor=
 *   POST   /api/v1/videos/{id}/comments         {text, reply_to?} -> 201 the comment
 *   PATCH  /api/v1/videos/{id}/comments/{cid}   {text}, author only
 *   DELETE /api/v1/videos/{id}/comments/{cid}   author, the video's owner or a moderator
 * The per-author rate limit is reserved here, on the main loop, so a 429 can
 * carry Retry-After; the reservation is released when the command is done
 * (its event applied, or failed). Per-address limits: http/throttle.h. */
#include "app/social/comments.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "core/json.h"
#include "http/query.h"
#include "http/command.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"

static JsonObject *
read_comments (ReelRequest *req, GError **error)
{
  g_auto (ReelPage) page = { 0 };
  const char *order = reel_request_query (req, "order");
  if (order && !g_str_equal (order, "oldest") && !g_str_equal (order, "newest"))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "order must be oldest or newest");
      return NULL;
    }
  if (!reel_request_page (req, &page, error))
    return NULL;
  return reel_comments_list (req->http->store, reel_request_param (req, "id"),
                             g_strcmp0 (order, "newest") == 0, &page, error);
}

static void
get_comments (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  /* The comments of a video one may not watch are as absent as the video
   * (app/video/visibility.h); the page itself is the same for everyone. */
  g_autoptr (ReelVideo) video = reel_request_watchable_shared_video (req, &error);
  if (!video)
    reel_respond_error (req->msg, error);
  else
    reel_request_answer_read (req, read_comments);
}

typedef struct
{
  char *user;
  char *video;
  char *comment;
  char *text;
  char *reply_to;
  ReelCommentGate *reserved; /* holds a reservation of user's */
} CommentInput;

static void
comment_input_free (gpointer p)
{
  CommentInput *in = p;
  if (in->reserved)
    reel_comments_release (in->reserved, in->user);
  g_free (in->user);
  g_free (in->video);
  g_free (in->comment);
  g_free (in->text);
  g_free (in->reply_to);
  g_free (in);
}

/* The signed-in user and, when with_text, a valid {text} body. */
static CommentInput *
read_input (ReelRequest *req, gboolean with_text, GError **error)
{
  g_autofree char *user = reel_request_user (req, error);
  g_autoptr (JsonObject) body = NULL;
  const char *text = NULL, *reply_to = NULL;
  CommentInput *in;

  if (!user)
    return NULL;
  if (with_text)
    {
      if (!(body = reel_request_json (req, error))
          || !(text = reel_json_get_string (body, "text", TRUE, error))
          || !reel_comments_validate_text (text, error))
        return NULL;
      reply_to = reel_json_get_string (body, "reply_to", FALSE, error);
      if (*error)
        return NULL;
    }
  in = g_new0 (CommentInput, 1);
  in->user = g_steal_pointer (&user);
  in->video = g_strdup (reel_request_param (req, "id"));
  in->comment = g_strdup (reel_request_param (req, "cid"));
  in->text = g_strdup (text);
  in->reply_to = g_strdup (reply_to);
  return in;
}

static JsonNode *
post_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  CommentInput *in = data;
  JsonObject *out = reel_comments_post (http->bus, http->store, in->user, in->video, in->text,
                                        in->reply_to, &reply->seq, error);
  g_autofree char *location = NULL;
  if (!out)
    return NULL;
  location = g_strdup_printf ("/api/v1/videos/%s/comments/%s", in->video,
                              json_object_get_string_member (out, "id"));
  reel_reply_header (reply, "Location", location);
  return json_node_init_object (json_node_alloc (), out);
}

static void
post_comment (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  CommentInput *in = read_input (req, TRUE, &error);
  guint retry_after = 0;
  const ReelConfig *cfg = req->http->cfg;

  if (in
      && !reel_comments_reserve (req->http->comment_gate, req->http->store, in->user,
                                 cfg->comment_rate_limit, cfg->comment_window_s, g_get_real_time (),
                                 &retry_after, &error))
    {
      g_clear_pointer (&in, comment_input_free);
      if (retry_after)
        {
          g_autofree char *seconds = g_strdup_printf ("%u", retry_after);
          soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                        "Retry-After", seconds);
        }
    }
  if (!in)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in->reserved = req->http->comment_gate;
  reel_request_run_command (req, SOUP_STATUS_CREATED, post_command, in, comment_input_free);
}

static JsonNode *
edit_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  CommentInput *in = data;
  reel_comments_edit (http->bus, http->store, in->user, in->video, in->comment, in->text,
                      &reply->seq, error);
  return NULL;
}

static JsonNode *
delete_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  CommentInput *in = data;
  reel_comments_delete (http->bus, http->store, (const char *const *)http->cfg->admins, in->user,
                        in->video, in->comment, &reply->seq, error);
  return NULL;
}

static void
change_comment (ReelRequest *req, gboolean edit)
{
  g_autoptr (GError) error = NULL;
  CommentInput *in = read_input (req, edit, &error);
  if (!in)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  reel_request_run_command (req, SOUP_STATUS_NO_CONTENT, edit ? edit_command : delete_command, in,
                            comment_input_free);
}

static void
patch_comment (ReelRequest *req)
{
  change_comment (req, TRUE);
}

static void
delete_comment (ReelRequest *req)
{
  change_comment (req, FALSE);
}

void reel_api_comments_register (ReelRouter *router);

void
reel_api_comments_register (ReelRouter *router)
{
  reel_router_add (router, "GET", "/api/v1/videos/{id}/comments", get_comments);
  reel_router_add (router, "POST", "/api/v1/videos/{id}/comments", post_comment);
  reel_router_add (router, "PATCH", "/api/v1/videos/{id}/comments/{cid}", patch_comment);
  reel_router_add (router, "DELETE", "/api/v1/videos/{id}/comments/{cid}", delete_comment);
}
