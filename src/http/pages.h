/* The web UI's pages as they go out: a file of the UI's directory
 * (http.www_dir) under its Content-Security-Policy, for the edges that
 * answer with one (api_web.c's pages, api_embed.c's player, the router's
 * 404 page). */
#pragma once

#include "http/server.h"

G_BEGIN_DECLS

/* The file name (in the UI's sub directory when not NULL) with status; a
 * name outside the strict pattern of UI file names is the API's 404. */
void reel_pages_serve (ReelRequest *req, const char *sub, const char *name, guint status);

/* The page name with head_extra (markup, made by the caller with every
 * value escaped) inserted before its </head>: for what a static page must
 * say to clients that run no script, such as the oEmbed discovery link. */
void reel_pages_serve_with_head (ReelRequest *req, const char *name, const char *head_extra);

/* 404.html with status 404. */
void reel_pages_not_found (ReelRequest *req);

/* The page name with status, under a Content-Security-Policy that lets any
 * site frame it (frame-ancestors *) and otherwise the UI's: only for pages
 * that hold no session. */
void reel_pages_serve_embed (ReelRequest *req, const char *name, guint status);

G_END_DECLS
