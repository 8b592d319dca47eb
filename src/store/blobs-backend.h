/* What a blob backend implements (see blobs.h), for store/ only.
 *
 * A backend's handle begins with a ReelBlobs, whose ops table the calls of
 * blobs.c dispatch to after checking the key; so a backend never sees an
 * invalid key and only does its own storage's work. */
#pragma once

#include "store/blobs.h"

G_BEGIN_DECLS

typedef struct
{
  const char *name;
  void (*close) (ReelBlobs *blobs);
  gboolean (*put) (ReelBlobs *blobs, const char *key, GBytes *data, GError **error);
  gboolean (*put_file) (ReelBlobs *blobs, const char *key, const char *path, GError **error);
  gboolean (*read) (ReelBlobs *blobs, const char *key, guint64 offset, guint64 length,
                    GOutputStream *out, GCancellable *cancellable, GError **error);
  gboolean (*stat) (ReelBlobs *blobs, const char *key, ReelBlobInfo *info, GError **error);
  char *(*presign) (ReelBlobs *blobs, const char *key, guint expires_s, GError **error);
  /* NULL: the backend has no local files. */
  char *(*local_path) (ReelBlobs *blobs, const char *key, GError **error);
  gboolean (*delete) (ReelBlobs *blobs, const char *key, GError **error);
  /* NULL: the backend writes no temporary files (a whole object appears at
   * once on S3), so there are none to reap. */
  gboolean (*reap_temp) (ReelBlobs *blobs, const char *key, ReelBlobsWrite *write, GError **error);
  gboolean (*list) (ReelBlobs *blobs, const char *prefix, ReelBlobsFunc func, gpointer user_data,
                    GError **error);
} ReelBlobsOps;

struct ReelBlobs
{
  const ReelBlobsOps *ops;
};

/* The two backends' constructors (blobs_fs.c, s3.c). */
ReelBlobs *reel_blobs_fs_open (const char *root, GError **error);
ReelBlobs *reel_blobs_s3_open (const ReelS3Options *options, GError **error);

G_END_DECLS
