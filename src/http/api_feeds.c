/* HTTP edge of feeds (app/feeds/):
 *   GET  /feeds/channels/{username}/rss           a channel's public videos, RSS 2.0
 *   GET  /feeds/channels/{username}/atom          the same, Atom
 *   GET  /feeds/subscriptions/{username}/rss      the videos of the channels username
 *   GET  /feeds/subscriptions/{username}/atom     follows, ?token= her private feed token
 *   POST /api/v1/users/me/feed-token              make (or replace) my feed token
 *
 * Feeds list what the API's lists hold (app/social/channels.h): published videos
 * that may be listed (public, nothing said by moderation, owner not
 * banned), newest first, feeds.items of them. Links are absolute
 * (http/site.h). Feed readers carry no session, so the subscriptions feed
 * is opened by its token instead; a wrong or replaced token is 401, and
 * the feed is cached privately only. */
#include "app/social/channels.h"
#include "app/feeds/feed_tokens.h"
#include "app/feeds/feed_xml.h"
#include "app/query/profiles.h"
#include "core/error.h"
#include "http/query.h"
#include "http/command.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"
#include "http/site.h"

#define RSS_TYPE "application/rss+xml; charset=utf-8"
#define ATOM_TYPE "application/atom+xml; charset=utf-8"

typedef enum
{
  FEED_RSS,
  FEED_ATOM,
} FeedFormat;

static const char *
format_name (FeedFormat format)
{
  return format == FEED_RSS ? "rss" : "atom";
}

static void
answer_feed (ReelRequest *req, FeedFormat format, const ReelFeed *feed, gboolean shared)
{
  g_autofree char *cache = g_strdup_printf (shared ? "public, max-age=%u" : "private, max-age=%u",
                                            req->http->cfg->feed_max_age_s);
  reel_respond_text (req->msg, format == FEED_RSS ? RSS_TYPE : ATOM_TYPE,
                     format == FEED_RSS ? reel_feed_rss (feed) : reel_feed_atom (feed), cache);
  soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                "X-Content-Type-Options", "nosniff");
}

/* The first feeds.items of a list (app/social/channels.h). */
static ReelPage
first_page (ReelRequest *req)
{
  ReelPage page = { req->http->cfg->feed_items, NULL };
  return page;
}

static void
channel_feed (ReelRequest *req, FeedFormat format)
{
  g_autoptr (GError) error = NULL;
  const char *username = reel_request_param (req, "username");
  g_auto (ReelPage) page = first_page (req);
  g_autoptr (JsonObject) profile = reel_profiles_get (req->http->store, username, &error);
  g_autoptr (JsonObject) list = NULL;
  g_autofree char *site = NULL, *page_url = NULL, *self = NULL, *title = NULL, *about = NULL;
  const char *display;
  ReelFeed feed;

  if (profile)
    list = reel_channels_videos (req->http->store, username, &page, &error);
  if (!list)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  display = json_object_get_string_member_with_default (profile, "display_name", "");
  site = reel_request_site_url (req);
  page_url = g_strdup_printf ("%s/channel/%s", site, username);
  self = g_strdup_printf ("%s/feeds/channels/%s/%s", site, username, format_name (format));
  title = g_strdup_printf ("%s · reel", *display ? display : username);
  about = g_strdup_printf ("The newest videos of %s", *display ? display : username);
  feed = (ReelFeed){ title,    about, site,
                     page_url, self,  json_object_get_array_member (list, "items") };
  answer_feed (req, format, &feed, TRUE);
}

static void
subscriptions_feed (ReelRequest *req, FeedFormat format)
{
  g_autoptr (GError) error = NULL;
  const char *username = reel_request_param (req, "username");
  g_auto (ReelPage) page = first_page (req);
  g_autoptr (JsonObject) list = NULL;
  g_autofree char *site = NULL, *page_url = NULL, *self = NULL, *title = NULL;
  ReelFeed feed;

  if (!reel_feed_tokens_check (req->http->store, username, reel_request_query (req, "token")))
    {
      reel_respond_fail (req->msg, REEL_ERROR_UNAUTHORIZED,
                         "this feed needs its token, and only the newest one opens it");
      return;
    }
  if (!(list = reel_channels_feed (req->http->store, username, &page, &error)))
    {
      reel_respond_error (req->msg, error);
      return;
    }
  site = reel_request_site_url (req);
  page_url = g_strdup_printf ("%s/", site);
  /* The token stays out of the self link: readers show it, and it is in
   * the URL they were given anyway. */
  self = g_strdup_printf ("%s/feeds/subscriptions/%s/%s", site, username, format_name (format));
  title = g_strdup_printf ("Subscriptions of %s · reel", username);
  feed = (ReelFeed){ title, "The newest videos of the channels followed", site, page_url,
                     self,  json_object_get_array_member (list, "items") };
  answer_feed (req, format, &feed, FALSE);
}

static void
get_channel_rss (ReelRequest *req)
{
  channel_feed (req, FEED_RSS);
}

static void
get_channel_atom (ReelRequest *req)
{
  channel_feed (req, FEED_ATOM);
}

static void
get_subscriptions_rss (ReelRequest *req)
{
  subscriptions_feed (req, FEED_RSS);
}

static void
get_subscriptions_atom (ReelRequest *req)
{
  subscriptions_feed (req, FEED_ATOM);
}

typedef struct
{
  char *user;
  char *site;
} TokenInput;

static void
token_input_free (gpointer p)
{
  TokenInput *in = p;
  g_free (in->user);
  g_free (in->site);
  g_free (in);
}

static JsonNode *
rotate_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  TokenInput *in = data;
  g_autofree char *token = reel_feed_tokens_rotate (http->bus, in->user, &reply->seq, error);
  g_autofree char *query = NULL;
  JsonObject *out;
  JsonNode *node;
  if (!token)
    return NULL;
  /* base64url: nothing in it needs escaping in a query. */
  query = g_strdup_printf ("?token=%s", token);
  out = json_object_new ();
  json_object_set_string_member (out, "token", token);
  for (FeedFormat f = FEED_RSS; f <= FEED_ATOM; f++)
    {
      g_autofree char *url = g_strdup_printf ("%s/feeds/subscriptions/%s/%s%s", in->site, in->user,
                                              format_name (f), query);
      json_object_set_string_member (out, format_name (f), url);
    }
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, out);
  return node;
}

static void
post_feed_token (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  TokenInput *in;
  if (!user)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (TokenInput, 1);
  in->user = g_steal_pointer (&user);
  in->site = reel_request_site_url (req);
  reel_request_run_command (req, SOUP_STATUS_CREATED, rotate_command, in, token_input_free);
}

void reel_api_feeds_register (ReelRouter *router);

void
reel_api_feeds_register (ReelRouter *router)
{
  reel_router_add (router, "GET", "/feeds/channels/{username}/rss", get_channel_rss);
  reel_router_add (router, "GET", "/feeds/channels/{username}/atom", get_channel_atom);
  reel_router_add (router, "GET", "/feeds/subscriptions/{username}/rss", get_subscriptions_rss);
  reel_router_add (router, "GET", "/feeds/subscriptions/{username}/atom", get_subscriptions_atom);
  reel_router_add (router, "POST", "/api/v1/users/me/feed-token", post_feed_token);
}
