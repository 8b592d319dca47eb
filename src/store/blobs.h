/* The blob store: originals, segments and thumbnails, by key.
 *
 * A key is a relative path of safe segments ([A-Za-z0-9._-], no "." or "..")
 * such as "originals/<video>" or "videos/<video>/720p/3.m4s"; anything else
 * is refused, so no key can name a file outside the store and every key is
 * its own URL path, unescaped.
 *
 * One interface, two backends behind it (store/blobs-backend.h):
 * - the filesystem under DATA_DIR/blobs (store/blobs_fs.c), with atomic
 *   writes (temp file, fsync, rename): a reader sees the whole blob or none;
 * - an S3-compatible object store (store/s3.c), for machines that share no
 *   disk: multipart uploads, ranged streamed reads, retries with backoff.
 * Every call works on both, except reel_blobs_local_path(), which only a
 * store with local files can answer (REEL_ERROR_UNSUPPORTED on S3): code
 * that must also run against S3 reads with reel_blobs_read() or hands
 * GStreamer the URI of reel_blobs_presign(). Every call may be made from
 * several threads at once. */
#pragma once

#include "core/config.h"

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct ReelBlobs ReelBlobs;

/* Where an S3 backend stores its blobs and how it signs its requests. */
typedef struct
{
  const char *endpoint;   /* http(s)://HOST[:PORT], e.g. https://s3.eu-west-1.amazonaws.com */
  const char *bucket;     /* bucket name */
  const char *region;     /* signing region, e.g. us-east-1 */
  const char *access_key; /* NULL: $AWS_ACCESS_KEY_ID */
  const char *secret_key; /* NULL: $AWS_SECRET_ACCESS_KEY */
  gboolean path_style;    /* ENDPOINT/BUCKET/KEY rather than BUCKET.HOST/KEY */
  guint64 part_size;      /* multipart upload part size; 0: the default */
  guint list_page;        /* keys per listing request; 0: 1000, S3's most */
} ReelS3Options;

/* The filesystem backend rooted at root (created if missing). */
ReelBlobs *reel_blobs_open (const char *root, GError **error);
/* The S3 backend; checks the options, but does not contact the server. */
ReelBlobs *reel_blobs_open_s3 (const ReelS3Options *options, GError **error);
/* The backend blobs.backend names: DATA_DIR/blobs, or the blobs.s3_* bucket. */
ReelBlobs *reel_blobs_open_config (const ReelConfig *cfg, GError **error);
void reel_blobs_close (ReelBlobs *blobs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelBlobs, reel_blobs_close)

/* "fs" or "s3". */
const char *reel_blobs_backend_name (ReelBlobs *blobs);

gboolean reel_blobs_key_valid (const char *key);

/* Stores bytes under key, atomically. */
gboolean reel_blobs_put (ReelBlobs *blobs, const char *key, GBytes *data, GError **error);
/* Moves a local file (e.g. a finished upload) into the store under key,
 * atomically and durably, streaming it (never whole in memory). The file
 * is gone from path afterwards; on the filesystem backend path must be on
 * the same filesystem as the store. */
gboolean reel_blobs_put_file (ReelBlobs *blobs, const char *key, const char *path, GError **error);

/* Streams length bytes of key from offset (length 0: to the end) into out;
 * REEL_ERROR_NOT_FOUND when absent, REEL_ERROR_INVALID when offset is past
 * the end. A range reaching past the end is cut there. */
gboolean reel_blobs_read (ReelBlobs *blobs, const char *key, guint64 offset, guint64 length,
                          GOutputStream *out, GCancellable *cancellable, GError **error);
/* A whole small blob (a playlist, an init segment) in memory;
 * REEL_ERROR_TOO_LARGE when it is larger than max bytes. */
GBytes *reel_blobs_get (ReelBlobs *blobs, const char *key, gsize max, GError **error);

/* What reel_blobs_stat() tells of a blob. */
typedef struct
{
  guint64 size;
  gint64 mtime_s;
  /* A validator that changes whenever the content may have: S3's ETag, or
   * "size-mtime" on the filesystem (the same as HTTP playback's). Quoted. */
  char etag[80];
} ReelBlobInfo;

/* REEL_ERROR_NOT_FOUND when absent. */
gboolean reel_blobs_stat (ReelBlobs *blobs, const char *key, ReelBlobInfo *info, GError **error);

/* A URL that reads key without credentials for expires_s seconds, for a
 * process that reads through a URI (GStreamer's souphttpsrc, which seeks with
 * Range): a presigned GET on S3, a file:// URI on the filesystem (which does
 * not expire). REEL_ERROR_NOT_FOUND when the blob is absent (filesystem only:
 * S3 signs without asking). */
char *reel_blobs_presign (ReelBlobs *blobs, const char *key, guint expires_s, GError **error);

/* The local file behind key, for serving and for GStreamer to read;
 * REEL_ERROR_NOT_FOUND when absent, REEL_ERROR_UNSUPPORTED on a backend
 * without local files (S3). */
char *reel_blobs_local_path (ReelBlobs *blobs, const char *key, GError **error);
/* The size of the blob under key, or -1 when there is none. */
gint64 reel_blobs_size (ReelBlobs *blobs, const char *key);
/* Deletes a blob (an absent one is fine), and on the filesystem the
 * directories it leaves empty. */
gboolean reel_blobs_delete (ReelBlobs *blobs, const char *key, GError **error);

/* What a temporary file's name adds to its blob's key: "<key>.tmp-XXXXXX". */
#define REEL_BLOBS_TEMP_MARK ".tmp-"

/* Whether key is the temporary file of a write ("<key>.tmp-XXXXXX"). */
gboolean reel_blobs_is_temp (const char *key);

typedef enum
{
  REEL_BLOBS_WRITE_ABANDONED,   /* its writer died mid-write: the file was deleted */
  REEL_BLOBS_WRITE_IN_PROGRESS, /* its writer is alive (or it was renamed into place) */
  REEL_BLOBS_WRITE_UNKNOWN,     /* the filesystem cannot say (no file locks) */
} ReelBlobsWrite;

/* For a temporary file: whether the write that made it is still going on,
 * and, when it is not, deletes it. A writer holds a lock on its temporary
 * file until the rename, and the kernel drops the lock when the writer
 * dies, so a crash's leftovers can be told from a write in progress at
 * once, by any process, whatever their age. */
gboolean reel_blobs_reap_temp (ReelBlobs *blobs, const char *key, ReelBlobsWrite *write,
                               GError **error);

/* Called by reel_blobs_list() for each blob; FALSE stops the listing. */
typedef gboolean (*ReelBlobsFunc) (const char *key, guint64 size, gint64 mtime_s,
                                   gpointer user_data);
/* Visits every blob whose key starts with prefix ("" for all; a prefix
 * ending in "/" lists a "directory"), in no set order. On the filesystem this
 * includes the temporary files of writes in progress or interrupted
 * ("<key>.tmp-XXXXXX"); on S3 an unfinished multipart upload is not an object
 * and is not listed. */
gboolean reel_blobs_list (ReelBlobs *blobs, const char *prefix, ReelBlobsFunc func,
                          gpointer user_data, GError **error);

G_END_DECLS
