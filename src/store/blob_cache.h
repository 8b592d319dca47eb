/* Local copies of blobs, for readers that need a file: GStreamer's filesrc
 * in the media child and the discoverer that probes an upload.
 *
 * On a store with local files (the filesystem backend) the blob's own file
 * is the answer and nothing is copied. On S3 the blob is streamed once into
 * DATA_DIR/cache (ranged, never whole in memory), named after its key and
 * ETag, so the several chunk jobs of one video on a node share one copy and
 * a changed blob is fetched again. The cache is bounded: after each fetch
 * the least recently used copies go until it fits, except copies a job may
 * still be reading. Every call may be made from several threads at once. */
#pragma once

#include "store/blobs.h"

G_BEGIN_DECLS

/* The most the cache keeps, in bytes: a few originals of the largest size
 * uploads allow, while a node's disk holds many more. */
#define REEL_BLOB_CACHE_MAX_BYTES (G_GUINT64_CONSTANT (8) << 30)

/* A local file with the bytes of key, valid at least for the time of a job:
 * its own file on the filesystem backend, a copy under cache_dir otherwise,
 * which then holds at most max_bytes of copies not in use (0: the default
 * REEL_BLOB_CACHE_MAX_BYTES).
 * REEL_ERROR_NOT_FOUND when the blob is absent; the store's error (e.g.
 * REEL_ERROR_UNAVAILABLE) when it cannot be read, for the job to retry. */
char *reel_blob_cache_file (ReelBlobs *blobs, const char *cache_dir, const char *key,
                            guint64 max_bytes, GError **error);

G_END_DECLS
