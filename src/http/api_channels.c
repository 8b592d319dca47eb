/* HTTP edge of channels and subscriptions (app/social/channels.c,
 * app/social/subscriptions.c):
 *   GET    /api/v1/users/{username}/videos        a channel's published videos, newest first
 *   GET    /api/v1/users/{username}/subscribers   who follows a channel
 *   POST   /api/v1/subscriptions                  subscribe {channel}
 *   DELETE /api/v1/subscriptions/{channel}        unsubscribe
 *   GET    /api/v1/subscriptions                  the channels I follow
 *   GET    /api/v1/feed                           published videos of the channels I follow
 *   GET    /api/v1/videos                         published videos of every channel (home page)
 * Every list pages with ?limit=&cursor= (app/page.h). */
#include "app/query/profiles.h"
#include "app/social/channels.h"
#include "app/social/subscriptions.h"
#include "core/error.h"
#include "core/json.h"
#include "http/query.h"
#include "http/command.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"

static JsonObject *
read_channel_videos (ReelRequest *req, GError **error)
{
  g_auto (ReelPage) page = { 0 };
  if (!reel_request_page (req, &page, error))
    return NULL;
  return reel_channels_videos (req->http->store, reel_request_param (req, "username"), &page,
                               error);
}

static void
get_channel_videos (ReelRequest *req)
{
  reel_request_answer_read (req, read_channel_videos);
}

static JsonObject *
read_latest_videos (ReelRequest *req, GError **error)
{
  g_auto (ReelPage) page = { 0 };
  if (!reel_request_page (req, &page, error))
    return NULL;
  return reel_channels_latest (req->http->store, &page, error);
}

static void
get_latest_videos (ReelRequest *req)
{
  reel_request_answer_read (req, read_latest_videos);
}

static void
get_subscribers (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_auto (ReelPage) page = { 0 };
  g_autoptr (JsonObject) out = NULL;
  if (reel_request_page (req, &page, &error))
    out = reel_profiles_subscribers (req->http->store, reel_request_param (req, "username"), &page,
                                     &error);
  reel_request_answer (req, out, error);
}

/* The signed-in user's list (subscriptions or feed). */
static void
answer_mine (ReelRequest *req,
             JsonObject *(*list) (ReelStore *, const char *, const ReelPage *, GError **))
{
  g_autoptr (GError) error = NULL;
  g_auto (ReelPage) page = { 0 };
  g_autoptr (JsonObject) out = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  if (user && reel_request_page (req, &page, &error))
    out = list (req->http->store, user, &page, &error);
  reel_request_answer (req, out, error);
}

static void
get_subscriptions (ReelRequest *req)
{
  answer_mine (req, reel_profiles_subscriptions);
}

static void
get_feed (ReelRequest *req)
{
  answer_mine (req, reel_channels_feed);
}

typedef struct
{
  char *user;
  char *channel;
} SubscriptionInput;

static void
subscription_input_free (gpointer p)
{
  SubscriptionInput *in = p;
  g_free (in->user);
  g_free (in->channel);
  g_free (in);
}

static JsonNode *
subscription_body (const char *channel, gboolean subscribed)
{
  JsonObject *out = json_object_new ();
  json_object_set_string_member (out, "channel", channel);
  json_object_set_boolean_member (out, "subscribed", subscribed);
  return json_node_init_object (json_node_alloc (), out);
}

static JsonNode *
subscribe_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  SubscriptionInput *in = data;
  gboolean created;
  if (!reel_subscriptions_subscribe (http->bus, http->store, in->user, in->channel, &created,
                                     &reply->seq, error))
    return NULL;
  return subscription_body (in->channel, TRUE);
}

static void
post_subscription (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  g_autoptr (JsonObject) body = user ? reel_request_json (req, &error) : NULL;
  const char *channel = body ? reel_json_get_string (body, "channel", TRUE, &error) : NULL;
  g_autofree char *since = NULL;
  SubscriptionInput *in;

  if (channel)
    {
      g_autoptr (ReelTxn) txn = reel_store_begin (req->http->store, FALSE, &error);
      since = txn ? reel_subscriptions_since (txn, user, channel) : NULL;
    }
  if (!channel || error)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  if (since)
    {
      /* Subscribing again changes nothing: 200 instead of 201. */
      g_autoptr (JsonNode) out = subscription_body (channel, TRUE);
      reel_respond_json (req->msg, SOUP_STATUS_OK, out);
      return;
    }
  in = g_new0 (SubscriptionInput, 1);
  in->user = g_steal_pointer (&user);
  in->channel = g_strdup (channel);
  reel_request_run_command (req, SOUP_STATUS_CREATED, subscribe_command, in,
                            subscription_input_free);
}

static JsonNode *
unsubscribe_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  SubscriptionInput *in = data;
  reel_subscriptions_unsubscribe (http->bus, http->store, in->user, in->channel, &reply->seq,
                                  error);
  return NULL;
}

static void
delete_subscription (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  SubscriptionInput *in;
  if (!user)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (SubscriptionInput, 1);
  in->user = g_steal_pointer (&user);
  in->channel = g_strdup (reel_request_param (req, "channel"));
  reel_request_run_command (req, SOUP_STATUS_NO_CONTENT, unsubscribe_command, in,
                            subscription_input_free);
}

void reel_api_channels_register (ReelRouter *router);

void
reel_api_channels_register (ReelRouter *router)
{
  reel_router_add (router, "GET", "/api/v1/users/{username}/videos", get_channel_videos);
  reel_router_add (router, "GET", "/api/v1/users/{username}/subscribers", get_subscribers);
  reel_router_add (router, "POST", "/api/v1/subscriptions", post_subscription);
  reel_router_add (router, "DELETE", "/api/v1/subscriptions/{channel}", delete_subscription);
  reel_router_add (router, "GET", "/api/v1/subscriptions", get_subscriptions);
  reel_router_add (router, "GET", "/api/v1/feed", get_feed);
  reel_router_add (router, "GET", "/api/v1/videos", get_latest_videos);
}
