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
 * Pages are static: they read everything else from the JSON API. File names
 * are checked against a strict pattern before they touch the filesystem,
 * so no request can name a file outside the UI's directory.
 *
 * Every file goes out with a Content-Security-Policy that allows scripts,
 * styles and connections from this origin only: the UI keeps its session
 * token in localStorage, so no injected script may ever run beside it.
 * hls.js needs blob: for its worker and for the MediaSource it plays. */
#include "app/query/profiles.h"
#include "app/users/users.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "http/embed.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"
#include "http/web.h"

/* The UI changes with reel's version: revalidate (ETag) on every load. */
#define UI_CACHE_CONTROL "no-cache"

/* media-src data: is for hls.js, which gives each captions track an empty
 * <track src="data:,WEBVTT"> and fills it with cues itself. */
#define UI_CSP_SOURCES                                                                             \
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "                \
  "media-src 'self' blob: data:; worker-src 'self' blob:; connect-src 'self'; font-src 'self'; "   \
  "manifest-src 'self'; form-action 'self'; base-uri 'none'; "
/* No other site may frame the UI (clickjacking a logged-in user)... */
#define UI_CSP UI_CSP_SOURCES "frame-ancestors 'none'"
/* ...but any may frame the embed player: it holds no session and shows
 * only what anyone may watch (http/web.h). */
#define EMBED_CSP UI_CSP_SOURCES "frame-ancestors *"

static const struct
{
  const char *suffix;
  const char *type;
} types[] = {
  { ".html", "text/html; charset=utf-8" },
  { ".js", "text/javascript; charset=utf-8" },
  { ".mjs", "text/javascript; charset=utf-8" },
  { ".css", "text/css; charset=utf-8" },
  { ".svg", "image/svg+xml" },
  { ".png", "image/png" },
  { ".ico", "image/x-icon" },
  { ".json", "application/json" },
  { ".map", "application/json" },
};

/* [A-Za-z0-9_-] words joined by single dots, with a known suffix. */
static const char *
file_type (const char *name)
{
  gboolean dot_ok = FALSE;
  for (const char *p = name; *p; p++)
    {
      if (*p == '.' && dot_ok)
        dot_ok = FALSE;
      else if (g_ascii_isalnum (*p) || *p == '-' || *p == '_')
        dot_ok = TRUE;
      else
        return NULL;
    }
  for (guint i = 0; dot_ok && i < G_N_ELEMENTS (types); i++)
    if (g_str_has_suffix (name, types[i].suffix))
      return types[i].type;
  return NULL;
}

static void
set_page_headers (ReelRequest *req, guint status, const char *csp)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (req->msg);
  soup_message_headers_replace (h, "Content-Security-Policy", csp);
  soup_message_headers_replace (h, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (h, "Referrer-Policy", "same-origin");
  if (status != SOUP_STATUS_OK && soup_server_message_get_status (req->msg) == SOUP_STATUS_OK)
    soup_server_message_set_status (req->msg, status, NULL);
}

static void
serve_csp (ReelRequest *req, const char *sub, const char *name, guint status, const char *csp)
{
  const char *type = file_type (name);
  g_autofree char *path = NULL;
  if (!type)
    {
      reel_respond_fail (req->msg, REEL_ERROR_NOT_FOUND, "no such file");
      return;
    }
  path = g_build_filename (req->http->cfg->www_dir, sub ? sub : name, sub ? name : NULL, NULL);
  reel_respond_file (req->msg, path, type, UI_CACHE_CONTROL);
  set_page_headers (req, status, csp);
}

static void
serve (ReelRequest *req, const char *sub, const char *name, guint status)
{
  serve_csp (req, sub, name, status, UI_CSP);
}

void
reel_web_serve_embed (ReelRequest *req, const char *name, guint status)
{
  serve_csp (req, NULL, name, status, EMBED_CSP);
}

/* The page name with head_extra (markup, made by the caller with every
 * value escaped) inserted before its </head>: for what a static page must
 * say to clients that run no script, such as the oEmbed discovery link. */
static void
serve_with_head (ReelRequest *req, const char *name, const char *head_extra)
{
  g_autofree char *path = g_build_filename (req->http->cfg->www_dir, name, NULL);
  g_autofree char *page = NULL;
  const char *end_head;
  if (!g_file_get_contents (path, &page, NULL, NULL) || !(end_head = strstr (page, "</head>")))
    {
      serve (req, NULL, name, SOUP_STATUS_OK);
      return;
    }
  reel_respond_text (
      req->msg, file_type (name),
      g_strdup_printf ("%.*s%s\n%s", (int)(end_head - page), page, head_extra, end_head),
      UI_CACHE_CONTROL);
  set_page_headers (req, SOUP_STATUS_OK, UI_CSP);
}

void
reel_web_not_found (ReelRequest *req)
{
  serve (req, NULL, "404.html", SOUP_STATUS_NOT_FOUND);
}

static void
get_index (ReelRequest *req)
{
  serve (req, NULL, "index.html", SOUP_STATUS_OK);
}

/* page when what it shows exists, else 404.html with status 404. */
static void
serve_if_found (ReelRequest *req, gboolean found, const char *page)
{
  if (found)
    serve (req, NULL, page, SOUP_STATUS_OK);
  else
    reel_web_not_found (req);
}

static void
get_playlist (ReelRequest *req)
{
  serve (req, NULL, "playlist.html", SOUP_STATUS_OK);
}

static void
get_watch (ReelRequest *req)
{
  g_autoptr (ReelVideo) video = reel_request_shared_video (req, NULL);
  g_autofree char *discovery = video ? reel_embed_discovery_link (req, video) : NULL;
  if (discovery)
    serve_with_head (req, "watch.html", discovery);
  else
    serve_if_found (req, video != NULL, "watch.html");
}

static void
get_login (ReelRequest *req)
{
  serve (req, NULL, "login.html", SOUP_STATUS_OK);
}

static void
get_admin (ReelRequest *req)
{
  serve (req, NULL, "admin.html", SOUP_STATUS_OK);
}

static void
get_reset (ReelRequest *req)
{
  serve (req, NULL, "reset.html", SOUP_STATUS_OK);
}

static void
get_verify (ReelRequest *req)
{
  serve (req, NULL, "verify.html", SOUP_STATUS_OK);
}

static void
get_upload (ReelRequest *req)
{
  serve (req, NULL, "upload.html", SOUP_STATUS_OK);
}

static void
get_search (ReelRequest *req)
{
  serve (req, NULL, "search.html", SOUP_STATUS_OK);
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
  serve (req, "static", reel_request_param (req, "file"), SOUP_STATUS_OK);
}

static void
get_vendor (ReelRequest *req)
{
  serve (req, "vendor", reel_request_param (req, "file"), SOUP_STATUS_OK);
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
