/* The web UI's pages (api_web.c), for the other edges that answer with
 * one: the 404 page, and the embed player, which alone among the pages
 * other sites may frame. */
#pragma once

#include "http/server.h"

G_BEGIN_DECLS

/* 404.html with status 404. */
void reel_web_not_found (ReelRequest *req);

/* The page name (a file of the UI's directory) with status, under a
 * Content-Security-Policy that lets any site frame it (frame-ancestors *)
 * and otherwise the UI's: only for pages that hold no session. */
void reel_web_serve_embed (ReelRequest *req, const char *name, guint status);

G_END_DECLS
