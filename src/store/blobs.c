/* See blobs.h. The backend-independent half: key checks, the choice of
 * backend from the configuration, and dispatch to the backend's ops. */
#include "store/blobs-backend.h"
#include "core/error.h"

ReelBlobs *
reel_blobs_open (const char *root, GError **error)
{
  return reel_blobs_fs_open (root, error);
}

ReelBlobs *
reel_blobs_open_s3 (const ReelS3Options *options, GError **error)
{
  return reel_blobs_s3_open (options, error);
}

ReelBlobs *
reel_blobs_open_config (const ReelConfig *cfg, GError **error)
{
  if (g_str_equal (cfg->blobs_backend, "s3"))
    {
      ReelS3Options o = {
        .endpoint = cfg->s3_endpoint,
        .bucket = cfg->s3_bucket,
        .region = cfg->s3_region,
        .access_key = cfg->s3_access_key,
        .secret_key = cfg->s3_secret_key,
        .path_style = cfg->s3_path_style,
        .part_size = cfg->s3_part_size,
      };
      return reel_blobs_s3_open (&o, error);
    }
  g_autofree char *root = reel_config_data_path (cfg, "blobs");
  return reel_blobs_fs_open (root, error);
}

void
reel_blobs_close (ReelBlobs *blobs)
{
  if (blobs)
    blobs->ops->close (blobs);
}

const char *
reel_blobs_backend_name (ReelBlobs *blobs)
{
  return blobs->ops->name;
}

/* Longer keys than any reel makes are refused, and S3 allows 1024 bytes. */
#define KEY_MAX_BYTES 512

gboolean
reel_blobs_key_valid (const char *key)
{
  g_auto (GStrv) parts = NULL;
  if (!key || !*key || strlen (key) > KEY_MAX_BYTES)
    return FALSE;
  parts = g_strsplit (key, "/", -1);
  for (guint i = 0; parts[i]; i++)
    {
      const char *p = parts[i];
      if (!*p || g_str_equal (p, ".") || g_str_equal (p, ".."))
        return FALSE;
      for (; *p; p++)
        if (!(g_ascii_isalnum (*p) || *p == '.' || *p == '_' || *p == '-'))
          return FALSE;
    }
  return TRUE;
}

static gboolean
check_key (const char *key, GError **error)
{
  if (reel_blobs_key_valid (key))
    return TRUE;
  g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "invalid blob key");
  return FALSE;
}

gboolean
reel_blobs_put (ReelBlobs *blobs, const char *key, GBytes *data, GError **error)
{
  return check_key (key, error) && blobs->ops->put (blobs, key, data, error);
}

gboolean
reel_blobs_put_file (ReelBlobs *blobs, const char *key, const char *path, GError **error)
{
  return check_key (key, error) && blobs->ops->put_file (blobs, key, path, error);
}

gboolean
reel_blobs_read (ReelBlobs *blobs, const char *key, guint64 offset, guint64 length,
                 GOutputStream *out, GCancellable *cancellable, GError **error)
{
  return check_key (key, error)
         && blobs->ops->read (blobs, key, offset, length, out, cancellable, error);
}

/* A memory stream that refuses to grow past a limit (G_IO_ERROR_NO_SPACE),
 * so reel_blobs_get stops a blob larger than asked for while it arrives,
 * without a Range: some S3 servers mishandle a Range on an empty object. */
typedef struct
{
  GMemoryOutputStream parent;
  gsize max;
} BoundedStream;
typedef GMemoryOutputStreamClass BoundedStreamClass;
G_DEFINE_TYPE (BoundedStream, bounded_stream, G_TYPE_MEMORY_OUTPUT_STREAM)

static gssize
bounded_write (GOutputStream *stream, const void *buf, gsize count, GCancellable *cancellable,
               GError **error)
{
  BoundedStream *b = (BoundedStream *)stream;
  if (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (b)) + count > b->max)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "blob too large");
      return -1;
    }
  return G_OUTPUT_STREAM_CLASS (bounded_stream_parent_class)
      ->write_fn (stream, buf, count, cancellable, error);
}

static void
bounded_stream_class_init (BoundedStreamClass *klass)
{
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = bounded_write;
}

static void
bounded_stream_init (BoundedStream *b)
{
}

GBytes *
reel_blobs_get (ReelBlobs *blobs, const char *key, gsize max, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GOutputStream) mem = g_object_new (bounded_stream_get_type (), "realloc-function",
                                                g_realloc, "destroy-function", g_free, NULL);
  ((BoundedStream *)mem)->max = max;
  if (!reel_blobs_read (blobs, key, 0, 0, mem, NULL, &local)
      || !g_output_stream_close (mem, NULL, &local))
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
        g_set_error (error, REEL_ERROR, REEL_ERROR_TOO_LARGE,
                     "blob %s is larger than %" G_GSIZE_FORMAT " bytes", key, max);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
}

gboolean
reel_blobs_stat (ReelBlobs *blobs, const char *key, ReelBlobInfo *info, GError **error)
{
  memset (info, 0, sizeof *info);
  return check_key (key, error) && blobs->ops->stat (blobs, key, info, error);
}

char *
reel_blobs_presign (ReelBlobs *blobs, const char *key, guint expires_s, GError **error)
{
  if (!check_key (key, error))
    return NULL;
  return blobs->ops->presign (blobs, key, expires_s, error);
}

char *
reel_blobs_local_path (ReelBlobs *blobs, const char *key, GError **error)
{
  if (!check_key (key, error))
    return NULL;
  if (!blobs->ops->local_path)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED,
                   "the %s blob store has no local files (read %s with reel_blobs_read)",
                   blobs->ops->name, key);
      return NULL;
    }
  return blobs->ops->local_path (blobs, key, error);
}

gint64
reel_blobs_size (ReelBlobs *blobs, const char *key)
{
  ReelBlobInfo info;
  if (!reel_blobs_stat (blobs, key, &info, NULL))
    return -1;
  return (gint64)info.size;
}

gboolean
reel_blobs_delete (ReelBlobs *blobs, const char *key, GError **error)
{
  return check_key (key, error) && blobs->ops->delete (blobs, key, error);
}

gboolean
reel_blobs_list (ReelBlobs *blobs, const char *prefix, ReelBlobsFunc func, gpointer user_data,
                 GError **error)
{
  return blobs->ops->list (blobs, prefix, func, user_data, error);
}

gboolean
reel_blobs_is_temp (const char *key)
{
  return strstr (key, REEL_BLOBS_TEMP_MARK) != NULL;
}

gboolean
reel_blobs_reap_temp (ReelBlobs *blobs, const char *key, ReelBlobsWrite *write, GError **error)
{
  *write = REEL_BLOBS_WRITE_UNKNOWN;
  g_return_val_if_fail (reel_blobs_is_temp (key), FALSE);
  if (!check_key (key, error))
    return FALSE;
  return !blobs->ops->reap_temp || blobs->ops->reap_temp (blobs, key, write, error);
}
