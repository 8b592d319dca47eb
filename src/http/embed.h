/* Embedding videos on other sites (api_embed.c): the discovery link the
 * watch page carries for oEmbed consumers. */
#pragma once

#include "http/server.h"

G_BEGIN_DECLS

/* <link rel="alternate" type="application/json+oembed" ...> naming the
 * oEmbed answer for video's watch URL, or NULL when the video may not be
 * embedded (app/video/visibility.h). */
char *reel_embed_discovery_link (ReelRequest *req, const ReelVideo *video);

G_END_DECLS
