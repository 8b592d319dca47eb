/* Videos on other sites:
 *   GET /embed/{id}        embed.html: a bare player any site may frame
 *   GET /api/v1/oembed     oEmbed 1.0 (https://oembed.com) for a watch URL:
 *                          ?url=&format=json&maxwidth=&maxheight=
 *
 * Only what an anonymous viewer may watch is embedded (public and unlisted
 * videos: reel_video_is_embeddable): the embed page runs inside other
 * sites, so it carries no session, and a private video's embed plays for
 * nobody, its owner included. An unknown or unembeddable video is 404 on
 * both routes, so neither tells a private video from a missing one; the
 * embed page still answers with its player page (status 404), which then
 * says the video is unavailable inside the frame.
 *
 * Every page but the embed keeps frame-ancestors 'none' (http/pages.c). */
#include "app/query/profiles.h"
#include "app/video/videos.h"
#include "app/video/visibility.h"
#include "core/error.h"
#include "http/embed.h"
#include "http/query.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"
#include "http/site.h"
#include "http/pages.h"
#include "media/ingest.h"

/* The iframe's size when the consumer sets no bound: the width of a blog's
 * column, the height following the video's shape. */
#define OEMBED_DEFAULT_WIDTH 640
/* Smaller than this no player control fits; bounds below it are raised. */
#define OEMBED_MIN_SIDE 120
/* The shape of a video not probed yet. */
#define OEMBED_DEFAULT_ASPECT (16.0 / 9.0)
/* oEmbed consumers cache answers; a title or privacy change should reach
 * them within the hour. */
#define OEMBED_CACHE_AGE_S 3600
#define OEMBED_CACHE_CONTROL "public, max-age=" G_STRINGIFY (OEMBED_CACHE_AGE_S)

static void
get_embed (ReelRequest *req)
{
  g_autoptr (ReelVideo) video = reel_request_shared_video (req, NULL);
  gboolean ok = video && reel_video_is_embeddable (video);
  reel_pages_serve_embed (req, "embed.html", ok ? SOUP_STATUS_OK : SOUP_STATUS_NOT_FOUND);
}

/* The video id a watch or embed URL of this site names, or NULL. The host
 * is not compared: behind proxies and CDNs the site has many names, and the
 * answer only ever describes a video anyone may watch. */
static char *
video_of_url (const char *url)
{
  g_autoptr (GUri) uri = url ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  g_auto (GStrv) parts = NULL;
  if (!uri
      || (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0
          && g_strcmp0 (g_uri_get_scheme (uri), "https") != 0))
    return NULL;
  parts = g_strsplit (g_uri_get_path (uri), "/", -1);
  /* "", "watch" | "embed", id */
  if (g_strv_length (parts) != 3 || parts[0][0]
      || (!g_str_equal (parts[1], "watch") && !g_str_equal (parts[1], "embed"))
      || !reel_videos_id_valid (parts[2]))
    return NULL;
  return g_strdup (parts[2]);
}

/* A positive integer query parameter, or 0 when absent; FALSE when bad. */
static gboolean
query_bound (ReelRequest *req, const char *name, guint *out, GError **error)
{
  const char *s = reel_request_query (req, name);
  guint64 v = 0;
  *out = 0;
  if (!s)
    return TRUE;
  if (!g_ascii_string_to_unsigned (s, 10, 1, G_MAXINT32, &v, NULL))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "%s must be a positive integer", name);
      return FALSE;
    }
  *out = MAX ((guint)v, OEMBED_MIN_SIDE);
  return TRUE;
}

/* The iframe's size: the default width, shrunk to fit both bounds while
 * keeping the video's shape. */
static void
frame_size (const ReelVideo *video, guint max_w, guint max_h, guint *w, guint *h)
{
  double aspect = video->plan && video->plan->width && video->plan->height
                      ? (double)video->plan->width / video->plan->height
                      : OEMBED_DEFAULT_ASPECT;
  double fw = max_w ? MIN (max_w, OEMBED_DEFAULT_WIDTH) : OEMBED_DEFAULT_WIDTH;
  double fh = fw / aspect;
  if (max_h && fh > max_h)
    {
      fh = max_h;
      fw = fh * aspect;
    }
  *w = (guint)(fw + 0.5);
  *h = (guint)(fh + 0.5);
}

