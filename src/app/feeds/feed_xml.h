/* RSS 2.0 and Atom (RFC 4287) documents of a list of videos: a channel's,
 * or the channels a user follows (http/api_feeds.c). Each video becomes
 * an item/entry with its watch link, title, description, channel, publish
 * time, an enclosure (the HLS playlist, or the MP4 download when its
 * owner allows downloads) and its poster as a Media RSS thumbnail.
 *
 * Every text and attribute goes through g_markup_escape_text /
 * g_markup_printf_escaped: titles and descriptions are user input, and
 * one stray '<' must not break (or inject into) every reader's feed. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *title;       /* the feed's */
  const char *description; /* what it lists, a sentence */
  const char *site;        /* "scheme://host[:port]": links are made absolute with it */
  const char *page;        /* the HTML page it mirrors (absolute) */
  const char *self;        /* this feed's own URL (absolute) */
  JsonArray *items;        /* videos as the API lists them, with "published_at" */
} ReelFeed;

char *reel_feed_rss (const ReelFeed *feed);
char *reel_feed_atom (const ReelFeed *feed);

G_END_DECLS
