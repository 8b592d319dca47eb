/* The blob store: originals, segments and thumbnails, by key.
 *
 * A key is a relative path of safe segments ([A-Za-z0-9._-], no "." or "..")
 * such as "originals/<video>" or "videos/<video>/720p/3.m4s"; anything else
 * is refused, so no key can name a file outside the store. The default
 * backend is the filesystem under DATA_DIR/blobs with atomic writes (temp
 * file, fsync, rename): a reader sees the whole blob or none of it. The
 * interface is small on purpose, so an S3-compatible backend can slot in. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct ReelBlobs ReelBlobs;

ReelBlobs *reel_blobs_open (const char *root, GError **error);
void reel_blobs_close (ReelBlobs *blobs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelBlobs, reel_blobs_close)

gboolean reel_blobs_key_valid (const char *key);

/* Stores bytes under key, atomically. */
gboolean reel_blobs_put (ReelBlobs *blobs, const char *key, GBytes *data, GError **error);
/* Moves a local file (on the same filesystem, e.g. a finished upload) into
 * the store under key, atomically and durably. */
gboolean reel_blobs_put_file (ReelBlobs *blobs, const char *key, const char *path, GError **error);
/* The local file behind key, for serving and for GStreamer to read;
 * REEL_ERROR_NOT_FOUND when absent. */
char *reel_blobs_local_path (ReelBlobs *blobs, const char *key, GError **error);
/* Deletes a blob (an absent one is fine) and the directories it leaves empty. */
gboolean reel_blobs_delete (ReelBlobs *blobs, const char *key, GError **error);

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
 * ending in "/" lists a "directory"), including the temporary files of
 * writes in progress or interrupted ("<key>.tmp-XXXXXX"), in no set order. */
gboolean reel_blobs_list (ReelBlobs *blobs, const char *prefix, ReelBlobsFunc func,
                          gpointer user_data, GError **error);

G_END_DECLS
