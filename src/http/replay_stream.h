/* A connection taken from one SoupServer after it read a request's head,
 * given to another as if new (http/readers.h): reading it gives the head
 * again (as bytes), then whatever the client sent after it, including what
 * the first server had already buffered; writing and closing go to the
 * connection itself. Pollable, as libsoup needs. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A stream over base (a connection stolen from libsoup) that first reads
 * head. Both are referenced. */
GIOStream *reel_replay_stream_new (GIOStream *base, GBytes *head);

G_END_DECLS
