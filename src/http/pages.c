/* See pages.h.
 *
 * Pages are static: they read everything else from the JSON API. File names
 * are checked against a strict pattern before they touch the filesystem,
 * so no request can name a file outside the UI's directory.
 *
 * Every file goes out with a Content-Security-Policy that allows scripts,
 * styles and connections from this origin only: the UI keeps its session
 * token in localStorage, so no injected script may ever run beside it.
 * hls.js needs blob: for its worker and for the MediaSource it plays. */
#include "http/pages.h"
#include "core/error.h"
#include "http/respond.h"

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
 * only what anyone may watch (http/pages.h). */
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

void
reel_pages_serve (ReelRequest *req, const char *sub, const char *name, guint status)
{
  serve_csp (req, sub, name, status, UI_CSP);
}

void
reel_pages_serve_embed (ReelRequest *req, const char *name, guint status)
{
  serve_csp (req, NULL, name, status, EMBED_CSP);
}

void
reel_pages_serve_with_head (ReelRequest *req, const char *name, const char *head_extra)
{
  g_autofree char *path = g_build_filename (req->http->cfg->www_dir, name, NULL);
  g_autofree char *page = NULL;
  const char *end_head;
  if (!g_file_get_contents (path, &page, NULL, NULL) || !(end_head = strstr (page, "</head>")))
    {
      reel_pages_serve (req, NULL, name, SOUP_STATUS_OK);
      return;
    }
  reel_respond_text (
      req->msg, file_type (name),
      g_strdup_printf ("%.*s%s\n%s", (int)(end_head - page), page, head_extra, end_head),
      UI_CACHE_CONTROL);
  set_page_headers (req, SOUP_STATUS_OK, UI_CSP);
}

void
reel_pages_not_found (ReelRequest *req)
{
  reel_pages_serve (req, NULL, "404.html", SOUP_STATUS_NOT_FOUND);
}
