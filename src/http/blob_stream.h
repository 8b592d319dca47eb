/* Answers a blob from the store to an HTTP client: the file itself on the
 * filesystem backend (reel_respond_file), and on S3 a stream: the object
 * read in a thread with a ranged GET and handed to libsoup chunk by chunk,
 * never more than a small window of it in memory, with the client's Range
 * (one range; 206, or 416 past the end), S3's ETag (304 on If-None-Match)
 * and the caller's Cache-Control. */
#pragma once

#include "store/blobs.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS

void reel_respond_blob (SoupServerMessage *msg, ReelBlobs *blobs, const char *key, const char *type,
                        const char *cache_control);

G_END_DECLS
