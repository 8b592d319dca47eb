/* The web UI's files, from http.www_dir (data/www):
 *   GET /                         index.html (latest videos, the subscription feed)
 *   GET /login                    login.html (log in, register)
 *   GET /reset                    reset.html (forgotten password, #code; change password)
 *   GET /verify                   verify.html (email verification, #code)
 *   GET /admin                    admin.html (reports, bans; roles, invites, audit for admins)
 *   GET /upload                   upload.html
 *   GET /search                   search.html (?q=)
 *   GET /watch/{id}               watch.html (404.html, status 404, for an unknown video),
 *                                 with the oEmbed discovery <link> when it may be embedded
 *   GET /channel/{username}       channel.html (404.html, status 404, for an unknown user)
 *   GET /playlist/{id}            playlist.html (always: its script asks the API, which alone
 *                                 knows who may see a private playlist)
 *   GET /static/{file}            the UI's scripts, styles and images
 *   GET /static/vendor/{file}     third-party scripts (hls.js, tus-js-client), installed by
 *                                 dev.sh from npm
 * How a page goes out (its Content-Security-Policy, which file names may
 * be read) is http/pages.c's. */
#include "app/query/profiles.h"
#include "app/video/videos.h"
#include "http/embed.h"
#include "http/pages.h"
#include "http/request.h"
#include "http/router.h"
#include "http/server.h"

static void
get_index (ReelRequest *req)
{
  reel_pages_serve (req, NULL, "index.html", SOUP_STATUS_OK);
}

/* page when what it shows exists, else 404.html with status 404. */
static void
serve_if_found (ReelRequest *req, gboolean found, const char *page)
{
  if (found)
    reel_pages_serve (req, NULL, page, SOUP_STATUS_OK);
  else
    reel_pages_not_found (req);
}

static void
get_playlist (ReelRequest *req)
{
  reel_pages_serve (req, NULL, "playlist.html", SOUP_STATUS_OK);
}

static void
get_watch (ReelRequest *req)
{
  g_autoptr (ReelVideo) video = reel_request_shared_video (req, NULL);
  g_autofree char *discovery = video ? reel_embed_discovery_link (req, video) : NULL;
  if (discovery)
    reel_pages_serve_with_head (req, "watch.html", discovery);
  else
    serve_if_found (req, video != NULL, "watch.html");
}

static void
get_login (ReelRequest *req)
{
  reel_pages_serve (req, NULL, "login.html", SOUP_STATUS_OK);
}

static void
get_admin (ReelRequest *req)
{
  reel_pages_serve (req, NULL, "admin.html", SOUP_STATUS_OK);
}

static void
get_reset (ReelRequest *req)
{
  reel_pages_serve (req, NULL, "reset.html", SOUP_STATUS_OK);
}

static void
get_verify (ReelRequest *req)
{
  reel_pages_serve (req, NULL, "verify.html", SOUP_STATUS_OK);
}

static void
get_upload (ReelRequest *req)
{
  reel_pages_serve (req, NULL, "upload.html", SOUP_STATUS_OK);
}

static void
get_search (ReelRequest *req)
{
  reel_pages_serve (req, NULL, "search.html", SOUP_STATUS_OK);
}

static void
get_channel (ReelRequest *req)
{
  g_autoptr (JsonObject) channel
      = reel_profiles_get (req->http->store, reel_request_param (req, "username"), NULL);
  serve_if_found (req, channel != NULL, "channel.html");
}

static void
get_static (ReelRequest *req)
{
  reel_pages_serve (req, "static", reel_request_param (req, "file"), SOUP_STATUS_OK);
}

static void
get_vendor (ReelRequest *req)
{
  reel_pages_serve (req, "vendor", reel_request_param (req, "file"), SOUP_STATUS_OK);
}

void reel_api_web_register (ReelRouter *router);

void
reel_api_web_register (ReelRouter *router)
{
  reel_router_add (router, "GET", "/", get_index);
  reel_router_add (router, "GET", "/watch/{id}", get_watch);
  reel_router_add (router, "GET", "/login", get_login);
  reel_router_add (router, "GET", "/reset", get_reset);
  reel_router_add (router, "GET", "/verify", get_verify);
  reel_router_add (router, "GET", "/admin", get_admin);
  reel_router_add (router, "GET", "/upload", get_upload);
  reel_router_add (router, "GET", "/search", get_search);
  reel_router_add (router, "GET", "/channel/{username}", get_channel);
  reel_router_add (router, "GET", "/playlist/{id}", get_playlist);
  reel_router_add (router, "GET", "/static/vendor/{file}", get_vendor);
  reel_router_add (router, "GET", "/static/{file}", get_static);
}