static JsonObject *
oembed_answer (ReelRequest *req, const ReelVideo *video, guint max_w, guint max_h)
{
  g_autofree char *site = reel_request_site_url (req);
  g_autofree char *src = g_strdup_printf ("%s/embed/%s", site, video->id);
  g_autofree char *author_url = g_strdup_printf ("%s/channel/%s", site, video->owner);
  g_autoptr (JsonObject) profile = reel_profiles_get (req->http->store, video->owner, NULL);
  const char *display
      = profile ? json_object_get_string_member_with_default (profile, "display_name", NULL) : NULL;
  g_autofree char *src_attr = g_markup_escape_text (src, -1);
  g_autofree char *title_attr = g_markup_escape_text (video->title, -1);
  g_autofree char *html = NULL;
  JsonObject *out = json_object_new ();
  guint w, h;

  frame_size (video, max_w, max_h, &w, &h);
  html = g_strdup_printf ("<iframe src=\"%s\" width=\"%u\" height=\"%u\" title=\"%s\" "
                          "frameborder=\"0\" allow=\"autoplay; fullscreen; picture-in-picture\" "
                          "allowfullscreen></iframe>",
                          src_attr, w, h, title_attr);
  json_object_set_string_member (out, "version", "1.0");
  json_object_set_string_member (out, "type", "video");
  json_object_set_string_member (out, "provider_name", "reel");
  json_object_set_string_member (out, "provider_url", site);
  json_object_set_string_member (out, "title", video->title);
  json_object_set_string_member (out, "author_name", display && *display ? display : video->owner);
  json_object_set_string_member (out, "author_url", author_url);
  json_object_set_string_member (out, "html", html);
  json_object_set_int_member (out, "width", w);
  json_object_set_int_member (out, "height", h);
  json_object_set_int_member (out, "cache_age", OEMBED_CACHE_AGE_S);
  if (video->poster && *video->poster && video->plan && video->plan->rungs->len)
    {
      const ReelRung *size = reel_ingest_poster_rung (video->plan->rungs);
      g_autofree char *path = reel_video_poster_path (video);
      g_autofree char *thumb = g_strdup_printf ("%s/videos/%s/%s", site, video->id, path);
      json_object_set_string_member (out, "thumbnail_url", thumb);
      json_object_set_int_member (out, "thumbnail_width", size->width);
      json_object_set_int_member (out, "thumbnail_height", size->height);
    }
  return out;
}

static void
get_oembed (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  const char *url = reel_request_query (req, "url");
  const char *format = reel_request_query (req, "format");
  g_autofree char *id = NULL;
  g_autoptr (ReelVideo) video = NULL;
  g_autoptr (JsonObject) out = NULL;
  guint max_w = 0, max_h = 0;

  if (format && !g_str_equal (format, "json"))
    {
      /* What the oEmbed spec asks for a format the provider lacks. */
      reel_respond_error_code (req->msg, SOUP_STATUS_NOT_IMPLEMENTED, "not_implemented",
                               "only format=json is served");
      return;
    }
  if (!url || !*url)
    g_set_error_literal (&error, REEL_ERROR, REEL_ERROR_INVALID, "give the video's url");
  else if (query_bound (req, "maxwidth", &max_w, &error)
           && query_bound (req, "maxheight", &max_h, &error))
    {
      if (!(id = video_of_url (url)))
        g_set_error_literal (&error, REEL_ERROR, REEL_ERROR_NOT_FOUND,
                             "the url is not a video's watch page on this site");
      else if ((video = reel_videos_get (req->http->store, id, NULL)) == NULL
               || !reel_video_is_embeddable (video))
        g_set_error_literal (&error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no such video");
    }
  if (error)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  out = oembed_answer (req, video, max_w, max_h);
  reel_respond_object (req->msg, SOUP_STATUS_OK, out);
  soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                "Cache-Control", OEMBED_CACHE_CONTROL);
  reel_respond_allow_any_origin (req->msg);
}

char *
reel_embed_discovery_link (ReelRequest *req, const ReelVideo *video)
{
  g_autofree char *site = NULL, *watch = NULL, *escaped = NULL, *href = NULL, *attr = NULL;
  g_autofree char *title = NULL;
  if (!reel_video_is_embeddable (video))
    return NULL;
  site = reel_request_site_url (req);
  watch = g_strdup_printf ("%s/watch/%s", site, video->id);
  escaped = g_uri_escape_string (watch, NULL, FALSE);
  href = g_strdup_printf ("%s/api/v1/oembed?format=json&url=%s", site, escaped);
  attr = g_markup_escape_text (href, -1);
  title = g_markup_escape_text (video->title, -1);
  return g_strdup_printf ("  <link rel=\"alternate\" type=\"application/json+oembed\" "
                          "href=\"%s\" title=\"%s\">",
                          attr, title);
}

void reel_api_embed_register (ReelRouter *router);

void
reel_api_embed_register (ReelRouter *router)
{
  reel_router_add (router, "GET", "/embed/{id}", get_embed);
  reel_router_add (router, "GET", "/api/v1/oembed", get_oembed);
}
